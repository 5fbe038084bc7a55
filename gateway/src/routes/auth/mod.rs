//! Schools, sign-up, sign-in, refresh, sign-out and sessions.

mod json;

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
};
use axum_extra::extract::{
    CookieJar,
    cookie::{Cookie, SameSite},
};
use everytime_proto::auth::v1::{self as pb, auth_service_client::AuthServiceClient};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use crate::{
    error::{ApiError, ApiResult, required},
    extract::{ACCESS_COOKIE, ApiJson, ApiPath, Auth, ClientMeta, OptionalJson, REFRESH_COOKIE},
    limit,
    model::{Items, SchoolBody, UserBody, rfc3339},
    openapi::{NotSignedIn, problems},
    state::{AppState, authed, call, traced},
};

/// The refresh cookie is only sent to the endpoints that use it.
const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

/// This area's routes; sign-up, sign-in and refresh are rate-limited per
/// client (see [`limit`]).
pub fn routes(state: &AppState) -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in))
        .routes(routes!(refresh))
        .route_layer(middleware::from_fn_with_state(
            state.auth_limit(),
            limit::limit_auth,
        ));
    OpenApiRouter::new()
        .merge(public)
        .routes(routes!(list_schools))
        .routes(routes!(sign_out))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
}

problems! {
    SignUpRefused = (400, "A limit is broken or the school is unknown");
    AccountTaken = (409, "Username, email or nickname taken");
    TooManyRequests = (429, "Too many requests from this client");
    WrongCredentials = (401, "Wrong username or password (one answer for both)");
    TooManyFailures = (429, "Too many failures for this username or client");
    NoRefreshToken = (400, "No refresh token in the body or cookie");
    BadRefreshToken = (401, "Invalid, expired, revoked or reused refresh token");
    NoSuchSession = (404, "No such session of the caller's");
}

/// Every school, by name.
#[utoipa::path(get, path = "/api/v1/schools", tag = "auth", security(()),
    responses((status = 200, description = "All schools, by name", body = Items<SchoolBody>)))]
pub async fn list_schools(State(state): State<AppState>) -> ApiResult<Json<Items<SchoolBody>>> {
    let schools = call(
        &state.clients.auth,
        traced(pb::ListSchoolsRequest {}),
        AuthServiceClient::list_schools,
    )
    .await?
    .schools;
    Ok(Json(Items {
        items: schools.into_iter().map(SchoolBody::from).collect(),
    }))
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/auth/sign-up", tag = "auth", security(()), request_body = SignUpBody,
    responses(
        (status = 201, description = "The new user", body = UserBody),
        SignUpRefused,
        AccountTaken,
        TooManyRequests,
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUpBody>,
) -> ApiResult<(StatusCode, Json<UserBody>)> {
    let request = traced(pb::SignUpRequest {
        username: body.username,
        email: body.email,
        password: body.password,
        nickname: body.nickname,
        name: body.name,
        school_id: body.school_id,
    });
    let user = call(&state.clients.auth, request, AuthServiceClient::sign_up)
        .await?
        .user;
    let user = required(user, "SignUp")?;
    Ok((StatusCode::CREATED, Json(UserBody::from(user))))
}

fn token_cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path(path)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build()
}

/// The sign-in/refresh answer: the JSON body plus the two HttpOnly cookies.
fn token_response(
    state: &AppState,
    jar: CookieJar,
    user: Option<pb::User>,
    tokens: Option<pb::TokenPair>,
) -> ApiResult<Response> {
    let (Some(user), Some(tokens)) = (user, tokens) else {
        return Err(ApiError::internal("auth returned no user or tokens"));
    };
    let secure = state.config.cookie_secure;
    let jar = jar
        .add(token_cookie(
            ACCESS_COOKIE,
            tokens.access_token.clone(),
            "/",
            tokens.access_token_expires_in,
            secure,
        ))
        .add(token_cookie(
            REFRESH_COOKIE,
            tokens.refresh_token.clone(),
            REFRESH_COOKIE_PATH,
            tokens.refresh_token_expires_in,
            secure,
        ));
    let body = TokenBody {
        user: UserBody::from(user),
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        token_type: "Bearer".into(),
        expires_in: tokens.access_token_expires_in,
    };
    Ok((jar, Json(body)).into_response())
}

