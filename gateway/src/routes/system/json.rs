//! The JSON of health, readiness and the JWK Set.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// `{"status": "ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthBody {
    #[schema(example = "ok")]
    pub status: String,
}

/// Readiness: every backend answers its gRPC health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyBody {
    #[schema(example = "ready")]
    pub status: String,
    /// Each backend's health: `serving`, `not_serving` or `unreachable`.
    #[schema(value_type = Object)]
    pub services: Map<String, Value>,
}

/// One public key.
#[derive(Debug, Serialize, ToSchema)]
pub struct JwkBody {
    #[schema(example = "OKP")]
    pub kty: String,
    #[schema(example = "Ed25519")]
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub use_: String,
}

/// A JWK Set (RFC 7517).
#[derive(Debug, Serialize, ToSchema)]
pub struct JwksBody {
    pub keys: Vec<JwkBody>,
}
