//! The ended sessions, as auth's event channel reports them
//! (`EventService/WatchEvents`): the consumer every token verifier uses to
//! refuse the access tokens of a session that ended (sign-out, revocation,
//! password change, refresh-token reuse, absolute lifetime) before they
//! expire.
//!
//! [`EndedSessions::follow`] connects to auth and, on start, catches up
//! from the oldest event auth keeps (auth keeps at least an access-token
//! lifetime of them), then receives new ones live; it reconnects with
//! back-off by itself and resumes after the last position it saw. An ended
//! session is remembered until every token naming it has expired (issued
//! at the latest when it ended, so the access-token lifetime plus the
//! verifier's leeway after the event), then forgotten: the set is bounded
//! by the sessions that end within one token lifetime.
//!
//! It fails closed: once the stream has been down longer than the grace
//! ([`GRACE`]), it cannot tell whether a session ended, and every token is
//! refused as unavailable (`503`) rather than let through.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError, Weak},
    time::{Duration, Instant},
};

use everytime_proto::auth::v1::{
    self as pb, event_service_client::EventServiceClient, watch_events_response::Event,
};
use tonic::transport::Channel;

use super::VerifyError;
use crate::follow::{Follower, follow};

/// How long the stream may be down before tokens are refused as
/// unavailable: a reconnect (auth restarting, a rolling update) must not
/// refuse everyone, and a session that ended meanwhile must not work for
/// long.
pub const GRACE: Duration = Duration::from_secs(5);

/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_millis(250);

/// Account changes a receiver may fall behind by before it lags.
const ACCOUNT_CHANGES: usize = 4096;

/// The verifier's clock leeway: a token is accepted this long after `exp`.
const LEEWAY: Duration = Duration::from_secs(30);

/// Ended session ids, until their tokens expire, and whether they are known.
#[derive(Debug)]
pub struct EndedSessions {
    state: Mutex<State>,
    /// How long after its end a session is remembered.
    keep: Duration,
    grace: Duration,
    /// The users whose account changed (nickname, deletion), for caches
    /// of what auth says about users ([`EndedSessions::account_changes`]).
    accounts: tokio::sync::broadcast::Sender<i64>,
}

#[derive(Debug)]
struct State {
    /// Session id → when its last token has expired.
    ended: HashMap<i64, Instant>,
    /// The last position applied; the stream resumes after it.
    position: i64,
    /// Since when the stream has been down (`None` while it is up).
    down_since: Option<Instant>,
    /// The size at which expired entries are next swept out.
    sweep_at: usize,
}

impl EndedSessions {
    /// An empty set for tokens that live `access_token_ttl`, down since now
    /// (so it refuses tokens after [`GRACE`] unless it is fed).
    pub fn new(access_token_ttl: Duration) -> Self {
        EndedSessions {
            state: Mutex::new(State {
                ended: HashMap::new(),
                position: 0,
                down_since: Some(Instant::now()),
                sweep_at: 1024,
            }),
            keep: access_token_ttl + LEEWAY,
            grace: GRACE,
            accounts: tokio::sync::broadcast::Sender::new(ACCOUNT_CHANGES),
        }
    }

    /// The ids of users whose nickname or profile changed or who were
    /// deleted, as the stream reports them: what a cache of nicknames or of
    /// users' own profiles drops. A receiver
    /// that falls more than a few thousand behind gets `Lagged` and must
    /// drop everything.
    pub fn account_changes(&self) -> tokio::sync::broadcast::Receiver<i64> {
        self.accounts.subscribe()
    }

    /// Tells the [`account_changes`](Self::account_changes) receivers.
    pub fn account_changed(&self, user_id: i64) {
        let _ = self.accounts.send(user_id);
    }

    /// The same set with another grace (tests).
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Follows auth's event channel behind `auth`, in a task of the
    /// current runtime that ends when the set is dropped.
    pub fn follow(auth: Channel, access_token_ttl: Duration) -> Arc<Self> {
        Self::new(access_token_ttl).start(auth)
    }

