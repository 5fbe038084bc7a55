//! The caller's own user.

mod json;

use axum::{
    Json,
    extract::{FromRef, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;
use everytime_proto::{
    auth::v1::{self as pb, user_service_client::UserServiceClient},
    community::v1::{self as community_pb, community_service_client::CommunityServiceClient},
};
use std::time::SystemTime;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use crate::{
    error::{ApiResult, required},
    extract::{ApiJson, Auth, CookieAuth},
    model::UserBody,
    openapi::{LimitBroken, NotSignedIn, problems},
    profiles::ProfileCache,
    state::{AppState, authed, call},
};

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me, delete_me))
        .routes(routes!(change_password))
}

problems! {
    NicknameTaken = (409, "`nickname_taken`: the nickname is taken; or `nickname_recently_changed`: the nickname changed less than 30 days ago (`detail` says from when it may change again; `nickname_changeable_at` on the user)");
    WrongDeletePassword = (401, "`wrong_password`: the password is wrong");
    /// Wrong passwords count like failed sign-ins.
    TooManyDeleteGuesses = (429, "Too many wrong passwords; `Retry-After` says when to try again");
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
    let (user, restricted_until) =
        tokio::join!(own_user(&state, &auth), restricted_until(&state, &auth));
    let mut body = UserBody::from(user?);
    body.restricted_until = restricted_until;
    Ok(Json(body))
}

/// The caller as auth's `GetMe` answers, from the cache of recent answers
/// when it holds the caller's ([`crate::profiles`]).
async fn own_user(state: &AppState, auth: &Auth) -> ApiResult<pb::User> {
    let user_id = auth.caller.user_id;
    let cache = state.profiles.as_deref();
    if let Some(user) = cache.and_then(|cache| cache.lookup(user_id, SystemTime::now())) {
        return Ok(user);
    }
    let generation = cache.map(ProfileCache::generation);
    let reply = call(
        &state.clients.users,
        authed(pb::GetMeRequest {}, auth),
        UserServiceClient::get_me,
    )
    .await?;
    let user = required(reply.user, "GetMe")?;
    if let (Some(cache), Some(generation)) = (cache, generation) {
        cache.store(generation, user_id, user.clone());
    }
    Ok(user)
}

/// Drops what the gateway keeps of the caller's own user, after a change
/// through it (auth's events tell every replica too).
fn forget_own_user(state: &AppState, user_id: i64) {
    state.nicknames.forget(user_id);
    if let Some(profiles) = &state.profiles {
        profiles.forget(user_id);
    }
}

/// Until when the caller may not write (`Some(None)`: they may), as the
/// community service says (it owns reports and blinding), from the cache
/// of recent answers when it holds the caller's ([`crate::restrictions`]);
/// `None` when community cannot be asked. A community outage must not take
/// the caller's own user down with it (the apps read it first), so then the
/// member is left out, which says "not known", rather than answered with a
/// guess.
async fn restricted_until(state: &AppState, auth: &Auth) -> Option<Option<String>> {
    let cache = &state.restrictions;
    let user_id = auth.caller.user_id;
    let shown = |until: Option<prost_types::Timestamp>| {
        Some(
            until
                .as_ref()
                .map(|until| crate::model::rfc3339(Some(until))),
        )
    };
    if let Some(until) = cache.lookup(user_id, SystemTime::now()) {
        return shown(until);
    }
    let generation = cache.generation();
    match call(
        &state.clients.community,
        authed(community_pb::GetWriteRestrictionRequest {}, auth),
        CommunityServiceClient::get_write_restriction,
    )
    .await
    {
        Ok(reply) => {
            cache.store(generation, user_id, reply.restricted_until);
            shown(reply.restricted_until)
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "the write restriction is unknown: community did not answer");
            None
        }
    }
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
    let (user, restricted_until) = tokio::join!(
        call(&state.clients.users, request, UserServiceClient::update_me),
        restricted_until(&state, &auth),
    );
    // Whoever renames themselves sees it on their next request; others
    // (and other replicas) when auth's event reaches the caches.
    forget_own_user(&state, auth.caller.user_id);
    let mut body = UserBody::from(required(user?.user, "UpdateMe")?);
    body.restricted_until = restricted_until;
    Ok(Json(body))
}

/// 회원 탈퇴: erases the caller's account after checking the password. Every session ends at once; username, email, name and password are erased and the nickname is freed. Posts and comments stay (a named author shows as `(알 수 없음)`); timetables, friends, friend requests, scraps and grades are deleted in every service, also one that is down now (when it is back). The same email cannot sign up again for 24 hours. Clears the token cookies.
#[utoipa::path(delete, path = "/api/v1/users/me", tag = "users", request_body = DeleteMeBody,
    responses(
        (status = 204, description = "Deleted"),
        LimitBroken,
        WrongDeletePassword,
        TooManyDeleteGuesses,
    ))]
pub async fn delete_me(
    State(state): State<AppState>,
    auth: Auth,
    jar: CookieJar,
    ApiJson(body): ApiJson<DeleteMeBody>,
) -> ApiResult<Response> {
    call(
        &state.clients.users,
        authed(
            pb::DeleteMeRequest {
                password: body.password,
            },
            &auth,
        ),
        UserServiceClient::delete_me,
    )
    .await?;
    forget_own_user(&state, auth.caller.user_id);
    let cookies = CookieAuth::from_ref(&state);
    let jar = crate::routes::auth::without_token_cookies(jar, &cookies);
    Ok((StatusCode::NO_CONTENT, jar).into_response())
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
