//! The event channel's durable consumer: a service that must act on what
//! happened in another (auth: a user deleted; timetable: a friend request)
//! follows that service's outbox (its `EventService/WatchEvents`) and
//! applies each event in its own database.
//!
//! Guarantees, and how they hold:
//!
//! - **Applied once.** The consumer keeps its position in its own schema
//!   (`event_positions`, one row per source) and moves it in the same
//!   transaction as the event's effect. A crash before the commit loses
//!   both, so the event is applied on the next try; after it, the position
//!   says it was. Delivery is at least once (a stream resumes after the
//!   stored position; auth may send an event again), and an event at or
//!   below the stored position is skipped. The position row is locked for
//!   the transaction, so replicas of one service consuming the same stream
//!   apply each event once between them.
//! - **In order.** Events are applied one at a time in position order, so
//!   everything about one user happens in the order it did in auth.
//! - **Never skipped.** An event whose effect fails is retried with a
//!   growing back-off (up to [`MAX_RETRY_BACKOFF`]), logged and counted
//!   (`events_apply_failures_total`) each time, and nothing after it is
//!   applied until it is: the stream waits rather than lose it.
//! - **Catches up by itself.** The consumer reconnects with back-off when
//!   auth is away and resumes after its stored position, so a service that
//!   was down acts on everything it missed when it is back.
//! - **Lets auth prune.** Every [`ACK_INTERVAL`] it tells auth its position
//!   (`AcknowledgeEvents`); auth keeps account events until every durable
//!   consumer has passed them.
//!
//! The transport is a [`Source`], today a service's gRPC stream
//! ([`AuthEvents`], [`TimetableEvents`]): a broker such as NATS JetStream or
//! Kafka would be another `Source` (a durable subscription whose
//! acknowledgement is the position), with the handlers unchanged.

use std::{sync::Arc, time::Duration};

use everytime_proto::{
    auth::v1::{self as pb, event_service_client::EventServiceClient},
    timetable::v1::{self as timetable_pb, friend_event_service_client::FriendEventServiceClient},
};
use futures::StreamExt;
use sqlx::{PgConnection, PgPool};
use tonic::transport::Channel;

/// How often the consumer tells auth its position.
pub const ACK_INTERVAL: Duration = Duration::from_secs(5);

/// The longest wait before an event that failed is tried again.
pub const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(30);

/// The longest wait between two reconnection attempts.
const MAX_RECONNECT_BACKOFF: Duration = Duration::from_secs(2);

/// Why a handler could not apply an event (any error of the service's).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// One delivered event: its position in the source, and what happened
/// (`None` for a kind this build cannot read: it only moves the position).
pub trait Envelope: Send + Sync + 'static {
    /// What happened.
    type Event: Send + Sync + 'static;
    /// The event's position in its source.
    fn position(&self) -> i64;
    /// What happened, if this build can read it.
    fn event(&self) -> Option<&Self::Event>;
}

impl Envelope for pb::WatchEventsResponse {
    type Event = pb::watch_events_response::Event;

    fn position(&self) -> i64 {
        self.position
    }

    fn event(&self) -> Option<&Self::Event> {
        self.event.as_ref()
    }
}

impl Envelope for timetable_pb::WatchFriendEventsResponse {
    type Event = timetable_pb::watch_friend_events_response::Event;

    fn position(&self) -> i64 {
        self.position
    }

    fn event(&self) -> Option<&Self::Event> {
        self.event.as_ref()
    }
}

/// What a service does with an event, inside the transaction that also
/// moves its position.
#[async_trait::async_trait]
pub trait Handler: Send + Sync + 'static {
    /// The events it applies.
    type Event: Send + Sync + 'static;
    /// Applies `event` in `tx`. An error rolls the transaction back, so the
    /// try leaves nothing behind, and the event is tried again later.
    async fn apply(&self, tx: &mut PgConnection, event: &Self::Event) -> Result<(), HandlerError>;
}

/// Where events come from, and where the consumer's progress is reported.
#[async_trait::async_trait]
pub trait Source: Send + Sync + 'static {
    /// What it delivers.
    type Envelope: Envelope;
    /// The events after `position`, in order, then new ones as they come;
    /// `Err` when the source cannot be reached.
    async fn subscribe(&self, position: i64) -> Result<EventStream<Self::Envelope>, tonic::Status>;
    /// Reports that every event up to `position` is applied.
    async fn acknowledge(&self, consumer: &str, position: i64) -> Result<(), tonic::Status>;
}

/// A stream of events; an `Err` item ends it (the consumer reconnects).
pub type EventStream<E = pb::WatchEventsResponse> =
    futures::stream::BoxStream<'static, Result<E, tonic::Status>>;

/// auth's `EventService` as a [`Source`].
#[derive(Debug, Clone)]
pub struct AuthEvents(pub EventServiceClient<Channel>);

#[async_trait::async_trait]
impl Source for AuthEvents {
    type Envelope = pb::WatchEventsResponse;

    async fn subscribe(&self, position: i64) -> Result<EventStream, tonic::Status> {
        let mut client = self.0.clone();
        Ok(client
            .watch_events(pb::WatchEventsRequest {
                after_position: position,
            })
            .await?
            .into_inner()
            .boxed())
    }

    async fn acknowledge(&self, consumer: &str, position: i64) -> Result<(), tonic::Status> {
        let mut client = self.0.clone();
        client
            .acknowledge_events(pb::AcknowledgeEventsRequest {
                consumer: consumer.to_owned(),
                position,
            })
            .await?;
        Ok(())
    }
}

