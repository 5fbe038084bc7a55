//! Validated input: every limit of the timetable API, once, next to its tests.
//!
//! Text is trimmed and counted in characters, not bytes; a violation names
//! the API's field (`semester`, `courses[3].sessions[0].start`) so it reaches
//! the client as a `400` pointing at the culprit. The clash rule of two
//! sessions lives here too ([`Slot::overlaps`]), and so does the text
//! normalisation that course search indexes and queries share
//! ([`search_key`], [`index_grams`], [`query_grams`]).

use std::fmt;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use everytime_common::validate::{self, FieldError};
use everytime_proto::timetable::v1 as pb;

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

/// A semester: `YYYY-1`, `YYYY-2`, `YYYY-S` (summer) or `YYYY-W` (winter).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Semester(String);

impl Semester {
    /// Validates a semester under `field`.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let invalid = || {
            FieldError::new(
                field,
                "must be YYYY-1, YYYY-2, YYYY-S (summer) or YYYY-W (winter)",
            )
        };
        let (year, term) = value.split_once('-').ok_or_else(invalid)?;
        let year_ok = year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && year
                .parse::<u16>()
                .is_ok_and(|year| (1990..=2100).contains(&year));
        if !year_ok || !matches!(term, "1" | "2" | "S" | "W") {
            return Err(invalid());
        }
        Ok(Semester(value.to_owned()))
    }

    /// The semester under way at `now`, in Korean time: January to June is
    /// the first (spring) semester, July to December the second (fall). The
    /// vacations count toward the semester being planned, which is what the
    /// app's first screen should show; summer and winter sessions are only
    /// ever asked for explicitly.
    pub fn current(now: DateTime<Utc>) -> Semester {
        // Korea keeps UTC+9 all year.
        let local = now + TimeDelta::hours(9);
        let term = if local.month() <= 6 { 1 } else { 2 };
        Semester(format!("{}-{term}", local.year()))
    }

    /// `semester` when given (and valid), else the current one.
    pub fn parse_or_current(field: &str, value: &str) -> Result<Self, FieldError> {
        if value.trim().is_empty() {
            Ok(Semester::current(Utc::now()))
        } else {
            Semester::parse(field, value)
        }
    }

    /// The semester.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Semester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A day of the week; stored as 1 (Monday) to 7 (Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Day {
    Mon = 1,
    Tue = 2,
    Wed = 3,
    Thu = 4,
    Fri = 5,
    Sat = 6,
    Sun = 7,
}

impl Day {
    /// Every day, Monday first.
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    /// The day of a wire value; `DAY_UNSPECIFIED` and unknown values are a
    /// violation of `field`.
    pub fn from_pb(field: &str, value: i32) -> Result<Day, FieldError> {
        Day::from_number(value).ok_or_else(|| {
            FieldError::new(field, "must be one of MON, TUE, WED, THU, FRI, SAT, SUN")
        })
    }

    /// The day stored as `number` (1..=7).
    pub fn from_number(number: impl Into<i32>) -> Option<Day> {
        let number: i32 = number.into();
        Day::ALL
            .get(usize::try_from(number.checked_sub(1)?).ok()?)
            .copied()
    }

    /// The day named `MON` ... `SUN`.
    pub fn from_code(code: &str) -> Option<Day> {
        Day::ALL.into_iter().find(|day| day.code() == code)
    }

    /// 1 (Monday) to 7 (Sunday), as stored.
    pub fn number(self) -> i16 {
        self as i16
    }

    /// The wire value.
    pub fn to_pb(self) -> pb::Day {
        match self {
            Day::Mon => pb::Day::Monday,
            Day::Tue => pb::Day::Tuesday,
            Day::Wed => pb::Day::Wednesday,
            Day::Thu => pb::Day::Thursday,
            Day::Fri => pb::Day::Friday,
            Day::Sat => pb::Day::Saturday,
            Day::Sun => pb::Day::Sunday,
        }
    }

