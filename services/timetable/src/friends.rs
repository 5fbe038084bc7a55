//! Friends: requests (sent, listed, accepted, declined or cancelled), the
//! friendships they make, and a friend's primary timetable.
//!
//! Two users are friends both ways or not at all; each may have at most
//! [`MAX_FRIENDS`]. Asking someone who already asked you is a yes. Every
//! change touching two users runs under both their locks, taken in id
//! order, so counts cannot move meanwhile and two changes never wait on
//! each other in a circle.

use everytime_common::{
    db::ResultExt,
    grpc::{timestamp, users::Token},
    token::Caller,
};
use everytime_proto::timetable::v1 as pb;

use crate::{
    State,
    domain::{Semester, Visibility, limits::MAX_FRIENDS},
    error::{Error, Result},
    store::{
        events as event_store,
        friends::{self as store, REQUEST_PAIR_KEY},
        timetables as timetable_store,
    },
    timetables, wire,
};

/// `SendFriendRequest`: asks a user, or accepts their pending request. A
/// new request is told to the one asked through the event channel
/// ([`crate::events`]), with the asker's nickname as auth gives it now
/// (looked up with the caller's token before the transaction; without it
/// when auth cannot say, rather than refuse the request).
pub async fn send_friend_request(
    state: &State,
    caller: &Caller,
    token: &Token,
    request: pb::SendFriendRequestRequest,
) -> Result<pb::SendFriendRequestResponse> {
    let to = request.user_id;
    if to == caller.user_id {
        return Err(Error::SelfRequest);
    }
    if to <= 0 {
        return Err(Error::NotFound("user"));
    }
    let nickname = match state
        .nicknames
        .of(token, caller.school_id, [caller.user_id])
        .await
    {
        Ok(mut names) => names.remove(&caller.user_id).unwrap_or_default(),
        Err(status) => {
            tracing::warn!(%status, "the asker's nickname is unknown; the request goes without it");
            String::new()
        }
    };
    let mut tx = state.pool.begin().await?;
    store::lock_users(&mut tx, caller.user_id, to).await?;
    if store::are_friends(&mut *tx, caller.user_id, to).await? {
        return Err(Error::AlreadyFriends);
    }
    // They asked first: this is a yes.
    if let Some(theirs) = store::request_between(&mut tx, to, caller.user_id).await?
        && theirs.school_id == caller.school_id
    {
        let theirs = store::take_request_to(&mut tx, theirs.id, caller.user_id)
            .await?
            .ok_or(Error::NotFound("friend_request"))?;
        befriend(&mut tx, caller.user_id, to).await?;
        tx.commit().await?;
        return Ok(pb::SendFriendRequestResponse {
            request: Some(wire::request(theirs)),
            accepted: true,
        });
    }
    if store::request_between(&mut tx, caller.user_id, to)
        .await?
        .is_some()
    {
        return Err(Error::AlreadyRequested);
    }
    let row = store::insert_request(&mut tx, caller.user_id, to, caller.school_id)
        .await
        .on_constraint(REQUEST_PAIR_KEY, || Error::AlreadyRequested)?;
    event_store::record_friend_requested(&mut tx, row.id, caller.user_id, to, &nickname).await?;
    tx.commit().await?;
    Ok(pb::SendFriendRequestResponse {
        request: Some(wire::request(row)),
        accepted: false,
    })
}

/// `ListFriendRequests`: those to the caller (from their school) and
/// those the caller sent.
pub async fn list_friend_requests(
    state: &State,
    caller: &Caller,
    _request: pb::ListFriendRequestsRequest,
) -> Result<pb::ListFriendRequestsResponse> {
    let (incoming, outgoing) = tokio::try_join!(
        store::incoming_requests(&state.pool, caller.user_id, caller.school_id),
        store::outgoing_requests(&state.pool, caller.user_id),
    )?;
    Ok(pb::ListFriendRequestsResponse {
        incoming: incoming.into_iter().map(wire::request).collect(),
        outgoing: outgoing.into_iter().map(wire::request).collect(),
    })
}

