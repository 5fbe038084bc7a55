//! The timetable service's errors and how each becomes a gRPC status.
//!
//! Every client mistake maps to a precise code with a `google.rpc.ErrorInfo`
//! reason (the REST API's `code`) and, where a field is to blame, a
//! `BadRequest` violation. A clash also carries a [`pb::TimeConflict`]
//! detail listing the courses in the way. Everything else is logged and
//! answered with a generic `INTERNAL`.

use everytime_common::{grpc, validate::FieldError};
use everytime_proto::timetable::v1 as pb;
use prost::Message;
use tonic::{Code, Status};

/// The `type_url` of the [`pb::TimeConflict`] status detail.
pub const TIME_CONFLICT_TYPE_URL: &str = "type.googleapis.com/everytime.timetable.v1.TimeConflict";
const ERROR_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.ErrorInfo";

/// What can go wrong in the timetable service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input broke one or more limits.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Only administrators may do this.
    #[error("administrators only")]
    AdminOnly,
    /// The thing does not exist or is not the caller's to see.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller may see the timetable but only its owner may change it.
    #[error("not the owner")]
    NotOwner,
    /// The course clashes with these courses of the timetable.
    #[error("time conflict with {} course(s)", .0.len())]
    TimeConflict(Vec<pb::Course>),
    /// The course is already in the timetable.
    #[error("course already added")]
    AlreadyAdded,
    /// The course is of another semester than the timetable.
    #[error("course of another semester")]
    WrongSemester,
    /// The course is of another school than the timetable.
    #[error("course of another school")]
    WrongSchool,
    /// `is_primary: false` on the primary timetable.
    #[error("a semester keeps a primary timetable")]
    PrimaryRequired,
    /// The owner has as many timetables for the semester as allowed.
    #[error("too many timetables")]
    TooManyTimetables,
    /// The two are friends already.
    #[error("already friends")]
    AlreadyFriends,
    /// The caller already asked this user.
    #[error("already requested")]
    AlreadyRequested,
    /// A friend request to oneself.
    #[error("cannot befriend oneself")]
    SelfRequest,
    /// Only the recipient may accept a request; the sender tried.
    #[error("only the recipient may accept")]
    NotRecipient,
    /// One of the two has as many friends as allowed.
    #[error("friend limit reached")]
    FriendLimit,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// One field violation.
    pub fn field(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    /// The name of the constraint a database error broke, if any.
    pub fn constraint(error: &sqlx::Error) -> Option<&str> {
        error.as_database_error().and_then(|db| db.constraint())
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Error::Invalid(vec![error])
    }
}

impl From<Vec<FieldError>> for Error {
    fn from(errors: Vec<FieldError>) -> Self {
        Error::Invalid(errors)
    }
}

/// `ALREADY_EXISTS` with reason `time_conflict` and, beside the ErrorInfo,
/// a `TimeConflict` detail listing `conflicts`.
pub fn time_conflict_status(conflicts: Vec<pb::Course>) -> Status {
    let names: Vec<&str> = conflicts
        .iter()
        .map(|course| course.name.as_str())
        .collect();
    let message = format!("the course clashes with {}", names.join(", "));
    let error_info = tonic_types::pb::ErrorInfo {
        reason: "time_conflict".into(),
        domain: grpc::ERROR_DOMAIN.into(),
        metadata: Default::default(),
    };
    let status = tonic_types::pb::Status {
        code: Code::AlreadyExists as i32,
        message: message.clone(),
        details: vec![
            prost_types::Any {
                type_url: ERROR_INFO_TYPE_URL.into(),
                value: error_info.encode_to_vec(),
            },
            prost_types::Any {
                type_url: TIME_CONFLICT_TYPE_URL.into(),
                value: pb::TimeConflict { conflicts }.encode_to_vec(),
            },
        ],
    };
    Status::with_details(Code::AlreadyExists, message, status.encode_to_vec().into())
}

/// The courses of a `time_conflict` status's [`pb::TimeConflict`] detail.
pub fn conflicts_of(status: &Status) -> Option<Vec<pb::Course>> {
    let details = tonic_types::pb::Status::decode(status.details()).ok()?;
    details
        .details
        .iter()
        .find(|any| any.type_url == TIME_CONFLICT_TYPE_URL)
        .and_then(|any| pb::TimeConflict::decode(any.value.as_slice()).ok())
        .map(|detail| detail.conflicts)
}

