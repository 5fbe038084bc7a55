//! The JSON of friend requests and friends.

use everytime_proto::timetable::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    authors::Nicknames,
    model::{UserRef, rfc3339},
};

/// A pending (or just accepted) friend request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FriendRequestBody {
    pub id: i64,
    pub from: UserRef,
    pub to: UserRef,
    #[schema(example = "2026-09-01T09:00:00Z")]
    pub created_at: String,
    /// On `POST` only: `true` when the other user had already asked, so the
    /// two are friends now (`from` is then the other user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<bool>,
}

pub(super) fn request_body(
    request: pb::FriendRequest,
    names: &Nicknames,
    accepted: Option<bool>,
) -> FriendRequestBody {
    FriendRequestBody {
        id: request.id,
        from: names.user(request.from_user_id),
        to: names.user(request.to_user_id),
        created_at: rfc3339(request.create_time.as_ref()),
        accepted,
    }
}

/// Whom to ask.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendRequestBody {
    /// A user of the caller's school.
    #[schema(example = "jiwoo_02")]
    pub username: String,
}

/// The caller's pending requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct FriendRequestsBody {
    /// Asked of the caller, newest first (at most 200).
    pub incoming: Vec<FriendRequestBody>,
    /// Asked by the caller, newest first (at most 200).
    pub outgoing: Vec<FriendRequestBody>,
}

/// The new friend.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedBody {
    pub friend: UserRef,
}
