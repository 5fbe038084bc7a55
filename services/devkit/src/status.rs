//! Statuses and requests in tests: reading a status's `google.rpc` details
//! the way the gateway reads them (the `ErrorInfo` reason, the REST API's
//! `code`, and the fields named by `BadRequest`), and sending a request
//! with a bearer token.

use tonic::{Request, Status};
use tonic_types::StatusExt;

/// The `ErrorInfo` reason and the `BadRequest` fields of a status; an empty
/// reason and no fields when the status carries no such detail.
pub fn reason_and_fields(status: &Status) -> (String, Vec<String>) {
    let details = status.get_error_details();
    let reason = details
        .error_info()
        .map(|info| info.reason.clone())
        .unwrap_or_default();
    let fields = details
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|violation| violation.field.clone())
                .collect()
        })
        .unwrap_or_default();
    (reason, fields)
}

/// `message` with `authorization: Bearer <token>` metadata.
pub fn authed<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("ascii"),
    );
    request
}

#[cfg(test)]
mod tests {
    use everytime_common::{grpc, validate::FieldError};

    use super::*;

    #[test]
    fn a_field_error_reads_as_its_reason_and_fields() {
        let status = grpc::invalid_input(&[
            FieldError::new("title", "must not be empty"),
            FieldError::new("content", "must not be empty"),
        ]);
        let (reason, fields) = reason_and_fields(&status);
        assert_eq!(reason, "invalid_input");
        assert_eq!(fields, ["title", "content"]);
    }

    #[test]
    fn a_status_without_details_reads_as_nothing() {
        assert_eq!(
            reason_and_fields(&Status::not_found("gone")),
            (String::new(), Vec::new())
        );
    }

    #[test]
    fn an_authed_request_carries_the_bearer_token() {
        let request = authed((), "abc");
        assert_eq!(
            request
                .metadata()
                .get("authorization")
                .and_then(|value| value.to_str().ok()),
            Some("Bearer abc")
        );
    }
}
