//! The caller's own user (`GET /users/me`), as auth's `GetMe` answers it,
//! served from a bounded cache ([`ProfileCache`]).
//!
//! - **What is kept**: each user's own profile (username, email, nickname,
//!   name, school, role, when the nickname may change again), for at most
//!   [`PROFILE_TTL`], at most [`PROFILE_CAPACITY`] of them, keyed by the
//!   verified caller's id: a user is only ever served their own. When the
//!   nickname may change again is a moment; once it has passed, it is left
//!   out, as auth would.
//! - **How it is invalidated**: auth writes `NicknameChanged`,
//!   `ProfileChanged` or `UserDeleted` to its event channel in the
//!   transaction of every change to what `GetMe` answers, and the token
//!   verifier's stream passes the user's id on
//!   ([`everytime_common::token::TokenVerifier::account_changes`]), on
//!   every gateway replica, within the stream's latency. A lookup that
//!   raced a change does not keep what it fetched (the generation moved),
//!   and a receiver that falls behind drops everything. The gateway's own
//!   `PATCH` and `DELETE /users/me` drop the caller's entry at once, so
//!   whoever changes their profile sees it on their next request.
//! - **While the stream is down** nothing says what changed, but for no
//!   longer than the verifier's grace (5 s): after it, every token is
//!   refused until the stream is back, and the stream then replays what it
//!   missed. A verifier that follows no stream (fixed keys) gets no cache:
//!   every look asks auth.

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use everytime_common::cache::IdCache;
use everytime_proto::auth::v1::User;
use tokio::sync::broadcast;

/// Entries live at most this long, whatever the events say.
pub const PROFILE_TTL: Duration = Duration::from_secs(60);

/// At most this many profiles are kept (a few hundred bytes each).
pub const PROFILE_CAPACITY: usize = 20_000;

/// Recent `GetMe` answers, by the caller's user id.
#[derive(Debug)]
pub struct ProfileCache(IdCache<User>);

impl Default for ProfileCache {
    fn default() -> Self {
        ProfileCache::new(PROFILE_CAPACITY, PROFILE_TTL)
    }
}

impl ProfileCache {
    /// An empty cache of at most `capacity` profiles living `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        ProfileCache(IdCache::new(capacity, ttl))
    }

    /// A cache that follows `changes`, and the task that does; `None`
    /// without changes to follow, since nothing would then say that a
    /// profile changed.
    pub fn following(
        changes: Option<broadcast::Receiver<i64>>,
    ) -> Option<(Arc<ProfileCache>, tokio::task::JoinHandle<()>)> {
        let changes = changes?;
        let cache = Arc::new(ProfileCache::default());
        let follower = cache.clone();
        let task = tokio::spawn(async move { follower.0.forget_changed(changes, "profile").await });
        Some((cache, task))
    }

    /// The current generation, taken before asking auth.
    pub fn generation(&self) -> u64 {
        self.0.generation()
    }

    /// `user_id`'s own profile as kept at `now`, if it is.
    pub fn lookup(&self, user_id: i64, now: SystemTime) -> Option<User> {
        let mut user = self.0.get(user_id)?;
        user.nickname_changeable_time = user
            .nickname_changeable_time
            .filter(|until| SystemTime::try_from(*until).is_ok_and(|until| until > now));
        Some(user)
    }

    /// Keeps what auth answered to `user_id` itself, unless a change came
    /// after `generation` was taken.
    pub fn store(&self, generation: u64, user_id: i64, user: User) {
        self.0.store(generation, vec![(user_id, user)]);
    }

    /// Drops `user_id`'s profile (it changed, or the account is gone).
    pub fn forget(&self, user_id: i64) {
        self.0.forget(user_id);
    }

    /// How many profiles are kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use prost_types::Timestamp;

    use super::*;

    fn user(id: i64, name: &str) -> User {
        User {
            id,
            name: name.into(),
            ..User::default()
        }
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[tokio::test]
    async fn a_change_from_the_stream_drops_the_users_profile_and_what_was_asked_before_it() {
        let (tell, changes) = broadcast::channel(16);
        let (cache, task) = ProfileCache::following(Some(changes)).expect("a stream to follow");
        cache.store(cache.generation(), 1, user(1, "김민준"));
        cache.store(cache.generation(), 2, user(2, "이서연"));
        assert_eq!(
            cache.lookup(1, at(0)).map(|u| u.name),
            Some("김민준".into())
        );

        let asked = cache.generation();
        tell.send(1).expect("the cache listens");
        let started = std::time::Instant::now();
        while cache.lookup(1, at(0)).is_some() {
            assert!(started.elapsed() < Duration::from_secs(5), "never dropped");
            tokio::task::yield_now().await;
        }
        assert_eq!(cache.lookup(2, at(0)).map(|u| u.id), Some(2), "only theirs");
        cache.store(asked, 1, user(1, "옛 이름"));
        assert!(cache.lookup(1, at(0)).is_none(), "asked before the change");

        drop(tell);
        task.await.expect("ends with the stream");
        assert!(
            ProfileCache::following(None).is_none(),
            "no stream, no cache"
        );
    }

    #[test]
    fn when_the_nickname_may_change_again_is_left_out_once_it_has_passed() {
        let cache = ProfileCache::default();
        let mut renamed = user(1, "김민준");
        renamed.nickname_changeable_time = Some(Timestamp {
            seconds: 100,
            nanos: 0,
        });
        cache.store(cache.generation(), 1, renamed);
        assert!(
            cache
                .lookup(1, at(99))
                .and_then(|u| u.nickname_changeable_time)
                .is_some()
        );
        assert_eq!(
            cache.lookup(1, at(100)).map(|u| u.nickname_changeable_time),
            Some(None)
        );
    }

    #[test]
    fn profiles_expire() {
        let cache = ProfileCache::new(10, Duration::ZERO);
        cache.store(cache.generation(), 1, user(1, "김민준"));
        assert!(cache.lookup(1, at(0)).is_none());
    }
}
