//! The one nickname fan-out: every response that names users (authors of
//! posts and comments, timetable owners, friends) looks their nicknames up
//! here, in one `BatchGetUsers` per response, never one per item.
//!
//! Auth answers only for users of the caller's school; a user it does not
//! know (a deleted account) is shown as [`UNKNOWN_NICKNAME`]. Who is
//! anonymous is not decided here: the community service sends a display
//! name for anonymous authors and no user id, and that is what is shown.
//!
//! Nicknames seen recently are served from a bounded cache
//! ([`NicknameCache`]) and only the others are asked for. A nickname
//! change or an account deletion drops the user's entry: auth's event
//! channel says so (`NicknameChanged`, `UserDeleted`, through the stream
//! the token verifier follows anyway), within the stream's latency; the
//! gateway's own `PATCH /users/me` drops the caller's entry at once, so
//! whoever renames themselves sees it on their next request. An entry is
//! served only to callers of the user's own school (auth's rule), and
//! lives at most [`NICKNAME_TTL`] in case an event was missed.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use everytime_proto::auth::v1::{self as auth_pb, user_service_client::UserServiceClient};

use crate::{
    error::ApiResult,
    extract::Auth,
    model::UserRef,
    state::{AppState, authed, call},
};

/// The nickname shown for a named user auth no longer knows (a deleted
/// account).
pub const UNKNOWN_NICKNAME: &str = "(알 수 없음)";

/// `BatchGetUsers` takes at most this many ids per call (auth's limit).
/// No response reaches it today (a thread is at most 1,000 comments, a page
/// at most 100 posts), so one call covers every response; past it the ids
/// would go in concurrent calls of this size rather than be refused.
pub const MAX_BATCH: usize = 1024;

/// Nicknames by user id, looked up once per response.
#[derive(Debug, Default)]
pub struct Nicknames(HashMap<i64, String>);

impl Nicknames {
    /// Looks up `ids` (repeats and all): those cached for the caller's
    /// school from the cache, the others with the caller's token in one
    /// `BatchGetUsers` per [`MAX_BATCH`] distinct ids, none when all are
    /// cached.
    pub async fn fetch(
        state: &AppState,
        auth: &Auth,
        ids: impl IntoIterator<Item = i64>,
    ) -> ApiResult<Nicknames> {
        let school = auth.caller.school_id;
        let ids: BTreeSet<i64> = ids.into_iter().collect();
        let cache = &state.nicknames;
        let generation = cache.generation();
        let (mut found, ids) = cache.lookup(school, ids);
        if ids.is_empty() {
            return Ok(Nicknames(found));
        }
        let calls = ids.chunks(MAX_BATCH).map(|chunk| {
            let request = authed(
                auth_pb::BatchGetUsersRequest {
                    user_ids: chunk.to_vec(),
                },
                auth,
            );
            call(
                &state.clients.users,
                request,
                UserServiceClient::batch_get_users,
            )
        });
        let replies = futures::future::try_join_all(calls).await?;
        let fetched: Vec<(i64, String)> = replies
            .into_iter()
            .flat_map(|reply| reply.users)
            .map(|user| (user.id, user.nickname))
            .collect();
        cache.store(school, generation, &fetched);
        found.extend(fetched);
        Ok(Nicknames(found))
    }

    /// The nickname of `id`, or [`UNKNOWN_NICKNAME`].
    pub fn nickname(&self, id: i64) -> String {
        self.0
            .get(&id)
            .cloned()
            .unwrap_or_else(|| UNKNOWN_NICKNAME.to_owned())
    }

    /// `id` as others see them.
    pub fn user(&self, id: i64) -> UserRef {
        UserRef {
            id,
            nickname: self.nickname(id),
        }
    }

    /// `ids` as others see them, in the order given.
    pub fn users(&self, ids: impl IntoIterator<Item = i64>) -> Vec<UserRef> {
        ids.into_iter().map(|id| self.user(id)).collect()
    }
}

/// Entries live at most this long, whatever the events say.
pub const NICKNAME_TTL: Duration = Duration::from_secs(5 * 60);

