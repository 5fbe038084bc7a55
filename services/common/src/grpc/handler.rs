//! The two ends of every tonic trait method: [`unpack`] a request into its
//! verified caller and message, and [`reply`] with a use case's answer.
//! Services' `api.rs` files are one-line delegations between the two.

use tonic::{Request, Response, Status};

use super::auth::caller;
use crate::token::Caller;

/// The verified caller (see [`caller`]) and the message of a request.
pub fn unpack<T>(request: Request<T>) -> Result<(Caller, T), Status> {
    let caller = caller(&request)?;
    Ok((caller, request.into_inner()))
}

/// A use case's answer as the RPC's: the value in a response, or the
/// service error turned into its status.
pub fn reply<T, E: Into<Status>>(answer: Result<T, E>) -> Result<Response<T>, Status> {
    answer.map(Response::new).map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_without_a_verified_caller_is_unauthenticated() {
        let status = unpack(Request::new(())).unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
    }

    #[test]
    fn a_reply_wraps_the_value_or_the_status() {
        let ok: Result<i32, Status> = Ok(7);
        assert_eq!(reply(ok).map(Response::into_inner).ok(), Some(7));
        let failed: Result<i32, Status> = Err(Status::not_found("gone"));
        assert_eq!(reply(failed).unwrap_err().code(), tonic::Code::NotFound);
    }
}
