//! The auth service's errors and how each becomes a gRPC status.
//!
//! Every client mistake maps to a precise code with a `google.rpc.ErrorInfo`
//! reason (the REST API's `code`) and, where a field is to blame, a
//! `BadRequest` violation. Everything else is logged and answered with a
//! generic `INTERNAL`. Which constraint means which error is said where
//! the query is called (`everytime_common::db::ResultExt::on_constraint`),
//! not here.

use std::time::Duration;

use everytime_common::{db, grpc, validate::FieldError};

use crate::password::HashError;
use tonic::{Code, Status};

/// What can go wrong in auth.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input broke one or more limits.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// A unique value is already taken; the first field decides the code.
    #[error("already taken: {0:?}")]
    Taken(Vec<Taken>),
    /// The `school_id` of a request's input names no school: a bad field
    /// (`INVALID_ARGUMENT`).
    #[error("unknown school")]
    UnknownSchool,
    /// The school asked for by id (`GetSchool`) does not exist: the thing
    /// asked for is missing (`NOT_FOUND`), with the same reason,
    /// `unknown_school`, so callers that check a school id tell one answer.
    #[error("school not found")]
    SchoolNotFound,
    /// Sign-in with a wrong username or password; one error for both.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// The refresh token is unknown, expired or of a revoked session.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// A spent refresh token came back: its session is now revoked.
    #[error("refresh token reused")]
    RefreshTokenReused,
    /// The current password given to a password change is wrong.
    #[error("wrong current password")]
    WrongPassword,
    /// Too many failed sign-ins; try again after the delay.
    #[error("wrong password")]
    WrongDeletePassword,
    #[error("nickname changed recently")]
    NicknameRecentlyChanged(chrono::DateTime<chrono::Utc>),
    #[error("account deleted recently")]
    RecentlyDeleted,
    #[error("too many failed sign-ins")]
    RateLimited(Duration),
    /// The thing does not exist (or is not the caller's to see).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Only administrators may do this.
    #[error("administrators only")]
    AdminOnly,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Password hashing failed.
    #[error(transparent)]
    Hash(#[from] crate::password::HashError),
    /// Signing a token failed.
    #[error("signing failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// Every violation of a check, as `validate::all` reports them.
impl From<Vec<FieldError>> for Error {
    fn from(errors: Vec<FieldError>) -> Self {
        Error::Invalid(errors)
    }
}

/// A unique value someone already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// `username_taken`
    Username,
    /// `email_taken`
    Email,
    /// `nickname_taken`
    Nickname,
    /// `school_name_taken`
    SchoolName,
}

impl Taken {
    fn field(self) -> &'static str {
        match self {
            Taken::Username => "username",
            Taken::Email => "email",
            Taken::Nickname => "nickname",
            Taken::SchoolName => "name",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Taken::Username => "username_taken",
            Taken::Email => "email_taken",
            Taken::Nickname => "nickname_taken",
            Taken::SchoolName => "school_name_taken",
        }
    }

    /// The setting of the bootstrap admin that holds this value.
    pub fn setting(self) -> &'static str {
        match self {
            Taken::Username => "ADMIN_USERNAME",
            Taken::Email => "ADMIN_EMAIL",
            Taken::Nickname => "ADMIN_NICKNAME",
            Taken::SchoolName => "the school name",
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Status {
        match error {
            Error::Invalid(errors) => grpc::invalid_input(&errors),
            Error::Taken(taken) => {
                let first = taken.first().copied().unwrap_or(Taken::Username);
                let errors: Vec<FieldError> = taken
                    .iter()
                    .map(|taken| FieldError::new(taken.field(), "is already taken"))
                    .collect();
                let fields: Vec<_> = taken.iter().map(|taken| taken.field()).collect();
                grpc::fields_status(
                    Code::AlreadyExists,
                    first.code(),
                    format!("{} is already taken", fields.join(", ")),
                    &errors,
                )
            }
            Error::UnknownSchool => grpc::field_status(
                Code::InvalidArgument,
                "unknown_school",
                "school_id",
                "is not a known school",
            ),
            Error::SchoolNotFound => {
                grpc::status(Code::NotFound, "unknown_school", "no school has this id")
            }
            Error::InvalidCredentials => grpc::status(
                Code::Unauthenticated,
                "invalid_credentials",
                "wrong username or password",
            ),
            Error::InvalidRefreshToken => grpc::status(
                Code::Unauthenticated,
                "invalid_refresh_token",
                "the refresh token is invalid or expired",
            ),
            Error::RefreshTokenReused => grpc::status(
                Code::Unauthenticated,
                "refresh_token_reused",
                "the refresh token was already used; the session has been revoked",
            ),
            Error::WrongDeletePassword => grpc::field_status(
                Code::Unauthenticated,
                "wrong_password",
                "password",
                "is wrong",
            ),
            Error::NicknameRecentlyChanged(until) => grpc::field_status(
                Code::AlreadyExists,
                "nickname_recently_changed",
                "nickname",
                format!(
                    "can change again from {}",
                    until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            ),
            Error::RecentlyDeleted => grpc::field_status(
                Code::AlreadyExists,
                "recently_deleted",
                "email",
                "belonged to an account deleted less than 24 hours ago",
            ),
            Error::WrongPassword => grpc::field_status(
                Code::Unauthenticated,
                "wrong_password",
                "current_password",
                "is wrong",
            ),
            Error::RateLimited(retry_after) => grpc::rate_limited(
                "too_many_attempts",
                "too many failed sign-ins; try again later",
                retry_after,
            ),
            Error::NotFound(what) => grpc::status(
                Code::NotFound,
                &format!("{what}_not_found"),
                format!("{what} not found"),
            ),
            Error::AdminOnly => grpc::status(
                Code::PermissionDenied,
                "admin_only",
                "only administrators may do this",
            ),
            Error::Database(error) => db::error_status(error),
            Error::Hash(error @ HashError::Busy) => grpc::unavailable("password hashing", error),
            Error::Hash(error) => grpc::internal(error),
            Error::Signing(error) => grpc::internal(error),
        }
    }
}

/// The result type of auth's use cases.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl db::ConstraintError for Error {
    /// The constraint a database failure broke, so
    /// [`db::ResultExt::on_constraint`] calls chain on auth's results.
    fn constraint(&self) -> Option<&str> {
        match self {
            Error::Database(error) => db::constraint(error),
            _ => None,
        }
    }
}
