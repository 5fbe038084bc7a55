//! The course catalog, timetables and their picture.

use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// This area's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(), tags((name = "timetable", description = "The course catalog, timetables and their picture")))]
pub struct TimetableApi;
