//! The event channel's producer side, shared by every service that
//! publishes events (auth: ended sessions and account events; timetable:
//! friend requests): an outbox table, written in the transaction of the
//! change, served as a resumable gRPC server stream ([`stream`]) from a
//! position, then live.
//!
//! Guarantees: every committed event is sent, in position order, at least
//! once to a consumer that resumes after the last position it saw. The
//! service takes positions one transaction at a time (an advisory lock
//! before the insert), so no smaller position commits after a larger one
//! is visible. Live events arrive within one commit plus a wake-up:
//! Postgres `LISTEN/NOTIFY` wakes the streams ([`OutboxHub::listen`]), and
//! a stream also polls every [`POLL_INTERVAL`], so a lost notification (or
//! a listener that is reconnecting) delays an event by at most that. The
//! table is the truth; a notification carries nothing.

use std::{future::Future, time::Duration};

use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::{mpsc, watch};
use tonic::{Status, codegen::tokio_stream::wrappers::ReceiverStream};

use crate::validate::FieldError;

/// A stream looks for new events at least this often, notification or not.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Events read and sent per query.
pub const BATCH: i64 = 500;

/// What a stream sends: an event, or why the stream ended.
pub type OutboxStream<T> = ReceiverStream<Result<T, Status>>;

/// Wakes every open stream when the outbox may have grown: one `LISTEN`
/// connection per process, however many streams are open.
#[derive(Debug)]
pub struct OutboxHub {
    wake: watch::Sender<u64>,
    /// Set at shutdown: streams end, so draining does not wait for them
    /// forever (their consumers reconnect to another replica).
    closing: watch::Sender<bool>,
}

impl Default for OutboxHub {
    fn default() -> Self {
        OutboxHub {
            wake: watch::Sender::new(0),
            closing: watch::Sender::new(false),
        }
    }
}

impl OutboxHub {
    /// Ends every open stream, now and for streams opened from now on.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Wakes the streams.
    pub fn notify(&self) {
        self.wake
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// The wake-ups, for a reader of the outbox that is not a stream.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }

    /// Listens on the outbox's NOTIFY `channel` for as long as it runs,
    /// reconnecting after a failure (the streams' polling covers the gap).
    pub async fn listen(&self, pool: PgPool, channel: &str) {
        loop {
            if let Err(error) = self.listen_once(&pool, channel).await {
                tracing::warn!(%error, channel, "event notifications lost; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn listen_once(&self, pool: &PgPool, channel: &str) -> sqlx::Result<()> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(channel).await?;
        // Anything committed while no one listened is found by this wake-up.
        self.notify();
        loop {
            listener.recv().await?;
            self.notify();
        }
    }
}

/// A stream of the outbox after `after`, then live: `read(pool, after,
/// limit)` reads at most `limit` events after a position, oldest first,
/// each with its position. The stream ends with `UNAVAILABLE` when the
/// database fails (the consumer resumes), and when the hub closes.
pub fn stream<T, F, Fut>(pool: &PgPool, hub: &OutboxHub, after: i64, read: F) -> OutboxStream<T>
where
    T: Send + 'static,
    F: Fn(PgPool, i64, i64) -> Fut + Send + 'static,
    Fut: Future<Output = sqlx::Result<Vec<(i64, T)>>> + Send,
{
    let (sender, receiver) = mpsc::channel(64);
    let wake = hub.wake.subscribe();
    let mut closing = hub.closing.subscribe();
    let pool = pool.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = send_events(pool, wake, after.max(0), read, sender) => {}
            _ = closing.wait_for(|closing| *closing) => {}
        }
    });
    ReceiverStream::new(receiver)
}

async fn send_events<T, F, Fut>(
    pool: PgPool,
    mut wake: watch::Receiver<u64>,
    mut position: i64,
    read: F,
    sender: mpsc::Sender<Result<T, Status>>,
) where
    F: Fn(PgPool, i64, i64) -> Fut,
    Fut: Future<Output = sqlx::Result<Vec<(i64, T)>>>,
{
    loop {
        // Marked seen before the query, so a commit during it wakes us again.
        wake.borrow_and_update();
        let rows = match read(pool.clone(), position, BATCH).await {
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
        for (at, event) in rows {
            position = at;
            if sender.send(Ok(event)).await.is_err() {
                return; // the caller hung up
            }
        }
        if full {
            continue;
        }
        tokio::select! {
            changed = wake.changed() => {
                if changed.is_err() {
                    return; // the service is shutting down
                }
            }
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            () = sender.closed() => return,
        }
    }
}

/// Records that durable consumer `consumer` (checked by [`consumer_name`])
/// has applied every event up to `position`, in the producer's
/// `event_consumers` table (the same shape in every producer's schema); a
/// smaller position than it reported before changes nothing. Pruning keeps
/// what a consumer heard from lately has not passed.
pub async fn acknowledge(pool: &PgPool, consumer: &str, position: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into event_consumers (name, position) values ($1, $2)
         on conflict (name) do update
             set position = greatest(event_consumers.position, excluded.position), seen_at = now()",
    )
    .bind(consumer)
    .bind(position.max(0))
    .execute(pool)
    .await?;
    Ok(())
}

/// A durable consumer's name as `AcknowledgeEvents` takes it: 1–40
/// lowercase letters, digits, `-` or `_`, starting with a letter.
pub fn consumer_name(name: &str) -> Result<&str, FieldError> {
    let name = name.trim();
    let valid = (1..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(name)
    } else {
        Err(FieldError::new(
            "consumer",
            "must be 1–40 lowercase letters, digits, - or _, starting with a letter",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumer_names_are_short_lowercase_words() {
        assert_eq!(consumer_name(" community "), Ok("community"));
        assert_eq!(consumer_name("a-1_b"), Ok("a-1_b"));
        for bad in ["", "1abc", "Community", "a b", &"a".repeat(41)] {
            assert_eq!(consumer_name(bad).unwrap_err().field, "consumer", "{bad:?}");
        }
    }
}
