//! What is community's own in paging its lists: the [`Scope`] a cursor is
//! bound to, and how times ride in cursors. The page request and the cut
//! are [`everytime_common::page`]'s, given [`Scope::key`].
//!
//! Each list walks an index backwards from a position (the keyset of the
//! last item of the previous page) and never skips rows with OFFSET, so the
//! 200th page costs what the first does. Positions travel as cursors
//! signed by [`everytime_common::page::Cursors`] and bound to a [`Scope`]:
//! the list and its filters, so a cursor of one board, query or user is
//! refused by another (`400` on `cursor`).

use chrono::{DateTime, Utc};
use everytime_common::validate::FieldError;

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
    // The page request and the cut are tested with `everytime_common::page`.
    use super::*;

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
    fn times_round_trip_through_microseconds() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(from_micros(micros(at)), Ok(at));
        assert_eq!(from_micros(i64::MAX).unwrap_err().field, "cursor");
        assert!(time_ceiling() > Utc::now());
    }
}
