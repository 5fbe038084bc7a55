//! Every error the gateway answers is an RFC 9457 problem
//! (`application/problem+json`) with a stable snake_case `code` and, when a
//! field is to blame, `errors: [{field, message}]`.
//!
//! gRPC statuses map to HTTP by the canonical table; the `google.rpc`
//! details the services attach fill `code` (ErrorInfo reason), `errors`
//! (BadRequest) and `Retry-After` (RetryInfo). A server fault is a `500`
//! with nothing of its cause in the body: causes go to the log.

use std::borrow::Cow;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use everytime_common::token::VerifyError;
use serde::Serialize;
use serde_json::{Map, Value};
use tonic::Code;
use tonic_types::StatusExt;
use utoipa::ToSchema;

/// The problem+json body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` carries the machine meaning.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub type_: String,
    /// The HTTP status phrase.
    #[schema(example = "Conflict")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 409)]
    pub status: u16,
    /// What went wrong, for people.
    #[schema(example = "username is already taken")]
    pub detail: String,
    /// A stable snake_case machine code.
    #[schema(example = "username_taken")]
    pub code: String,
    /// The fields to blame, on `400` and `409`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Members particular to one kind of problem (e.g. `conflicts`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

/// One field that broke a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The request field, as the API names it.
    #[schema(example = "username")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "already taken")]
    pub message: String,
}

/// An error on its way to becoming a problem response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
    errors: Vec<FieldProblem>,
    retry_after: Option<u64>,
    extra: Map<String, Value>,
}

impl ApiError {
    /// A problem with this status, code and detail.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            extra: Map::new(),
        }
    }

    /// `400` blaming `field`.
    pub fn invalid_field(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let field = field.into();
        let message = message.into();
        ApiError::new(StatusCode::BAD_REQUEST, code, format!("{field} {message}"))
            .with_field(field, message)
    }

    /// `401`: a token is needed or was refused.
    pub fn unauthenticated(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// `403`: a write a cookie authenticates came from an origin not
    /// allowed (see [`crate::extract::CookieAuth::check`]).
    pub fn csrf_rejected() -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_rejected",
            "a request authenticated by cookie must come from an allowed origin \
             (Origin, or Sec-Fetch-Site: same-origin)",
        )
    }

    /// `404` for an unknown route.
    pub fn route_not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    /// `405` for a known route with another method.
    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed on this resource",
        )
    }

    /// A `500` whose cause is logged and kept out of the body.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
        )
    }

    /// Adds a field violation.
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(FieldProblem {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// Adds a member to the problem body.
    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// Sets `Retry-After`, in seconds.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: "about:blank".into(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            errors: self.errors.clone(),
            extra: self.extra.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.problem())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The HTTP status for a gRPC code (the canonical mapping).
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Cancelled | Code::Unknown | Code::Unimplemented | Code::Internal | Code::DataLoss => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

fn default_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "invalid_input",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::CONFLICT => "conflict",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        StatusCode::GATEWAY_TIMEOUT => "backend_timeout",
        _ => "internal",
    }
}

/// Whether `status` is our own channel losing its connection to the
/// backend mid-call: the process died, or it closed the connection while
/// stopping, before or after the request went out. tonic reports these as
/// `UNKNOWN` ("transport error"), `INTERNAL` (an h2 error) or `CANCELLED`
/// (the connection went away with the request queued on it); gRPC's own
/// word for all of them is `UNAVAILABLE`, and for the API each is a `503`
/// to retry, never a `500`. A status the backend itself sent carries no
/// source error, so it is never taken for one of these.
fn is_connection_lost(status: &tonic::Status) -> bool {
    if !matches!(
        status.code(),
        Code::Unknown | Code::Internal | Code::Cancelled
    ) {
        return false;
    }
    let mut source = std::error::Error::source(status);
    while let Some(error) = source {
        if error.is::<tonic::transport::Error>()
            || error.is::<h2::Error>()
            || error.is::<hyper::Error>()
            || error.is::<std::io::Error>()
        {
            return true;
        }
        source = error.source();
    }
    false
}

/// Whether `status` is our own channel's deadline running out: tonic reports
/// that as `CANCELLED` ("Timeout expired"), but for the API it is a backend
/// that did not answer in time, `DEADLINE_EXCEEDED`.
fn is_deadline(status: &tonic::Status) -> bool {
    if status.code() == Code::DeadlineExceeded {
        return true;
    }
    let mut source = std::error::Error::source(status);
    while let Some(error) = source {
        if error.is::<tonic::TimeoutExpired>() {
            return true;
        }
        source = error.source();
    }
    false
}

