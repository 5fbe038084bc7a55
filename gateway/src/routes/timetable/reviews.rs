//! 강의평가: a course's lecture's reviews and summary, writing, deleting and
//! liking a review, and the caller's own reviews. Reviews are anonymous in
//! the service's replies already; nothing here adds a name.

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::timetable::v1::{self as pb, review_service_client::ReviewServiceClient};

use super::{
    CourseReviewsBody, CreateReviewBody, MyReviewsBody, ReviewBody, ReviewLikeBody,
    ReviewSummaryBody,
};
use crate::{
    error::{ApiResult, required},
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    openapi::problems,
    routes::community::PageQuery,
    state::{AppState, authed, call},
};

problems! {
    BadReview = (400, "A bad `rating` (1–5), `assignment`, `team_project`, `grading`, `attendance`, `exams` (0–4), `content` (20–1,000 characters) or `semester`");
    NoSuchCourse = (404, "`course_not_found`: no such course in the caller's school");
    AlreadyReviewed = (409, "`already_reviewed`: the caller reviewed this lecture already (a review cannot be edited)");
    BadReviewPage = (400, "A bad `limit` (1–100) or `cursor`");
    NotReviewAuthor = (403, "`not_author`: neither the author nor an administrator");
    NoSuchReview = (404, "`review_not_found`: no such review in the caller's school");
    OwnReview = (403, "`own_post`: one's own review");
    ReviewAlreadyLiked = (409, "`already_liked`: liked already (a like is for good)");
}

/// Reviews the lecture of a course (its school, name and professor, across sections and semesters). Anonymous always; one review per user per lecture; no edit.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/reviews", tag = "reviews", request_body = CreateReviewBody,
    params(("course_id" = i64, Path, description = "A course of the lecture")),
    responses(
        (status = 201, description = "The review", body = ReviewBody),
        BadReview,
        NoSuchCourse,
        AlreadyReviewed,
    ))]
pub async fn create_review(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(course_id): ApiPath<i64>,
    ApiJson(body): ApiJson<CreateReviewBody>,
) -> ApiResult<(StatusCode, Json<ReviewBody>)> {
    let review = call(
        &state.clients.reviews,
        authed(
            pb::CreateReviewRequest {
                course_id,
                answers: Some(body.into()),
            },
            &auth,
        ),
        ReviewServiceClient::create_review,
    )
    .await?
    .review;
    Ok((
        StatusCode::CREATED,
        Json(required(review, "CreateReview")?.into()),
    ))
}

/// The reviews of a course's lecture, newest first, with the summary of them all (count, average rating to one decimal, the most common answers).
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/reviews", tag = "reviews",
    params(("course_id" = i64, Path, description = "A course of the lecture"), PageQuery),
    responses(
        (status = 200, description = "The summary and a page of reviews", body = CourseReviewsBody),
        BadReviewPage,
        NoSuchCourse,
    ))]
pub async fn course_reviews(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(course_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<CourseReviewsBody>> {
    let (page_size, page_token) = query.page()?;
    let page = call(
        &state.clients.reviews,
        authed(
            pb::ListCourseReviewsRequest {
                course_id,
                page_size,
                page_token,
            },
            &auth,
        ),
        ReviewServiceClient::list_course_reviews,
    )
    .await?;
    Ok(Json(CourseReviewsBody {
        summary: ReviewSummaryBody::from(required(page.summary, "ListCourseReviews")?),
        items: page.reviews.into_iter().map(ReviewBody::from).collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}

/// Deletes a review: its author, or an administrator.
#[utoipa::path(delete, path = "/api/v1/reviews/{review_id}", tag = "reviews",
    params(("review_id" = i64, Path, description = "The review")),
    responses(
        (status = 204, description = "Deleted"),
        NotReviewAuthor,
        NoSuchReview,
    ))]
pub async fn delete_review(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(review_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.reviews,
        authed(pb::DeleteReviewRequest { review_id }, &auth),
        ReviewServiceClient::delete_review,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 공감 on a review: once, for good, and never one's own.
#[utoipa::path(put, path = "/api/v1/reviews/{review_id}/like", tag = "reviews",
    params(("review_id" = i64, Path, description = "The review")),
    responses(
        (status = 200, description = "Liked", body = ReviewLikeBody),
        OwnReview,
        NoSuchReview,
        ReviewAlreadyLiked,
    ))]
pub async fn like_review(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(review_id): ApiPath<i64>,
) -> ApiResult<Json<ReviewLikeBody>> {
    let liked = call(
        &state.clients.reviews,
        authed(pb::LikeReviewRequest { review_id }, &auth),
        ReviewServiceClient::like_review,
    )
    .await?;
    Ok(Json(ReviewLikeBody {
        like_count: liked.like_count,
        liked: true,
    }))
}

/// The caller's reviews, newest first, each with its lecture.
#[utoipa::path(get, path = "/api/v1/me/reviews", tag = "reviews", params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's reviews", body = MyReviewsBody),
        BadReviewPage,
    ))]
pub async fn my_reviews(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<MyReviewsBody>> {
    let (page_size, page_token) = query.page()?;
    let page = call(
        &state.clients.reviews,
        authed(
            pb::ListMyReviewsRequest {
                page_size,
                page_token,
            },
            &auth,
        ),
        ReviewServiceClient::list_my_reviews,
    )
    .await?;
    Ok(Json(MyReviewsBody {
        items: page.reviews.into_iter().map(Into::into).collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}
