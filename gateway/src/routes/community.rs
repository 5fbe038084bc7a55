//! Boards, posts, comments, 공감, scraps, HOT, BEST, search.

use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// This area's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(), tags((name = "community", description = "Boards, posts, comments, 공감, scraps, HOT, BEST, search")))]
pub struct CommunityApi;
