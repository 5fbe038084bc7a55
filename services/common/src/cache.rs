//! The bounded map under the caches an owner invalidates (nicknames,
//! write restrictions): values by user id, each kept at most a lifetime,
//! at most a capacity of them, and a generation that every invalidation
//! moves, so what was asked for before an invalidation is not kept after
//! it (it may be the old value).

use std::{
    collections::HashMap,
    sync::{
        Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Values by user id; see the module.
#[derive(Debug)]
pub struct IdCache<V> {
    entries: Mutex<HashMap<i64, (V, Instant)>>,
    generation: AtomicU64,
    capacity: usize,
    ttl: Duration,
}

impl<V: Clone> IdCache<V> {
    /// An empty cache of at most `capacity` values living `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        IdCache {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            capacity: capacity.max(1),
            ttl,
        }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<i64, (V, Instant)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current generation, taken before asking the owner.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The kept value of each of `ids` (`None`: not kept, or too old), in
    /// order, under one lock.
    pub fn get_many(&self, ids: impl IntoIterator<Item = i64>) -> Vec<(i64, Option<V>)> {
        let entries = self.entries();
        ids.into_iter()
            .map(|id| (id, self.fresh(&entries, id)))
            .collect()
    }

    /// The kept value of `id`, if any.
    pub fn get(&self, id: i64) -> Option<V> {
        self.fresh(&self.entries(), id)
    }

    /// `id`'s value in `entries` unless it is too old.
    fn fresh(&self, entries: &HashMap<i64, (V, Instant)>, id: i64) -> Option<V> {
        entries
            .get(&id)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    /// Keeps `values`, unless an invalidation came after `generation` was
    /// taken. A full map drops what is too old, then everything.
    pub fn store(&self, generation: u64, values: Vec<(i64, V)>) {
        let mut entries = self.entries();
        if self.generation() != generation {
            return;
        }
        if entries.len() + values.len() > self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() + values.len() > self.capacity {
                entries.clear();
            }
        }
        let at = Instant::now();
        for (id, value) in values.into_iter().take(self.capacity) {
            entries.insert(id, (value, at));
        }
    }

    /// Drops `id`'s value.
    pub fn forget(&self, id: i64) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(&id);
    }

    /// Drops everything.
    pub fn clear(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// How many values are kept.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the ids `changes` names for as long as it is open; falling
    /// behind drops everything (logged as `what` changes missed).
    pub async fn forget_changed(
        &self,
        mut changes: tokio::sync::broadcast::Receiver<i64>,
        what: &'static str,
    ) {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match changes.recv().await {
                Ok(id) => self.forget(id),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "{what} changes missed; the cache starts over");
                    self.clear();
                }
                Err(RecvError::Closed) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_asked_for_before_an_invalidation_is_not_kept() {
        let cache = IdCache::new(10, Duration::from_secs(60));
        let before = cache.generation();
        cache.forget(1);
        cache.store(before, vec![(1, "old")]);
        assert!(cache.is_empty());
        cache.store(cache.generation(), vec![(1, "new"), (2, "b")]);
        assert_eq!(
            cache.get_many([2, 1, 3]),
            [(2, Some("b")), (1, Some("new")), (3, None)]
        );
        cache.clear();
        assert_eq!(cache.get(1), None);
    }

    #[test]
    fn values_expire_and_the_map_stays_bounded() {
        let cache = IdCache::new(2, Duration::ZERO);
        cache.store(cache.generation(), vec![(1, ())]);
        assert_eq!(cache.get(1), None, "expired at once");
        let cache = IdCache::new(2, Duration::from_secs(60));
        for id in 0..5 {
            cache.store(cache.generation(), vec![(id, ())]);
            assert!(cache.len() <= 2);
        }
        cache.store(cache.generation(), (0..5).map(|id| (id, ())).collect());
        assert!(cache.len() <= 2);
    }
}
