//! The timetable service's errors and how each becomes a gRPC status.
//!
//! Every client mistake maps to a precise code with a `google.rpc.ErrorInfo`
//! reason (the REST API's `code`) and, where a field is to blame, a
//! `BadRequest` violation. A clash also carries a [`pb::TimeConflict`]
//! detail listing the courses and custom entries in the way. Everything else is logged and
//! answered with a generic `INTERNAL`.
//!
//! Database errors that mean something (a constraint broken, a race lost)
//! are told apart where the statement runs (common's `db::ResultExt` and
//! [`lost_race`]), so the names of constraints stay beside the queries that
//! break them.

use everytime_common::{grpc, validate::FieldError};
use everytime_proto::timetable::v1 as pb;
use prost::{Message, Name};
use tonic::{Code, Status};

use crate::domain::limits::{
    MAX_ENTRIES_PER_TIMETABLE, MAX_FRIENDS, MAX_GRADE_SEMESTERS, MAX_TIMETABLES_PER_SEMESTER,
};

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
    /// The course or custom entry clashes with these courses and entries
    /// of the timetable.
    #[error("time conflict with {} course(s) and {} custom entries", .0.conflicts.len(), .0.custom_entries.len())]
    TimeConflict(pb::TimeConflict),
    /// The course is already in the timetable.
    #[error("course already added")]
    AlreadyAdded,
    /// The course is of another semester than the timetable.
    #[error("course of another semester")]
    WrongSemester,
    /// The course is of another school than the timetable.
    #[error("course of another school")]
    WrongSchool,
    /// Every attempt of an add lost a race (or found what was in the way
    /// gone again): nothing is known to clash, so this is not a
    /// `time_conflict` but `ABORTED`, which the client may simply retry.
    #[error("the add lost every race")]
    AddContended,
    /// `is_primary: false` on the primary timetable.
    #[error("a semester keeps a primary timetable")]
    PrimaryRequired,
    /// The caller reviewed this lecture already.
    #[error("already reviewed")]
    AlreadyReviewed,
    /// Only the author (or an administrator) may do this to a review.
    #[error("not the author")]
    NotAuthor,
    /// Liking one's own review.
    #[error("one's own review")]
    OwnReview,
    /// The caller liked this review already.
    #[error("already liked")]
    AlreadyLiked,
    /// The timetable holds as many custom entries as allowed.
    #[error("too many custom entries")]
    TooManyEntries,
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
    /// The user keeps as many grade semesters as allowed.
    #[error("too many grade semesters")]
    TooManySemesters,
    /// An import named a school auth does not know.
    #[error("unknown school")]
    UnknownSchool,
    /// Auth did not answer whether a school exists.
    #[error("auth is unavailable: {0}")]
    AuthUnavailable(tonic::Status),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// One field violation.
    pub fn field(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}

/// True when Postgres gave up on the transaction so another could go on: a
/// deadlock (two adds that clash each insert their slots, then each waits
/// for the other's) or a serialization failure. Trying again is right.
pub fn lost_race(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "40P01" || code == "40001")
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
/// the `TimeConflict` detail.
pub fn time_conflict_status(conflict: pb::TimeConflict) -> Status {
    let names: Vec<&str> = conflict
        .conflicts
        .iter()
        .map(|course| course.name.as_str())
        .chain(
            conflict
                .custom_entries
                .iter()
                .map(|entry| entry.name.as_str()),
        )
        .collect();
    let message = format!("clashes with {}", names.join(", "));
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
                type_url: tonic_types::ErrorInfo::TYPE_URL.into(),
                value: error_info.encode_to_vec(),
            },
            prost_types::Any {
                type_url: pb::TimeConflict::type_url(),
                value: conflict.encode_to_vec(),
            },
        ],
    };
    Status::with_details(Code::AlreadyExists, message, status.encode_to_vec().into())
}

/// The courses of a `time_conflict` status's [`pb::TimeConflict`] detail.
pub fn conflicts_of(status: &Status) -> Option<Vec<pb::Course>> {
    time_conflict_of(status).map(|detail| detail.conflicts)
}

