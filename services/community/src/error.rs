//! The community service's errors and how each becomes a gRPC status.
//!
//! Every client mistake maps to a precise code with a `google.rpc.ErrorInfo`
//! reason (the REST API's `code`) and, where a field is to blame, a
//! `BadRequest` violation. Database failures are logged and answered with a
//! generic `INTERNAL`. Violations of named constraints are turned into the
//! errors they mean where the query is called
//! ([`everytime_common::db::ResultExt::on_constraint`]), so each use case
//! says which constraint it expects and what it means there.

use std::time::Duration;

use everytime_common::{grpc, validate::FieldError};
use tonic::{Code, Status};

use crate::domain::{MAX_BOARDS_PER_SCHOOL, MAX_COMMENTS_PER_POST};

/// What can go wrong in community.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input broke one or more limits.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The board, post or comment does not exist, or is another school's.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The school already has a board with this name.
    #[error("board name taken")]
    BoardNameTaken,
    /// The school has as many boards as it may.
    #[error("too many boards")]
    TooManyBoards,
    /// The post has as many comments as it may.
    #[error("too many comments")]
    TooManyComments,
    /// Only the author (or, to delete a post, an administrator) may do this.
    #[error("not the author of this {0}")]
    NotAuthor(&'static str),
    /// Liking or scrapping one's own post, or liking one's own comment.
    #[error("own {0}")]
    Own(&'static str),
    /// A like (공감) is once per user and post or comment.
    #[error("already liked")]
    AlreadyLiked,
    /// A report is once per user and item.
    #[error("already reported")]
    AlreadyReported,
    /// Only administrators may do this.
    #[error("administrators only")]
    AdminOnly,
    /// The caller's items were blinded too often lately: no posts, comments
    /// or 쪽지 until then.
    #[error("writing restricted")]
    WriteRestricted(chrono::DateTime<chrono::Utc>),
    /// `parent_id` names a reply: replies go one level deep.
    #[error("reply to a reply")]
    ReplyToReply,
    /// `parent_id` names no live comment of this post.
    #[error("unknown parent comment")]
    UnknownParent,
    /// The caller wrote this kind of thing too often: try again after
    /// `retry_after` (the per-user write limits).
    #[error("too many {what} too fast")]
    TooFast {
        /// What the caller writes too fast: "posts", "comments", ...
        what: &'static str,
        /// When the next one would pass.
        retry_after: Duration,
    },
    /// A 쪽지 to oneself (the post or comment is the caller's own).
    #[error("message to oneself")]
    MessageToSelf(&'static str),
    /// The conversation is blocked: no more messages either way.
    #[error("conversation blocked")]
    Blocked,
    /// Another service this answer needs could not be reached.
    #[error("{0} unavailable")]
    Unavailable(&'static str, #[source] tonic::Status),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// A single field error.
    pub fn field(error: FieldError) -> Error {
        Error::Invalid(vec![error])
    }
}

impl From<Vec<FieldError>> for Error {
    fn from(errors: Vec<FieldError>) -> Self {
        Error::Invalid(errors)
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Status {
        match error {
            Error::Invalid(errors) => grpc::invalid_input(&errors),
            Error::NotFound(what) => grpc::status(
                Code::NotFound,
                &format!("{what}_not_found"),
                format!("{what} not found"),
            ),
            Error::BoardNameTaken => grpc::field_status(
                Code::AlreadyExists,
                "board_name_taken",
                "name",
                "is already the name of a board of this school",
            ),
            Error::TooManyBoards => grpc::status(
                Code::FailedPrecondition,
                "too_many_boards",
                format!("a school may have at most {MAX_BOARDS_PER_SCHOOL} boards"),
            ),
            // The post is full: its id is the one thing in the request to
            // blame. (A full school has no such field: the board's name is
            // not at fault, so that one names none.)
            Error::TooManyComments => grpc::field_status(
                Code::FailedPrecondition,
                "too_many_comments",
                "post_id",
                format!("already has {MAX_COMMENTS_PER_POST} comments, the most a post may have"),
            ),
            Error::NotAuthor(what) => grpc::status(
                Code::PermissionDenied,
                "not_author",
                format!("only the author may change this {what}"),
            ),
            Error::Own(what) => grpc::status(
                Code::PermissionDenied,
                "own_post",
                format!("you cannot do this to your own {what}"),
            ),
            Error::AlreadyLiked => grpc::status(
                Code::AlreadyExists,
                "already_liked",
                "you already liked this; a like cannot be taken back",
            ),
            Error::AlreadyReported => grpc::status(
                Code::AlreadyExists,
                "already_reported",
                "you already reported this",
            ),
            Error::AdminOnly => grpc::status(
                Code::PermissionDenied,
                "admin_only",
                "only administrators may do this",
            ),
            Error::WriteRestricted(until) => grpc::status(
                Code::PermissionDenied,
                "write_restricted",
                format!(
                    "your posts or comments were blinded 3 times in 30 days: you may not post, comment or send messages until {}",
                    until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            ),
            Error::ReplyToReply => grpc::field_status(
                Code::InvalidArgument,
                "reply_to_reply",
                "parent_id",
                "is a reply; replies cannot have replies",
            ),
            Error::UnknownParent => grpc::field_status(
                Code::InvalidArgument,
                "invalid_input",
                "parent_id",
                "is not a comment of this post",
            ),
            Error::TooFast { what, retry_after } => grpc::rate_limited(
                "too_fast",
                format!(
                    "you are writing {what} too fast; try again in {} seconds",
                    retry_after.as_secs()
                ),
                retry_after,
            ),
            Error::MessageToSelf(field) => grpc::field_status(
                Code::InvalidArgument,
                "message_to_self",
                field,
                "is your own; you cannot send a message to yourself",
            ),
            Error::Blocked => grpc::status(
                Code::PermissionDenied,
                "blocked",
                "this conversation is blocked; no more messages can be sent in it",
            ),
            Error::Unavailable(what, status) => grpc::unavailable(what, status),
            Error::Database(error) => everytime_common::db::error_status(error),
        }
    }
}

/// The result type of community's handlers.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use tonic_types::StatusExt;

    use super::*;

    fn reason(status: &Status) -> String {
        status
            .get_error_details()
            .error_info()
            .map(|info| info.reason.clone())
            .unwrap_or_default()
    }

    fn fields(status: &Status) -> Vec<String> {
        status
            .get_error_details()
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| v.field.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn likes_and_ownership_carry_the_api_codes() {
        let again = Status::from(Error::AlreadyLiked);
        assert_eq!(
            (again.code(), reason(&again).as_str()),
            (Code::AlreadyExists, "already_liked")
        );
        let own = Status::from(Error::Own("comment"));
        assert_eq!(
            (own.code(), reason(&own).as_str()),
            (Code::PermissionDenied, "own_post")
        );
    }

    #[test]
    fn a_taken_board_name_blames_the_name_field() {
        let status = Status::from(Error::BoardNameTaken);
        assert_eq!(status.code(), Code::AlreadyExists);
        assert_eq!(fields(&status), ["name"]);
    }

    #[test]
    fn full_posts_and_schools_are_failed_preconditions_with_their_codes() {
        let comments = Status::from(Error::TooManyComments);
        assert_eq!(
            (comments.code(), reason(&comments).as_str()),
            (Code::FailedPrecondition, "too_many_comments")
        );
        assert_eq!(fields(&comments), ["post_id"]);
        let boards = Status::from(Error::TooManyBoards);
        assert_eq!(
            (boards.code(), reason(&boards).as_str()),
            (Code::FailedPrecondition, "too_many_boards")
        );
        assert!(boards.message().contains("100"), "{}", boards.message());
    }

    #[test]
    fn writing_too_fast_is_resource_exhausted_with_the_retry_delay() {
        let status = Status::from(Error::TooFast {
            what: "posts",
            retry_after: Duration::from_secs(30),
        });
        assert_eq!(
            (status.code(), reason(&status).as_str()),
            (Code::ResourceExhausted, "too_fast")
        );
        let retry = status.get_error_details().retry_info().cloned();
        assert_eq!(
            retry.and_then(|retry| retry.retry_delay),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn not_found_names_what_is_missing() {
        let status = Status::from(Error::NotFound("post"));
        assert_eq!(
            (status.code(), reason(&status).as_str()),
            (Code::NotFound, "post_not_found")
        );
    }

    #[test]
    fn database_errors_do_not_leak() {
        let status = Status::from(Error::Database(sqlx::Error::Protocol(
            "connection to 10.0.0.5 reset".into(),
        )));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
