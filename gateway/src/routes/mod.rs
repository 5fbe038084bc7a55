//! The routes of `API.md`, one module per area.

pub mod admin;
pub mod auth;
pub mod community;
pub mod friends;
pub mod system;
pub mod timetable;
pub mod users;

use axum::Router;

use crate::{AppState, extract::Auth};

/// Every route, with its state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(system::routes())
        .merge(auth::routes(state.clone()))
        .merge(users::routes())
        .merge(admin::routes())
        .merge(community::routes())
        .merge(timetable::routes())
        .merge(friends::routes())
        .with_state(state)
}

/// A gRPC request carrying the caller's access token, so the service
/// verifies the caller itself, and the current trace context.
pub fn authed<T>(message: T, auth: &Auth) -> tonic::Request<T> {
    let mut request = traced(message);
    if let Ok(value) = format!("Bearer {}", auth.token).parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// A gRPC request carrying the current trace context (W3C `traceparent`),
/// so the service's spans join the gateway's trace.
pub fn traced<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    everytime_common::telemetry::inject(request.metadata_mut());
    request
}
