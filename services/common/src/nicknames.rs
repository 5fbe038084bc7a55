//! A bounded cache of nicknames by user id, for whoever names users with
//! what auth's `BatchGetUsers` answers: the gateway (authors, owners,
//! friends) and the services that name users themselves (community: named
//! 쪽지 counterparts; timetable: the asker of a friend request).
//!
//! - **What is kept**: a user's nickname with the user's school, for at
//!   most [`NICKNAME_TTL`], at most [`NICKNAME_CAPACITY`] of them. An entry
//!   is served only to callers of the user's own school, which is auth's
//!   rule for `BatchGetUsers` too.
//! - **How it is invalidated**: a nickname change or an account deletion
//!   drops the user's entry ([`NicknameCache::follow`]). The changes come
//!   from auth's event channel, through the stream the token verifier
//!   follows for ended sessions anyway
//!   ([`crate::token::TokenVerifier::account_changes`]), within the
//!   stream's latency. A receiver that falls behind drops everything. A
//!   lookup that raced a change does not keep what it fetched (the
//!   generation moved), so an old name is never stored after the change.
//! - **Without the stream** (a verifier with fixed keys and no auth to
//!   follow), nothing would invalidate it: the services then look every
//!   nickname up ([`crate::grpc::users::Nicknames`]).

use std::{
    collections::{BTreeSet, HashMap},
    future::Future,
    sync::Arc,
    time::Duration,
};

use crate::cache::IdCache;

/// Entries live at most this long, whatever the events say.
pub const NICKNAME_TTL: Duration = Duration::from_secs(5 * 60);

/// At most this many nicknames are kept (a few dozen bytes each).
pub const NICKNAME_CAPACITY: usize = 100_000;

/// Recently seen nicknames, by user id, with the user's school.
#[derive(Debug)]
pub struct NicknameCache(IdCache<(i64, String)>);

impl Default for NicknameCache {
    fn default() -> Self {
        NicknameCache::new(NICKNAME_CAPACITY, NICKNAME_TTL)
    }
}