    /// `MON` ... `SUN`, as the REST API spells days.
    pub fn code(self) -> &'static str {
        match self {
            Day::Mon => "MON",
            Day::Tue => "TUE",
            Day::Wed => "WED",
            Day::Thu => "THU",
            Day::Fri => "FRI",
            Day::Sat => "SAT",
            Day::Sun => "SUN",
        }
    }

    /// The one-syllable Korean name the app puts over each column.
    pub fn korean(self) -> &'static str {
        match self {
            Day::Mon => "월",
            Day::Tue => "화",
            Day::Wed => "수",
            Day::Thu => "목",
            Day::Fri => "금",
            Day::Sat => "토",
            Day::Sun => "일",
        }
    }

    /// This day's bit in a day mask: bit 0 Monday to bit 6 Sunday.
    pub fn bit(self) -> i16 {
        1 << (self.number() - 1)
    }

    /// Saturday and Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(self, Day::Sat | Day::Sun)
    }
}

/// Minutes after midnight of an `HH:MM` time (24-hour, `00:00` to `23:59`).
pub fn parse_time(field: &str, value: &str) -> Result<i32, FieldError> {
    let invalid = || FieldError::new(field, "must be HH:MM, 24-hour (00:00 to 23:59)");
    let value = value.trim();
    let (hours, minutes) = value.split_once(':').ok_or_else(invalid)?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return Err(invalid());
    }
    let hours: i32 = hours.parse().map_err(|_| invalid())?;
    let minutes: i32 = minutes.parse().map_err(|_| invalid())?;
    if hours > 23 || minutes > 59 {
        return Err(invalid());
    }
    Ok(hours * 60 + minutes)
}

/// `HH:MM` for minutes after midnight.
pub fn format_time(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// When a session meets: a day and a `[start, end)` range of minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub day: Day,
    pub start: i32,
    pub end: i32,
}

impl Slot {
    /// Two sessions clash when they share a day and their `[start, end)`
    /// ranges overlap; back-to-back sessions do not.
    pub fn overlaps(&self, other: &Slot) -> bool {
        self.day == other.day && self.start < other.end && other.start < self.end
    }
}

/// A validated weekly session of a course.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Session {
    pub slot: Slot,
    pub room: String,
}

/// A validated course of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseInput {
    pub code: String,
    pub name: String,
    pub professor: String,
    pub credits: i32,
    /// By day and start time.
    pub sessions: Vec<Session>,
}

impl CourseInput {
    /// The days the course meets, bit 0 Monday to bit 6 Sunday.
    pub fn day_mask(&self) -> i16 {
        self.sessions
            .iter()
            .fold(0, |mask, session| mask | session.slot.day.bit())
    }

    /// Validates one course of an import, naming fields under `prefix`
    /// (`courses[3]`). Every violation of the course is reported.
    pub fn parse(prefix: &str, course: &pb::CourseInput) -> Result<CourseInput, Vec<FieldError>> {
        let mut violations = validate::Violations::new();
        let code = violations.check(
            validate::line(&format!("{prefix}.code"), &course.code, 1, CODE_MAX).and_then(|code| {
                if code.chars().any(char::is_whitespace) {
                    Err(FieldError::new(
                        format!("{prefix}.code"),
                        "must not contain spaces",
                    ))
                } else {
                    Ok(code)
                }
            }),
        );
        let name = violations.check(validate::line(
            &format!("{prefix}.name"),
            &course.name,
            1,
            NAME_MAX,
        ));
        let professor = violations.check(validate::line(
            &format!("{prefix}.professor"),
            &course.professor,
            0,
            PROFESSOR_MAX,
        ));
        if !CREDITS.contains(&course.credits) {
            violations.push(FieldError::new(
                format!("{prefix}.credits"),
                format!("must be between {} and {}", CREDITS.start(), CREDITS.end()),
            ));
        }
        if course.sessions.is_empty() {
            violations.push(FieldError::new(
                format!("{prefix}.sessions"),
                "must hold at least one session",
            ));
        } else if course.sessions.len() > MAX_SESSIONS {
            violations.push(FieldError::new(
                format!("{prefix}.sessions"),
                format!("must hold at most {MAX_SESSIONS} sessions"),
            ));
        }
        let mut sessions: Vec<(usize, Session)> = Vec::with_capacity(course.sessions.len());
        // Too many sessions is one violation, not one per session.
        let checked = if course.sessions.len() > MAX_SESSIONS {
            &[][..]
        } else {
            &course.sessions[..]
        };
        for (index, session) in checked.iter().enumerate() {
            let field = |name: &str| format!("{prefix}.sessions[{index}].{name}");
            let day = violations.check(Day::from_pb(&field("day"), session.day));
            let start = violations.check(parse_time(&field("start"), &session.start));
            let end = violations.check(parse_time(&field("end"), &session.end));
            let room = violations.check(validate::line(&field("room"), &session.room, 0, ROOM_MAX));
            if let (Some(start), Some(end)) = (start, end)
                && start >= end
            {
                violations.push(FieldError::new(field("end"), "must be after start"));
                continue;
            }
            if let (Some(day), Some(start), Some(end), Some(room)) = (day, start, end, room) {
                let slot = Slot { day, start, end };
                if let Some((other, _)) = sessions
                    .iter()
                    .find(|(_, earlier)| earlier.slot.overlaps(&slot))
                {
                    violations.push(FieldError::new(
                        format!("{prefix}.sessions[{index}]"),
                        format!("overlaps {prefix}.sessions[{other}]"),
                    ));
                    continue;
                }
                sessions.push((index, Session { slot, room }));
            }
        }
        violations.finish()?;
        let (Some(code), Some(name), Some(professor)) = (code, name, professor) else {
            // Unreachable: a failed check recorded a violation.
            return Err(vec![FieldError::new(prefix, "is invalid")]);
        };
        let mut sessions: Vec<Session> = sessions.into_iter().map(|(_, session)| session).collect();
        sessions.sort();
        Ok(CourseInput {
            code,
            name,
            professor,
            credits: course.credits,
            sessions,
        })
    }
}

