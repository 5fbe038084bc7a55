//! A course of an import, validated: its fields, its sessions (which may
//! not overlap each other), and a whole batch, which stops at the first bad
//! course so a huge bad batch gives a short answer.

use std::borrow::Borrow;

use everytime_common::validate::{self, FieldError};
use everytime_proto::timetable::v1 as pb;

use super::{
    day::{Slot, WeeklySession, parse_weekly},
    limits::{CODE_MAX, CREDITS, MAX_IMPORT, MAX_SESSIONS, NAME_MAX, PROFESSOR_MAX, ROOM_MAX},
    semester::Semester,
};

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
        let (code, name, professor, (), sessions) = validate::all((
            parse_code(prefix, &course.code),
            validate::line(&format!("{prefix}.name"), &course.name, 1, NAME_MAX),
            validate::line(
                &format!("{prefix}.professor"),
                &course.professor,
                0,
                PROFESSOR_MAX,
            ),
            validate::ensure(
                CREDITS.contains(&course.credits),
                &format!("{prefix}.credits"),
                &format!("must be between {} and {}", CREDITS.start(), CREDITS.end()),
            ),
            parse_sessions(prefix, &course.sessions),
        ))?;
        Ok(CourseInput {
            code,
            name,
            professor,
            credits: course.credits,
            sessions,
        })
    }
}

/// A section code: 1–30 characters, no white space inside.
fn parse_code(prefix: &str, code: &str) -> Result<String, FieldError> {
    let field = format!("{prefix}.code");
    let code = validate::line(&field, code, 1, CODE_MAX)?;
    if code.chars().any(char::is_whitespace) {
        return Err(FieldError::new(field, "must not contain spaces"));
    }
    Ok(code)
}

/// A course's sessions, by day and start time: 1 to [`MAX_SESSIONS`] of
/// them, each valid, none overlapping an earlier one ([`parse_weekly`]).
fn parse_sessions(
    prefix: &str,
    sessions: &[pb::ClassSession],
) -> Result<Vec<Session>, Vec<FieldError>> {
    Ok(
        parse_weekly(&format!("{prefix}.sessions"), sessions, MAX_SESSIONS)?
            .into_iter()
            .map(|(slot, room)| Session { slot, room })
            .collect(),
    )
}

impl WeeklySession for pb::ClassSession {
    type Extra = String;

    fn times(&self) -> (i32, &str, &str) {
        (self.day, &self.start, &self.end)
    }

    fn extra(&self, field: &str) -> Result<String, FieldError> {
        validate::line(&format!("{field}.room"), &self.room, 0, ROOM_MAX)
    }
}

/// Validates a whole import: the semester, the batch size, each course, and
/// that no code appears twice. Stops at the first bad course, naming all of
/// its bad fields, so a huge bad batch gives a short answer.
pub fn parse_import(
    semester: &str,
    courses: &[pb::CourseInput],
) -> Result<(Semester, Vec<CourseInput>), Vec<FieldError>> {
    parse_batch(semester, courses.len(), courses.iter().map(Ok))
}

/// [`parse_import`] of courses sent as JSON values: each is read as it is
/// reached ([`super::course_json::read`]), and a course with fields of the
/// wrong shape is bad for those alone, before its values are judged.
pub fn parse_json_import(
    semester: &str,
    courses: &[prost_types::Value],
) -> Result<(Semester, Vec<CourseInput>), Vec<FieldError>> {
    let read = courses
        .iter()
        .enumerate()
        .map(|(index, value)| super::course_json::read(index, value));
    parse_batch(semester, courses.len(), read)
}

/// The rules of a batch of `count` courses, each either readable or already
/// known bad (its shape errors), in order.
fn parse_batch<C: Borrow<pb::CourseInput>>(
    semester: &str,
    count: usize,
    courses: impl Iterator<Item = Result<C, Vec<FieldError>>>,
) -> Result<(Semester, Vec<CourseInput>), Vec<FieldError>> {
    let semester = Semester::parse("semester", semester).map_err(|error| vec![error])?;
    if count == 0 || count > MAX_IMPORT {
        return Err(vec![FieldError::new(
            "courses",
            format!("must hold 1 to {MAX_IMPORT} courses"),
        )]);
    }
    let mut seen = std::collections::HashMap::with_capacity(count);
    let mut parsed = Vec::with_capacity(count);
    for (index, course) in courses.enumerate() {
        let prefix = format!("courses[{index}]");
        let course = CourseInput::parse(&prefix, course?.borrow())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Day;

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
        // Every field a course must have is named, not only the first.
        let errors = parse_import("2026-1", &[course(), pb::CourseInput::default()]).unwrap_err();
        let named: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            named,
            ["courses[1].code", "courses[1].name", "courses[1].sessions"]
        );
    }
}
