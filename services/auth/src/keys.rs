//! The keys that sign access tokens, and the tokens they sign.
//!
//! In deployment the key comes from a secret (`JWT_SIGNING_KEY_FILE` or
//! `JWT_SIGNING_KEY`, an Ed25519 PKCS#8 PEM) and every replica signs with it.
//! Without one, auth keeps its keys in the `signing_keys` table and makes the
//! first on first start; an advisory lock makes replicas starting together
//! agree on one key. The newest unretired key signs, and every unretired key
//! is published, so a key added for rotation verifies before it signs.
//! [`get_jwks`] is the use case that publishes them; the keys' SQL is
//! [`crate::store::keys`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use everytime_common::token::{
    Claims, KeySource, PublicJwk, Role, SigningKey, TokenSettings, random_id,
};
use everytime_proto::auth::v1 as pb;
use sqlx::PgPool;

use crate::{State, error::Result, store::keys as store, wire};

/// The JWK Set: every public key that verifies auth's access tokens.
pub async fn get_jwks(state: &State, _request: pb::GetJwksRequest) -> Result<pb::GetJwksResponse> {
    Ok(wire::jwks(state.keys.published().await?))
}

/// The signing key and where the published keys come from.
#[derive(Debug)]
pub struct KeyRing {
    signing: SigningKey,
    /// True when the key came from configuration: then it alone is published.
    configured: bool,
    pool: PgPool,
}

impl KeyRing {
    /// Uses `configured` when given, else the newest stored key, making one
    /// when there is none.
    pub async fn load(pool: &PgPool, configured: Option<SigningKey>) -> Result<KeyRing> {
        if let Some(signing) = configured {
            tracing::info!(
                kid = signing.kid(),
                "signing access tokens with the configured key"
            );
            return Ok(KeyRing {
                signing,
                configured: true,
                pool: pool.clone(),
            });
        }
        let mut tx = pool.begin().await?;
        store::lock_signing_keys(&mut tx).await?;
        let newest = store::newest_seed(&mut tx).await?;
        let signing = match newest.and_then(|seed| <[u8; 32]>::try_from(seed).ok()) {
            Some(seed) => SigningKey::from_seed(seed),
            None => {
                let key = SigningKey::generate();
                store::insert_signing_key(&mut tx, key.kid(), key.seed().as_slice()).await?;
                tracing::info!(kid = key.kid(), "created a signing key");
                key
            }
        };
        tx.commit().await?;
        Ok(KeyRing {
            signing,
            configured: false,
            pool: pool.clone(),
        })
    }

    /// The public keys that verify tokens: the JWK Set.
    pub async fn published(&self) -> Result<Vec<PublicJwk>> {
        if self.configured {
            return Ok(vec![self.signing.public_jwk().clone()]);
        }
        let seeds = store::unretired_seeds(&self.pool).await?;
        Ok(seeds
            .into_iter()
            .filter_map(|seed| <[u8; 32]>::try_from(seed).ok())
            .map(|seed| SigningKey::from_seed(seed).public_jwk().clone())
            .collect())
    }

    /// Signs an access token.
    pub fn access_token(&self, settings: &TokenSettings, subject: &Subject) -> Result<String> {
        let now = Utc::now();
        let expires: DateTime<Utc> = now + settings.access_token_ttl;
        let claims = Claims {
            sub: subject.user_id.to_string(),
            sid: subject.session_id.to_string(),
            school_id: subject.school_id,
            role: subject.role,
            iss: settings.issuer.clone(),
            aud: settings.audience.clone(),
            exp: expires.timestamp(),
            iat: now.timestamp(),
            jti: random_id(),
        };
        Ok(self.signing.sign(&claims)?)
    }
}

/// Who an access token is for.
#[derive(Debug, Clone, Copy)]
pub struct Subject {
    /// The user.
    pub user_id: i64,
    /// Their session.
    pub session_id: i64,
    /// Their school.
    pub school_id: i64,
    /// Their role.
    pub role: Role,
}

/// Auth verifies its own callers' tokens against the keys it publishes.
#[derive(Debug, Clone)]
pub struct PublishedKeys(pub Arc<KeyRing>);

#[async_trait::async_trait]
impl KeySource for PublishedKeys {
    async fn keys(&self) -> std::result::Result<Vec<PublicJwk>, String> {
        self.0.published().await.map_err(|error| error.to_string())
    }
}