/// Validates a whole import: the semester, the batch size, each course, and
/// that no code appears twice. Stops at the first bad course, naming all of
/// its bad fields, so a huge bad batch gives a short answer.
pub fn parse_import(
    semester: &str,
    courses: &[pb::CourseInput],
) -> Result<(Semester, Vec<CourseInput>), Vec<FieldError>> {
    let semester = Semester::parse("semester", semester).map_err(|error| vec![error])?;
    if courses.is_empty() || courses.len() > MAX_IMPORT {
        return Err(vec![FieldError::new(
            "courses",
            format!("must hold 1 to {MAX_IMPORT} courses"),
        )]);
    }
    let mut seen = std::collections::HashMap::with_capacity(courses.len());
    let mut parsed = Vec::with_capacity(courses.len());
    for (index, course) in courses.iter().enumerate() {
        let prefix = format!("courses[{index}]");
        let course = CourseInput::parse(&prefix, course)?;
        if let Some(first) = seen.insert(course.code.clone(), index) {
            return Err(vec![FieldError::new(
                format!("{prefix}.code"),
                format!("duplicates courses[{first}].code"),
            )]);
        }
        parsed.push(course);
    }
    Ok((semester, parsed))
}

/// A timetable's name: 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimetableName(String);

impl TimetableName {
    /// Validates a timetable name.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("name", value, 1, 40).map(TimetableName)
    }

    /// The `n`th default name, `시간표 n`.
    pub fn default_nth(n: usize) -> Self {
        TimetableName(format!("시간표 {n}"))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who may read a timetable besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Private,
    Friends,
    Public,
}

impl Visibility {
    /// The visibility of a wire value; unspecified or unknown values are a
    /// violation of `visibility`.
    pub fn from_pb(value: i32) -> Result<Visibility, FieldError> {
        match pb::Visibility::try_from(value) {
            Ok(pb::Visibility::Private) => Ok(Visibility::Private),
            Ok(pb::Visibility::Friends) => Ok(Visibility::Friends),
            Ok(pb::Visibility::Public) => Ok(Visibility::Public),
            _ => Err(FieldError::new(
                "visibility",
                "must be private, friends or public",
            )),
        }
    }

    /// The stored name; anything unknown reads as private, the safe side.
    pub fn from_name(name: &str) -> Visibility {
        match name {
            "public" => Visibility::Public,
            "friends" => Visibility::Friends,
            _ => Visibility::Private,
        }
    }