impl NicknameCache {
    /// An empty cache of at most `capacity` entries living `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        NicknameCache(IdCache::new(capacity, ttl))
    }

    /// The current generation, taken before a lookup.
    pub fn generation(&self) -> u64 {
        self.0.generation()
    }

    /// The cached nicknames of `ids` for a caller of `school_id`, and the
    /// ids that are not cached (in order).
    pub fn lookup(&self, school_id: i64, ids: BTreeSet<i64>) -> (HashMap<i64, String>, Vec<i64>) {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for (id, cached) in self.0.get_many(ids) {
            match cached {
                Some((school, nickname)) if school == school_id => {
                    found.insert(id, nickname);
                }
                _ => missing.push(id),
            }
        }
        (found, missing)
    }

    /// Keeps what auth answered for a caller of `school_id`, unless an
    /// invalidation came after `generation` was taken.
    pub fn store(&self, school_id: i64, generation: u64, users: &[(i64, String)]) {
        let values = users
            .iter()
            .map(|(id, nickname)| (*id, (school_id, nickname.clone())))
            .collect();
        self.0.store(generation, values);
    }

    /// The nicknames of `ids` for a caller of `school_id`: the cached ones,
    /// and the others from `fetch`, called once with the missing ids in
    /// order (not at all when every one is cached). What it answers is
    /// kept unless a change came in the meantime; an error keeps nothing.
    pub async fn get_or_fetch<F, Fut, E>(
        &self,
        school_id: i64,
        ids: BTreeSet<i64>,
        fetch: F,
    ) -> Result<HashMap<i64, String>, E>
    where
        F: FnOnce(Vec<i64>) -> Fut,
        Fut: Future<Output = Result<Vec<(i64, String)>, E>>,
    {
        let generation = self.generation();
        let (mut found, missing) = self.lookup(school_id, ids);
        if missing.is_empty() {
            return Ok(found);
        }
        let fetched = fetch(missing).await?;
        self.store(school_id, generation, &fetched);
        found.extend(fetched);
        Ok(found)
    }

    /// Drops a user whose nickname changed or who left.
    pub fn forget(&self, user_id: i64) {
        self.0.forget(user_id);
    }

    /// Drops everything (the changes could not all be followed).
    pub fn clear(&self) {
        self.0.clear();
    }

    /// How many nicknames are cached.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A cache that follows `changes`, and the task that does (for its
    /// owner to abort when it stops); `None` without changes to follow,
    /// since nothing would then tell it that a name changed.
    pub fn following(
        changes: Option<tokio::sync::broadcast::Receiver<i64>>,
    ) -> Option<(Arc<NicknameCache>, tokio::task::JoinHandle<()>)> {
        let changes = changes?;
        let cache = Arc::new(NicknameCache::default());
        let follower = cache.clone();
        let task = tokio::spawn(async move { follower.follow(changes).await });
        Some((cache, task))
    }

    /// Drops the users `changes` names for as long as it is open; falling
    /// behind drops everything.
    pub async fn follow(&self, changes: tokio::sync::broadcast::Receiver<i64>) {
        self.0.forget_changed(changes, "nickname").await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[i64]) -> BTreeSet<i64> {
        list.iter().copied().collect()
    }

    #[test]
    fn cached_nicknames_serve_their_school_only_until_forgotten() {
        let cache = NicknameCache::default();
        let generation = cache.generation();
        cache.store(1, generation, &[(10, "가영".into()), (11, "나래".into())]);
        let (found, missing) = cache.lookup(1, ids(&[10, 11, 12]));
        assert_eq!(found.len(), 2);
        assert_eq!(missing, [12]);
        let (found, missing) = cache.lookup(2, ids(&[10]));
        assert!(
            found.is_empty(),
            "another school asks auth, which says nothing"
        );
        assert_eq!(missing, [10]);
        cache.forget(10);
        let (found, missing) = cache.lookup(1, ids(&[10, 11]));
        assert_eq!(found.keys().collect::<Vec<_>>(), [&11]);
        assert_eq!(missing, [10]);
    }

    #[test]
    fn a_lookup_that_raced_a_change_does_not_store_the_old_name() {
        let cache = NicknameCache::default();
        let before = cache.generation();
        cache.forget(10); // the rename lands while auth is being asked
        cache.store(1, before, &[(10, "옛이름".into())]);
        assert!(cache.is_empty());
    }

    #[tokio::test]
    async fn changes_from_the_event_stream_drop_their_users() {
        let cache = std::sync::Arc::new(NicknameCache::default());
        cache.store(
            1,
            cache.generation(),
            &[(10, "가영".into()), (11, "나래".into())],
        );
        let (sender, receiver) = tokio::sync::broadcast::channel(4);
        let following = tokio::spawn({
            let cache = cache.clone();
            async move { cache.follow(receiver).await }
        });
        sender.send(10).unwrap();
        drop(sender);
        following.await.unwrap();
        assert_eq!(cache.lookup(1, ids(&[10, 11])).1, [10]);
    }

    #[tokio::test]
    async fn only_the_missing_ids_are_fetched_and_then_kept() {
        let cache = NicknameCache::default();
        cache.store(1, cache.generation(), &[(10, "가영".into())]);
        let asked = std::sync::Mutex::new(Vec::new());
        let fetch = |ids: Vec<i64>| {
            asked.lock().unwrap().push(ids.clone());
            async move {
                Ok::<_, ()>(
                    ids.into_iter()
                        .map(|id| (id, format!("user{id}")))
                        .collect(),
                )
            }
        };
        let names = cache
            .get_or_fetch(1, ids(&[10, 11, 12]), fetch)
            .await
            .unwrap();
        assert_eq!(names.len(), 3);
        assert_eq!(names[&10], "가영");
        assert_eq!(names[&12], "user12");
        let names = cache.get_or_fetch(1, ids(&[11, 12]), fetch).await.unwrap();
        assert_eq!(names[&11], "user11");
        assert_eq!(
            *asked.lock().unwrap(),
            [vec![11, 12]],
            "the second lookup is served from the cache"
        );
    }

    #[tokio::test]
    async fn a_failed_fetch_keeps_nothing() {
        let cache = NicknameCache::default();
        let failed = cache
            .get_or_fetch(1, ids(&[10]), |_| async {
                Err::<Vec<(i64, String)>, _>("auth away")
            })
            .await;
        assert_eq!(failed, Err("auth away"));
        assert!(cache.is_empty());
    }
}
