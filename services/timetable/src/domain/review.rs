//! 강의평가: a review's answers, validated, and what a lecture's reviews add
//! up to (the average rating to one decimal, exactly, and the most common
//! answer of each question).
//!
//! The answers are spelled in the database as the REST API spells them
//! (`many`, `every_time`); the wire carries enums. Each question is one
//! [`Answer`] type that knows both.

use everytime_common::validate::{self, FieldError};
use everytime_proto::timetable::v1 as pb;

use super::{
    Semester,
    limits::{REVIEW_CONTENT, REVIEW_EXAMS, REVIEW_RATING},
};

/// One question's answers: their stored names, in enum order, and the wire.
pub trait Answer: Sized + Copy + PartialEq + 'static {
    /// Every answer, in the order of the wire enum (a tie of the summary
    /// goes to the earlier one).
    const ALL: &'static [Self];
    /// How the database and the REST API spell it.
    fn name(self) -> &'static str;
    /// The wire value.
    fn to_pb(self) -> i32;

    /// The answer stored as `name`.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|answer| answer.name() == name)
    }

    /// The answer of a wire value; unspecified and unknown ones are a
    /// violation of `field`.
    fn from_pb(field: &str, value: i32) -> Result<Self, FieldError> {
        Self::ALL
            .iter()
            .copied()
            .find(|answer| answer.to_pb() == value)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|answer| answer.name()).collect();
                FieldError::new(field, format!("must be one of {}", names.join(", ")))
            })
    }
}

/// How many assignments, or team projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Many,
    Normal,
    None,
}

impl Answer for Amount {
    const ALL: &'static [Self] = &[Amount::Many, Amount::Normal, Amount::None];

    fn name(self) -> &'static str {
        match self {
            Amount::Many => "many",
            Amount::Normal => "normal",
            Amount::None => "none",
        }
    }

    fn to_pb(self) -> i32 {
        match self {
            Amount::Many => pb::Amount::Many,
            Amount::Normal => pb::Amount::Normal,
            Amount::None => pb::Amount::None,
        }
        .into()
    }
}

/// How the lecture grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grading {
    Generous,
    Normal,
    Strict,
}

impl Answer for Grading {
    const ALL: &'static [Self] = &[Grading::Generous, Grading::Normal, Grading::Strict];

    fn name(self) -> &'static str {
        match self {
            Grading::Generous => "generous",
            Grading::Normal => "normal",
            Grading::Strict => "strict",
        }
    }

    fn to_pb(self) -> i32 {
        match self {
            Grading::Generous => pb::Grading::Generous,
            Grading::Normal => pb::Grading::Normal,
            Grading::Strict => pb::Grading::Strict,
        }
        .into()
    }
}

/// How attendance is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    EveryTime,
    Sometimes,
    Electronic,
    None,
}

impl Answer for Attendance {
    const ALL: &'static [Self] = &[
        Attendance::EveryTime,
        Attendance::Sometimes,
        Attendance::Electronic,
        Attendance::None,
    ];

    fn name(self) -> &'static str {
        match self {
            Attendance::EveryTime => "every_time",
            Attendance::Sometimes => "sometimes",
            Attendance::Electronic => "electronic",
            Attendance::None => "none",
        }
    }

    fn to_pb(self) -> i32 {
        match self {
            Attendance::EveryTime => pb::Attendance::EveryTime,
            Attendance::Sometimes => pb::Attendance::Sometimes,
            Attendance::Electronic => pb::Attendance::Electronic,
            Attendance::None => pb::Attendance::None,
        }
        .into()
    }
}

/// A review's answers, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInput {
    pub rating: i16,
    pub assignment: Amount,
    pub team_project: Amount,
    pub grading: Grading,
    pub attendance: Attendance,
    pub exams: i16,
    /// 20–1,000 characters, trimmed.
    pub content: String,
    pub semester: Semester,
}

impl ReviewInput {
    /// Validates the answers; every bad one is named. Absent answers are
    /// all missing.
    pub fn parse(answers: Option<&pb::ReviewAnswers>) -> Result<Self, Vec<FieldError>> {
        let default = pb::ReviewAnswers::default();
        let answers = answers.unwrap_or(&default);
        let (rating, assignment, team_project, grading, attendance, exams, content, semester) =
            validate::all((
                in_range("rating", answers.rating, &REVIEW_RATING, "must be 1 to 5"),
                Amount::from_pb("assignment", answers.assignment),
                Amount::from_pb("team_project", answers.team_project),
                Grading::from_pb("grading", answers.grading),
                Attendance::from_pb("attendance", answers.attendance),
                in_range("exams", answers.exams, &REVIEW_EXAMS, "must be 0 to 4"),
                validate::text(
                    "content",
                    &answers.content,
                    *REVIEW_CONTENT.start(),
                    *REVIEW_CONTENT.end(),
                ),
                Semester::parse("semester", &answers.semester),
            ))?;
        Ok(ReviewInput {
            rating,
            assignment,
            team_project,
            grading,
            attendance,
            exams,
            content,
            semester,
        })
    }
}

fn in_range(
    field: &str,
    value: i32,
    range: &std::ops::RangeInclusive<i16>,
    message: &str,
) -> Result<i16, FieldError> {
    i16::try_from(value)
        .ok()
        .filter(|value| range.contains(value))
        .ok_or_else(|| FieldError::new(field, message))
}

