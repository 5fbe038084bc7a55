//! Signing keys over gRPC: tokens verify against the published JWK Set,
//! and the key survives a restart.

use crate::support::TestAuth;
use everytime_common::token::{AuthJwks, Role, TokenSettings, TokenVerifier};
use everytime_proto::auth::v1 as pb;

#[tokio::test]
async fn access_tokens_verify_against_the_published_jwk_set() {
    let auth = TestAuth::start().await;
    let (user, token) = auth.user_with_token("verify").await;
    let verifier = TokenVerifier::new(
        &TokenSettings::default().issuer,
        &TokenSettings::default().audience,
        std::sync::Arc::new(AuthJwks::new(auth.channel.clone())),
    );

    let caller = verifier.verify(&token).await.expect("verifies");

    assert_eq!(caller.user_id, user.id);
    assert_eq!(caller.school_id, 1);
    assert_eq!(caller.role, Role::User);
    let header = jsonwebtoken::decode_header(&token).expect("a header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    let jwks = auth
        .auth()
        .get_jwks(pb::GetJwksRequest {})
        .await
        .expect("jwks")
        .into_inner()
        .keys;
    assert!(jwks.iter().any(|key| Some(&key.kid) == header.kid.as_ref()));
}

#[tokio::test]
async fn a_restart_keeps_the_signing_key() {
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("db");
    let kid_of = |auth: &TestAuth| {
        let mut client = auth.auth();
        async move {
            client
                .get_jwks(pb::GetJwksRequest {})
                .await
                .expect("jwks")
                .into_inner()
                .keys
        }
    };
    let first = TestAuth::start_with({
        let url = url.clone();
        move |config| config.database_url = url
    })
    .await;
    let before = kid_of(&first).await;
    first.stop().await;
    let second = TestAuth::start_with(move |config| config.database_url = url).await;
    let after = kid_of(&second).await;

    assert_eq!(before.len(), 1);
    assert_eq!(before, after);
}
