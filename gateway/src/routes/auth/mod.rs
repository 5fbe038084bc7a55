//! Schools, sign-up, sign-in, refresh, sign-out and sessions.
//!
//! Sign-in and refresh set the token cookies (named, and checked against
//! CSRF, by [`CookieAuth`]) and, unless `token_delivery` is `cookie`, hand
//! the tokens over in the body too. Refresh and sign-out take the refresh
//! token from the body or the cookie; from the cookie, they pass the CSRF
//! check first, as every write a cookie authenticates does.

mod json;

use axum::{
    Json,
    extract::{FromRef, State},
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
};
use axum_extra::extract::{
    CookieJar,
    cookie::{Cookie, SameSite},
};
use everytime_common::token::VerifyError;
use everytime_proto::auth::v1::{self as pb, auth_service_client::AuthServiceClient};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use crate::{
    error::{ApiError, ApiResult, required},
    extract::{
        ApiJson, ApiPath, Auth, ClientMeta, CookieAuth, OptionalJson, Presented, RequestSite,
        access_token,
    },
    limit,
    model::{Items, SchoolBody, UserBody, rfc3339},
    openapi::{NotSignedIn, problems},
    state::{AppState, authed, call, traced},
};

/// The known-device cookie of sign-in (`__Host-` named where cookies are
/// `Secure`, like the token cookies), and how long it lives (a year; auth
/// keeps the device as long).
const DEVICE_COOKIE: &str = "device";
const SECURE_DEVICE_COOKIE: &str = "__Host-device";
const DEVICE_COOKIE_MAX_AGE: i64 = 365 * 24 * 60 * 60;

fn device_cookie(cookies: &CookieAuth) -> &'static str {
    if cookies.secure() {
        SECURE_DEVICE_COOKIE
    } else {
        DEVICE_COOKIE
    }
}

