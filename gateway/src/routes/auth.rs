//! Schools, sign-up, sign-in, refresh, sign-out and sessions.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use axum_extra::extract::{
    CookieJar,
    cookie::{Cookie, SameSite},
};
use everytime_proto::auth::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{authed, traced};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{ACCESS_COOKIE, ApiJson, ApiPath, Auth, ClientMeta, OptionalJson, REFRESH_COOKIE},
    limit,
    model::{Items, SchoolBody, UserBody, rfc3339},
};

/// The refresh cookie is only sent to the endpoints that use it.
const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

pub fn routes(state: AppState) -> Router<AppState> {
    let public = Router::new()
        .route("/api/v1/auth/sign-up", post(sign_up))
        .route("/api/v1/auth/sign-in", post(sign_in))
        .route("/api/v1/auth/refresh", post(refresh))
        .route_layer(middleware::from_fn_with_state(state, limit::limit_auth));
    Router::new()
        .merge(public)
        .route("/api/v1/schools", get(list_schools))
        .route("/api/v1/auth/sign-out", post(sign_out))
        .route("/api/v1/auth/sessions", get(list_sessions))
        .route("/api/v1/auth/sessions/{id}", delete(revoke_session))
}

/// Every school, by name.
#[utoipa::path(get, path = "/api/v1/schools", tag = "auth", security(()),
    responses((status = 200, description = "All schools, by name", body = Items<SchoolBody>)))]
pub async fn list_schools(State(state): State<AppState>) -> ApiResult<Json<Items<SchoolBody>>> {
    let schools = state
        .clients
        .auth
        .clone()
        .list_schools(traced(pb::ListSchoolsRequest {}))
        .await?
        .into_inner()
        .schools;
    Ok(Json(Items {
        items: schools.into_iter().map(SchoolBody::from).collect(),
    }))
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUpBody {
    /// 4–20 of `[a-z0-9_]`, unique.
    #[schema(example = "minsu_01")]
    pub username: String,
    /// Unique, compared case-insensitively.
    #[schema(example = "minsu@snu.ac.kr")]
    pub email: String,
    /// 8–128 characters, taken exactly as given.
    #[schema(example = "correct horse battery")]
    pub password: String,
    /// 2–10 characters, unique.
    #[schema(example = "새내기")]
    pub nickname: String,
    /// 1–20 characters.
    #[schema(example = "김민수")]
    pub name: String,
    #[schema(example = 1)]
    pub school_id: i64,
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/auth/sign-up", tag = "auth", security(()), request_body = SignUpBody,
    responses(
        (status = 201, description = "The new user", body = UserBody),
        (status = 400, description = "A limit is broken or the school is unknown", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Username, email or nickname taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this client", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUpBody>,
) -> ApiResult<(StatusCode, Json<UserBody>)> {
    let user = state
        .clients
        .auth
        .clone()
        .sign_up(traced(pb::SignUpRequest {
            username: body.username,
            email: body.email,
            password: body.password,
            nickname: body.nickname,
            name: body.name,
            school_id: body.school_id,
        }))
        .await?
        .into_inner()
        .user
        .ok_or_else(|| ApiError::internal("sign-up returned no user"))?;
    Ok((StatusCode::CREATED, Json(UserBody::from(user))))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInBody {
    #[schema(example = "minsu_01")]
    pub username: String,
    #[schema(example = "correct horse battery")]
    pub password: String,
}

/// A signed-in user and their tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    pub user: UserBody,
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// An opaque token for `/auth/refresh`, good for one use.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
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
        (status = 401, description = "Wrong username or password (one answer for both)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures for this username or client", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    meta: ClientMeta,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignInBody>,
) -> ApiResult<Response> {
    let response = state
        .clients
        .auth
        .clone()
        .sign_in(traced(pb::SignInRequest {
            username: body.username,
            password: body.password,
            client: client_info(&meta),
        }))
        .await?
        .into_inner();
    token_response(&state, jar, response.user, response.tokens)
}

/// A refresh token; optional when the `refresh_token` cookie is sent.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefreshBody {
    pub refresh_token: Option<String>,
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
        (status = 400, description = "No refresh token in the body or cookie", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    meta: ClientMeta,
    jar: CookieJar,
    OptionalJson(body): OptionalJson<RefreshBody>,
) -> ApiResult<Response> {
    let refresh_token = refresh_token_of(body, &jar)
        .ok_or_else(|| ApiError::invalid_field("invalid_input", "refresh_token", "is required"))?;
    let response = state
        .clients
        .auth
        .clone()
        .refresh_token(traced(pb::RefreshTokenRequest {
            refresh_token,
            client: client_info(&meta),
        }))
        .await?
        .into_inner();
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
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    auth: Auth,
    jar: CookieJar,
    OptionalJson(body): OptionalJson<RefreshBody>,
) -> ApiResult<Response> {
    let refresh_token = refresh_token_of(body, &jar);
    state
        .clients
        .auth
        .clone()
        .sign_out(authed(pb::SignOutRequest { refresh_token }, &auth))
        .await?;
    let secure = state.config.cookie_secure;
    let jar = jar
        .add(expired_cookie(ACCESS_COOKIE, "/", secure))
        .add(expired_cookie(REFRESH_COOKIE, REFRESH_COOKIE_PATH, secure));
    Ok((StatusCode::NO_CONTENT, jar).into_response())
}

/// A signed-in device.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    pub id: i64,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
    #[schema(example = "2026-03-02T09:15:00Z")]
    pub last_used_at: String,
    #[schema(example = "Everytime/5.0 (iPhone; iOS 18.0)")]
    pub user_agent: String,
    /// True for the session of the token making this request.
    pub current: bool,
}

/// The caller's sessions, newest first.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth",
    responses(
        (status = 200, description = "The caller's live sessions", body = Items<SessionBody>),
        (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_sessions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<SessionBody>>> {
    let sessions = state
        .clients
        .auth
        .clone()
        .list_sessions(authed(pb::ListSessionsRequest {}, &auth))
        .await?
        .into_inner()
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
        (status = 404, description = "No such session of the caller's", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .auth
        .clone()
        .revoke_session(authed(pb::RevokeSessionRequest { session_id: id }, &auth))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