fn client_info(meta: &ClientMeta) -> Option<pb::ClientInfo> {
    Some(pb::ClientInfo {
        user_agent: meta.user_agent.clone(),
        ip_address: meta.ip.map(|ip| ip.to_string()).unwrap_or_default(),
    })
}

/// Signs in; sets the `access_token` and `refresh_token` cookies too.
#[utoipa::path(post, path = "/api/v1/auth/sign-in", tag = "auth", security(()), request_body = SignInBody,
    responses(
        (status = 200, description = "Signed in", body = TokenBody),
        WrongCredentials,
        TooManyFailures,
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    meta: ClientMeta,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignInBody>,
) -> ApiResult<Response> {
    let request = traced(pb::SignInRequest {
        username: body.username,
        password: body.password,
        client: client_info(&meta),
    });
    let response = call(&state.clients.auth, request, AuthServiceClient::sign_in).await?;
    token_response(&state, jar, response.user, response.tokens)
}

fn refresh_token_of(body: Option<RefreshBody>, jar: &CookieJar) -> Option<String> {
    body.and_then(|body| body.refresh_token)
        .filter(|token| !token.trim().is_empty())
        .or_else(|| {
            jar.get(REFRESH_COOKIE)
                .map(|cookie| cookie.value().to_owned())
        })
        .filter(|token| !token.trim().is_empty())
}

/// Trades a refresh token for new tokens; the old refresh token is spent.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", security(()), request_body = RefreshBody,
    responses(
        (status = 200, description = "New tokens", body = TokenBody),
        NoRefreshToken,
        BadRefreshToken,
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    meta: ClientMeta,
    jar: CookieJar,
    OptionalJson(body): OptionalJson<RefreshBody>,
) -> ApiResult<Response> {
    let refresh_token = refresh_token_of(body, &jar)
        .ok_or_else(|| ApiError::invalid_field("invalid_input", "refresh_token", "is required"))?;
    let request = traced(pb::RefreshTokenRequest {
        refresh_token,
        client: client_info(&meta),
    });
    let response = call(
        &state.clients.auth,
        request,
        AuthServiceClient::refresh_token,
    )
    .await?;
    token_response(&state, jar, response.user, response.tokens)
}

fn expired_cookie(name: &'static str, path: &'static str, secure: bool) -> Cookie<'static> {
    token_cookie(name, String::new(), path, 0, secure)
}

/// Ends the current session (and the refresh token's, if another of the
/// caller's); clears the cookies.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth", request_body = RefreshBody,
    responses(
        (status = 204, description = "Signed out"),
        NotSignedIn,
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    auth: Auth,
    jar: CookieJar,
    OptionalJson(body): OptionalJson<RefreshBody>,
) -> ApiResult<Response> {
    let refresh_token = refresh_token_of(body, &jar);
    call(
        &state.clients.auth,
        authed(pb::SignOutRequest { refresh_token }, &auth),
        AuthServiceClient::sign_out,
    )
    .await?;
    let secure = state.config.cookie_secure;
    let jar = jar
        .add(expired_cookie(ACCESS_COOKIE, "/", secure))
        .add(expired_cookie(REFRESH_COOKIE, REFRESH_COOKIE_PATH, secure));
    Ok((StatusCode::NO_CONTENT, jar).into_response())
}

/// The caller's sessions, newest first.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth",
    responses(
        (status = 200, description = "The caller's live sessions", body = Items<SessionBody>),
        NotSignedIn,
    ))]
pub async fn list_sessions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<SessionBody>>> {
    let sessions = call(
        &state.clients.auth,
        authed(pb::ListSessionsRequest {}, &auth),
        AuthServiceClient::list_sessions,
    )
    .await?
    .sessions;
    Ok(Json(Items {
        items: sessions
            .into_iter()
            .map(|session| SessionBody {
                id: session.id,
                created_at: rfc3339(session.create_time.as_ref()),
                last_used_at: rfc3339(session.last_use_time.as_ref()),
                user_agent: session.user_agent,
                current: session.current,
            })
            .collect(),
    }))
}

/// Revokes one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth",
    params(("id" = i64, Path, description = "The session")),
    responses(
        (status = 204, description = "Revoked"),
        NoSuchSession,
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.auth,
        authed(pb::RevokeSessionRequest { session_id: id }, &auth),
        AuthServiceClient::revoke_session,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