/// The average of `sum` over `count` ratings in tenths, rounded half up
/// (4.25 is 4.3, 4.249… is 4.2); `None` without ratings.
pub fn average_tenths(sum: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (20 * sum + count) / (2 * count))
}

/// The most common of `answers` (each with how many chose it), the earlier
/// one on a tie; `None` when nobody answered.
pub fn most_common<A: Answer>(counts: &[(A, i64)]) -> Option<A> {
    let mut best: Option<(A, i64)> = None;
    for answer in A::ALL {
        let count = counts
            .iter()
            .filter(|(counted, _)| counted == answer)
            .map(|(_, count)| *count)
            .sum();
        if count > 0 && best.is_none_or(|(_, most)| count > most) {
            best = Some((*answer, count));
        }
    }
    best.map(|(answer, _)| answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers() -> pb::ReviewAnswers {
        pb::ReviewAnswers {
            rating: 4,
            assignment: pb::Amount::Many.into(),
            team_project: pb::Amount::None.into(),
            grading: pb::Grading::Generous.into(),
            attendance: pb::Attendance::Electronic.into(),
            exams: 2,
            content: "  과제가 많지만 배우는 것이 많은 수업입니다.  ".into(),
            semester: "2026-1".into(),
        }
    }

    fn fields(answers: &pb::ReviewAnswers) -> Vec<String> {
        ReviewInput::parse(Some(answers))
            .expect_err("invalid")
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn a_review_is_trimmed_and_its_answers_named() {
        let review = ReviewInput::parse(Some(&answers())).expect("valid");
        assert_eq!(review.content, "과제가 많지만 배우는 것이 많은 수업입니다.");
        assert_eq!(review.assignment.name(), "many");
        assert_eq!(review.attendance.name(), "electronic");
        assert_eq!(
            Attendance::from_name("every_time"),
            Some(Attendance::EveryTime)
        );
        assert_eq!(Grading::from_name("lenient"), None);
    }

    #[test]
    fn every_answer_is_checked_and_named() {
        let mut bad = answers();
        bad.rating = 0;
        bad.exams = 5;
        bad.grading = 0;
        bad.attendance = 9;
        bad.semester = "2026-3".into();
        assert_eq!(
            fields(&bad),
            ["rating", "grading", "attendance", "exams", "semester"]
        );
        bad = answers();
        bad.rating = 6;
        bad.exams = -1;
        bad.assignment = 0;
        bad.team_project = 4;
        assert_eq!(
            fields(&bad),
            ["rating", "assignment", "team_project", "exams"]
        );
        // Nothing sent: every answer is missing but the exams, where 0 is one.
        let missing: Vec<String> = ReviewInput::parse(None)
            .expect_err("nothing")
            .into_iter()
            .map(|error| error.field)
            .collect();
        assert_eq!(
            missing,
            [
                "rating",
                "assignment",
                "team_project",
                "grading",
                "attendance",
                "content",
                "semester"
            ]
        );
    }

    #[test]
    fn content_is_20_to_1000_characters() {
        let mut review = answers();
        review.content = "가".repeat(19);
        assert_eq!(fields(&review), ["content"]);
        review.content = format!("  {}  ", "가".repeat(20));
        assert!(ReviewInput::parse(Some(&review)).is_ok());
        review.content = "가".repeat(1000);
        assert!(ReviewInput::parse(Some(&review)).is_ok());
        review.content = "가".repeat(1001);
        assert_eq!(fields(&review), ["content"]);
        review.content = format!("{}\u{0}", "가".repeat(30));
        assert_eq!(fields(&review), ["content"]);
    }

    #[test]
    fn the_average_rounds_half_up_to_one_decimal() {
        assert_eq!(average_tenths(0, 0), None);
        assert_eq!(average_tenths(5, 1), Some(50));
        // 17 / 4 = 4.25: half up to 4.3.
        assert_eq!(average_tenths(17, 4), Some(43));
        // 13 / 3 = 4.333…: 4.3; 14 / 3 = 4.666…: 4.7.
        assert_eq!(average_tenths(13, 3), Some(43));
        assert_eq!(average_tenths(14, 3), Some(47));
        // 33 / 8 = 4.125: 4.1 (below the half).
        assert_eq!(average_tenths(33, 8), Some(41));
        // 29 / 8 = 3.625: 3.6; 3.65 (73 / 20) is 3.7.
        assert_eq!(average_tenths(29, 8), Some(36));
        assert_eq!(average_tenths(73, 20), Some(37));
    }

    #[test]
    fn the_most_common_answer_wins_and_a_tie_goes_to_the_earlier_one() {
        assert_eq!(most_common::<Amount>(&[]), None);
        assert_eq!(
            most_common(&[(Amount::None, 2), (Amount::Many, 1)]),
            Some(Amount::None)
        );
        assert_eq!(
            most_common(&[(Amount::None, 2), (Amount::Normal, 2)]),
            Some(Amount::Normal)
        );
        assert_eq!(
            most_common(&[(Attendance::None, 1), (Attendance::Sometimes, 0)]),
            Some(Attendance::None)
        );
    }
}
