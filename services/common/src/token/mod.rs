//! Access tokens: their claims, the Ed25519 keys that sign them, and the
//! verifier every service and the gateway run before trusting a request.
//!
//! Tokens are JWTs signed with EdDSA (Ed25519). The algorithm is pinned: a
//! token whose header names anything else (`none`, `HS256`, ...) is refused
//! before any key is looked at. The header's `typ` must be `at+jwt`
//! ([`TOKEN_TYPE`], RFC 9068 and RFC 8725 §3.11), so no other JWT signed
//! with the same key can pass for an access token. `iss`, `aud`, `exp` and
//! `sub` are required.
//! Public keys come from auth's JWK Set, cached: an unknown `kid` triggers a
//! refetch (at most one attempt, failed or not, per
//! [`MIN_REFETCH_INTERVAL`]), so a key rotated in by
//! auth is picked up without a restart, and a set older than [`KEYS_MAX_AGE`]
//! is fetched again, so a key auth has withdrawn stops verifying.
//!
//! - this file: the settings, roles, claims and the verified [`Caller`];
//! - [`keys`]: the Ed25519 signing keys and their JWK form (auth signs, the
//!   JWK Set publishes);
//! - [`verify`]: the [`TokenVerifier`] and where it gets public keys
//!   ([`AuthJwks`], [`StaticKeys`]);
//! - [`revoked`]: the [`EndedSessions`] it refuses (`session_revoked`), fed
//!   by auth's event channel.

pub mod keys;
pub mod revoked;
pub mod verdicts;
pub mod verify;

pub use keys::{KeyError, PublicJwk, SigningKey, random_id};
pub use revoked::EndedSessions;
pub use verify::{
    AuthJwks, FIRST_FETCH_RETRY, KEYS_MAX_AGE, KeySource, MIN_REFETCH_INTERVAL, StaticKeys,
    TokenVerifier, VerifyError, bearer,
};

use std::{sync::Arc, time::Duration};

use jsonwebtoken::Algorithm;
use serde::{Deserialize, Serialize};

/// The only algorithm access tokens may use.
pub const ALGORITHM: Algorithm = Algorithm::EdDSA;

/// The `typ` header of every access token (RFC 9068 §2.1).
pub const TOKEN_TYPE: &str = "at+jwt";

/// Who issues access tokens, who they are for, and how long tokens live.
/// The same issuer and audience must be configured on auth, every service
/// and the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// `iss` (`JWT_ISSUER`, default `everytime-auth`).
    pub issuer: String,
    /// `aud` (`JWT_AUDIENCE`, default `everytime`).
    pub audience: String,
    /// Access-token lifetime (`ACCESS_TOKEN_TTL_SECONDS`, default 900).
    pub access_token_ttl: Duration,
    /// Refresh-token lifetime (`REFRESH_TOKEN_TTL_SECONDS`, default 30 days).
    pub refresh_token_ttl: Duration,
    /// The absolute lifetime of a session, however often it is refreshed
    /// (`SESSION_MAX_AGE_SECONDS`, default 90 days): a refresh after it
    /// ends the session.
    pub session_max_age: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            issuer: "everytime-auth".into(),
            audience: "everytime".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            session_max_age: Duration::from_secs(90 * 24 * 3600),
        }
    }
}

impl TokenSettings {
    /// Reads `JWT_ISSUER`, `JWT_AUDIENCE`, `ACCESS_TOKEN_TTL_SECONDS`,
    /// `REFRESH_TOKEN_TTL_SECONDS` and `SESSION_MAX_AGE_SECONDS`.
    pub fn from_env() -> Result<Self, crate::config::ConfigError> {
        let defaults = TokenSettings::default();
        Ok(TokenSettings {
            issuer: crate::config::var_or("JWT_ISSUER", &defaults.issuer),
            audience: crate::config::var_or("JWT_AUDIENCE", &defaults.audience),
            access_token_ttl: crate::config::seconds_or(
                "ACCESS_TOKEN_TTL_SECONDS",
                defaults.access_token_ttl.as_secs(),
            )?,
            refresh_token_ttl: crate::config::seconds_or(
                "REFRESH_TOKEN_TTL_SECONDS",
                defaults.refresh_token_ttl.as_secs(),
            )?,
            session_max_age: crate::config::seconds_or(
                "SESSION_MAX_AGE_SECONDS",
                defaults.session_max_age.as_secs(),
            )?,
        })
    }

    /// A verifier for tokens issued under these settings.
    pub fn verifier(&self, source: Arc<dyn KeySource>) -> TokenVerifier {
        TokenVerifier::new(&self.issuer, &self.audience, source)
    }

    /// A verifier for the keys auth publishes behind `auth` that also
    /// refuses the tokens of ended sessions, following auth's event channel
    /// (the gateway and every data service).
    pub fn auth_verifier(&self, auth: tonic::transport::Channel) -> TokenVerifier {
        self.verifier(Arc::new(AuthJwks::new(auth.clone())))
            .with_ended_sessions(EndedSessions::follow(auth, self.access_token_ttl))
    }
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An ordinary member of a school.
    User,
    /// May create schools, import courses and delete any post.
    Admin,
}

impl Role {
    /// The name used in tokens, the database and the REST API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored name; anything unknown is an ordinary user.
    pub fn from_name(name: &str) -> Role {
        if name == "admin" {
            Role::Admin
        } else {
            Role::User
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a decimal string.
    pub sub: String,
    /// The session id, as a decimal string.
    pub sid: String,
    /// The user's school.
    pub school_id: i64,
    /// The user's role.
    pub role: Role,
    /// Who issued the token.
    pub iss: String,
    /// Who the token is for.
    pub aud: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: i64,
    /// A unique id for this token.
    pub jti: String,
}

/// The verified identity behind a request, put into request extensions by
/// [`crate::grpc::RequireAuthLayer`] and read by handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user.
    pub user_id: i64,
    /// The sign-in session the token belongs to.
    pub session_id: i64,
    /// The user's school; everything school-scoped filters by it.
    pub school_id: i64,
    /// The user's role.
    pub role: Role,
}

impl Caller {
    /// True for administrators.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

impl TryFrom<Claims> for Caller {
    type Error = VerifyError;

    fn try_from(claims: Claims) -> Result<Self, Self::Error> {
        let user_id = claims.sub.parse().map_err(|_| VerifyError::Invalid)?;
        let session_id = claims.sid.parse().map_err(|_| VerifyError::Invalid)?;
        Ok(Caller {
            user_id,
            session_id,
            school_id: claims.school_id,
            role: claims.role,
        })
    }
}
