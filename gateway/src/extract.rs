//! Extractors whose every rejection is a problem+json.
//!
//! - [`ApiJson`]: `415` without a JSON content type, `413` over the body
//!   limit, `400 malformed_json` for broken JSON, `400 invalid_input` naming
//!   the field for a missing or mistyped one.
//! - [`ApiPath`] and [`ApiQuery`]: `400` naming the parameter.
//! - [`Auth`]: the verified caller, from `Authorization: Bearer` or the
//!   access cookie; `401` otherwise, and `403 csrf_rejected` for a write
//!   the cookie authenticates from a foreign origin ([`CookieAuth`]).
//! - [`ClientMeta`]: the client's address and User-Agent, passed to auth.
//!
//! # Cookies and CSRF
//!
//! A browser attaches the token cookies to every request to the gateway,
//! whichever page makes it, and `SameSite=Lax` lets a sibling subdomain
//! (same site) through; body-less POSTs need no CORS preflight either. So
//! a write (any method but GET, HEAD, OPTIONS, TRACE) that a cookie
//! authenticates must say where it comes from: an `Origin` equal to the
//! gateway's own origin or one of `CORS_ALLOWED_ORIGINS`, or, without an
//! `Origin`, `Sec-Fetch-Site: same-origin`. Nothing else passes, not even
//! a request with neither header: a browser sends at least one, and
//! clients that are not browsers use `Authorization`, which no other page
//! can make a browser send, and so is never checked.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Path, Query, Request},
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use axum_extra::extract::CookieJar;
use everytime_common::token::{Caller, TokenVerifier, VerifyError, bearer};
use serde::de::DeserializeOwned;

use crate::{config::Config, error::ApiError};

/// The cookie that carries the access token for browsers (`COOKIE_SECURE`
/// off).
pub const ACCESS_COOKIE: &str = "access_token";
/// The cookie that carries the refresh token for browsers (`COOKIE_SECURE`
/// off).
pub const REFRESH_COOKIE: &str = "refresh_token";
/// [`ACCESS_COOKIE`] with `COOKIE_SECURE` on. A browser keeps a `__Host-`
/// cookie only when it is `Secure`, `Path=/` and has no `Domain`, so no
/// sibling subdomain can set one of its own that shadows it.
pub const SECURE_ACCESS_COOKIE: &str = "__Host-access_token";
/// [`REFRESH_COOKIE`] with `COOKIE_SECURE` on (see [`SECURE_ACCESS_COOKIE`]).
pub const SECURE_REFRESH_COOKIE: &str = "__Host-refresh_token";
/// Where the plain refresh cookie is sent: only to the endpoints that use
/// it. The `__Host-` one must have `Path=/`.
const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

/// A JSON body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json"
                    || mime.suffix().is_some_and(|suffix| suffix == "json"))
        })
}

async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is larger than 64 KiB",
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unreadable_body",
                    "the request body could not be read",
                )
            }
        })
}

/// Parses JSON, naming the offending field when the shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde also reads a struct from an array of its fields in order
    // (`[null, null]` as `{"title": null, "content": null}`); every body
    // of the API is an object, and no client sends one as an array.
    if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::invalid_field(
            "invalid_input",
            "body",
            "must be a JSON object",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let path = error.path().to_string();
                let message = inner.to_string();
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_owned();
                // "missing field `x`" is reported at the parent's path.
                let field = message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(|missing| {
                        if path == "." {
                            missing.to_owned()
                        } else {
                            format!("{path}.{missing}")
                        }
                    })
                    .unwrap_or(path);
                // A body that is not an object at all blames the body.
                let field = if field == "." || field.starts_with('[') {
                    "body".to_owned()
                } else {
                    field
                };
                ApiError::invalid_field("invalid_input", field, message)
            }
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "the request body is not valid JSON",
            ),
        }
    })?;
    deserializer.end().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "the request body has trailing characters after the JSON value",
        )
    })?;
    Ok(value)
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = body_bytes(request, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be absent altogether (no body, or an empty one).
#[derive(Debug, Clone, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T, S> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(request.headers());
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        parse_json(&bytes).map(|value| OptionalJson(Some(value)))
    }
}

/// Path parameters.
#[derive(Debug, Clone, Copy)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                use axum::extract::{RawPathParams, path::ErrorKind, rejection::PathRejection};
                let raw = RawPathParams::from_request_parts(parts, state).await.ok();
                let param_named = |wanted: &dyn Fn(usize, &str, &str) -> bool| {
                    raw.as_ref().and_then(|raw| {
                        raw.iter()
                            .enumerate()
                            .find(|(index, (key, value))| wanted(*index, key, value))
                            .map(|(_, (key, _))| key.to_owned())
                    })
                };
                let field = match &rejection {
                    PathRejection::FailedToDeserializePathParams(inner) => match inner.kind() {
                        ErrorKind::ParseErrorAtKey { key, .. }
                        | ErrorKind::InvalidUtf8InPathParam { key } => Some(key.clone()),
                        ErrorKind::ParseErrorAtIndex { index, .. } => {
                            param_named(&|i, _, _| i == *index)
                        }
                        ErrorKind::ParseError { value, .. } => param_named(&|_, _, v| v == value),
                        _ => None,
                    },
                    _ => None,
                };
                Err(ApiError::invalid_field(
                    "invalid_input",
                    field.unwrap_or_else(|| "path".to_owned()),
                    "is not a valid id",
                ))
            }
        }
    }
}