/// This area's routes; sign-up and sign-in are rate-limited per client,
/// each with its own bucket, and refresh is not (see [`limit`]).
pub fn routes(state: &AppState) -> OpenApiRouter<AppState> {
    let sign_up =
        OpenApiRouter::new()
            .routes(routes!(sign_up))
            .route_layer(middleware::from_fn_with_state(
                state.sign_up_limit(),
                limit::limit_auth,
            ));
    let sign_in =
        OpenApiRouter::new()
            .routes(routes!(sign_in))
            .route_layer(middleware::from_fn_with_state(
                state.auth_limit(),
                limit::limit_auth,
            ));
    OpenApiRouter::new()
        .merge(sign_up)
        .merge(sign_in)
        .routes(routes!(refresh))
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

/// The sign-in/refresh answer: the two HttpOnly cookies, and the JSON body,
/// with the tokens in it unless they go by cookie only.
fn token_response(
    state: &AppState,
    jar: CookieJar,
    user: Option<pb::User>,
    tokens: Option<pb::TokenPair>,
    delivery: TokenDelivery,
) -> ApiResult<Response> {
    let (Some(user), Some(tokens)) = (user, tokens) else {
        return Err(ApiError::internal("auth returned no user or tokens"));
    };
    let cookies = CookieAuth::from_ref(state);
    let jar = jar
        .add(token_cookie(
            cookies.access_cookie(),
            tokens.access_token.clone(),
            "/",
            tokens.access_token_expires_in,
            cookies.secure(),
        ))
        .add(token_cookie(
            cookies.refresh_cookie(),
            tokens.refresh_token.clone(),
            cookies.refresh_path(),
            tokens.refresh_token_expires_in,
            cookies.secure(),
        ));
    let in_body = delivery == TokenDelivery::Body;
    let body = TokenBody {
        user: UserBody::from(user),
        access_token: in_body.then_some(tokens.access_token),
        refresh_token: in_body.then_some(tokens.refresh_token),
        token_type: in_body.then(|| "Bearer".into()),
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

/// Signs in; sets the `access_token`, `refresh_token` and `device` cookies too.
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
    let delivery = body.token_delivery;
    let cookies = CookieAuth::from_ref(&state);
    let request = traced(pb::SignInRequest {
        username: body.username,
        password: body.password,
        client: client_info(&meta),
        device_token: jar
            .get(device_cookie(&cookies))
            .map(|cookie| cookie.value().to_owned())
            .unwrap_or_default(),
    });
    let response = call(&state.clients.auth, request, AuthServiceClient::sign_in).await?;
    // The known-device cookie: a correct password sent with it signs in
    // whatever the failures of the username or the address.
    let jar = match response.device_token {
        token if token.is_empty() => jar,
        token => jar.add(token_cookie(
            device_cookie(&cookies),
            token,
            "/",
            DEVICE_COOKIE_MAX_AGE,
            cookies.secure(),
        )),
    };
    token_response(&state, jar, response.user, response.tokens, delivery)
}

/// The refresh token of a request: the body's, else the cookie's.
fn refresh_token_of(
    body: Option<RefreshBody>,
    jar: &CookieJar,
    cookies: &CookieAuth,
) -> Option<Presented> {
    let presented = |token: String, by_cookie| Presented { token, by_cookie };
    body.and_then(|body| body.refresh_token)
        .filter(|token| !token.trim().is_empty())
        .map(|token| presented(token, false))
        .or_else(|| {
            jar.get(cookies.refresh_cookie())
                .map(|cookie| cookie.value().to_owned())
                .filter(|token| !token.trim().is_empty())
                .map(|token| presented(token, true))
        })
}

/// Trades a refresh token for new tokens; the old refresh token is spent.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", security(()), request_body = Option<RefreshBody>,
    responses(
        (status = 200, description = "New tokens", body = TokenBody),
        NoRefreshToken,
        BadRefreshToken,
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    meta: ClientMeta,
    site: RequestSite,
    jar: CookieJar,
    OptionalJson(body): OptionalJson<RefreshBody>,
) -> ApiResult<Response> {
    let cookies = CookieAuth::from_ref(&state);
    let delivery = body
        .as_ref()
        .map(|body| body.token_delivery)
        .unwrap_or_default();
    let refresh_token = refresh_token_of(body, &jar, &cookies)
        .ok_or_else(|| ApiError::invalid_field("invalid_input", "refresh_token", "is required"))?;
    if refresh_token.by_cookie {
        cookies.check(&site)?;
    }
    let request = traced(pb::RefreshTokenRequest {
        refresh_token: refresh_token.token,
        client: client_info(&meta),
    });
    let response = call(
        &state.clients.auth,
        request,
        AuthServiceClient::refresh_token,
    )
    .await?;
    token_response(&state, jar, response.user, response.tokens, delivery)
}

fn expired_cookie(name: &'static str, path: &'static str, secure: bool) -> Cookie<'static> {
    token_cookie(name, String::new(), path, 0, secure)
}

/// `jar` with the token cookies cleared (sign-out, 회원 탈퇴).
pub(crate) fn without_token_cookies(jar: CookieJar, cookies: &CookieAuth) -> CookieJar {
    jar.add(expired_cookie(
        cookies.access_cookie(),
        "/",
        cookies.secure(),
    ))
    .add(expired_cookie(
        cookies.refresh_cookie(),
        cookies.refresh_path(),
        cookies.secure(),
    ))
}

/// Ends the session of the access token and of the refresh token, either
/// alone enough; clears the cookies.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth", request_body = Option<RefreshBody>,
    responses(
        (status = 204, description = "Signed out"),
        NotSignedIn,
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    site: RequestSite,
    headers: HeaderMap,
    jar: CookieJar,
    OptionalJson(body): OptionalJson<RefreshBody>,
) -> ApiResult<Response> {
    let cookies = CookieAuth::from_ref(&state);
    let access_token = access_token(&headers, cookies.access_cookie());
    let refresh_token = refresh_token_of(body, &jar, &cookies);
    if [&access_token, &refresh_token]
        .into_iter()
        .flatten()
        .any(|presented| presented.by_cookie)
    {
        cookies.check(&site)?;
    }
    // A valid access token speaks for the caller. Beside a refresh token,
    // one that does not verify (an idle client's, expired) is left out:
    // the refresh token alone ends its session.
    let auth = match access_token {
        None => None,
        Some(access) => match state.verifier.verify(&access.token).await {
            Ok(caller) => Some(Auth {
                caller,
                token: access.token,
            }),
            Err(error) if refresh_token.is_none() => return Err(error.into()),
            Err(_) => None,
        },
    };
    if auth.is_none() && refresh_token.is_none() {
        return Err(VerifyError::Missing.into());
    }
    let message = pb::SignOutRequest {
        refresh_token: refresh_token.map(|presented| presented.token),
    };
    let request = match &auth {
        Some(auth) => authed(message, auth),
        None => traced(message),
    };
    call(&state.clients.auth, request, AuthServiceClient::sign_out).await?;
    let jar = without_token_cookies(jar, &cookies);
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

/// The cookie rules read the configuration the state holds. They live in
/// `extract` with the [`Auth`] extractor that applies them; this view of
/// the state sits here, with the cookies it names.
impl FromRef<AppState> for CookieAuth {
    fn from_ref(state: &AppState) -> Self {
        CookieAuth(state.config.clone())
    }
}
