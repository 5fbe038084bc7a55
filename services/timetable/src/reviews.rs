//! 강의평가: reviews of a lecture (one school's course name and professor,
//! across sections and semesters), one per user, always anonymous; the
//! summary of a lecture's reviews; likes once and never one's own.
//!
//! A review is reached through a course of the caller's school; a course or
//! review of another school is `NOT_FOUND`. The author's id stays in the
//! service: replies say only `is_mine`. A lecture's row is made by its first
//! review; a lecture nobody reviewed has an empty summary.

use everytime_common::{db::ResultExt, page, token::Caller};
use everytime_proto::timetable::v1 as pb;

use crate::{
    State,
    domain::review::{
        Amount, Answer, Attendance, Grading, ReviewInput, average_tenths, most_common,
    },
    error::{Error, Result},
    store::{
        courses::{self as course_store, CourseRow},
        reviews::{self as store, LIKED_REVIEW, ONE_PER_USER, ReviewRow, TallyRow},
    },
    wire,
};

/// `CreateReview`: the caller's review of a course's lecture.
pub async fn create_review(
    state: &State,
    caller: &Caller,
    request: pb::CreateReviewRequest,
) -> Result<pb::CreateReviewResponse> {
    let review = ReviewInput::parse(request.answers.as_ref())?;
    let course = course_of_school(state, caller, request.course_id).await?;
    let mut tx = state.pool.begin().await?;
    let lecture_id =
        store::upsert_lecture(&mut tx, course.school_id, &course.name, &course.professor).await?;
    let id = store::insert_review(&mut tx, lecture_id, caller.user_id, &review)
        .await
        .on_constraint(ONE_PER_USER, || Error::AlreadyReviewed)?;
    tx.commit().await?;
    let row = store::review(&state.pool, id)
        .await?
        .ok_or(Error::NotFound("review"))?;
    Ok(pb::CreateReviewResponse {
        review: Some(wire::review(row, caller.user_id, false)),
    })
}

/// `ListCourseReviews`: a page of the lecture's reviews, newest first, and
/// the summary of them all.
pub async fn list_course_reviews(
    state: &State,
    caller: &Caller,
    request: pb::ListCourseReviewsRequest,
) -> Result<pb::ListCourseReviewsResponse> {
    let course = course_of_school(state, caller, request.course_id).await?;
    // The lecture's identity, not the course's: every section shares a page.
    let scope = format!(
        "lecture-reviews:{}:{}\n{}",
        course.school_id, course.name, course.professor
    );
    let page = page::page_request::<i64>(
        &state.cursors,
        &scope,
        request.page_size,
        &request.page_token,
    )?;
    let lecture = pb::Lecture {
        name: course.name.clone(),
        professor: course.professor.clone(),
    };
    let Some(lecture_id) = store::lecture(
        &state.pool,
        course.school_id,
        &course.name,
        &course.professor,
    )
    .await?
    else {
        return Ok(pb::ListCourseReviewsResponse {
            lecture: Some(lecture),
            summary: Some(summary(&[])),
            reviews: Vec::new(),
            next_page_token: String::new(),
        });
    };
    let (tallies, mut rows) = tokio::try_join!(
        store::tallies(&state.pool, lecture_id),
        store::lecture_reviews(&state.pool, lecture_id, page.after, page.fetch()),
    )?;
    let next_page_token =
        page::finish_page(&state.cursors, &scope, &mut rows, page.size, |row| row.id);
    Ok(pb::ListCourseReviewsResponse {
        lecture: Some(lecture),
        summary: Some(summary(&tallies)),
        reviews: rows
            .into_iter()
            .map(|row| wire::review(row, caller.user_id, false))
            .collect(),
        next_page_token,
    })
}

/// `DeleteReview`: by its author or an administrator of its school.
pub async fn delete_review(
    state: &State,
    caller: &Caller,
    request: pb::DeleteReviewRequest,
) -> Result<pb::DeleteReviewResponse> {
    let review = review_of_school(state, caller, request.review_id).await?;
    if review.author_id != caller.user_id && !caller.is_admin() {
        return Err(Error::NotAuthor);
    }
    if !store::delete_review(&state.pool, review.id).await? {
        return Err(Error::NotFound("review"));
    }
    Ok(pb::DeleteReviewResponse {})
}

/// `LikeReview`: once per user, never one's own.
pub async fn like_review(
    state: &State,
    caller: &Caller,
    request: pb::LikeReviewRequest,
) -> Result<pb::LikeReviewResponse> {
    let review = review_of_school(state, caller, request.review_id).await?;
    if review.author_id == caller.user_id {
        return Err(Error::OwnReview);
    }
    let mut tx = state.pool.begin().await?;
    let like_count = store::like_review(&mut tx, review.id, caller.user_id)
        .await
        // The review was deleted between the read and the like.
        .on_constraint(LIKED_REVIEW, || Error::NotFound("review"))?
        .ok_or(Error::AlreadyLiked)?;
    tx.commit().await?;
    Ok(pb::LikeReviewResponse { like_count })
}

