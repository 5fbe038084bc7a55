//! The statuses handlers answer with: `google.rpc.ErrorInfo` (reason = the
//! REST API's `code`) and, for bad input, `google.rpc.BadRequest` field
//! violations, so the gateway can answer a precise problem+json without
//! knowing any service's rules. Internal causes are logged, never sent.

use std::{fmt::Display, time::Duration};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::{token::VerifyError, validate::FieldError};

/// The `domain` of every `google.rpc.ErrorInfo` we send.
pub const ERROR_DOMAIN: &str = "everytime";

/// A status with `ErrorInfo { reason }`.
pub fn status(code: Code, reason: &str, message: impl Into<String>) -> Status {
    let mut details = ErrorDetails::new();
    details.set_error_info(reason, ERROR_DOMAIN, std::collections::HashMap::new());
    Status::with_error_details(code, message, details)
}

/// A status blaming one field, e.g. `ALREADY_EXISTS` for a taken username.
pub fn field_status(code: Code, reason: &str, field: &str, message: impl Into<String>) -> Status {
    let error = FieldError::new(field, message);
    fields_status(code, reason, error.to_string(), &[error])
}

/// A status with `ErrorInfo { reason }` and a `BadRequest` violation per
/// field in `errors`.
pub fn fields_status(
    code: Code,
    reason: &str,
    message: impl Into<String>,
    errors: &[FieldError],
) -> Status {
    let violations: Vec<FieldViolation> = errors
        .iter()
        .map(|error| FieldViolation::new(error.field.clone(), error.message.clone()))
        .collect();
    let mut details = ErrorDetails::new();
    details
        .set_error_info(reason, ERROR_DOMAIN, std::collections::HashMap::new())
        .set_bad_request(violations);
    Status::with_error_details(code, message, details)
}

/// `INVALID_ARGUMENT` naming every bad field, reason `invalid_input`.
pub fn invalid_input(errors: &[FieldError]) -> Status {
    let message = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    fields_status(Code::InvalidArgument, "invalid_input", message, errors)
}

/// `RESOURCE_EXHAUSTED` with `RetryInfo`, which the gateway turns into
/// `429` and `Retry-After`.
pub fn rate_limited(reason: &str, message: impl Into<String>, retry_after: Duration) -> Status {
    let mut details = ErrorDetails::new();
    details
        .set_error_info(reason, ERROR_DOMAIN, std::collections::HashMap::new())
        .set_retry_info(Some(retry_after));
    Status::with_error_details(Code::ResourceExhausted, message, details)
}

/// Logs `error` and answers a generic `INTERNAL`: causes stay in the logs.
pub fn internal(error: impl Display) -> Status {
    tracing::error!(%error, "internal error");
    status(Code::Internal, "internal", "internal error")
}

/// `UNAVAILABLE` for a dependency that is down; the cause is logged.
pub fn unavailable(what: &str, error: impl Display) -> Status {
    tracing::warn!(%error, what, "dependency unavailable");
    status(
        Code::Unavailable,
        "unavailable",
        format!("{what} is unavailable"),
    )
}

/// The status for a refused token.
pub fn verify_error_status(error: &VerifyError) -> Status {
    match error {
        VerifyError::KeysUnavailable(cause) => unavailable("token key service", cause),
        other => status(Code::Unauthenticated, other.code(), other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_carries_every_field_and_the_reason() {
        let status = invalid_input(&[
            FieldError::new("username", "must be 4 to 20 characters"),
            FieldError::new("email", "is not a valid email address"),
        ]);
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        assert_eq!(
            details.error_info().map(|info| info.reason.as_str()),
            Some("invalid_input")
        );
        let violations = details.bad_request().expect("a BadRequest detail");
        let fields: Vec<&str> = violations
            .field_violations
            .iter()
            .map(|violation| violation.field.as_str())
            .collect();
        assert_eq!(fields, ["username", "email"]);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let status = internal("connection to 10.0.0.3:5432 refused");
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }

    #[test]
    fn rate_limited_carries_the_retry_delay() {
        let status = rate_limited("too_many_attempts", "slow down", Duration::from_secs(42));
        let retry = status.get_error_details().retry_info().cloned();
        assert_eq!(
            retry.and_then(|retry| retry.retry_delay),
            Some(Duration::from_secs(42))
        );
    }
}