impl From<tonic::Status> for ApiError {
    fn from(status: tonic::Status) -> Self {
        let http = if is_deadline(&status) {
            StatusCode::GATEWAY_TIMEOUT
        } else if is_connection_lost(&status) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            http_status(status.code())
        };
        match http {
            StatusCode::INTERNAL_SERVER_ERROR => {
                return ApiError::internal(format_args!("{}: {}", status.code(), status.message()));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                tracing::warn!(message = status.message(), "backend unavailable");
                return ApiError::new(
                    http,
                    "service_unavailable",
                    "a backend service is unavailable; try again shortly",
                )
                .with_retry_after(1);
            }
            StatusCode::GATEWAY_TIMEOUT => {
                tracing::warn!(message = status.message(), "backend deadline exceeded");
                return ApiError::new(
                    http,
                    "backend_timeout",
                    "a backend service did not answer in time",
                );
            }
            _ => {}
        }
        let details = status.get_error_details();
        let code = details
            .error_info()
            .map(|info| info.reason.clone())
            .filter(|reason| !reason.is_empty())
            .map_or(Cow::Borrowed(default_code(http)), Cow::Owned);
        let mut error = ApiError::new(http, code, status.message());
        if let Some(bad_request) = details.bad_request() {
            for violation in &bad_request.field_violations {
                error = error.with_field(violation.field.clone(), violation.description.clone());
            }
        }
        if let Some(delay) = details.retry_info().and_then(|retry| retry.retry_delay) {
            error = error.with_retry_after(delay.as_secs_f64().ceil() as u64);
        }
        error
    }
}

impl From<VerifyError> for ApiError {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::KeysUnavailable(cause) => {
                tracing::warn!(%cause, "cannot fetch token keys from auth");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "the auth service is unavailable; try again shortly",
                )
                .with_retry_after(1)
            }
            other => ApiError::unauthenticated(other.code(), other.to_string()),
        }
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// The message a call must have returned (`what` names the call); its
/// absence is a fault of the service, answered `500`.
pub fn required<T>(value: Option<T>, what: &str) -> ApiResult<T> {
    value.ok_or_else(|| ApiError::internal(format_args!("{what} returned nothing")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use everytime_common::{grpc, validate::FieldError};

    use super::*;

    #[test]
    fn a_lost_backend_connection_is_503_and_a_backends_own_error_stays_500() {
        // What tonic gives when the connection breaks: the cause attached.
        let lost = [
            tonic::Status::from_error(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))),
            tonic::Status::from_error(Box::new(h2::Error::from(h2::Reason::PROTOCOL_ERROR))),
        ];
        for status in lost {
            let code = status.code();
            let error = ApiError::from(status);
            assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE, "{code:?}");
            assert_eq!(error.retry_after, Some(1));
        }
        // What a backend sends: no cause attached.
        for status in [
            tonic::Status::internal("a bug"),
            tonic::Status::unknown("transport error"),
            tonic::Status::cancelled("operation was canceled"),
        ] {
            assert_eq!(
                ApiError::from(status).status,
                StatusCode::INTERNAL_SERVER_ERROR
            );
        }
    }

    #[test]
    fn grpc_codes_map_by_the_canonical_table() {
        let table = [
            (Code::InvalidArgument, 400),
            (Code::FailedPrecondition, 400),
            (Code::Unauthenticated, 401),
            (Code::PermissionDenied, 403),
            (Code::NotFound, 404),
            (Code::AlreadyExists, 409),
            (Code::Aborted, 409),
            (Code::ResourceExhausted, 429),
            (Code::Unavailable, 503),
            (Code::DeadlineExceeded, 504),
            (Code::Internal, 500),
            (Code::Unknown, 500),
            (Code::DataLoss, 500),
        ];
        for (code, http) in table {
            assert_eq!(http_status(code).as_u16(), http, "{code:?}");
        }
    }

    #[test]
    fn error_info_and_bad_request_become_code_and_errors() {
        let status = grpc::fields_status(
            Code::AlreadyExists,
            "username_taken",
            "username is already taken",
            &[FieldError::new("username", "is already taken")],
        );
        let problem = ApiError::from(status).problem();
        assert_eq!(problem.status, 409);
        assert_eq!(problem.code, "username_taken");
        assert_eq!(
            problem.errors,
            [FieldProblem {
                field: "username".into(),
                message: "is already taken".into()
            }]
        );
    }

    #[test]
    fn retry_info_becomes_retry_after() {
        let status = grpc::rate_limited(
            "too_many_attempts",
            "slow down",
            Duration::from_millis(41_200),
        );
        let response = ApiError::from(status).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }

    #[test]
    fn internal_statuses_hide_their_message() {
        let problem =
            ApiError::from(tonic::Status::internal("relation \"users\" does not exist")).problem();
        assert_eq!(problem.status, 500);
        assert_eq!(problem.detail, "internal server error");
        assert_eq!(problem.code, "internal");
    }

    #[test]
    fn a_status_without_details_gets_a_default_code() {
        let problem = ApiError::from(tonic::Status::not_found("post 4 not found")).problem();
        assert_eq!((problem.status, problem.code.as_str()), (404, "not_found"));
        assert!(problem.errors.is_empty());
    }

    #[test]
    fn an_unavailable_backend_is_503_with_retry_after() {
        let response =
            ApiError::from(tonic::Status::unavailable("connection refused")).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
    }

    #[test]
    fn problems_serialize_without_empty_errors_and_with_extras_inline() {
        let value = serde_json::to_value(
            ApiError::new(StatusCode::CONFLICT, "time_conflict", "clash")
                .with_extra("conflicts", serde_json::json!([1]))
                .problem(),
        )
        .expect("serializes");
        assert_eq!(value["type"], "about:blank");
        assert_eq!(value["title"], "Conflict");
        assert_eq!(value["conflicts"], serde_json::json!([1]));
        assert!(value.get("errors").is_none());
    }
}
