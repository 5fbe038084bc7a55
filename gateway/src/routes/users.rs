//! The caller's own user.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, put},
};
use everytime_proto::auth::v1 as pb;
use serde::Deserialize;
use utoipa::ToSchema;

use super::authed;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{ApiJson, Auth},
    model::UserBody,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/me", get(get_me).patch(update_me))
        .route("/api/v1/users/me/password", put(change_password))
}

/// The caller, email included.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users",
    responses(
        (status = 200, description = "The caller", body = UserBody),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<UserBody>> {
    let user = state
        .clients
        .users
        .clone()
        .get_me(authed(pb::GetMeRequest {}, &auth))
        .await?
        .into_inner()
        .user
        .ok_or_else(|| ApiError::internal("GetMe returned no user"))?;
    Ok(Json(user.into()))
}

/// Fields to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMeBody {
    /// 2–10 characters, unique.
    pub nickname: Option<String>,
    /// 1–20 characters.
    pub name: Option<String>,
}

/// Changes the caller's nickname or name.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", request_body = UpdateMeBody,
    responses(
        (status = 200, description = "The updated user", body = UserBody),
        (status = 400, description = "A limit is broken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The nickname is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<UpdateMeBody>,
) -> ApiResult<Json<UserBody>> {
    let user = state
        .clients
        .users
        .clone()
        .update_me(authed(
            pb::UpdateMeRequest {
                nickname: body.nickname,
                name: body.name,
            },
            &auth,
        ))
        .await?
        .into_inner()
        .user
        .ok_or_else(|| ApiError::internal("UpdateMe returned no user"))?;
    Ok(Json(user.into()))
}

/// The current password and the new one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    pub current_password: String,
    /// 8–128 characters, taken exactly as given.
    pub new_password: String,
}

/// Changes the password; every other session is revoked.
#[utoipa::path(put, path = "/api/v1/users/me/password", tag = "users", request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "The new password breaks a limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "The current password is wrong", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .users
        .clone()
        .change_password(authed(
            pb::ChangePasswordRequest {
                current_password: body.current_password,
                new_password: body.new_password,
            },
            &auth,
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
