//! The JSON of the grade calculator. Credits and averages are JSON numbers
//! (`3`, `1.5`, `3.75`); the service counts them exactly (half credits,
//! hundredths) and only the last step here divides.

use everytime_proto::timetable::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One course of a semester, as put and as answered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GradeCourseBody {
    /// 1–40 characters.
    #[schema(example = "자료구조")]
    pub name: String,
    /// 0.5–10, in steps of 0.5.
    #[schema(example = 3)]
    pub credits: f64,
    /// `A+` `A0` `B+` `B0` `C+` `C0` `D+` `D0` `F` `P` `NP`, or `null` while not known (counts nowhere).
    #[schema(example = "A+")]
    #[serde(default)]
    pub grade: Option<String>,
    /// A major course (counts in `major_gpa` too); default `false`.
    #[serde(default)]
    pub major: bool,
}

/// A semester's new courses.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PutGradeSemesterBody {
    /// 0–30 courses, in the order to keep; none removes the semester.
    pub courses: Vec<GradeCourseBody>,
}

/// A new target.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TargetCreditsBody {
    /// 1–300.
    #[schema(example = 130)]
    pub target_credits: i32,
}

/// A semester of the calculator and what it adds up to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeSemesterBody {
    #[schema(example = "2026-1")]
    pub semester: String,
    /// In the order put.
    pub courses: Vec<GradeCourseBody>,
    /// The credit-weighted average of the graded courses but P and NP, rounded half up to two decimals; `null` when none counts.
    #[schema(example = 3.75)]
    pub gpa: Option<f64>,
    /// The same over the major courses.
    #[schema(example = 4.13)]
    pub major_gpa: Option<f64>,
    /// The credits of every graded course (F, P and NP included).
    #[schema(example = 18)]
    pub credits: f64,
    /// The credits of the graded courses but F and NP.
    #[schema(example = 15)]
    pub earned_credits: f64,
}

/// The caller's whole record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradesBody {
    /// Oldest first (within a year: 1, S, 2, W).
    pub semesters: Vec<GradeSemesterBody>,
    /// Over every course of every semester.
    #[schema(example = 3.75)]
    pub gpa: Option<f64>,
    #[schema(example = 4.13)]
    pub major_gpa: Option<f64>,
    #[schema(example = 36)]
    pub credits: f64,
    #[schema(example = 33)]
    pub earned_credits: f64,
    /// `null` until set.
    #[schema(example = 130)]
    pub target_credits: Option<i32>,
}

/// Hundredths as a JSON number (`375` → `3.75`): the division of a small
/// integer by 100 prints as its two-decimal value.
fn decimal(hundredths: Option<i32>) -> Option<f64> {
    hundredths.map(|value| f64::from(value) / 100.0)
}

impl From<GradeCourseBody> for pb::GradeCourse {
    fn from(course: GradeCourseBody) -> Self {
        pb::GradeCourse {
            name: course.name,
            credits: course.credits,
            grade: course.grade,
            major: course.major,
        }
    }
}

impl From<pb::GradeCourse> for GradeCourseBody {
    fn from(course: pb::GradeCourse) -> Self {
        GradeCourseBody {
            name: course.name,
            credits: course.credits,
            grade: course.grade,
            major: course.major,
        }
    }
}

impl From<pb::GradeSemester> for GradeSemesterBody {
    fn from(semester: pb::GradeSemester) -> Self {
        let summary = semester.summary.unwrap_or_default();
        GradeSemesterBody {
            semester: semester.semester,
            courses: semester.courses.into_iter().map(Into::into).collect(),
            gpa: decimal(summary.gpa_hundredths),
            major_gpa: decimal(summary.major_gpa_hundredths),
            credits: summary.credits,
            earned_credits: summary.earned_credits,
        }
    }
}

impl From<pb::GradeRecord> for GradesBody {
    fn from(record: pb::GradeRecord) -> Self {
        let total = record.total.unwrap_or_default();
        GradesBody {
            semesters: record.semesters.into_iter().map(Into::into).collect(),
            gpa: decimal(total.gpa_hundredths),
            major_gpa: decimal(total.major_gpa_hundredths),
            credits: total.credits,
            earned_credits: total.earned_credits,
            target_credits: record.target_credits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_print_as_two_decimal_numbers() {
        for (hundredths, printed) in [
            (375, "3.75"),
            (450, "4.5"),
            (413, "4.13"),
            (0, "0.0"),
            (1, "0.01"),
            (229, "2.29"),
        ] {
            let value = serde_json::to_string(&decimal(Some(hundredths))).expect("serializes");
            assert_eq!(value, printed);
        }
        assert_eq!(decimal(None), None);
    }
}
