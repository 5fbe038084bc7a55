//! The Ed25519 keys that sign access tokens: a [`SigningKey`] (auth's,
//! from PKCS#8 PEM or generated), and its public half as a [`PublicJwk`]
//! whose `kid` is the RFC 7638 thumbprint.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey as Ed25519SigningKey;
use everytime_proto::auth::v1 as pb;
use jsonwebtoken::{DecodingKey, EncodingKey, Header};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ALGORITHM, Claims, TOKEN_TYPE};

/// The public half of a signing key, as published in the JWK Set
/// (RFC 7517, with the Ed25519 `OKP` key type of RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    /// The key id, the RFC 7638 thumbprint.
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

impl PublicJwk {
    /// The JWK of a raw Ed25519 public key; `kid` is its RFC 7638 thumbprint.
    pub fn ed25519(public_key: &[u8; 32]) -> Self {
        let x = URL_SAFE_NO_PAD.encode(public_key);
        // RFC 7638: the required members in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        PublicJwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x,
            kid,
            alg: "EdDSA".into(),
            use_: "sig".into(),
        }
    }

    pub(super) fn decoding_key(&self) -> Option<DecodingKey> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(&self.x).ok()?;
        if raw.len() != 32 {
            return None;
        }
        DecodingKey::from_ed_components(&self.x).ok()
    }
}

impl From<PublicJwk> for pb::Jwk {
    fn from(jwk: PublicJwk) -> Self {
        pb::Jwk {
            kty: jwk.kty,
            crv: jwk.crv,
            x: jwk.x,
            kid: jwk.kid,
            alg: jwk.alg,
            r#use: jwk.use_,
        }
    }
}

impl From<pb::Jwk> for PublicJwk {
    fn from(jwk: pb::Jwk) -> Self {
        PublicJwk {
            kty: jwk.kty,
            crv: jwk.crv,
            x: jwk.x,
            kid: jwk.kid,
            alg: jwk.alg,
            use_: jwk.r#use,
        }
    }
}

/// A private Ed25519 key that signs access tokens.
#[derive(Clone)]
pub struct SigningKey {
    seed: [u8; 32],
    encoding: EncodingKey,
    public: PublicJwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

/// A key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not a PEM `PRIVATE KEY` block holding an Ed25519 key.
    #[error("not an Ed25519 private key in PKCS#8 PEM form")]
    NotEd25519,
}

/// The fixed DER prefix of a PKCS#8 v1 Ed25519 private key (RFC 8410 §7);
/// the 32-byte seed follows it.
pub(super) const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

impl SigningKey {
    /// The key with this 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let public_key = Ed25519SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        let mut der = PKCS8_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&seed);
        SigningKey {
            seed,
            encoding: EncodingKey::from_ed_der(&der),
            public: PublicJwk::ed25519(&public_key),
        }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        Self::from_seed(seed)
    }

    /// Reads a PKCS#8 PEM key, as made by `openssl genpkey -algorithm ed25519`.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let body: String = pem
            .lines()
            .map(str::trim)
            .skip_while(|line| *line != "-----BEGIN PRIVATE KEY-----")
            .skip(1)
            .take_while(|line| *line != "-----END PRIVATE KEY-----")
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| KeyError::NotEd25519)?;
        let seed = der
            .strip_prefix(&PKCS8_ED25519_PREFIX)
            .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
            .ok_or(KeyError::NotEd25519)?;
        Ok(Self::from_seed(seed))
    }

    /// The 32-byte seed, for storage.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The public half, for the JWK Set.
    pub fn public_jwk(&self) -> &PublicJwk {
        &self.public
    }

    /// Signs `claims` into a compact JWT with this key's `kid` and the
    /// access-token `typ`.
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(ALGORITHM);
        header.typ = Some(TOKEN_TYPE.into());
        header.kid = Some(self.public.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }
}

/// A random id for `jti` and similar: 16 bytes, base64url.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_pem_round_trips_to_the_same_key() {
        let key = SigningKey::generate();
        let der = [PKCS8_ED25519_PREFIX.as_slice(), key.seed()].concat();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        );
        let read = SigningKey::from_pkcs8_pem(&pem).expect("reads");
        assert_eq!(read.kid(), key.kid());
        assert!(SigningKey::from_pkcs8_pem("not a key").is_err());
    }

    #[test]
    fn kid_is_the_rfc_7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of its example public key.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .expect("base64");
        let jwk = PublicJwk::ed25519(&x.try_into().expect("32 bytes"));
        assert_eq!(jwk.kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }
}
