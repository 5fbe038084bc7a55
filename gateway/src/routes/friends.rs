//! Friend requests, friends and their timetables.

use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// This area's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(), tags((name = "friends", description = "Friend requests, friends and their timetables")))]
pub struct FriendsApi;
