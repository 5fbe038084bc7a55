//! The JSON of 강의평가: reviews, a lecture's page with its summary, and the
//! names of the answers on the wire.

use everytime_proto::timetable::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::rfc3339;

/// A new review of a course's lecture.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateReviewBody {
    /// 1–5.
    #[schema(example = 4)]
    pub rating: i32,
    /// `many`, `normal` or `none`.
    #[schema(example = "normal")]
    pub assignment: String,
    /// `many`, `normal` or `none`.
    #[schema(example = "none")]
    pub team_project: String,
    /// `generous`, `normal` or `strict`.
    #[schema(example = "generous")]
    pub grading: String,
    /// `every_time`, `sometimes`, `electronic` or `none`.
    #[schema(example = "electronic")]
    pub attendance: String,
    /// How many exams, 0–4.
    #[schema(example = 2)]
    pub exams: i32,
    /// 20–1,000 characters.
    #[schema(example = "설명이 친절하고 과제가 실력에 도움이 됩니다. 추천해요.")]
    pub content: String,
    /// When the reviewer took the lecture: `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`.
    #[schema(example = "2026-1")]
    pub semester: String,
}

/// A review, always anonymous.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewBody {
    pub id: i64,
    #[schema(example = 4)]
    pub rating: i32,
    #[schema(example = "normal")]
    pub assignment: String,
    #[schema(example = "none")]
    pub team_project: String,
    #[schema(example = "generous")]
    pub grading: String,
    #[schema(example = "electronic")]
    pub attendance: String,
    #[schema(example = 2)]
    pub exams: i32,
    pub content: String,
    /// When the reviewer took the lecture.
    #[schema(example = "2026-1")]
    pub semester: String,
    /// Whether the caller wrote it.
    pub is_mine: bool,
    pub like_count: i32,
    #[schema(example = "2026-07-01T09:00:00Z")]
    pub created_at: String,
}

/// The lecture a review is of.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LectureBody {
    #[schema(example = "자료구조")]
    pub name: String,
    #[schema(example = "김민준")]
    pub professor: String,
}

/// One of the caller's reviews, with its lecture.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyReviewBody {
    #[serde(flatten)]
    pub review: ReviewBody,
    pub course: LectureBody,
}

/// What a lecture's reviews add up to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewSummaryBody {
    pub count: i32,
    /// To one decimal; `null` without reviews.
    #[schema(example = 4.3)]
    pub rating_average: Option<f64>,
    /// The most common answers; `null` without reviews.
    pub assignment: Option<String>,
    pub team_project: Option<String>,
    pub grading: Option<String>,
    pub attendance: Option<String>,
}

/// A page of a lecture's reviews, newest first, with the summary of all.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseReviewsBody {
    pub summary: ReviewSummaryBody,
    pub items: Vec<ReviewBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the caller's reviews, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyReviewsBody {
    pub items: Vec<MyReviewBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A like's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewLikeBody {
    pub like_count: i32,
    /// Always true: a like is for good.
    pub liked: bool,
}

/// The wire names of the answers, both ways: unknown names are sent as
/// unspecified (0), which the service refuses naming the field.
const AMOUNTS: [(&str, pb::Amount); 3] = [
    ("many", pb::Amount::Many),
    ("normal", pb::Amount::Normal),
    ("none", pb::Amount::None),
];
const GRADINGS: [(&str, pb::Grading); 3] = [
    ("generous", pb::Grading::Generous),
    ("normal", pb::Grading::Normal),
    ("strict", pb::Grading::Strict),
];
const ATTENDANCES: [(&str, pb::Attendance); 4] = [
    ("every_time", pb::Attendance::EveryTime),
    ("sometimes", pb::Attendance::Sometimes),
    ("electronic", pb::Attendance::Electronic),
    ("none", pb::Attendance::None),
];

fn value_of<E: Copy + Into<i32>>(names: &[(&str, E)], name: &str) -> i32 {
    names
        .iter()
        .find(|(known, _)| *known == name.trim())
        .map_or(0, |(_, value)| (*value).into())
}

fn name_of<E: Copy + Into<i32>>(names: &[(&str, E)], value: i32) -> Option<String> {
    names
        .iter()
        .find(|(_, known)| (*known).into() == value)
        .map(|(name, _)| (*name).to_owned())
}

impl From<CreateReviewBody> for pb::ReviewAnswers {
    fn from(body: CreateReviewBody) -> Self {
        pb::ReviewAnswers {
            rating: body.rating,
            assignment: value_of(&AMOUNTS, &body.assignment),
            team_project: value_of(&AMOUNTS, &body.team_project),
            grading: value_of(&GRADINGS, &body.grading),
            attendance: value_of(&ATTENDANCES, &body.attendance),
            exams: body.exams,
            content: body.content,
            semester: body.semester,
        }
    }
}

impl From<pb::Review> for ReviewBody {
    fn from(review: pb::Review) -> Self {
        let answers = review.answers.unwrap_or_default();
        ReviewBody {
            id: review.id,
            rating: answers.rating,
            assignment: name_of(&AMOUNTS, answers.assignment).unwrap_or_default(),
            team_project: name_of(&AMOUNTS, answers.team_project).unwrap_or_default(),
            grading: name_of(&GRADINGS, answers.grading).unwrap_or_default(),
            attendance: name_of(&ATTENDANCES, answers.attendance).unwrap_or_default(),
            exams: answers.exams,
            content: answers.content,
            semester: answers.semester,
            is_mine: review.is_mine,
            like_count: review.like_count,
            created_at: rfc3339(review.create_time.as_ref()),
        }
    }
}

impl From<pb::Review> for MyReviewBody {
    fn from(mut review: pb::Review) -> Self {
        let lecture = review.lecture.take().unwrap_or_default();
        MyReviewBody {
            review: review.into(),
            course: LectureBody {
                name: lecture.name,
                professor: lecture.professor,
            },
        }
    }
}

impl From<pb::ReviewSummary> for ReviewSummaryBody {
    fn from(summary: pb::ReviewSummary) -> Self {
        ReviewSummaryBody {
            count: summary.count,
            rating_average: summary
                .rating_average_tenths
                .map(|tenths| f64::from(tenths) / 10.0),
            assignment: name_of(&AMOUNTS, summary.assignment),
            team_project: name_of(&AMOUNTS, summary.team_project),
            grading: name_of(&GRADINGS, summary.grading),
            attendance: name_of(&ATTENDANCES, summary.attendance),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_names_round_trip_and_unknown_ones_are_unspecified() {
        for (name, _) in AMOUNTS {
            assert_eq!(
                name_of(&AMOUNTS, value_of(&AMOUNTS, name)).as_deref(),
                Some(name)
            );
        }
        for (name, _) in GRADINGS {
            assert_eq!(
                name_of(&GRADINGS, value_of(&GRADINGS, name)).as_deref(),
                Some(name)
            );
        }
        for (name, _) in ATTENDANCES {
            assert_eq!(
                name_of(&ATTENDANCES, value_of(&ATTENDANCES, name)).as_deref(),
                Some(name)
            );
        }
        assert_eq!(value_of(&AMOUNTS, "lots"), 0);
        assert_eq!(name_of(&GRADINGS, 0), None);
    }

    #[test]
    fn the_average_is_shown_to_one_decimal() {
        let summary = ReviewSummaryBody::from(pb::ReviewSummary {
            count: 4,
            rating_average_tenths: Some(43),
            ..Default::default()
        });
        assert_eq!(
            serde_json::to_string(&summary.rating_average)
                .ok()
                .as_deref(),
            Some("4.3")
        );
        assert_eq!(summary.assignment, None);
    }
}
