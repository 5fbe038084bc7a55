//! Password hashing with Argon2id at OWASP's recommended parameters
//! (19 MiB of memory, 2 iterations, 1 lane).
//!
//! Hashing is CPU- and memory-heavy by design, so it runs on the blocking
//! pool, never on the async runtime, and a semaphore bounds how many hashes
//! run at once so a burst of sign-ins cannot exhaust memory.
//!
//! Verifying against an unknown user still costs one full hash: it is
//! checked against a dummy hash made at start-up with the same parameters,
//! so response time does not tell whether a username exists.

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};
use tokio::sync::Semaphore;

/// Hashing failed (never because of the input: a bug or a dead worker).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct Passwords {
    dummy_hash: Arc<str>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

fn argon2() -> Result<Argon2<'static>, HashError> {
    // OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).map_err(|error| HashError(error.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| HashError(error.to_string()))
}

impl Passwords {
    /// Prepares the dummy hash; at most `concurrency` hashes run at once.
    pub async fn new(concurrency: usize) -> Result<Self, HashError> {
        let dummy_hash = tokio::task::spawn_blocking(|| hash_blocking("not a real password"))
            .await
            .map_err(|error| HashError(error.to_string()))??;
        Ok(Passwords {
            dummy_hash: dummy_hash.into(),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        })
    }

    /// A PHC-format Argon2id hash of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|error| HashError(error.to_string()))?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|error| HashError(error.to_string()))?
    }

    /// Whether `password` matches `hash`. With no hash (unknown user) it
    /// checks against the dummy hash, taking the same time, and says no.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|error| HashError(error.to_string()))?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash).map_err(|error| HashError(error.to_string()))?;
            // The comparison inside is constant-time.
            let matches = argon2()?
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await
        .map_err(|error| HashError(error.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let passwords = Passwords::new(2).await.unwrap();
        let hash = passwords.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            passwords
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("correct horsE".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        let passwords = Passwords::new(2).await.unwrap();
        assert!(
            !passwords
                .verify("not a real password".into(), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_gets_a_different_salt_each_time() {
        let passwords = Passwords::new(2).await.unwrap();
        let first = passwords.hash("same password".into()).await.unwrap();
        let second = passwords.hash("same password".into()).await.unwrap();
        assert_ne!(first, second);
    }
}
