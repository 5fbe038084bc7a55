//! The event channel's producer side in auth: `EventService/WatchEvents`
//! serves auth's outbox (the `events` table, written by triggers in the
//! transaction that ends a session, and by `record_user_event()` in the
//! transaction of an account change) from a position, then live, through
//! [`everytime_common::outbox`] (which says what is guaranteed and how),
//! and old events are pruned. Ended sessions are kept [`RETENTION_MARGIN`] longer than an access token
//! lives: past that, nothing they say can matter to a token verifier.
//! Account events (a user deleted, a nickname changed) are kept at least as
//! long, and then until every durable consumer (`AcknowledgeEvents`) has
//! passed them; a consumer silent for [`CONSUMER_SILENCE`] is forgotten.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use everytime_common::{
    grpc::timestamp,
    outbox::{self, BATCH, OutboxHub, OutboxStream, POLL_INTERVAL},
    token::EndedSessions,
};
use everytime_proto::auth::v1 as pb;
use sqlx::PgPool;

use crate::store::events::{self as store, EventRow};

/// Events are kept this much longer than the access-token lifetime.
pub const RETENTION_MARGIN: Duration = Duration::from_secs(10 * 60);

/// A durable consumer not heard from for this long stops holding events.
pub const CONSUMER_SILENCE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How often old events are pruned.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// What a stream sends: an event, or why the stream ended.
pub type EventStream = OutboxStream<pb::WatchEventsResponse>;

/// Wakes every open stream when the outbox may have grown.
pub type EventHub = OutboxHub;

/// Listens on auth's outbox channel for as long as it runs.
pub async fn listen(hub: &EventHub, pool: PgPool) {
    hub.listen(pool, store::CHANNEL).await;
}

/// `WatchEvents`: every event after the request's position, then new ones.
pub fn watch_events(pool: &PgPool, hub: &EventHub, request: pb::WatchEventsRequest) -> EventStream {
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

fn event(row: EventRow) -> pb::WatchEventsResponse {
    use pb::watch_events_response::Event;
    let event = match (row.kind.as_str(), row.session_id) {
        (store::SESSION_ENDED, Some(session_id)) => Some(Event::SessionEnded(pb::SessionEnded {
            session_id,
            user_id: row.user_id,
        })),
        (store::USER_DELETED, _) => Some(Event::UserDeleted(pb::UserDeleted {
            user_id: row.user_id,
        })),
        (store::NICKNAME_CHANGED, _) => Some(Event::NicknameChanged(pb::NicknameChanged {
            user_id: row.user_id,
        })),
        (store::PROFILE_CHANGED, _) => Some(Event::ProfileChanged(pb::ProfileChanged {
            user_id: row.user_id,
        })),
        // A kind this build does not know: still sent, so positions stay
        // contiguous for the consumer; it skips what it cannot read.
        _ => None,
    };
    pb::WatchEventsResponse {
        position: row.position,
        event_time: Some(timestamp(row.at)),
        event,
    }
}

/// Feeds auth's own token verifier with the ended sessions, straight from
/// the outbox (auth needs no stream to itself): the same wake-ups and polls
/// as a stream, and the same fail-closed rule when the database cannot be
/// read.
pub async fn follow_locally(pool: PgPool, hub: &EventHub, ended: Arc<EndedSessions>) {
    let mut wake = hub.subscribe();
    loop {
        wake.borrow_and_update();
        match store::events_after(&pool, ended.position(), BATCH).await {
            Ok(rows) => {
                ended.set_connected(true);
                let full = i64::try_from(rows.len()).is_ok_and(|count| count >= BATCH);
                for row in rows {
                    let ago = (Utc::now() - row.at).to_std().unwrap_or(Duration::ZERO);
                    match row.session_id {
                        Some(session_id) if row.kind == store::SESSION_ENDED => {
                            ended.apply(row.position, session_id, ago);
                        }
                        _ => ended.skip(row.position),
                    }
                }
                if full {
                    continue;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read ended sessions");
                ended.set_connected(false);
            }
        }
        tokio::select! {
            changed = wake.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// Prunes the outbox every [`PRUNE_INTERVAL`], for as long as auth serves
/// ([`prune_once`]).
pub async fn prune(pool: PgPool, access_token_ttl: Duration) {
    let mut interval = tokio::time::interval(PRUNE_INTERVAL);
    loop {
        interval.tick().await;
        match prune_once(&pool, access_token_ttl + RETENTION_MARGIN).await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "pruned old events"),
            Err(error) => tracing::warn!(%error, "cannot prune events"),
        }
    }
}

/// Deletes the ended sessions older than `keep`, and the account events
/// older than `keep` that every known consumer has passed; how many.
pub async fn prune_once(pool: &PgPool, keep: Duration) -> sqlx::Result<u64> {
    let now = Utc::now();
    let ago = |age: Duration| {
        chrono::TimeDelta::from_std(age)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    };
    let mut tx = pool.begin().await?;
    let pruned = store::prune(&mut tx, ago(keep), ago(keep), ago(CONSUMER_SILENCE)).await?;
    tx.commit().await?;
    Ok(pruned)
}

/// `AcknowledgeEvents`: a durable consumer's position.
pub async fn acknowledge_events(
    pool: &PgPool,
    request: pb::AcknowledgeEventsRequest,
) -> crate::error::Result<pb::AcknowledgeEventsResponse> {
    let consumer = outbox::consumer_name(&request.consumer)
        .map_err(|error| crate::error::Error::Invalid(vec![error]))?;
    outbox::acknowledge(pool, consumer, request.position).await?;
    Ok(pb::AcknowledgeEventsResponse {})
}