    /// The stored (and REST) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Friends => "friends",
            Visibility::Public => "public",
        }
    }

    /// The wire value.
    pub fn to_pb(self) -> pb::Visibility {
        match self {
            Visibility::Private => pb::Visibility::Private,
            Visibility::Friends => pb::Visibility::Friends,
            Visibility::Public => pb::Visibility::Public,
        }
    }
}

/// Who is looking at a timetable, relative to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The viewer owns it.
    pub is_owner: bool,
    /// The viewer is the owner's friend.
    pub is_friend: bool,
    /// The viewer is of the school the timetable belongs to.
    pub same_school: bool,
}

impl Visibility {
    /// The read rule: the owner always; a friend when `friends` or `public`;
    /// anyone of the same school when `public`.
    pub fn allows(self, viewer: Viewer) -> bool {
        viewer.is_owner
            || (viewer.is_friend && matches!(self, Visibility::Friends | Visibility::Public))
            || (viewer.same_school && self == Visibility::Public)
    }
}

/// A course search's text: 1–50 characters, no control characters,
/// lowercased the way [`search_key`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    /// The search text of `q`; blank means no text filter (`None`).
    pub fn parse(value: &str) -> Result<Option<Self>, FieldError> {
        if value.trim().is_empty() {
            return Ok(None);
        }
        let value = validate::line("q", value, 1, QUERY_MAX)?;
        Ok(Some(SearchText(value.to_lowercase())))
    }

    /// The lowercased text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The lowercased fields a search looks in, joined by line breaks (which no
/// field and no query contains).
pub fn search_key(name: &str, professor: &str, code: &str) -> String {
    format!(
        "{}\n{}\n{}",
        name.to_lowercase(),
        professor.to_lowercase(),
        code.to_lowercase()
    )
}

fn gram_token(school_id: i64, semester: &Semester, gram: &str) -> String {
    format!("{school_id}/{semester}/{gram}")
}

/// The index tokens of a course: every character and every pair of
/// neighbouring characters of each lowercased field (never across fields),
/// prefixed with the school and semester, sorted and without repeats.
pub fn index_grams(school_id: i64, semester: &Semester, key: &str) -> Vec<String> {
    let mut grams = std::collections::BTreeSet::new();
    for field in key.split('\n') {
        let chars: Vec<char> = field.chars().collect();
        for (index, c) in chars.iter().enumerate() {
            grams.insert(c.to_string());
            if let Some(next) = chars.get(index + 1) {
                grams.insert(format!("{c}{next}"));
            }
        }
    }
    grams
        .into_iter()
        .map(|gram| gram_token(school_id, semester, &gram))
        .collect()
}

