//! timetable on the event channel as a producer: friend requests are
//! recorded in the outbox in the transaction that makes them
//! ([`crate::friends`]), and `FriendEventService` serves the outbox from a
//! position, then live, through [`everytime_common::outbox`] (which says
//! what is guaranteed and how). The community service consumes it and
//! notifies the one asked. Events are kept at least [`RETENTION`], then
//! until every durable consumer heard from in [`CONSUMER_SILENCE`] has
//! passed them.

use std::time::Duration;

use chrono::Utc;
use everytime_common::{
    grpc::timestamp,
    outbox::{self, OutboxHub, OutboxStream},
};
use everytime_proto::timetable::v1 as pb;
use sqlx::PgPool;

use crate::{
    error::{Error, Result},
    store::events::{self as store, EventRow},
};

/// Events are kept at least this long.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// A durable consumer not heard from for this long stops holding events.
pub const CONSUMER_SILENCE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How often old events are pruned.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// What a stream sends.
pub type FriendEventStream = OutboxStream<pb::WatchFriendEventsResponse>;

/// Listens on the outbox's channel for as long as it runs.
pub async fn listen(hub: &OutboxHub, pool: PgPool) {
    hub.listen(pool, store::CHANNEL).await;
}

/// `WatchFriendEvents`: every event after the request's position, then new ones.
pub fn watch(
    pool: &PgPool,
    hub: &OutboxHub,
    request: pb::WatchFriendEventsRequest,
) -> FriendEventStream {
    outbox::stream(
        pool,
        hub,
        request.after_position,
        |pool, after, limit| async move {
            let rows = store::events_after(&pool, after, limit).await?;
            Ok(rows
                .into_iter()
                .map(|row| (row.position, event(row)))
                .collect())
        },
    )
}

fn event(row: EventRow) -> pb::WatchFriendEventsResponse {
    use pb::watch_friend_events_response::Event;
    let event = (row.kind == store::FRIEND_REQUESTED).then_some(Event::FriendRequested(
        pb::FriendRequested {
            request_id: row.request_id,
            from_user_id: row.from_user_id,
            to_user_id: row.to_user_id,
            from_nickname: row.from_nickname,
        },
    ));
    pb::WatchFriendEventsResponse {
        position: row.position,
        event_time: Some(timestamp(row.at)),
        // A kind this build does not know is still sent (positions stay
        // contiguous for the consumer, which skips what it cannot read).
        event,
    }
}

/// `AcknowledgeFriendEvents`: a durable consumer's position.
pub async fn acknowledge(
    pool: &PgPool,
    request: pb::AcknowledgeFriendEventsRequest,
) -> Result<pb::AcknowledgeFriendEventsResponse> {
    let consumer =
        outbox::consumer_name(&request.consumer).map_err(|error| Error::Invalid(vec![error]))?;
    outbox::acknowledge(pool, consumer, request.position).await?;
    Ok(pb::AcknowledgeFriendEventsResponse {})
}

/// Prunes the outbox every [`PRUNE_INTERVAL`] for as long as it runs.
pub async fn prune(pool: PgPool) {
    let mut interval = tokio::time::interval(PRUNE_INTERVAL);
    loop {
        interval.tick().await;
        match prune_once(&pool, RETENTION).await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "pruned old friend events"),
            Err(error) => tracing::warn!(%error, "cannot prune friend events"),
        }
    }
}

/// Deletes the events older than `keep` that every consumer heard from in
/// [`CONSUMER_SILENCE`] has passed; how many.
pub async fn prune_once(pool: &PgPool, keep: Duration) -> sqlx::Result<u64> {
    let now = Utc::now();
    let ago = |age: Duration| {
        chrono::TimeDelta::from_std(age)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
            .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC)
    };
    store::prune(pool, ago(keep), ago(CONSUMER_SILENCE)).await
}
