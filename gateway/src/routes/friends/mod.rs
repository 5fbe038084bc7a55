//! Friend requests, friends and their timetables.
//!
//! Friends are of one school: a username is resolved through auth's
//! `GetUserByUsername`, which only finds users of the caller's school, and
//! nicknames come from one `BatchGetUsers` per response. Only a request's
//! recipient may accept it: its sender gets `403 not_recipient` (they know
//! it exists), anyone else `404`, so nobody learns of requests that are not
//! theirs.

mod json;

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::{
    auth::v1::{self as auth_pb, user_service_client::UserServiceClient},
    timetable::v1::{
        self as pb, friend_service_client::FriendServiceClient,
        timetable_service_client::TimetableServiceClient,
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use crate::{
    authors::Nicknames,
    error::{ApiError, ApiResult, required},
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    model::{Items, UserRef},
    openapi::{BadSemester, problems},
    routes::timetable::{SemesterQuery, TimetableBody, named_timetable},
    state::{AppState, authed, call},
};

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_request, list_requests))
        .routes(routes!(accept_request))
        .routes(routes!(delete_request))
        .routes(routes!(list_friends))
        .routes(routes!(remove_friend))
        .routes(routes!(friend_timetable))
}

problems! {
    BadFriendUsername = (400, "Yourself, or an empty username");
    NoSuchUser = (404, "No such user in the caller's school");
    AlreadyAsked = (409, "`already_friends` or `already_requested`");
    NotRecipient = (403, "`not_recipient`: the sender cannot accept their own request");
    NoRequestToCaller = (404, "No such request addressed to the caller");
    NoSuchRequest = (404, "No such request of the caller's");
    NotAFriend = (404, "Not a friend");
    NoFriendTimetable = (404, "Not a friend, no timetable, or private");
}

/// Asks a user of the caller's school to be friends. If they had already asked the caller, the two become friends.
#[utoipa::path(post, path = "/api/v1/friends/requests", tag = "friends", request_body = SendRequestBody,
    responses(
        (status = 201, description = "The request (with `accepted: true` when it made the two friends)", body = FriendRequestBody),
        BadFriendUsername,
        NoSuchUser,
        AlreadyAsked,
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
    let user = call(
        &state.clients.users,
        authed(
            auth_pb::GetUserByUsernameRequest {
                username: username.to_owned(),
            },
            &auth,
        ),
        UserServiceClient::get_user_by_username,
    )
    .await?
    .user;
    let user = required(user, "GetUserByUsername")?;
    if user.id == auth.caller.user_id {
        return Err(ApiError::invalid_field(
            "cannot_befriend_self",
            "username",
            "is you",
        ));
    }
    let sent = call(
        &state.clients.friends,
        authed(pb::SendFriendRequestRequest { user_id: user.id }, &auth),
        FriendServiceClient::send_friend_request,
    )
    .await?;
    let request = required(sent.request, "SendFriendRequest")?;
    let names = Nicknames::fetch(&state, &auth, [request.from_user_id, request.to_user_id]).await?;
    Ok((
        StatusCode::CREATED,
        Json(request_body(request, &names, Some(sent.accepted))),
    ))
}

/// The caller's pending friend requests, incoming and outgoing.
#[utoipa::path(get, path = "/api/v1/friends/requests", tag = "friends",
    responses((status = 200, description = "Pending requests", body = FriendRequestsBody)))]
pub async fn list_requests(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<FriendRequestsBody>> {
    let requests = call(
        &state.clients.friends,
        authed(pb::ListFriendRequestsRequest {}, &auth),
        FriendServiceClient::list_friend_requests,
    )
    .await?;
    let ids = requests
        .incoming
        .iter()
        .chain(&requests.outgoing)
        .flat_map(|request| [request.from_user_id, request.to_user_id]);
    let names = Nicknames::fetch(&state, &auth, ids).await?;
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

/// Accepts a request; only its recipient may.
#[utoipa::path(post, path = "/api/v1/friends/requests/{id}/accept", tag = "friends",
    params(("id" = i64, Path, description = "The request")),
    responses(
        (status = 200, description = "Friends now", body = AcceptedBody),
        NotRecipient,
        NoRequestToCaller,
    ))]
pub async fn accept_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AcceptedBody>> {
    let friend = call(
        &state.clients.friends,
        authed(pb::AcceptFriendRequestRequest { request_id: id }, &auth),
        FriendServiceClient::accept_friend_request,
    )
    .await?
    .friend;
    let friend = required(friend, "AcceptFriendRequest")?;
    let names = Nicknames::fetch(&state, &auth, [friend.user_id]).await?;
    Ok(Json(AcceptedBody {
        friend: names.user(friend.user_id),
    }))
}

/// Declines (the recipient) or cancels (the sender) a request.
#[utoipa::path(delete, path = "/api/v1/friends/requests/{id}", tag = "friends",
    params(("id" = i64, Path, description = "The request")),
    responses(
        (status = 204, description = "Gone"),
        NoSuchRequest,
    ))]
pub async fn delete_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.friends,
        authed(pb::DeleteFriendRequestRequest { request_id: id }, &auth),
        FriendServiceClient::delete_friend_request,
    )
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
    let friends = call(
        &state.clients.friends,
        authed(pb::ListFriendsRequest {}, &auth),
        FriendServiceClient::list_friends,
    )
    .await?
    .friends;
    let ids: Vec<i64> = friends.into_iter().map(|friend| friend.user_id).collect();
    let names = Nicknames::fetch(&state, &auth, ids.iter().copied()).await?;
    Ok(Json(Items {
        items: names.users(ids),
    }))
}

/// Ends a friendship on both sides.
#[utoipa::path(delete, path = "/api/v1/friends/{user_id}", tag = "friends",
    params(("user_id" = i64, Path, description = "The friend")),
    responses(
        (status = 204, description = "No longer friends"),
        NotAFriend,
    ))]
pub async fn remove_friend(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(user_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.friends,
        authed(pb::RemoveFriendRequest { user_id }, &auth),
        FriendServiceClient::remove_friend,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A friend's primary timetable of the semester (default: the current one), when it is `friends` or `public`.
#[utoipa::path(get, path = "/api/v1/friends/{user_id}/timetable", tag = "friends",
    params(("user_id" = i64, Path, description = "The friend"), SemesterQuery),
    responses(
        (status = 200, description = "The friend's primary timetable", body = TimetableBody),
        BadSemester,
        NoFriendTimetable,
    ))]
pub async fn friend_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(user_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SemesterQuery>,
) -> ApiResult<Json<TimetableBody>> {
    let timetable = call(
        &state.clients.timetables,
        authed(
            pb::GetFriendTimetableRequest {
                user_id,
                semester: query.semester.unwrap_or_default(),
            },
            &auth,
        ),
        TimetableServiceClient::get_friend_timetable,
    )
    .await?
    .timetable;
    let timetable = required(timetable, "GetFriendTimetable")?;
    Ok(Json(named_timetable(&state, &auth, timetable).await?))
}
