//! The routes of `API.md`, one folder per area: `mod.rs` holds the
//! handlers and the area's [`OpenApiRouter`], `json.rs` its JSON types.
//!
//! A handler's path and method are written once, in its `#[utoipa::path]`;
//! `routes!` registers it in the router and in the OpenAPI document
//! together, so the two cannot drift apart.

pub mod admin;
pub mod auth;
pub mod community;
pub mod friends;
pub mod messages;
pub mod notifications;
pub mod system;
pub mod timetable;
pub mod users;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{openapi::ApiDoc, state::AppState};

/// Every route, and the OpenAPI document describing them. The state is
/// the auth rate limiter's; the router takes the app's state later.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(system::routes())
        .merge(auth::routes(state))
        .merge(users::routes())
        .merge(admin::routes())
        .merge(community::routes())
        .merge(timetable::routes())
        .merge(friends::routes())
        .merge(messages::routes())
        .merge(notifications::routes())
}