/// Query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| {
                let text = rejection.body_text();
                let message = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text)
                    .to_owned();
                let field = message
                    .split(':')
                    .next()
                    .filter(|field| !field.contains(' '))
                    .unwrap_or("query")
                    .to_owned();
                ApiError::invalid_field("invalid_input", field, message)
            })
    }
}

/// The verified caller and the token they came with.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Who is calling.
    pub caller: Caller,
    /// The raw access token, forwarded to the services.
    pub token: String,
}

/// A token a request carries, and whether a cookie carried it (then the
/// request passes [`CookieAuth::check`] before the token counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// The token.
    pub token: String,
    /// It came in a cookie, not in the header or the body.
    pub by_cookie: bool,
}

/// The access token of a request: the bearer header first, then the
/// cookie named `cookie` (see [`CookieAuth::access_cookie`]).
pub fn access_token(headers: &HeaderMap, cookie: &str) -> Option<Presented> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        return value.to_str().ok().and_then(bearer).map(|token| Presented {
            token: token.to_owned(),
            by_cookie: false,
        });
    }
    CookieJar::from_headers(headers)
        .get(cookie)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| !token.is_empty())
        .map(|token| Presented {
            token,
            by_cookie: true,
        })
}

/// What the token cookies are called and where they may come from
/// (`COOKIE_SECURE`, `PUBLIC_ORIGIN`, `CORS_ALLOWED_ORIGINS`), taken from
/// the app's state like [`Verifier`].
#[derive(Debug, Clone)]
pub struct CookieAuth(pub Arc<Config>);

impl CookieAuth {
    /// Whether the cookies are `Secure` (and `__Host-` named).
    pub fn secure(&self) -> bool {
        self.0.cookie_secure
    }

    /// The access cookie's name; only this one is read.
    pub fn access_cookie(&self) -> &'static str {
        if self.secure() {
            SECURE_ACCESS_COOKIE
        } else {
            ACCESS_COOKIE
        }
    }

    /// The refresh cookie's name; only this one is read.
    pub fn refresh_cookie(&self) -> &'static str {
        if self.secure() {
            SECURE_REFRESH_COOKIE
        } else {
            REFRESH_COOKIE
        }
    }

    /// The refresh cookie's `Path`.
    pub fn refresh_path(&self) -> &'static str {
        if self.secure() {
            "/"
        } else {
            REFRESH_COOKIE_PATH
        }
    }

    /// `Ok` unless `site` is a write from an origin not allowed: the CSRF
    /// check of a request a cookie authenticates (see the module's doc).
    pub fn check(&self, site: &RequestSite) -> Result<(), ApiError> {
        let allowed = !site.writes
            || match &site.origin {
                Some(origin) => self.allows(origin, site.host.as_deref()),
                None => site
                    .fetch_site
                    .as_deref()
                    .is_some_and(|fetch_site| fetch_site.eq_ignore_ascii_case("same-origin")),
            };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::csrf_rejected())
        }
    }

    /// True for the gateway's own origin and the configured ones.
    fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let scheme = if self.secure() { "https" } else { "http" };
        let own = match (&self.0.public_origin, host) {
            (Some(public), _) => Some(public.clone()),
            (None, host) => host.map(|host| format!("{scheme}://{host}")),
        };
        own.iter()
            .chain(&self.0.cors_origins)
            .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

/// What the CSRF check reads of a request: whether it writes, where it
/// says it comes from (`Origin`, `Sec-Fetch-Site`) and which host it was
/// sent to (`Host`, or the HTTP/2 authority).
#[derive(Debug, Clone)]
pub struct RequestSite {
    writes: bool,
    origin: Option<String>,
    fetch_site: Option<String>,
    host: Option<String>,
}

impl RequestSite {
    /// Reads a request's parts.
    pub fn of(parts: &Parts) -> Self {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(|value| value.trim().to_owned())
        };
        RequestSite {
            writes: !parts.method.is_safe(),
            origin: header(header::ORIGIN),
            fetch_site: header(header::HeaderName::from_static("sec-fetch-site")),
            host: header(header::HOST).or_else(|| parts.uri.authority().map(|a| a.to_string())),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestSite {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestSite::of(parts))
    }
}

