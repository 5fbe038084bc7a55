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

/// 직접 추가: names are 1–40 characters.
pub const ENTRY_NAME_MAX: usize = 40;
/// 직접 추가: places are 0–40 characters.
pub const ENTRY_PLACE_MAX: usize = 40;
/// 직접 추가: memos are 0–200 characters.
pub const ENTRY_MEMO_MAX: usize = 200;
/// 직접 추가: 1–10 weekly sessions per entry.
pub const ENTRY_SESSIONS_MAX: usize = 10;
/// 직접 추가: a timetable holds at most this many custom entries.
pub const MAX_ENTRIES_PER_TIMETABLE: i64 = 30;

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

/// 학점계산기: at most this many courses in one semester.
pub const GRADE_COURSES_MAX: usize = 30;
/// 학점계산기: course names are 1–40 characters.
pub const GRADE_COURSE_NAME_MAX: usize = 40;
/// 학점계산기: credits in half credits, 0.5 to 10.
pub const GRADE_HALF_CREDITS: std::ops::RangeInclusive<i32> = 1..=20;
/// 학점계산기: the target is 1–300 credits.
pub const TARGET_CREDITS: std::ops::RangeInclusive<i32> = 1..=300;
/// 학점계산기: a user keeps at most this many semesters (about twelve years
/// of two semesters, a summer and a winter each), so the record is bounded.
pub const MAX_GRADE_SEMESTERS: i64 = 48;

/// 강의평가: ratings are 1 to 5.
pub const REVIEW_RATING: std::ops::RangeInclusive<i16> = 1..=5;
/// 강의평가: 0 to 4 exams.
pub const REVIEW_EXAMS: std::ops::RangeInclusive<i16> = 0..=4;
/// 강의평가: the text is 20–1,000 characters.
pub const REVIEW_CONTENT: std::ops::RangeInclusive<usize> = 20..=1000;

/// 공강 찾기: 1–10 friends besides the caller.
pub const FREE_TIME_USERS: std::ops::RangeInclusive<usize> = 1..=10;
/// 공강 찾기: the shortest interval worth listing is 10 minutes to a day.
pub const FREE_TIME_MIN_MINUTES: std::ops::RangeInclusive<i32> = 10..=1440;
/// 공강 찾기: intervals shorter than an hour are not listed unless asked.
pub const FREE_TIME_DEFAULT_MIN_MINUTES: i32 = 60;
/// 공강 찾기: the day starts at 09:00 unless asked.
pub const FREE_TIME_DEFAULT_FROM: i32 = 9 * 60;
/// 공강 찾기: the day ends at 22:00 unless asked.
pub const FREE_TIME_DEFAULT_TO: i32 = 22 * 60;
