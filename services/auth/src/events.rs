//! The event channel's producer side: `EventService/WatchEvents` serves
//! auth's outbox (the `events` table, written by triggers in the
//! transaction that ends a session) from a position, then live, and old
//! events are pruned.
//!
//! Guarantees: every committed event is sent, in position order, at least
//! once to a consumer that resumes after the last position it saw (the
//! triggers take positions one transaction at a time, so no smaller
//! position commits after a larger one is visible). Live events arrive
//! within one commit plus a wake-up: Postgres `LISTEN/NOTIFY` wakes the
//! streams, and a stream also polls every [`POLL_INTERVAL`], so a lost
//! notification (or a listener that is reconnecting) delays an event by at
//! most that. The table is the truth; a notification carries nothing.
//! Ended sessions are kept [`RETENTION_MARGIN`] longer than an access token
//! lives: past that, nothing they say can matter to a token verifier.
//! Account events (a user deleted, a nickname changed) are kept at least as
//! long, and then until every durable consumer (`AcknowledgeEvents`) has
//! passed them; a consumer silent for [`CONSUMER_SILENCE`] is forgotten.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use everytime_common::{grpc::timestamp, token::EndedSessions};
use everytime_proto::auth::v1 as pb;
use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::{mpsc, watch};
use tonic::{Status, codegen::tokio_stream::wrappers::ReceiverStream};

use crate::store::events::{self as store, EventRow};

/// A stream looks for new events at least this often, notification or not.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Events are kept this much longer than the access-token lifetime.
pub const RETENTION_MARGIN: Duration = Duration::from_secs(10 * 60);

/// A durable consumer not heard from for this long stops holding events.
pub const CONSUMER_SILENCE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How often old events are pruned.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// Events read and sent per query.
const BATCH: i64 = 500;

/// What a stream sends: an event, or why the stream ended.
pub type EventStream = ReceiverStream<Result<pb::WatchEventsResponse, Status>>;

/// Wakes every open stream when the outbox may have grown. One
/// `LISTEN` connection per auth process, however many streams are open.
#[derive(Debug)]
pub struct EventHub {
    wake: watch::Sender<u64>,
    /// Set when auth shuts down: streams end, so draining does not wait
    /// for them forever (their consumers reconnect to another replica).
    closing: watch::Sender<bool>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            wake: watch::Sender::new(0),
            closing: watch::Sender::new(false),
        }
    }
}

impl EventHub {
    /// Ends every open stream, now and for streams opened from now on.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Wakes the streams.
    fn notify(&self) {
        self.wake
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// Listens on the outbox's NOTIFY channel for as long as it runs,
    /// reconnecting after a failure (the streams' polling covers the gap).
    pub async fn listen(&self, pool: PgPool) {
        loop {
            match listen_once(&pool, self).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(%error, "event notifications lost; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

async fn listen_once(pool: &PgPool, hub: &EventHub) -> sqlx::Result<()> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(store::CHANNEL).await?;
    // Anything committed while no one listened is found by this wake-up.
    hub.notify();
    loop {
        listener.recv().await?;
        hub.notify();
    }
}

/// `WatchEvents`: every event after the request's position, then new ones.
pub fn watch_events(pool: &PgPool, hub: &EventHub, request: pb::WatchEventsRequest) -> EventStream {
    let (sender, receiver) = mpsc::channel(64);
    let wake = hub.wake.subscribe();
    let mut closing = hub.closing.subscribe();
    let position = request.after_position.max(0);
    let pool = pool.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = send_events(pool, wake, position, sender) => {}
            _ = closing.wait_for(|closing| *closing) => {}
        }
    });
    ReceiverStream::new(receiver)
}

/// Sends events after `position` until the caller hangs up or the database
/// fails (then the stream ends with `UNAVAILABLE` and the consumer resumes).
async fn send_events(
    pool: PgPool,
    mut wake: watch::Receiver<u64>,
    mut position: i64,
    sender: mpsc::Sender<Result<pb::WatchEventsResponse, Status>>,
) {
    loop {
        // Marked seen before the query, so a commit during it wakes us again.
        wake.borrow_and_update();
        let rows = match store::events_after(&pool, position, BATCH).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(%error, "cannot read events");
                let _ = sender
                    .send(Err(Status::unavailable("events cannot be read")))
                    .await;
                return;
            }
        };
        let full = i64::try_from(rows.len()).is_ok_and(|count| count >= BATCH);
        for row in rows {
            position = row.position;
            if sender.send(Ok(event(row))).await.is_err() {
                return; // the caller hung up
            }
        }
        if full {
            continue;
        }
        tokio::select! {
            changed = wake.changed() => {
                if changed.is_err() {
                    return; // auth is shutting down
                }
            }
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            () = sender.closed() => return,
        }
    }
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
    let mut wake = hub.wake.subscribe();
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
    let consumer = request.consumer.trim();
    let valid = (1..=40).contains(&consumer.len())
        && consumer.starts_with(|c: char| c.is_ascii_lowercase())
        && consumer
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(crate::error::Error::Invalid(vec![
            everytime_common::validate::FieldError::new(
                "consumer",
                "must be 1–40 lowercase letters, digits, - or _, starting with a letter",
            ),
        ]));
    }
    store::acknowledge(pool, consumer, request.position.max(0)).await?;
    Ok(pb::AcknowledgeEventsResponse {})
}
