//! The course search.

use axum::{Json, extract::State};
use everytime_proto::timetable::v1::{self as pb, catalog_service_client::CatalogServiceClient};

use super::{BadCourseSearch, CourseBody, CoursePage, CoursesQuery, day_value};
use crate::{
    error::ApiResult,
    extract::{ApiQuery, Auth},
    state::{AppState, authed, call},
};

/// Searches the caller's school's courses of a semester, by code.
#[utoipa::path(get, path = "/api/v1/courses", tag = "timetable", params(CoursesQuery),
    responses(
        (status = 200, description = "A page of courses, by code", body = CoursePage),
        BadCourseSearch,
    ))]
pub async fn search_courses(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<CoursesQuery>,
) -> ApiResult<Json<CoursePage>> {
    let page = call(
        &state.clients.catalog,
        authed(
            pb::SearchCoursesRequest {
                semester: query.semester.unwrap_or_default(),
                query: query.q.unwrap_or_default(),
                day: query.day.as_deref().map(day_value),
                page_size: query.limit,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ),
        CatalogServiceClient::search_courses,
    )
    .await?;
    Ok(Json(CoursePage {
        items: page.courses.into_iter().map(CourseBody::from).collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}