/// A `time_conflict` status's [`pb::TimeConflict`] detail.
pub fn time_conflict_of(status: &Status) -> Option<pb::TimeConflict> {
    let details = tonic_types::pb::Status::decode(status.details()).ok()?;
    details
        .details
        .iter()
        .find(|any| any.type_url == pb::TimeConflict::type_url())
        .and_then(|any| pb::TimeConflict::decode(any.value.as_slice()).ok())
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
            Error::TimeConflict(conflict) => time_conflict_status(conflict),
            Error::AddContended => grpc::status(
                Code::Aborted,
                "add_contended",
                "the timetable changed while the course was being added; try again",
            ),
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
            Error::AlreadyReviewed => grpc::status(
                Code::AlreadyExists,
                "already_reviewed",
                "you reviewed this lecture already; a review cannot be edited",
            ),
            Error::NotAuthor => grpc::status(
                Code::PermissionDenied,
                "not_author",
                "only its author or an administrator may delete this review",
            ),
            Error::OwnReview => grpc::status(
                Code::PermissionDenied,
                "own_post",
                "you cannot like your own review",
            ),
            Error::AlreadyLiked => grpc::status(
                Code::AlreadyExists,
                "already_liked",
                "you already liked this; a like cannot be taken back",
            ),
            Error::TooManyEntries => grpc::status(
                Code::FailedPrecondition,
                "too_many_custom_entries",
                format!("at most {MAX_ENTRIES_PER_TIMETABLE} custom entries per timetable"),
            ),
            Error::TooManyTimetables => grpc::status(
                Code::FailedPrecondition,
                "too_many_timetables",
                format!(
                    "at most {} timetables per semester",
                    MAX_TIMETABLES_PER_SEMESTER
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
                format!("at most {MAX_FRIENDS} friends"),
            ),
            Error::TooManySemesters => grpc::field_status(
                Code::FailedPrecondition,
                "too_many_semesters",
                "semester",
                format!("at most {MAX_GRADE_SEMESTERS} semesters in the grade calculator"),
            ),
            Error::UnknownSchool => grpc::field_status(
                Code::InvalidArgument,
                "unknown_school",
                "school_id",
                "is not a known school",
            ),
            Error::AuthUnavailable(status) => grpc::unavailable("auth", status),
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
        let entry = pb::CustomEntry {
            id: 3,
            name: "스터디".into(),
            ..Default::default()
        };
        let status = Status::from(Error::TimeConflict(pb::TimeConflict {
            conflicts: vec![course.clone()],
            custom_entries: vec![entry.clone()],
        }));
        assert_eq!(status.message(), "clashes with 자료구조, 스터디");
        assert_eq!(status.code(), Code::AlreadyExists);
        let reason = status
            .get_error_details()
            .error_info()
            .map(|info| info.reason.clone());
        assert_eq!(reason.as_deref(), Some("time_conflict"));
        assert_eq!(conflicts_of(&status), Some(vec![course]));
        assert_eq!(
            time_conflict_of(&status).map(|detail| detail.custom_entries),
            Some(vec![entry])
        );
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
    fn an_add_that_gives_up_is_a_retryable_aborted_without_conflicts() {
        let status = Status::from(Error::AddContended);

        assert_eq!(status.code(), tonic::Code::Aborted);
        let reason = status
            .get_error_details()
            .error_info()
            .map(|info| info.reason.clone());
        assert_eq!(reason.as_deref(), Some("add_contended"));
        assert_eq!(conflicts_of(&status), None);
    }

    #[test]
    fn an_unknown_school_names_school_id_and_a_silent_auth_is_unavailable() {
        let status = Status::from(Error::UnknownSchool);
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        assert_eq!(
            details.error_info().map(|info| info.reason.as_str()),
            Some("unknown_school")
        );
        assert_eq!(
            details
                .bad_request()
                .map(|bad| bad.field_violations[0].field.as_str()),
            Some("school_id")
        );
        let status = Status::from(Error::AuthUnavailable(Status::unavailable(
            "connection refused by 10.0.0.7",
        )));
        assert_eq!(status.code(), Code::Unavailable);
        assert!(!status.message().contains("10.0.0.7"));
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
