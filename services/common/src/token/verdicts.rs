//! The verdicts a [`TokenVerifier`](super::TokenVerifier) already reached:
//! a token is checked (signature, algorithm, issuer, audience, expiry) once
//! per process and the answer remembered until the token expires, so a
//! request that crosses the gateway and two services costs one Ed25519
//! verification per process per token, not one per hop and request.
//!
//! Entries are keyed by the SHA-256 of the token, never the token itself,
//! and are only ever positive (a refused token is checked again each time).
//! A remembered verdict is used only while its token is unexpired (no clock
//! leeway: past `exp` the full check runs again) and its key is still among
//! the published keys; the ended-session check is not remembered and runs
//! on every request. The map is bounded: at [`CAPACITY`] expired entries
//! are swept out, and if it is still full it starts over.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use sha2::{Digest, Sha256};

use super::Caller;

/// At most this many verdicts are kept (about 200 bytes each).
pub const CAPACITY: usize = 50_000;

/// A token's fingerprint.
pub type Fingerprint = [u8; 32];

/// The fingerprint of `token`.
pub fn fingerprint(token: &str) -> Fingerprint {
    Sha256::digest(token.as_bytes()).into()
}

/// What a verified token says, until when, and which key signed it.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub caller: Caller,
    /// `exp`, seconds since the Unix epoch.
    pub expires: i64,
    pub kid: String,
}

/// Remembered verdicts by fingerprint.
#[derive(Debug)]
pub struct Verdicts {
    map: Mutex<HashMap<Fingerprint, Verdict>>,
    capacity: usize,
}

impl Default for Verdicts {
    fn default() -> Self {
        Verdicts::with_capacity(CAPACITY)
    }
}

impl Verdicts {
    /// An empty map holding at most `capacity` verdicts.
    pub fn with_capacity(capacity: usize) -> Self {
        Verdicts {
            map: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The verdict on `token`'s fingerprint while it is unexpired at `now`
    /// (seconds since the Unix epoch).
    pub fn get(&self, fingerprint: &Fingerprint, now: i64) -> Option<Verdict> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(fingerprint)
            .filter(|verdict| verdict.expires > now)
            .cloned()
    }

    /// Remembers a verdict.
    pub fn put(&self, fingerprint: Fingerprint, verdict: Verdict, now: i64) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.capacity && !map.contains_key(&fingerprint) {
            map.retain(|_, verdict| verdict.expires > now);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(fingerprint, verdict);
    }

    /// Forgets every verdict (the keys changed).
    pub fn clear(&self) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// How many verdicts are kept.
    pub fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Role;

    fn verdict(expires: i64) -> Verdict {
        Verdict {
            caller: Caller {
                user_id: 1,
                session_id: 2,
                school_id: 3,
                role: Role::User,
            },
            expires,
            kid: "k".into(),
        }
    }

    #[test]
    fn a_verdict_holds_until_its_token_expires() {
        let verdicts = Verdicts::default();
        let token = fingerprint("a.b.c");
        verdicts.put(token, verdict(100), 50);
        assert!(verdicts.get(&token, 99).is_some());
        assert!(verdicts.get(&token, 100).is_none(), "not at exp");
        assert!(verdicts.get(&fingerprint("a.b.d"), 50).is_none());
    }

    #[test]
    fn a_full_map_sweeps_the_expired_then_starts_over() {
        let verdicts = Verdicts::with_capacity(3);
        for (i, expires) in [10, 10, 100].into_iter().enumerate() {
            verdicts.put(fingerprint(&i.to_string()), verdict(expires), 0);
        }
        verdicts.put(fingerprint("3"), verdict(100), 20);
        assert_eq!(verdicts.len(), 2, "the two expired went");
        verdicts.put(fingerprint("4"), verdict(100), 20);
        verdicts.put(fingerprint("5"), verdict(100), 20);
        assert!(verdicts.len() <= 3);
    }
}
