//! The write restriction shown on the caller's own user
//! (`restricted_until` of `GET` and `PATCH /users/me`), as community says
//! with `GetWriteRestriction`, served from a bounded cache
//! ([`RestrictionCache`]).
//!
//! - **What is kept**: each user's answer (until when they may not write,
//!   or that they may), for at most [`RESTRICTION_TTL`], for at most
//!   [`RESTRICTION_CAPACITY`] users. A restriction runs out by itself: a
//!   kept end that has passed is served as "may write".
//! - **How it is invalidated**: community's `WatchWriteRestrictionChanges`
//!   stream says when anyone's restriction may have changed (an item
//!   blinded or restored), naming no one, and everything is dropped.
//!   Blindings are rare, so the cache is nearly always warm.
//! - **Only while that stream is open**: before its first message, and
//!   from the moment it breaks until it is open again, nothing is served or
//!   kept, so a change is never missed; requests then ask community, as
//!   they would without a cache. The first message of every new stream
//!   drops everything too.
//!
//! Community still checks the restriction itself on every write: this
//! cache only decides what the caller is shown.

use std::{
    sync::{
        Arc, Weak,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, SystemTime},
};

use everytime_common::{
    cache::IdCache,
    follow::{self, Follower},
};
use everytime_proto::community::v1::{
    WatchWriteRestrictionChangesRequest, WatchWriteRestrictionChangesResponse,
    community_service_client::CommunityServiceClient,
};
use prost_types::Timestamp;
use tokio::sync::watch;
use tonic::transport::Channel;

/// Entries live at most this long, whatever the stream says.
pub const RESTRICTION_TTL: Duration = Duration::from_secs(60);

/// At most this many users' answers are kept (a few dozen bytes each).
pub const RESTRICTION_CAPACITY: usize = 100_000;

/// The longest wait between two attempts to open the stream.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Recent `GetWriteRestriction` answers, by user id.
#[derive(Debug)]
pub struct RestrictionCache {
    /// Until when each user may not write (`None`: they may).
    answers: IdCache<Option<Timestamp>>,
    /// Whether the stream of changes is open (answers are served only
    /// then; going live drops everything kept before).
    live: AtomicBool,
}

impl Default for RestrictionCache {
    fn default() -> Self {
        RestrictionCache::new(RESTRICTION_CAPACITY, RESTRICTION_TTL)
    }
}

impl RestrictionCache {
    /// An empty cache, not live, of at most `capacity` entries living
    /// `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        RestrictionCache {
            answers: IdCache::new(capacity, ttl),
            live: AtomicBool::new(false),
        }
    }

    /// The current generation, taken before asking community.
    pub fn generation(&self) -> u64 {
        self.answers.generation()
    }

    /// Whether the stream of changes is open.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// `user_id`'s kept answer at `now` (`Some(None)`: they may write);
    /// `None` when nothing usable is kept.
    pub fn lookup(&self, user_id: i64, now: SystemTime) -> Option<Option<Timestamp>> {
        if !self.is_live() {
            return None;
        }
        let until = self.answers.get(user_id)?;
        Some(until.filter(|until| SystemTime::try_from(*until).is_ok_and(|until| until > now)))
    }

    /// Keeps community's answer for `user_id`, unless a change came after
    /// `generation` was taken. (One kept while the stream is down is
    /// dropped when it opens, and is not served before.)
    pub fn store(&self, generation: u64, user_id: i64, until: Option<Timestamp>) {
        self.answers.store(generation, vec![(user_id, until)]);
    }

    /// Drops everything (someone's restriction may have changed).
    pub fn clear(&self) {
        self.answers.clear();
    }

    /// The stream is open (its first message, or a later one): drops
    /// everything and serves from now on.
    fn changed(&self) {
        self.clear();
        self.live.store(true, Ordering::Release);
    }

    /// The stream is closed: serves nothing until it is open again.
    fn down(&self) {
        self.live.store(false, Ordering::Release);
        self.clear();
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// Follows community's changes behind `community`, reopening the
    /// stream with back-off while it cannot, until the gateway closes
    /// (`closing` turns true) or the cache is dropped.
    pub fn follow(
        self: &Arc<Self>,
        community: CommunityServiceClient<Channel>,
        mut closing: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let cache = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::select! {
                () = follow_changes(cache, community) => {}
                _ = closing.wait_for(|closing| *closing) => {}
            }
        })
    }
}

/// Follows community's changes for `cache` until it is dropped.
async fn follow_changes(cache: Weak<RestrictionCache>, community: CommunityServiceClient<Channel>) {
    follow::follow(cache, "restriction changes", MAX_BACKOFF, |_| {
        let mut community = community.clone();
        async move {
            community
                .watch_write_restriction_changes(WatchWriteRestrictionChangesRequest {})
                .await
        }
    })
    .await;
}

/// Every message says something changed; while the stream is not open,
/// nothing is served (requests ask community).
impl Follower for RestrictionCache {
    type Message = WatchWriteRestrictionChangesResponse;

    fn received(&self, _: WatchWriteRestrictionChangesResponse) {
        self.changed();
    }

    fn lost(&self) {
        self.down();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp { seconds, nanos: 0 }
    }

    fn time(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn nothing_is_served_or_kept_until_the_stream_is_open() {
        let cache = RestrictionCache::default();
        cache.store(cache.generation(), 1, None);
        assert_eq!(
            cache.lookup(1, time(0)),
            None,
            "served while no change could be heard"
        );
        cache.changed();
        assert_eq!(
            cache.lookup(1, time(0)),
            None,
            "kept from before the stream opened"
        );

        cache.store(cache.generation(), 1, None);
        assert_eq!(cache.lookup(1, time(0)), Some(None));

        cache.down();
        assert_eq!(cache.lookup(1, time(0)), None, "not served while down");
        cache.changed();
        assert_eq!(cache.lookup(1, time(0)), None, "dropped when it broke");
    }

    #[test]
    fn a_change_drops_everything_and_an_answer_asked_before_it_is_not_kept() {
        let cache = RestrictionCache::default();
        cache.changed();
        cache.store(cache.generation(), 1, Some(at(100)));
        let before = cache.generation();
        cache.changed(); // a blinding lands while community is being asked
        assert_eq!(cache.lookup(1, time(0)), None);
        cache.store(before, 2, None);
        assert!(cache.is_empty());
    }

    #[test]
    fn a_kept_restriction_runs_out_by_itself() {
        let cache = RestrictionCache::default();
        cache.changed();
        cache.store(cache.generation(), 1, Some(at(100)));
        assert_eq!(cache.lookup(1, time(99)), Some(Some(at(100))));
        assert_eq!(cache.lookup(1, time(100)), Some(None));
    }
}
