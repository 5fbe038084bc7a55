//! Access tokens for tests of a data service: a fresh signing key, the
//! verifier that trusts it (so the service needs no auth to check tokens),
//! and tokens for any user, school and role.

use std::sync::Arc;

use everytime_common::token::{
    Claims, Role, SigningKey, StaticKeys, TokenSettings, TokenVerifier, random_id,
};

/// A signing key of the test's own.
#[derive(Debug)]
pub struct TestKeys {
    /// The key; its public half is all the verifier knows.
    pub key: SigningKey,
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl TestKeys {
    /// A freshly generated key.
    pub fn new() -> Self {
        TestKeys {
            key: SigningKey::generate(),
        }
    }

    /// A verifier with the default issuer and audience that knows only this key.
    pub fn verifier(&self) -> Arc<TokenVerifier> {
        Arc::new(
            TokenSettings::default()
                .verifier(Arc::new(StaticKeys(vec![self.key.public_jwk().clone()]))),
        )
    }

    /// A token for `user_id` of `school_id` with `role`, session `1`,
    /// valid for 15 minutes.
    pub fn token(&self, user_id: i64, school_id: i64, role: Role) -> String {
        let settings = TokenSettings::default();
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).expect("time fits in i64");
        self.key
            .sign(&Claims {
                sub: user_id.to_string(),
                sid: "1".into(),
                school_id,
                role,
                iss: settings.issuer,
                aud: settings.audience,
                exp: now + 900,
                iat: now,
                jti: random_id(),
            })
            .expect("signs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_verifies_to_its_user_school_and_role() {
        let keys = TestKeys::new();
        let caller = keys
            .verifier()
            .verify(&keys.token(42, 3, Role::Admin))
            .await
            .expect("verifies");
        assert_eq!(
            (caller.user_id, caller.school_id, caller.role),
            (42, 3, Role::Admin)
        );
    }

    #[tokio::test]
    async fn another_test_key_does_not_verify_it() {
        let token = TestKeys::new().token(1, 1, Role::User);
        assert!(TestKeys::new().verifier().verify(&token).await.is_err());
    }
}
