//! Friend requests, friends and their timetables.
//!
//! Friends are of one school: a username is resolved through auth's
//! `GetUserByUsername`, which only finds users of the caller's school, and
//! nicknames come from one `BatchGetUsers` per response. Only a request's
//! recipient may accept it: its sender gets `403 not_recipient` (they know
//! it exists), anyone else `404`, so nobody learns of requests that are not
//! theirs.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{delete, get, post},
};
use everytime_proto::{auth::v1 as auth_pb, timetable::v1 as pb};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{
    authed,
    timetable::{
        Nicknames, SemesterQuery, TimetableBody, UserRef, friend_refs, named_timetable, nicknames,
        required, user_ref,
    },
};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    model::{Items, rfc3339},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/friends/requests",
            post(send_request).get(list_requests),
        )
        .route("/api/v1/friends/requests/{id}/accept", post(accept_request))
        .route("/api/v1/friends/requests/{id}", delete(delete_request))
        .route("/api/v1/friends", get(list_friends))
        .route("/api/v1/friends/{user_id}", delete(remove_friend))
        .route("/api/v1/friends/{user_id}/timetable", get(friend_timetable))
}

/// This area's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        send_request,
        list_requests,
        accept_request,
        delete_request,
        list_friends,
        remove_friend,
        friend_timetable,
    ),
    components(schemas(FriendRequestBody, FriendRequestsBody, AcceptedBody)),
    tags((name = "friends", description = "Friend requests, friends and their timetables"))
)]
pub struct FriendsApi;

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