/// timetable's `FriendEventService` as a [`Source`].
#[derive(Debug, Clone)]
pub struct TimetableEvents(pub FriendEventServiceClient<Channel>);

#[async_trait::async_trait]
impl Source for TimetableEvents {
    type Envelope = timetable_pb::WatchFriendEventsResponse;

    async fn subscribe(&self, position: i64) -> Result<EventStream<Self::Envelope>, tonic::Status> {
        let mut client = self.0.clone();
        Ok(client
            .watch_friend_events(timetable_pb::WatchFriendEventsRequest {
                after_position: position,
            })
            .await?
            .into_inner()
            .boxed())
    }

    async fn acknowledge(&self, consumer: &str, position: i64) -> Result<(), tonic::Status> {
        let mut client = self.0.clone();
        client
            .acknowledge_friend_events(timetable_pb::AcknowledgeFriendEventsRequest {
                consumer: consumer.to_owned(),
                position,
            })
            .await?;
        Ok(())
    }
}

/// The event type a [`Source`] delivers.
pub type SourceEvent<S> = <<S as Source>::Envelope as Envelope>::Event;

/// A durable consumer of one source.
pub struct Consumer<S: Source> {
    /// The consumer's name at the source.
    pub name: &'static str,
    /// Its row in `event_positions` (one per source a service follows).
    pub position_key: &'static str,
    pub pool: PgPool,
    pub source: S,
    pub handler: Arc<dyn Handler<Event = SourceEvent<S>>>,
}

impl<S: Source> Consumer<S> {
    /// Follows the source for as long as the task runs (abort it to stop;
    /// an aborted apply rolls back). The stored position is read once; from
    /// then on the consumer knows it (every apply checks it again under the
    /// row's lock), so reconnecting to a source that is away costs the
    /// database nothing.
    pub async fn run(self) {
        let mut backoff = Duration::from_millis(50);
        let mut position = loop {
            match stored_position(&self.pool, self.position_key).await {
                Ok(position) => break position,
                Err(error) => {
                    tracing::warn!(consumer = self.name, %error, "cannot read the event position");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_RECONNECT_BACKOFF);
                }
            }
        };
        loop {
            match self.follow(&mut position).await {
                Ok(()) => backoff = Duration::from_millis(50),
                Err(error) => {
                    tracing::debug!(consumer = self.name, %error, "event stream down; reconnecting");
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_RECONNECT_BACKOFF);
        }
    }

    /// One connection: from `position` until the stream ends, moving it.
    async fn follow(&self, position: &mut i64) -> Result<(), tonic::Status> {
        let mut stream = self.source.subscribe(*position).await?;
        let mut acknowledged = None;
        let mut tick = tokio::time::interval(ACK_INTERVAL);
        loop {
            tokio::select! {
                message = stream.next() => {
                    let Some(event) = message.transpose()? else {
                        return Ok(());
                    };
                    self.apply_until_done(&event).await;
                    *position = (*position).max(event.position());
                }
                _ = tick.tick() => {
                    if acknowledged != Some(*position) {
                        match self.source.acknowledge(self.name, *position).await {
                            Ok(()) => acknowledged = Some(*position),
                            Err(error) => tracing::debug!(consumer = self.name, %error, "cannot acknowledge events"),
                        }
                    }
                }
            }
        }
    }

    /// Applies one event, retrying with back-off until it is applied (or
    /// found applied already).
    async fn apply_until_done(&self, event: &S::Envelope) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match apply_once(&self.pool, self.position_key, self.handler.as_ref(), event).await {
                Ok(applied) => {
                    if applied {
                        metrics::gauge!("events_position", "consumer" => self.position_key)
                            .set(event.position() as f64);
                    }
                    return;
                }
                Err(error) => {
                    metrics::counter!("events_apply_failures_total", "consumer" => self.position_key)
                        .increment(1);
                    tracing::warn!(
                        consumer = self.position_key,
                        position = event.position(),
                        %error,
                        retry_in_ms = backoff.as_millis() as u64,
                        "cannot apply an event; it is retried, and nothing after it is applied until it is"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_RETRY_BACKOFF);
                }
            }
        }
    }
}

/// The stored position of the consumer's row `consumer` (0 before its
/// first event).
pub async fn stored_position(pool: &PgPool, consumer: &str) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "insert into event_positions (source, position) values ($1, 0) on conflict do nothing",
    )
    .bind(consumer)
    .execute(pool)
    .await?;
    sqlx::query_scalar("select position from event_positions where source = $1")
        .bind(consumer)
        .fetch_one(pool)
        .await
}

/// Applies `event` and moves the position past it in one transaction;
/// `false` when the position was past it already (another replica, or a
/// repeat). Events this build cannot read only move the position.
pub async fn apply_once<E: Envelope>(
    pool: &PgPool,
    consumer: &str,
    handler: &dyn Handler<Event = E::Event>,
    event: &E,
) -> Result<bool, HandlerError> {
    let mut tx = pool.begin().await?;
    let position: i64 =
        sqlx::query_scalar("select position from event_positions where source = $1 for update")
            .bind(consumer)
            .fetch_one(&mut *tx)
            .await?;
    if event.position() <= position {
        return Ok(false);
    }
    if let Some(body) = event.event() {
        handler.apply(&mut tx, body).await?;
    }
    sqlx::query("update event_positions set position = $2 where source = $1")
        .bind(consumer)
        .bind(event.position())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}
