//! Every limit and threshold of the timetable service, once. The rules
//! that enforce them live beside their newtypes; the store binds the list
//! bounds into its queries.

/// At most this many courses in one import: about what fits in the REST
/// API's 64 KiB body when courses are short (typical ones fit about 250),
/// so the count, not only the body size, is a limit a client can meet.
pub const MAX_IMPORT: usize = 500;
/// At most this many weekly sessions per course.
pub const MAX_SESSIONS: usize = 14;
/// Credits a course may carry.
pub const CREDITS: std::ops::RangeInclusive<i32> = 0..=30;
/// Section codes: 1–30 characters.
pub const CODE_MAX: usize = 30;
/// Course names: 1–100 characters.
pub const NAME_MAX: usize = 100;
/// Professors: up to 50 characters; empty means not yet assigned.
pub const PROFESSOR_MAX: usize = 50;
/// Rooms: up to 50 characters; empty means none (e.g. online).
pub const ROOM_MAX: usize = 50;
/// Search text: 1–50 characters.
pub const QUERY_MAX: usize = 50;
/// The years a semester may be of.
pub const SEMESTER_YEARS: std::ops::RangeInclusive<u16> = 1990..=2100;
/// Timetable names: 1–40 characters.
pub const TIMETABLE_NAME_MAX: usize = 40;

/// A user may keep at most this many timetables per semester.
pub const MAX_TIMETABLES_PER_SEMESTER: i64 = 20;
/// `ListTimetables` without a semester returns at most this many.
pub const MAX_LISTED_TIMETABLES: i64 = 200;
/// How many times an add that lost a race is retried before giving up.
pub const ADD_ATTEMPTS: usize = 5;

/// A user may have at most this many friends (one `BatchGetUsers` names them all).
pub const MAX_FRIENDS: i64 = 400;
/// Each of the incoming and outgoing request lists shows at most this many, newest first.
pub const MAX_LISTED_REQUESTS: i64 = 200;
