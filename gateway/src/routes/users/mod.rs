//! The caller's own user.

mod json;

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::auth::v1::{self as pb, user_service_client::UserServiceClient};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use crate::{
    error::{ApiResult, required},
    extract::{ApiJson, Auth},
    model::UserBody,
    openapi::{LimitBroken, NotSignedIn, problems},
    state::{AppState, authed, call},
};

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(change_password))
}

problems! {
    NicknameTaken = (409, "The nickname is taken");
    BadNewPassword = (400, "The new password breaks a limit");
    WrongPassword = (401, "The current password is wrong");
    /// Wrong current passwords count like failed sign-ins.
    TooManyGuesses = (429, "Too many wrong current passwords; `Retry-After` says when to try again");
}

/// The caller, email included.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users",
    responses(
        (status = 200, description = "The caller", body = UserBody),
        NotSignedIn,
    ))]
pub async fn get_me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<UserBody>> {
    let user = call(
        &state.clients.users,
        authed(pb::GetMeRequest {}, &auth),
        UserServiceClient::get_me,
    )
    .await?
    .user;
    Ok(Json(required(user, "GetMe")?.into()))
}

/// Changes the caller's nickname or name.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", request_body = UpdateMeBody,
    responses(
        (status = 200, description = "The updated user", body = UserBody),
        LimitBroken,
        NicknameTaken,
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<UpdateMeBody>,
) -> ApiResult<Json<UserBody>> {
    let request = authed(
        pb::UpdateMeRequest {
            nickname: body.nickname,
            name: body.name,
        },
        &auth,
    );
    let user = call(&state.clients.users, request, UserServiceClient::update_me)
        .await?
        .user;
    Ok(Json(required(user, "UpdateMe")?.into()))
}

/// Changes the password; every other session is revoked.
#[utoipa::path(put, path = "/api/v1/users/me/password", tag = "users", request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed"),
        BadNewPassword,
        WrongPassword,
        TooManyGuesses,
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> ApiResult<StatusCode> {
    let request = authed(
        pb::ChangePasswordRequest {
            current_password: body.current_password,
            new_password: body.new_password,
        },
        &auth,
    );
    call(
        &state.clients.users,
        request,
        UserServiceClient::change_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