impl From<Error> for Status {
    fn from(error: Error) -> Status {
        match error {
            Error::Invalid(errors) => grpc::invalid_input(&errors),
            Error::AdminOnly => grpc::status(
                Code::PermissionDenied,
                "admin_only",
                "only administrators may do this",
            ),
            Error::NotFound(what) => grpc::status(
                Code::NotFound,
                &format!("{what}_not_found"),
                format!("{} not found", what.replace('_', " ")),
            ),
            Error::NotOwner => grpc::status(
                Code::PermissionDenied,
                "not_owner",
                "only the owner may change this timetable",
            ),
            Error::TimeConflict(conflicts) => time_conflict_status(conflicts),
            Error::AlreadyAdded => grpc::field_status(
                Code::AlreadyExists,
                "already_added",
                "course_id",
                "is already in this timetable",
            ),
            Error::WrongSemester => grpc::field_status(
                Code::InvalidArgument,
                "course_semester_mismatch",
                "course_id",
                "is a course of another semester than the timetable",
            ),
            Error::WrongSchool => grpc::field_status(
                Code::InvalidArgument,
                "course_school_mismatch",
                "course_id",
                "is a course of another school",
            ),
            Error::PrimaryRequired => grpc::field_status(
                Code::InvalidArgument,
                "primary_required",
                "is_primary",
                "cannot be false on the primary timetable; make another one primary instead",
            ),
            Error::TooManyTimetables => grpc::status(
                Code::FailedPrecondition,
                "too_many_timetables",
                format!(
                    "at most {} timetables per semester",
                    crate::store::MAX_TIMETABLES_PER_SEMESTER
                ),
            ),
            Error::AlreadyFriends => grpc::status(
                Code::AlreadyExists,
                "already_friends",
                "you are already friends",
            ),
            Error::AlreadyRequested => grpc::status(
                Code::AlreadyExists,
                "already_requested",
                "you already asked this user",
            ),
            Error::SelfRequest => grpc::field_status(
                Code::InvalidArgument,
                "cannot_befriend_self",
                "user_id",
                "is you",
            ),
            Error::NotRecipient => grpc::status(
                Code::PermissionDenied,
                "not_recipient",
                "only the recipient may accept a friend request",
            ),
            Error::FriendLimit => grpc::status(
                Code::FailedPrecondition,
                "friend_limit",
                format!("at most {} friends", crate::store::MAX_FRIENDS),
            ),
            Error::Database(error) => everytime_common::db::error_status(error),
        }
    }
}

/// The result type of the service's functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use tonic_types::StatusExt;

    use super::*;

    #[test]
    fn a_time_conflict_carries_error_info_and_the_courses() {
        let course = pb::Course {
            id: 7,
            name: "자료구조".into(),
            ..Default::default()
        };
        let status = Status::from(Error::TimeConflict(vec![course.clone()]));
        assert_eq!(status.code(), Code::AlreadyExists);
        let reason = status
            .get_error_details()
            .error_info()
            .map(|info| info.reason.clone());
        assert_eq!(reason.as_deref(), Some("time_conflict"));
        assert_eq!(conflicts_of(&status), Some(vec![course]));
    }

    #[test]
    fn other_statuses_have_no_conflicts() {
        assert_eq!(conflicts_of(&Status::from(Error::AlreadyAdded)), None);
        assert_eq!(conflicts_of(&Status::not_found("x")), None);
    }

    #[test]
    fn not_found_reasons_name_the_thing() {
        let status = Status::from(Error::NotFound("friend_request"));
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(
            status
                .get_error_details()
                .error_info()
                .map(|info| info.reason.clone())
                .as_deref(),
            Some("friend_request_not_found")
        );
        assert_eq!(status.message(), "friend request not found");
    }

    #[test]
    fn database_errors_do_not_leak() {
        let status = Status::from(Error::Database(sqlx::Error::Protocol(
            "connection to 10.0.0.5 reset".into(),
        )));
        assert_eq!(
            (status.code(), status.message()),
            (Code::Internal, "internal error")
        );
    }
}