/// `ListMyReviews`: the caller's reviews, newest first, with their lectures.
pub async fn list_my_reviews(
    state: &State,
    caller: &Caller,
    request: pb::ListMyReviewsRequest,
) -> Result<pb::ListMyReviewsResponse> {
    let scope = "my-reviews";
    let page = page::page_request::<i64>(
        &state.cursors,
        scope,
        request.page_size,
        &request.page_token,
    )?;
    let mut rows =
        store::author_reviews(&state.pool, caller.user_id, page.after, page.fetch()).await?;
    let next_page_token =
        page::finish_page(&state.cursors, scope, &mut rows, page.size, |row| row.id);
    Ok(pb::ListMyReviewsResponse {
        reviews: rows
            .into_iter()
            .map(|row| wire::review(row, caller.user_id, true))
            .collect(),
        next_page_token,
    })
}

/// A course of the caller's school; `NOT_FOUND` for any other.
async fn course_of_school(state: &State, caller: &Caller, id: i64) -> Result<CourseRow> {
    course_store::course(&state.pool, id)
        .await?
        .filter(|course| course.school_id == caller.school_id)
        .ok_or(Error::NotFound("course"))
}

/// A review of the caller's school; `NOT_FOUND` for any other.
async fn review_of_school(state: &State, caller: &Caller, id: i64) -> Result<ReviewRow> {
    store::review(&state.pool, id)
        .await?
        .filter(|review| review.school_id == caller.school_id)
        .ok_or(Error::NotFound("review"))
}

/// What the tallies of a lecture's reviews add up to.
fn summary(tallies: &[TallyRow]) -> pb::ReviewSummary {
    fn counts<A: Answer>(tallies: &[TallyRow], question: &str) -> Vec<(A, i64)> {
        tallies
            .iter()
            .filter(|tally| tally.question == question)
            .filter_map(|tally| Some((A::from_name(&tally.answer)?, tally.count)))
            .collect()
    }
    let (count, sum) = tallies
        .iter()
        .filter(|tally| tally.question == "rating")
        .filter_map(|tally| Some((tally.count, tally.answer.parse::<i64>().ok()? * tally.count)))
        .fold((0, 0), |(count, sum), (n, weighted)| {
            (count + n, sum + weighted)
        });
    let unspecified = 0;
    pb::ReviewSummary {
        count: i32::try_from(count).unwrap_or(i32::MAX),
        rating_average_tenths: average_tenths(sum, count).and_then(|t| i32::try_from(t).ok()),
        assignment: most_common::<Amount>(&counts(tallies, "assignment"))
            .map_or(unspecified, Answer::to_pb),
        team_project: most_common::<Amount>(&counts(tallies, "team_project"))
            .map_or(unspecified, Answer::to_pb),
        grading: most_common::<Grading>(&counts(tallies, "grading"))
            .map_or(unspecified, Answer::to_pb),
        attendance: most_common::<Attendance>(&counts(tallies, "attendance"))
            .map_or(unspecified, Answer::to_pb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(question: &str, answer: &str, count: i64) -> TallyRow {
        TallyRow {
            question: question.into(),
            answer: answer.into(),
            count,
        }
    }

    #[test]
    fn a_summary_counts_averages_and_picks_the_most_common_answers() {
        let summary = summary(&[
            tally("rating", "5", 2),
            tally("rating", "3", 1),
            tally("rating", "4", 1),
            tally("assignment", "none", 3),
            tally("assignment", "many", 1),
            tally("team_project", "normal", 2),
            tally("team_project", "many", 2),
            tally("grading", "strict", 4),
            tally("attendance", "electronic", 4),
        ]);
        assert_eq!(summary.count, 4);
        // (5 + 5 + 3 + 4) / 4 = 4.25: 4.3.
        assert_eq!(summary.rating_average_tenths, Some(43));
        assert_eq!(summary.assignment, i32::from(pb::Amount::None));
        assert_eq!(summary.team_project, i32::from(pb::Amount::Many));
        assert_eq!(summary.grading, i32::from(pb::Grading::Strict));
        assert_eq!(summary.attendance, i32::from(pb::Attendance::Electronic));
    }

    #[test]
    fn a_lecture_without_reviews_has_an_empty_summary() {
        let summary = summary(&[]);
        assert_eq!(summary.count, 0);
        assert_eq!(summary.rating_average_tenths, None);
        assert_eq!(summary.assignment, 0);
        assert_eq!(summary.attendance, 0);
    }
}
