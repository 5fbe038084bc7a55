//! Keyset pagination: page sizes and opaque, tamper-proof cursors.
//!
//! A cursor holds the position after the last item of a page (the keyset:
//! e.g. `(created_at, id)`), bound to the *scope* of the query it came from
//! (which list, which filters). It is signed with HMAC-SHA256, so a client
//! can neither edit the position nor reuse a cursor for another query: both
//! are refused as a bad cursor (`400`). The key comes from `CURSOR_SECRET`;
//! every replica of a service must share it. Without it a random key is made
//! at start-up, so cursors do not outlive the process (fine in development).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Serialize, de::DeserializeOwned};
use sha2::Sha256;

use crate::validate::FieldError;

/// The page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// The largest page size.
pub const MAX_PAGE_SIZE: i64 = 100;

/// The page size for a request's `limit` (1..=100, default 20).
pub fn page_size(requested: Option<i32>) -> Result<i64, FieldError> {
    match requested {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(size) if (1..=MAX_PAGE_SIZE).contains(&i64::from(size)) => Ok(i64::from(size)),
        Some(_) => Err(FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        )),
    }
}

/// Signs and checks cursors.
#[derive(Clone)]
pub struct Cursors {
    key: Vec<u8>,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

impl Cursors {
    /// Cursors signed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Cursors {
            key: secret.to_vec(),
        }
    }

    /// Cursors signed with a random key: they die with the process.
    pub fn random() -> Self {
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Cursors { key }
    }

    /// `CURSOR_SECRET` when set, else a random key.
    pub fn from_env() -> Self {
        match crate::config::var("CURSOR_SECRET") {
            Some(secret) => Self::new(secret.as_bytes()),
            None => Self::random(),
        }
    }

    fn mac(&self, scope: &str, payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(&(scope.len() as u64).to_be_bytes());
        mac.update(scope.as_bytes());
        mac.update(payload);
        mac
    }

    /// The cursor for `position` in the query named by `scope`.
    pub fn encode<T: Serialize>(&self, scope: &str, position: &T) -> String {
        let payload = serde_json::to_vec(position).expect("positions serialize");
        let tag = self.mac(scope, &payload).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The position in `cursor`, if it was made by [`Cursors::encode`] for
    /// this same `scope`; otherwise a `cursor` field error.
    pub fn decode<T: DeserializeOwned>(&self, scope: &str, cursor: &str) -> Result<T, FieldError> {
        let invalid = || FieldError::new("cursor", "is not a valid cursor for this list");
        let (payload, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        self.mac(scope, &payload)
            .verify_slice(&tag)
            .map_err(|_| invalid())?;
        serde_json::from_slice(&payload).map_err(|_| invalid())
    }

    /// Decodes `cursor` when present and non-empty.
    pub fn decode_opt<T: DeserializeOwned>(
        &self,
        scope: &str,
        cursor: Option<&str>,
    ) -> Result<Option<T>, FieldError> {
        match cursor.map(str::trim).filter(|cursor| !cursor.is_empty()) {
            None => Ok(None),
            Some(cursor) => self.decode(scope, cursor).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_defaults_to_20_and_allows_1_to_100() {
        assert_eq!(page_size(None), Ok(20));
        assert_eq!(page_size(Some(1)), Ok(1));
        assert_eq!(page_size(Some(100)), Ok(100));
        for bad in [0, -1, 101] {
            assert_eq!(page_size(Some(bad)).unwrap_err().field, "limit");
        }
    }

    #[test]
    fn a_cursor_round_trips_in_its_own_scope() {
        let cursors = Cursors::new(b"secret");
        let cursor = cursors.encode("board:7", &(1_700_000_000_i64, 42_i64));
        assert_eq!(
            cursors.decode::<(i64, i64)>("board:7", &cursor),
            Ok((1_700_000_000, 42))
        );
    }

    #[test]
    fn a_cursor_from_another_query_is_refused() {
        let cursors = Cursors::new(b"secret");
        let cursor = cursors.encode("board:7", &42_i64);
        assert_eq!(
            cursors.decode::<i64>("board:8", &cursor).unwrap_err().field,
            "cursor"
        );
    }

    #[test]
    fn an_edited_cursor_is_refused() {
        let cursors = Cursors::new(b"secret");
        let cursor = cursors.encode("board:7", &42_i64);
        let (_, tag) = cursor.split_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(b"41"));
        assert!(cursors.decode::<i64>("board:7", &forged).is_err());
        assert!(cursors.decode::<i64>("board:7", "garbage").is_err());
        assert!(cursors.decode::<i64>("board:7", "").is_err());
    }

    #[test]
    fn another_key_does_not_accept_the_cursor() {
        let cursor = Cursors::new(b"one").encode("s", &1_i64);
        assert!(Cursors::new(b"two").decode::<i64>("s", &cursor).is_err());
    }

    #[test]
    fn absent_or_blank_cursors_are_the_first_page() {
        let cursors = Cursors::random();
        assert_eq!(cursors.decode_opt::<i64>("s", None), Ok(None));
        assert_eq!(cursors.decode_opt::<i64>("s", Some("  ")), Ok(None));
    }
}