/// The tokens every course matching `q` must have: its one character, or
/// each pair of neighbouring characters. Having them all is necessary, not
/// sufficient ("abab" has the pairs of "aba"), so matches are rechecked
/// against [`search_key`].
pub fn query_grams(school_id: i64, semester: &Semester, q: &SearchText) -> Vec<String> {
    let chars: Vec<char> = q.as_str().chars().collect();
    let mut grams = std::collections::BTreeSet::new();
    if chars.len() == 1 {
        grams.insert(chars[0].to_string());
    }
    for pair in chars.windows(2) {
        grams.insert(format!("{}{}", pair[0], pair[1]));
    }
    grams
        .into_iter()
        .map(|gram| gram_token(school_id, semester, &gram))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn session(day: pb::Day, start: &str, end: &str) -> pb::ClassSession {
        pb::ClassSession {
            day: day.into(),
            start: start.into(),
            end: end.into(),
            room: "301동 101호".into(),
        }
    }

    fn course() -> pb::CourseInput {
        pb::CourseInput {
            code: "CSE2010-01".into(),
            name: "자료구조".into(),
            professor: "김교수".into(),
            credits: 3,
            sessions: vec![
                session(pb::Day::Monday, "09:00", "10:15"),
                session(pb::Day::Wednesday, "09:00", "10:15"),
            ],
        }
    }

    fn fields(result: Result<CourseInput, Vec<FieldError>>) -> Vec<String> {
        result
            .unwrap_err()
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn semesters_are_a_year_and_1_2_s_or_w() {
        for good in ["2026-1", "2026-2", "2026-S", "2026-W", " 2025-1 "] {
            assert!(Semester::parse("semester", good).is_ok(), "{good}");
        }
        for bad in [
            "2026", "2026-3", "2026-s", "26-1", "20266-1", "2026-12", "", "abcd-1", "2026_1",
            "1800-1",
        ] {
            assert_eq!(
                Semester::parse("semester", bad).unwrap_err().field,
                "semester",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_current_semester_follows_the_korean_calendar() {
        let at = |y, m, d, h| Semester::current(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap());
        assert_eq!(at(2026, 11, 23, 12).as_str(), "2026-2");
        assert_eq!(at(2026, 3, 2, 0).as_str(), "2026-1");
        assert_eq!(at(2026, 1, 5, 0).as_str(), "2026-1");
        assert_eq!(at(2026, 7, 1, 0).as_str(), "2026-2");
        // 2026-06-30 16:00 UTC is already 1 July in Seoul.
        assert_eq!(at(2026, 6, 30, 16).as_str(), "2026-2");
        // 2026-12-31 15:00 UTC is already 2027 in Seoul.
        assert_eq!(at(2026, 12, 31, 15).as_str(), "2027-1");
    }

    #[test]
    fn a_blank_semester_means_the_current_one() {
        assert_eq!(
            Semester::parse_or_current("semester", " ").unwrap(),
            Semester::current(Utc::now())
        );
        assert!(Semester::parse_or_current("semester", "2026-3").is_err());
    }

    #[test]
    fn days_round_trip_between_codes_numbers_and_the_wire() {
        for day in Day::ALL {
            assert_eq!(Day::from_code(day.code()), Some(day));
            assert_eq!(Day::from_number(day.number()), Some(day));
            assert_eq!(Day::from_pb("day", day.to_pb().into()), Ok(day));
        }
        assert_eq!(Day::from_code("mon"), None);
        assert_eq!(Day::from_pb("d", 0).unwrap_err().field, "d");
        assert!(Day::from_pb("d", 8).is_err());
        assert!(Day::from_pb("d", -1).is_err());
    }

    #[test]
    fn times_are_24_hour_hh_mm() {
        assert_eq!(parse_time("start", "00:00"), Ok(0));
        assert_eq!(parse_time("start", "09:30"), Ok(570));
        assert_eq!(parse_time("start", "23:59"), Ok(1439));
        for bad in [
            "24:00", "9:30", "09:60", "0930", "09:3", "aa:bb", "", "09:30:00", "-1:00", "+9:00",
        ] {
            assert_eq!(
                parse_time("start", bad).unwrap_err().field,
                "start",
                "{bad}"
            );
        }
        assert_eq!(format_time(570), "09:30");
        assert_eq!(format_time(0), "00:00");
    }

    #[test]
    fn back_to_back_sessions_do_not_overlap() {
        let nine = Slot {
            day: Day::Mon,
            start: 540,
            end: 615,
        };
        let after = Slot {
            day: Day::Mon,
            start: 615,
            end: 690,
        };
        let inside = Slot {
            day: Day::Mon,
            start: 600,
            end: 610,
        };
        let other_day = Slot {
            day: Day::Tue,
            start: 540,
            end: 615,
        };
        let around = Slot {
            day: Day::Mon,
            start: 500,
            end: 700,
        };
        assert!(!nine.overlaps(&after));
        assert!(!after.overlaps(&nine));
        assert!(nine.overlaps(&inside));
        assert!(inside.overlaps(&nine));
        assert!(!nine.overlaps(&other_day));
        assert!(nine.overlaps(&around) && around.overlaps(&nine));
        assert!(nine.overlaps(&nine));
    }

    #[test]
    fn a_valid_course_is_trimmed_and_its_sessions_sorted() {
        let mut input = course();
        input.name = "  자료구조 ".into();
        input.sessions.reverse();
        let course = CourseInput::parse("courses[0]", &input).unwrap();
        assert_eq!(course.name, "자료구조");
        assert_eq!(
            course.sessions[0].slot,
            Slot {
                day: Day::Mon,
                start: 540,
                end: 615
            }
        );
        assert_eq!(course.sessions[1].slot.day, Day::Wed);
        assert_eq!(course.day_mask(), 0b101, "Monday and Wednesday");
        assert_eq!(Day::Sun.bit(), 64);
    }

    #[test]
    fn each_course_limit_names_its_field() {
        type Breaker = Box<dyn Fn(&mut pb::CourseInput)>;
        let cases: Vec<(Breaker, &str)> = vec![
            (Box::new(|c| c.code = " ".into()), "courses[2].code"),
            (Box::new(|c| c.code = "A".repeat(31)), "courses[2].code"),
            (Box::new(|c| c.code = "CSE 2010".into()), "courses[2].code"),
            (Box::new(|c| c.name = String::new()), "courses[2].name"),
            (Box::new(|c| c.name = "가".repeat(101)), "courses[2].name"),
            (
                Box::new(|c| c.name = "자료\n구조".into()),
                "courses[2].name",
            ),
            (
                Box::new(|c| c.professor = "가".repeat(51)),
                "courses[2].professor",
            ),
            (Box::new(|c| c.credits = -1), "courses[2].credits"),
            (Box::new(|c| c.credits = 31), "courses[2].credits"),
            (Box::new(|c| c.sessions.clear()), "courses[2].sessions"),
            (
                Box::new(|c| c.sessions = vec![session(pb::Day::Monday, "09:00", "09:01"); 15]),
                "courses[2].sessions",
            ),
            (
                Box::new(|c| c.sessions[1].day = 0),
                "courses[2].sessions[1].day",
            ),
            (
                Box::new(|c| c.sessions[0].start = "9:00".into()),
                "courses[2].sessions[0].start",
            ),
            (
                Box::new(|c| c.sessions[0].end = "25:00".into()),
                "courses[2].sessions[0].end",
            ),
            (
                Box::new(|c| c.sessions[1].end = "09:00".into()),
                "courses[2].sessions[1].end",
            ),
            (
                Box::new(|c| c.sessions[0].end = "08:00".into()),
                "courses[2].sessions[0].end",
            ),
            (
                Box::new(|c| c.sessions[1].room = "호".repeat(51)),
                "courses[2].sessions[1].room",
            ),
            (
                Box::new(|c| c.sessions[1] = session(pb::Day::Monday, "10:00", "11:00")),
                "courses[2].sessions[1]",
            ),
        ];
        for (break_it, field) in cases {
            let mut input = course();
            break_it(&mut input);
            assert_eq!(
                fields(CourseInput::parse("courses[2]", &input)),
                [field],
                "{input:?}"
            );
        }
    }

    #[test]
    fn credits_limits_are_inclusive_and_professor_and_room_may_be_empty() {
        for credits in [0, 30] {
            let mut input = course();
            input.credits = credits;
            input.professor = " ".into();
            input.sessions[0].room = String::new();
            let course = CourseInput::parse("c", &input).unwrap();
            assert_eq!((course.credits, course.professor.as_str()), (credits, ""));
        }
    }

    #[test]
    fn every_bad_field_of_one_course_is_named() {
        let mut input = course();
        input.name = String::new();
        input.credits = 99;
        input.sessions[0].start = "nine".into();
        assert_eq!(
            fields(CourseInput::parse("courses[0]", &input)),
            [
                "courses[0].name",
                "courses[0].credits",
                "courses[0].sessions[0].start"
            ]
        );
    }

    #[test]
    fn an_import_stops_at_the_first_bad_course_and_refuses_duplicate_codes() {
        let mut bad = course();
        bad.code = "OTHER-01".into();
        bad.sessions[0].start = "10:30".into();
        let mut worse = course();
        worse.name = String::new();
        let errors = parse_import("2026-2", &[course(), bad, worse]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "courses[1].sessions[0].end");

        let errors = parse_import("2026-2", &[course(), course()]).unwrap_err();
        assert_eq!(errors[0].field, "courses[1].code");
        assert_eq!(errors[0].message, "duplicates courses[0].code");

        assert_eq!(
            parse_import("2026", &[course()]).unwrap_err()[0].field,
            "semester"
        );
        assert_eq!(parse_import("2026-1", &[]).unwrap_err()[0].field, "courses");
        let (semester, courses) = parse_import("2026-1", &[course()]).unwrap();
        assert_eq!((semester.as_str(), courses.len()), ("2026-1", 1));
    }

    #[test]
    fn an_import_holds_1_to_500_courses() {
        let numbered = |count: usize| -> Vec<pb::CourseInput> {
            (0..count)
                .map(|n| pb::CourseInput {
                    code: format!("C{n}"),
                    ..course()
                })
                .collect()
        };

        assert!(parse_import("2026-1", &numbered(MAX_IMPORT)).is_ok());
        let over = parse_import("2026-1", &numbered(MAX_IMPORT + 1)).unwrap_err();
        assert_eq!(over[0].field, "courses");
        assert_eq!(over[0].message, "must hold 1 to 500 courses");
    }

    #[test]
    fn an_empty_course_is_always_refused() {
        // The gateway sends one in place of a course whose JSON has the
        // wrong shape, counting on this refusal.
        let errors = parse_import("2026-1", &[course(), pb::CourseInput::default()]).unwrap_err();
        let named: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            named,
            ["courses[1].code", "courses[1].name", "courses[1].sessions"]
        );
    }

    #[test]
    fn timetable_names_are_1_to_40_characters() {
        assert_eq!(
            TimetableName::parse("  내 시간표 ").unwrap().as_str(),
            "내 시간표"
        );
        assert!(TimetableName::parse(&"가".repeat(40)).is_ok());
        assert_eq!(
            TimetableName::parse(&"가".repeat(41)).unwrap_err().field,
            "name"
        );
        assert_eq!(TimetableName::parse("   ").unwrap_err().field, "name");
        assert_eq!(TimetableName::default_nth(3).as_str(), "시간표 3");
    }

    #[test]
    fn visibility_rules_match_the_api() {
        let owner = Viewer {
            is_owner: true,
            is_friend: false,
            same_school: true,
        };
        let friend = Viewer {
            is_owner: false,
            is_friend: true,
            same_school: true,
        };
        let schoolmate = Viewer {
            is_owner: false,
            is_friend: false,
            same_school: true,
        };
        let stranger = Viewer {
            is_owner: false,
            is_friend: false,
            same_school: false,
        };
        use Visibility::*;
        let table = [
            (Private, [true, false, false, false]),
            (Friends, [true, true, false, false]),
            (Public, [true, true, true, false]),
        ];
        for (visibility, expected) in table {
            let seen =
                [owner, friend, schoolmate, stranger].map(|viewer| visibility.allows(viewer));
            assert_eq!(seen, expected, "{visibility:?}");
        }
        assert!(Visibility::from_pb(0).is_err());
        assert_eq!(Visibility::from_name("garbage"), Private);
    }

    #[test]
    fn search_text_is_lowercased_and_bounded() {
        assert_eq!(SearchText::parse("  ").unwrap(), None);
        assert_eq!(SearchText::parse(" CSE ").unwrap().unwrap().as_str(), "cse");
        assert!(SearchText::parse(&"가".repeat(50)).is_ok());
        assert_eq!(SearchText::parse(&"가".repeat(51)).unwrap_err().field, "q");
        assert_eq!(SearchText::parse("a\nb").unwrap_err().field, "q");
    }

    #[test]
    fn grams_cover_one_and_two_character_queries_without_crossing_fields() {
        let semester = Semester::parse("s", "2026-2").unwrap();
        let key = search_key("자료구조", "Kim", "CSE2010");
        let grams = index_grams(1, &semester, &key);
        let has = |gram: &str| grams.contains(&format!("1/2026-2/{gram}"));
        assert!(has("자") && has("자료") && has("구조") && has("ki") && has("cs"));
        assert!(!has("조k"), "pairs never span two fields");
        for q in ["자", "구조", "자료구조", "kim", "e20"] {
            let q = SearchText::parse(q).unwrap().unwrap();
            let wanted = query_grams(1, &semester, &q);
            assert!(wanted.iter().all(|gram| grams.contains(gram)), "{q:?}");
            assert!(key.contains(q.as_str()));
        }
        let other_school = query_grams(2, &semester, &SearchText::parse("자료").unwrap().unwrap());
        assert!(other_school.iter().all(|gram| !grams.contains(gram)));
    }
}