    /// Starts following `auth` (see [`EndedSessions::follow`]).
    pub fn start(self, auth: Channel) -> Arc<Self> {
        let sessions = Arc::new(self);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(consume(Arc::downgrade(&sessions), auth));
            }
            // Without a runtime nothing can follow: it stays down, and
            // fails closed after the grace.
            Err(error) => tracing::error!(%error, "cannot follow ended sessions"),
        }
        sessions
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses a token of `session_id` if the session ended, or if it
    /// cannot be told because the stream has been down too long.
    pub fn check(&self, session_id: i64) -> Result<(), VerifyError> {
        let state = self.lock();
        if let Some(since) = state.down_since
            && since.elapsed() > self.grace
        {
            return Err(VerifyError::KeysUnavailable(
                "the ended sessions cannot be followed".into(),
            ));
        }
        match state.ended.get(&session_id) {
            Some(until) if *until > Instant::now() => Err(VerifyError::SessionRevoked),
            _ => Ok(()),
        }
    }

    /// Records that `session_id` ended `ago` before now, at `position`.
    pub fn apply(&self, position: i64, session_id: i64, ago: Duration) {
        let mut state = self.lock();
        state.position = state.position.max(position);
        let Some(remaining) = self.keep.checked_sub(ago) else {
            return; // its tokens have all expired
        };
        let now = Instant::now();
        state.ended.insert(session_id, now + remaining);
        if state.ended.len() >= state.sweep_at {
            state.ended.retain(|_, until| *until > now);
            state.sweep_at = (state.ended.len() * 2).max(1024);
        }
    }

    /// Records an event with no session in it (another kind), for its
    /// position.
    pub fn skip(&self, position: i64) {
        let mut state = self.lock();
        state.position = state.position.max(position);
    }

    /// The stream is up (`true`) or went down.
    pub fn set_connected(&self, connected: bool) {
        let mut state = self.lock();
        state.down_since = match (connected, state.down_since) {
            (true, _) => None,
            (false, Some(since)) => Some(since),
            (false, None) => Some(Instant::now()),
        };
    }

    /// The last position applied.
    pub fn position(&self) -> i64 {
        self.lock().position
    }
}

/// Follows auth's events for `sessions` until it is dropped, resuming
/// after the last position applied; on any failure it waits (doubling up
/// to [`MAX_BACKOFF`]) and resumes.
async fn consume(sessions: Weak<EndedSessions>, auth: Channel) {
    let client = EventServiceClient::new(auth);
    follow(sessions, "ended sessions", MAX_BACKOFF, |sessions| {
        let mut client = client.clone();
        let request = pb::WatchEventsRequest {
            after_position: sessions.position(),
        };
        async move { client.watch_events(request).await }
    })
    .await;
}

impl Follower for EndedSessions {
    type Message = pb::WatchEventsResponse;

    fn opened(&self) {
        self.set_connected(true);
    }

    fn received(&self, event: pb::WatchEventsResponse) {
        apply(self, event);
    }

    fn lost(&self) {
        self.set_connected(false);
    }
}

fn apply(sessions: &EndedSessions, event: pb::WatchEventsResponse) {
    match event.event {
        Some(Event::SessionEnded(ended)) => {
            let ago = event
                .event_time
                .and_then(|time| {
                    let at = chrono::DateTime::from_timestamp(
                        time.seconds,
                        u32::try_from(time.nanos).unwrap_or(0),
                    )?;
                    (chrono::Utc::now() - at).to_std().ok()
                })
                .unwrap_or(Duration::ZERO);
            sessions.apply(event.position, ended.session_id, ago);
        }
        // Account events are the durable consumers' business
        // (`crate::events`); the sessions they end come as their own
        // events. Caches of what auth says about users (nicknames, a
        // user's own profile) hear of them.
        Some(Event::UserDeleted(pb::UserDeleted { user_id }))
        | Some(Event::NicknameChanged(pb::NicknameChanged { user_id }))
        | Some(Event::ProfileChanged(pb::ProfileChanged { user_id })) => {
            sessions.account_changed(user_id);
            sessions.skip(event.position);
        }
        None => sessions.skip(event.position),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_session_is_refused_until_its_tokens_expire() {
        let sessions = EndedSessions::new(Duration::from_secs(900));
        sessions.set_connected(true);
        sessions.apply(1, 7, Duration::ZERO);
        sessions.apply(2, 8, Duration::from_secs(900 + 31));

        assert_eq!(sessions.check(7), Err(VerifyError::SessionRevoked));
        assert_eq!(sessions.check(8), Ok(()), "its tokens expired long ago");
        assert_eq!(sessions.check(9), Ok(()));
        assert_eq!(sessions.position(), 2);
    }

    #[test]
    fn it_fails_closed_once_down_longer_than_the_grace() {
        let sessions =
            EndedSessions::new(Duration::from_secs(900)).with_grace(Duration::from_millis(50));
        assert_eq!(sessions.check(1), Ok(()), "within the grace at start");
        std::thread::sleep(Duration::from_millis(60));
        assert!(matches!(
            sessions.check(1),
            Err(VerifyError::KeysUnavailable(_))
        ));
        sessions.set_connected(true);
        assert_eq!(sessions.check(1), Ok(()));
        sessions.set_connected(false);
        assert_eq!(sessions.check(1), Ok(()), "a reconnect is within the grace");
    }

    #[test]
    fn expired_entries_are_swept_out() {
        let sessions = EndedSessions::new(Duration::from_secs(1));
        for id in 0..2000 {
            sessions.apply(id, id, Duration::from_secs(3600));
        }
        assert!(sessions.lock().ended.is_empty(), "nothing kept past expiry");
        for id in 0..2000 {
            sessions.apply(id, id, Duration::ZERO);
        }
        assert!(sessions.lock().ended.len() <= 2000);
    }
}
