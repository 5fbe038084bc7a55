//! Keyset pagination of the community's lists.
//!
//! Each list walks an index backwards from a position (the keyset of the
//! last item of the previous page) and never skips rows with OFFSET, so the
//! 200th page costs what the first does. Positions travel as cursors signed
//! by [`Cursors`] and bound to a [`Scope`]: the list and its filters, so a
//! cursor of one board, query or user is refused by another (`400` on
//! `cursor`).

use chrono::{DateTime, Utc};
use everytime_common::{
    page::{Cursors, page_size},
    validate::{FieldError, Violations},
};
use serde::{Serialize, de::DeserializeOwned};

/// The list a cursor belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope<'a> {
    /// A board's posts.
    Board(i64),
    /// HOT게시판 of a school.
    Hot(i64),
    /// BEST게시판 of a school and season key.
    Best(i64, i32),
    /// Search results in a school, optionally one board, for a query.
    Search {
        /// The caller's school.
        school_id: i64,
        /// The board searched, if only one.
        board_id: Option<i64>,
        /// The trimmed query.
        query: &'a str,
    },
    /// A user's posts.
    MyPosts(i64),
    /// The posts a user commented on.
    MyComments(i64),
    /// A user's scraps.
    MyScraps(i64),
}

impl Scope<'_> {
    /// The string the cursor's signature covers. The query comes last, so
    /// whatever characters it holds cannot be mistaken for another filter.
    pub fn key(&self) -> String {
        match self {
            Scope::Board(board_id) => format!("board:{board_id}"),
            Scope::Hot(school_id) => format!("hot:{school_id}"),
            Scope::Best(school_id, season) => format!("best:{school_id}:{season}"),
            Scope::Search {
                school_id,
                board_id,
                query,
            } => {
                let board = board_id.map_or_else(|| "-".to_owned(), |id| id.to_string());
                format!("search:{school_id}:{board}:{query}")
            }
            Scope::MyPosts(user_id) => format!("me:posts:{user_id}"),
            Scope::MyComments(user_id) => format!("me:comments:{user_id}"),
            Scope::MyScraps(user_id) => format!("me:scraps:{user_id}"),
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

/// Checks `limit` and `cursor` together, so one answer names both when
/// both are wrong.
pub fn page_request<P: DeserializeOwned>(
    cursors: &Cursors,
    scope: &Scope<'_>,
    limit: Option<i32>,
    cursor: &str,
) -> Result<PageRequest<P>, Vec<FieldError>> {
    let mut violations = Violations::new();
    let size = violations.check(page_size(limit));
    let after = violations.check(cursors.decode_opt(&scope.key(), Some(cursor)));
    match (size, after) {
        (Some(size), Some(after)) => Ok(PageRequest { size, after }),
        _ => Err(violations.finish().err().unwrap_or_default()),
    }
}

/// Cuts `rows` (fetched with [`PageRequest::fetch`]) to the page and returns
/// the cursor to the next page, or an empty string on the last one.
pub fn finish_page<R, P: Serialize>(
    cursors: &Cursors,
    scope: &Scope<'_>,
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
        .map(|last| cursors.encode(&scope.key(), &position(last)))
        .unwrap_or_default()
}

/// A time as it rides in a cursor: microseconds since the epoch, the
/// precision Postgres keeps, so the position compares exactly.
pub fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The time in a cursor; an impossible value is a bad cursor.
pub fn from_micros(micros: i64) -> Result<DateTime<Utc>, FieldError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| FieldError::new("cursor", "is not a valid cursor for this list"))
}

/// Where a newest-first walk by time starts: after every real row.
pub fn time_ceiling() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursors() -> Cursors {
        Cursors::new(b"test secret")
    }

    #[test]
    fn every_list_and_filter_has_its_own_scope() {
        let scopes = [
            Scope::Board(1),
            Scope::Board(2),
            Scope::Hot(1),
            Scope::Best(1, 20261),
            Scope::Best(1, 20262),
            Scope::Search {
                school_id: 1,
                board_id: None,
                query: "족보",
            },
            Scope::Search {
                school_id: 1,
                board_id: Some(3),
                query: "족보",
            },
            Scope::Search {
                school_id: 1,
                board_id: None,
                query: "자료",
            },
            Scope::MyPosts(7),
            Scope::MyComments(7),
            Scope::MyScraps(7),
            Scope::MyPosts(8),
        ];
        let keys: std::collections::HashSet<_> = scopes.iter().map(Scope::key).collect();
        assert_eq!(keys.len(), scopes.len());
    }

    #[test]
    fn a_query_cannot_pose_as_a_board_filter() {
        let with_board = Scope::Search {
            school_id: 1,
            board_id: Some(2),
            query: "ab",
        };
        let sneaky = Scope::Search {
            school_id: 1,
            board_id: None,
            query: "2:ab",
        };
        assert_ne!(with_board.key(), sneaky.key());
    }

    #[test]
    fn the_first_page_has_the_default_size_and_no_position() {
        let request: PageRequest<i64> =
            page_request(&cursors(), &Scope::Board(1), None, "").unwrap();
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
    fn a_cursor_continues_only_its_own_list() {
        let cursors = cursors();
        let mut rows = vec![30_i64, 29, 28];
        let next = finish_page(&cursors, &Scope::Board(1), &mut rows, 2, |id| *id);
        assert_eq!(rows, [30, 29]);

        let same: PageRequest<i64> =
            page_request(&cursors, &Scope::Board(1), Some(2), &next).unwrap();
        assert_eq!(same.after, Some(29));
        let other = page_request::<i64>(&cursors, &Scope::Board(2), Some(2), &next).unwrap_err();
        assert_eq!(other[0].field, "cursor");
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let mut rows = vec![2_i64, 1];
        assert_eq!(
            finish_page(&cursors(), &Scope::Hot(1), &mut rows, 2, |id| *id),
            ""
        );
        assert_eq!(rows, [2, 1]);
    }

    #[test]
    fn bad_limit_and_tampered_cursor_are_both_named() {
        let errors = page_request::<i64>(&cursors(), &Scope::MyPosts(1), Some(101), "AAAA.BBBB")
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cursor"]);
        for limit in [0, -5, 101, i32::MAX] {
            let errors =
                page_request::<i64>(&cursors(), &Scope::MyPosts(1), Some(limit), "").unwrap_err();
            assert_eq!(errors[0].field, "limit");
        }
    }

    #[test]
    fn a_cursor_of_the_wrong_shape_is_a_bad_cursor() {
        let cursors = cursors();
        let id_cursor = cursors.encode(&Scope::Hot(1).key(), &5_i64);
        let errors =
            page_request::<(i64, i64)>(&cursors, &Scope::Hot(1), None, &id_cursor).unwrap_err();
        assert_eq!(errors[0].field, "cursor");
    }

    #[test]
    fn times_round_trip_through_microseconds() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(from_micros(micros(at)), Ok(at));
        assert_eq!(from_micros(i64::MAX).unwrap_err().field, "cursor");
        assert!(time_ceiling() > Utc::now());
    }
}