/// `AcceptFriendRequest`: only its recipient may.
pub async fn accept_friend_request(
    state: &State,
    caller: &Caller,
    request: pb::AcceptFriendRequestRequest,
) -> Result<pb::AcceptFriendRequestResponse> {
    let id = request.request_id;
    let found = store::request(&state.pool, id)
        .await?
        .ok_or(Error::NotFound("friend_request"))?;
    if found.to_user_id != caller.user_id || found.school_id != caller.school_id {
        // The sender knows the request exists; nobody else learns it does.
        return Err(if found.from_user_id == caller.user_id {
            Error::NotRecipient
        } else {
            Error::NotFound("friend_request")
        });
    }
    let mut tx = state.pool.begin().await?;
    store::lock_users(&mut tx, found.from_user_id, caller.user_id).await?;
    let request = store::take_request_to(&mut tx, id, caller.user_id)
        .await?
        .ok_or(Error::NotFound("friend_request"))?;
    let since = befriend(&mut tx, caller.user_id, request.from_user_id).await?;
    tx.commit().await?;
    Ok(pb::AcceptFriendRequestResponse {
        friend: Some(pb::Friend {
            user_id: request.from_user_id,
            since_time: Some(timestamp(since)),
        }),
    })
}

/// `DeleteFriendRequest`: its recipient declines or its sender cancels.
pub async fn delete_friend_request(
    state: &State,
    caller: &Caller,
    request: pb::DeleteFriendRequestRequest,
) -> Result<pb::DeleteFriendRequestResponse> {
    if !store::delete_request_of(&state.pool, request.request_id, caller.user_id).await? {
        return Err(Error::NotFound("friend_request"));
    }
    Ok(pb::DeleteFriendRequestResponse {})
}

/// `ListFriends`: newest friendship first.
pub async fn list_friends(
    state: &State,
    caller: &Caller,
    _request: pb::ListFriendsRequest,
) -> Result<pb::ListFriendsResponse> {
    let friends = store::friends_of(&state.pool, caller.user_id).await?;
    Ok(pb::ListFriendsResponse {
        friends: friends.into_iter().map(wire::friend).collect(),
    })
}

/// `RemoveFriend`: ends the friendship both ways.
pub async fn remove_friend(
    state: &State,
    caller: &Caller,
    request: pb::RemoveFriendRequest,
) -> Result<pb::RemoveFriendResponse> {
    if !store::delete_friendship(&state.pool, caller.user_id, request.user_id).await? {
        return Err(Error::NotFound("friend"));
    }
    Ok(pb::RemoveFriendResponse {})
}

/// `GetFriendTimetable`: a friend's primary timetable of a semester,
/// unless it is private; `NOT_FOUND` for anyone who is not a friend.
pub async fn get_friend_timetable(
    state: &State,
    caller: &Caller,
    request: pb::GetFriendTimetableRequest,
) -> Result<pb::GetFriendTimetableResponse> {
    let semester = Semester::parse_or_current("semester", &request.semester)?;
    let mut db = state.pool.acquire().await?;
    if !store::are_friends(&mut *db, caller.user_id, request.user_id).await? {
        return Err(Error::NotFound("timetable"));
    }
    let row = timetable_store::primary_timetable(&mut *db, request.user_id, semester.as_str())
        .await?
        .ok_or(Error::NotFound("timetable"))?;
    if Visibility::from_name(&row.visibility) == Visibility::Private {
        return Err(Error::NotFound("timetable"));
    }
    Ok(pb::GetFriendTimetableResponse {
        timetable: Some(timetables::load_timetable(&mut db, row).await?),
    })
}

/// Makes two users friends unless one of them is at the limit. Runs under
/// [`store::lock_users`], so the counts cannot move meanwhile.
async fn befriend(
    tx: &mut sqlx::PgConnection,
    a: i64,
    b: i64,
) -> Result<chrono::DateTime<chrono::Utc>> {
    for user in [a, b] {
        if store::friend_count(tx, user).await? >= MAX_FRIENDS {
            return Err(Error::FriendLimit);
        }
    }
    store::insert_friendship(tx, a, b).await
}