/// What [`Auth`] verifies tokens with, taken from the app's state (which
/// implements `FromRef` for it, so this module needs nothing else of it).
#[derive(Clone)]
pub struct Verifier(pub Arc<TokenVerifier>);

impl<S: Send + Sync> FromRequestParts<S> for Auth
where
    Verifier: FromRef<S>,
    CookieAuth: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let cookies = CookieAuth::from_ref(state);
        let presented =
            access_token(&parts.headers, cookies.access_cookie()).ok_or(VerifyError::Missing)?;
        if presented.by_cookie {
            cookies.check(&RequestSite::of(parts))?;
        }
        let Verifier(verifier) = Verifier::from_ref(state);
        let caller = verifier.verify(&presented.token).await?;
        Ok(Auth {
            caller,
            token: presented.token,
        })
    }
}

/// Where a request came from.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    /// The client's address: with `TRUST_FORWARDED_FOR` on, the right-most
    /// `X-Forwarded-For` entry (the one the proxy in front of us appended;
    /// everything left of it is the client's to write), else the peer.
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header.
    pub user_agent: String,
}

/// Whether to believe `X-Forwarded-For` (`TRUST_FORWARDED_FOR`), taken
/// from the app's state like [`Verifier`].
#[derive(Debug, Clone, Copy)]
pub struct TrustForwardedFor(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for ClientMeta
where
    TrustForwardedFor: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let TrustForwardedFor(trust) = TrustForwardedFor::from_ref(state);
        Ok(client_meta(parts, trust))
    }
}

/// Reads [`ClientMeta`] from request parts.
pub fn client_meta(parts: &Parts, trust_forwarded_for: bool) -> ClientMeta {
    let forwarded = trust_forwarded_for
        .then(|| forwarded_for(&parts.headers))
        .flatten();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    ClientMeta {
        ip: forwarded.or(peer),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The address our proxy saw: the last entry of the last `X-Forwarded-For`
/// header. A client may send the header itself, but a proxy appends to it,
/// so only the right-most entry is not the client's to choose.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct SignUp {
        username: String,
        school_id: i64,
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        day: String,
    }

    fn field_of(body: &str) -> (u16, String, Vec<String>) {
        let error = parse_json::<SignUp>(body.as_bytes()).unwrap_err();
        let problem = error.problem();
        (
            problem.status,
            problem.code,
            problem.errors.into_iter().map(|e| e.field).collect(),
        )
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(
            field_of(r#"{"school_id": 1}"#),
            (400, "invalid_input".into(), vec!["username".into()])
        );
    }

    #[test]
    fn a_mistyped_field_is_named() {
        assert_eq!(
            field_of(r#"{"username": "a", "school_id": "one"}"#),
            (400, "invalid_input".into(), vec!["school_id".into()])
        );
        assert_eq!(
            field_of(r#"{"username": "a", "school_id": 1, "nested": {"day": 3}}"#).2,
            ["nested.day"]
        );
    }

    #[test]
    fn an_array_is_not_an_object() {
        assert_eq!(
            field_of(r#" ["a", 1, null]"#),
            (400, "invalid_input".into(), vec!["body".into()])
        );
    }

    #[test]
    fn broken_json_is_malformed() {
        assert_eq!(field_of(r#"{"username": "#).1, "malformed_json");
        assert_eq!(
            field_of(r#"{"username": "a", "school_id": 1} trailing"#).1,
            "malformed_json"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_blames_the_body() {
        assert_eq!(field_of("[1, 2]").2, ["body"]);
    }

    #[test]
    fn the_client_address_is_the_hop_our_proxy_appended() {
        let mut headers = HeaderMap::new();
        assert_eq!(forwarded_for(&headers), None);
        // The client wrote "6.6.6.6"; the proxy appended what it saw.
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        assert_eq!(forwarded_for(&headers), "203.0.113.7".parse().ok());
        headers.append("x-forwarded-for", " 2001:db8::1 ".parse().unwrap());
        assert_eq!(forwarded_for(&headers), "2001:db8::1".parse().ok());
        headers.insert("x-forwarded-for", "203.0.113.7, not-an-ip".parse().unwrap());
        assert_eq!(forwarded_for(&headers), None);
    }

    #[test]
    fn the_bearer_header_wins_over_the_cookie() {
        let token = |headers: &HeaderMap| {
            access_token(headers, ACCESS_COOKIE).map(|presented| presented.token)
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "access_token=from-cookie".parse().unwrap());
        assert_eq!(token(&headers).as_deref(), Some("from-cookie"));
        assert_eq!(access_token(&headers, SECURE_ACCESS_COOKIE), None);
        headers.insert(header::AUTHORIZATION, "Bearer from-header".parse().unwrap());
        assert_eq!(token(&headers).as_deref(), Some("from-header"));
        assert!(!access_token(&headers, ACCESS_COOKIE).unwrap().by_cookie);
    }
}