/// At most this many nicknames are kept (a few dozen bytes each).
pub const NICKNAME_CAPACITY: usize = 100_000;

/// Recently seen nicknames, by user id, with the user's school.
#[derive(Debug)]
pub struct NicknameCache {
    entries: Mutex<HashMap<i64, Cached>>,
    /// Moves on every invalidation: a lookup that started before one does
    /// not store what it fetched, which may be the old name.
    generation: AtomicU64,
    capacity: usize,
    ttl: Duration,
}

#[derive(Debug, Clone)]
struct Cached {
    school_id: i64,
    nickname: String,
    at: Instant,
}

impl Default for NicknameCache {
    fn default() -> Self {
        NicknameCache::new(NICKNAME_CAPACITY, NICKNAME_TTL)
    }
}

impl NicknameCache {
    /// An empty cache of at most `capacity` entries living `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        NicknameCache {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            capacity: capacity.max(1),
            ttl,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Cached>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current generation, taken before a lookup.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The cached nicknames of `ids` for a caller of `school_id`, and the
    /// ids that are not cached (in order).
    pub fn lookup(&self, school_id: i64, ids: BTreeSet<i64>) -> (HashMap<i64, String>, Vec<i64>) {
        let entries = self.entries();
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in ids {
            match entries.get(&id) {
                Some(cached) if cached.school_id == school_id && cached.at.elapsed() < self.ttl => {
                    found.insert(id, cached.nickname.clone());
                }
                _ => missing.push(id),
            }
        }
        (found, missing)
    }

    /// Keeps what auth answered for a caller of `school_id`, unless an
    /// invalidation came after `generation` was taken.
    pub fn store(&self, school_id: i64, generation: u64, users: &[(i64, String)]) {
        let mut entries = self.entries();
        if self.generation() != generation {
            return;
        }
        if entries.len() + users.len() > self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, cached| cached.at.elapsed() < ttl);
            if entries.len() + users.len() > self.capacity {
                entries.clear();
            }
        }
        let at = Instant::now();
        for (id, nickname) in users.iter().take(self.capacity) {
            entries.insert(
                *id,
                Cached {
                    school_id,
                    nickname: nickname.clone(),
                    at,
                },
            );
        }
    }

    /// Drops a user whose nickname changed or who left.
    pub fn forget(&self, user_id: i64) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(&user_id);
    }

    /// Drops everything (the changes could not all be followed).
    pub fn clear(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// How many nicknames are cached.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the users `changes` names for as long as it is open; falling
    /// behind drops everything.
    pub async fn follow(&self, mut changes: tokio::sync::broadcast::Receiver<i64>) {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match changes.recv().await {
                Ok(user_id) => self.forget(user_id),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "nickname changes missed; the cache starts over");
                    self.clear();
                }
                Err(RecvError::Closed) => return,
            }
        }
    }
}

impl FromIterator<(i64, String)> for Nicknames {
    fn from_iter<I: IntoIterator<Item = (i64, String)>>(pairs: I) -> Self {
        Nicknames(pairs.into_iter().collect())
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

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let cache = NicknameCache::new(2, Duration::ZERO);
        cache.store(1, cache.generation(), &[(1, "a".into())]);
        assert_eq!(cache.lookup(1, ids(&[1])).1, [1], "expired at once");
        let cache = NicknameCache::new(2, NICKNAME_TTL);
        for id in 0..5 {
            cache.store(1, cache.generation(), &[(id, "x".into())]);
            assert!(cache.len() <= 2);
        }
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

    #[test]
    fn users_keep_the_order_given_and_unknown_ones_get_a_placeholder() {
        let names: Nicknames = [
            (1, "다은".to_owned()),
            (2, "가영".to_owned()),
            (3, "나래".to_owned()),
        ]
        .into_iter()
        .collect();

        let users = names.users([3, 1, 4, 2]);

        let listed: Vec<(i64, &str)> = users
            .iter()
            .map(|user| (user.id, user.nickname.as_str()))
            .collect();
        assert_eq!(
            listed,
            [(3, "나래"), (1, "다은"), (4, UNKNOWN_NICKNAME), (2, "가영")]
        );
    }
}
