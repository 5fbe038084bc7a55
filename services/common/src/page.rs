//! Keyset pagination: page sizes and opaque, tamper-proof cursors.
//!
//! A cursor holds the position after the last item of a page (the keyset:
//! e.g. `(created_at, id)`), bound to the *scope* of the query it came from
//! (which list, which filters). It is signed with HMAC-SHA256, so a client
//! can neither edit the position nor reuse a cursor for another query: both
//! are refused as a bad cursor (`400`). The key comes from `CURSOR_SECRET`;
//! every replica of a service must share it. Without it a random key is made
//! at start-up, so cursors do not outlive the process (fine in development).
//!
//! [`page_request`] and [`finish_page`] are the two ends of one keyset page:
//! check `limit` and `cursor`, fetch one row more than the page, then cut the
//! rows to the page and sign the position of its last row. A service names
//! its lists by a *scope key* (`board:7`, `courses:1:2026-1:...`) and keeps
//! the SQL of the walk itself.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Serialize, de::DeserializeOwned};
use sha2::Sha256;

use crate::validate::{self, FieldError};

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

/// A validated page request: how many rows, and where to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<P> {
    /// 1..=100.
    pub size: i64,
    /// The position to continue after; `None` on the first page.
    pub after: Option<P>,
}

impl<P> PageRequest<P> {
    /// How many rows to fetch: one more than the page, to learn whether
    /// another page follows without counting.
    pub fn fetch(&self) -> i64 {
        self.size + 1
    }
}

/// Checks `limit` and `cursor` (signed for the list `scope`) together, so
/// one answer names both when both are wrong (`limit` first).
pub fn page_request<P: DeserializeOwned>(
    cursors: &Cursors,
    scope: &str,
    limit: Option<i32>,
    cursor: &str,
) -> Result<PageRequest<P>, Vec<FieldError>> {
    let (size, after) = validate::all((page_size(limit), cursors.decode_opt(scope, Some(cursor))))?;
    Ok(PageRequest { size, after })
}

/// Cuts `rows` (fetched with [`PageRequest::fetch`], i.e. `size + 1` rows at
/// most) to the page and returns the cursor to the next page, signed for
/// `scope` with the `position` of the page's last row, or an empty string
/// on the last page.
pub fn finish_page<R, P: Serialize>(
    cursors: &Cursors,
    scope: &str,
    rows: &mut Vec<R>,
    size: i64,
    position: impl Fn(&R) -> P,
) -> String {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if rows.len() <= size {
        return String::new();
    }
    rows.truncate(size);
    rows.last()
        .map(|last| cursors.encode(scope, &position(last)))
        .unwrap_or_default()
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

    #[test]
    fn the_first_page_has_the_default_size_and_no_position() {
        let request: PageRequest<i64> =
            page_request(&Cursors::new(b"test secret"), "board:1", None, "").unwrap();
        assert_eq!(
            request,
            PageRequest {
                size: 20,
                after: None
            }
        );
        assert_eq!(request.fetch(), 21);
    }

    #[test]
    fn a_page_cursor_continues_only_its_own_list() {
        let cursors = Cursors::new(b"test secret");
        let mut rows = vec![30_i64, 29, 28];
        let next = finish_page(&cursors, "board:1", &mut rows, 2, |id| *id);
        assert_eq!(rows, [30, 29]);

        let same: PageRequest<i64> = page_request(&cursors, "board:1", Some(2), &next).unwrap();
        assert_eq!(same.after, Some(29));
        let other = page_request::<i64>(&cursors, "board:2", Some(2), &next).unwrap_err();
        assert_eq!(other[0].field, "cursor");
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let mut rows = vec![2_i64, 1];
        assert_eq!(
            finish_page(&Cursors::random(), "hot:1", &mut rows, 2, |id| *id),
            ""
        );
        assert_eq!(rows, [2, 1]);
    }

    #[test]
    fn bad_limit_and_tampered_cursor_are_both_named() {
        let cursors = Cursors::random();
        let errors =
            page_request::<i64>(&cursors, "me:posts:1", Some(101), "AAAA.BBBB").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cursor"]);
        for limit in [0, -5, 101, i32::MAX] {
            let errors = page_request::<i64>(&cursors, "me:posts:1", Some(limit), "").unwrap_err();
            assert_eq!(errors[0].field, "limit");
        }
    }

    #[test]
    fn a_cursor_of_the_wrong_shape_is_a_bad_cursor() {
        let cursors = Cursors::random();
        let id_cursor = cursors.encode("hot:1", &5_i64);
        let errors = page_request::<(i64, i64)>(&cursors, "hot:1", None, &id_cursor).unwrap_err();
        assert_eq!(errors[0].field, "cursor");
    }
}