fn request_body(
    request: pb::FriendRequest,
    names: &Nicknames,
    accepted: Option<bool>,
) -> FriendRequestBody {
    FriendRequestBody {
        id: request.id,
        from: user_ref(request.from_user_id, names),
        to: user_ref(request.to_user_id, names),
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

/// Asks a user of the caller's school to be friends. If they had already asked the caller, the two become friends.
#[utoipa::path(post, path = "/api/v1/friends/requests", tag = "friends", request_body = SendRequestBody,
    responses(
        (status = 201, description = "The request (with `accepted: true` when it made the two friends)", body = FriendRequestBody),
        (status = 400, description = "Yourself, or an empty username", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_friends` or `already_requested`", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn send_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SendRequestBody>,
) -> ApiResult<(StatusCode, Json<FriendRequestBody>)> {
    let username = body.username.trim();
    if username.is_empty() {
        return Err(ApiError::invalid_field(
            "invalid_input",
            "username",
            "must not be empty",
        ));
    }
    let user = state
        .clients
        .users
        .clone()
        .get_user_by_username(authed(
            auth_pb::GetUserByUsernameRequest {
                username: username.to_owned(),
            },
            &auth,
        ))
        .await?
        .into_inner()
        .user;
    let user = required(user, "GetUserByUsername")?;
    if user.id == auth.caller.user_id {
        return Err(ApiError::invalid_field(
            "cannot_befriend_self",
            "username",
            "is you",
        ));
    }
    let sent = state
        .clients
        .friends
        .clone()
        .send_friend_request(authed(
            pb::SendFriendRequestRequest { user_id: user.id },
            &auth,
        ))
        .await?
        .into_inner();
    let request = required(sent.request, "SendFriendRequest")?;
    let names = nicknames(&state, &auth, [request.from_user_id, request.to_user_id]).await?;
    Ok((
        StatusCode::CREATED,
        Json(request_body(request, &names, Some(sent.accepted))),
    ))
}

/// The caller's pending requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct FriendRequestsBody {
    /// Asked of the caller, newest first (at most 200).
    pub incoming: Vec<FriendRequestBody>,
    /// Asked by the caller, newest first (at most 200).
    pub outgoing: Vec<FriendRequestBody>,
}

/// The caller's pending friend requests, incoming and outgoing.
#[utoipa::path(get, path = "/api/v1/friends/requests", tag = "friends",
    responses((status = 200, description = "Pending requests", body = FriendRequestsBody)))]
pub async fn list_requests(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<FriendRequestsBody>> {
    let requests = state
        .clients
        .friends
        .clone()
        .list_friend_requests(authed(pb::ListFriendRequestsRequest {}, &auth))
        .await?
        .into_inner();
    let ids = requests
        .incoming
        .iter()
        .chain(&requests.outgoing)
        .flat_map(|request| [request.from_user_id, request.to_user_id]);
    let names = nicknames(&state, &auth, ids).await?;
    Ok(Json(FriendRequestsBody {
        incoming: requests
            .incoming
            .into_iter()
            .map(|request| request_body(request, &names, None))
            .collect(),
        outgoing: requests
            .outgoing
            .into_iter()
            .map(|request| request_body(request, &names, None))
            .collect(),
    }))
}

/// The new friend.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedBody {
    pub friend: UserRef,
}

/// Accepts a request; only its recipient may.
#[utoipa::path(post, path = "/api/v1/friends/requests/{id}/accept", tag = "friends",
    params(("id" = i64, Path, description = "The request")),
    responses(
        (status = 200, description = "Friends now", body = AcceptedBody),
        (status = 403, description = "`not_recipient`: the sender cannot accept their own request", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request addressed to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn accept_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AcceptedBody>> {
    let friend = state
        .clients
        .friends
        .clone()
        .accept_friend_request(authed(
            pb::AcceptFriendRequestRequest { request_id: id },
            &auth,
        ))
        .await?
        .into_inner()
        .friend;
    let friend = required(friend, "AcceptFriendRequest")?;
    let names = nicknames(&state, &auth, [friend.user_id]).await?;
    Ok(Json(AcceptedBody {
        friend: user_ref(friend.user_id, &names),
    }))
}

/// Declines (the recipient) or cancels (the sender) a request.
#[utoipa::path(delete, path = "/api/v1/friends/requests/{id}", tag = "friends",
    params(("id" = i64, Path, description = "The request")),
    responses(
        (status = 204, description = "Gone"),
        (status = 404, description = "No such request of the caller's", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .friends
        .clone()
        .delete_friend_request(authed(
            pb::DeleteFriendRequestRequest { request_id: id },
            &auth,
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's friends, newest friendship first.
#[utoipa::path(get, path = "/api/v1/friends", tag = "friends",
    responses((status = 200, description = "Friends, newest friendship first", body = Items<UserRef>)))]
pub async fn list_friends(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<UserRef>>> {
    let friends = state
        .clients
        .friends
        .clone()
        .list_friends(authed(pb::ListFriendsRequest {}, &auth))
        .await?
        .into_inner()
        .friends;
    let ids: Vec<i64> = friends.into_iter().map(|friend| friend.user_id).collect();
    let names = nicknames(&state, &auth, ids.iter().copied()).await?;
    Ok(Json(Items {
        items: friend_refs(ids, &names),
    }))
}

/// Ends a friendship on both sides.
#[utoipa::path(delete, path = "/api/v1/friends/{user_id}", tag = "friends",
    params(("user_id" = i64, Path, description = "The friend")),
    responses(
        (status = 204, description = "No longer friends"),
        (status = 404, description = "Not a friend", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_friend(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(user_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .friends
        .clone()
        .remove_friend(authed(pb::RemoveFriendRequest { user_id }, &auth))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A friend's primary timetable of the semester (default: the current one), when it is `friends` or `public`.
#[utoipa::path(get, path = "/api/v1/friends/{user_id}/timetable", tag = "friends",
    params(("user_id" = i64, Path, description = "The friend"), SemesterQuery),
    responses(
        (status = 200, description = "The friend's primary timetable", body = TimetableBody),
        (status = 400, description = "A malformed semester", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a friend, no timetable, or private", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn friend_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(user_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SemesterQuery>,
) -> ApiResult<Json<TimetableBody>> {
    let timetable = state
        .clients
        .timetables
        .clone()
        .get_friend_timetable(authed(
            pb::GetFriendTimetableRequest {
                user_id,
                semester: query.semester.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner()
        .timetable;
    let timetable = required(timetable, "GetFriendTimetable")?;
    Ok(Json(named_timetable(&state, &auth, timetable).await?))
}
