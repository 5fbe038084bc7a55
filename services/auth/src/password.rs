//! Password hashing with Argon2id at OWASP's recommended parameters
//! (19 MiB of memory, 2 iterations, 1 lane), in bounded memory.
//!
//! Hashing is CPU- and memory-heavy by design. It runs on a fixed set of
//! threads of its own (never the async runtime, never the blocking pool),
//! and each of them reuses one 19 MiB block of memory for every hash it
//! makes, so no hash allocates: the memory auth spends on hashing is
//! `workers × 19 MiB` however many sign-ins arrive at once, and the
//! allocator has no per-thread arenas to keep after a burst. The number of
//! workers comes from a memory budget ([`HashSettings::memory_budget_mib`],
//! `PASSWORD_HASH_MEMORY_MIB`). Requests wait in a bounded queue
//! (`PASSWORD_HASH_QUEUE`); when it is full the caller hears so at once
//! ([`HashError::Busy`]: `UNAVAILABLE`, a `503` with `Retry-After` at the
//! gateway) instead of piling up.
//!
//! Verifying against an unknown user still costs one full hash: it is
//! checked against a dummy hash made at start-up with the same parameters,
//! so response time does not tell whether a username exists.

use std::sync::{
    Arc, Mutex, PoisonError,
    mpsc::{Receiver, SyncSender, TrySendError, sync_channel},
};

use argon2::{
    ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, PasswordVerifier, Salt, SaltString},
};
use tokio::sync::oneshot;

/// Memory per hash, in KiB (OWASP: m=19456 KiB, t=2, p=1).
pub const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;
/// The length of the hash, in bytes (Argon2's default).
const OUTPUT_LEN: usize = 32;
/// What one worker holds, in MiB.
pub const WORKER_MIB: usize = MEMORY_KIB as usize / 1024;

/// Hashing could not be done.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every worker is busy and the queue is full: try again shortly.
    #[error("every password hasher is busy")]
    Busy,
    /// A bug or a dead worker; never because of the input.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

impl From<argon2::Error> for HashError {
    fn from(error: argon2::Error) -> Self {
        HashError::Failed(error.to_string())
    }
}

impl From<argon2::password_hash::Error> for HashError {
    fn from(error: argon2::password_hash::Error) -> Self {
        HashError::Failed(error.to_string())
    }
}

/// How much hashing may run at once and wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashSettings {
    /// Memory for hashing, in MiB (`PASSWORD_HASH_MEMORY_MIB`): one worker
    /// per [`WORKER_MIB`], at least one.
    pub memory_budget_mib: usize,
    /// Hashes that may wait for a worker (`PASSWORD_HASH_QUEUE`); more are
    /// refused with [`HashError::Busy`].
    pub queue: usize,
}

impl Default for HashSettings {
    /// 64 MiB (three workers) and a queue of 64: about a second of waiting
    /// at worst on two cores.
    fn default() -> Self {
        HashSettings {
            memory_budget_mib: 64,
            queue: 64,
        }
    }
}

impl HashSettings {
    /// How many hashes run at once.
    pub fn workers(&self) -> usize {
        (self.memory_budget_mib / WORKER_MIB).max(1)
    }
}

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, HashError>>,
    },
    Verify {
        password: String,
        hash: String,
        reply: oneshot::Sender<Result<bool, HashError>>,
    },
}

/// Hashes and verifies passwords on the workers. Clones share them; the
/// workers stop when the last clone is dropped.
#[derive(Clone)]
pub struct Passwords {
    dummy_hash: Arc<str>,
    jobs: SyncSender<Job>,
    workers: usize,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords")
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

fn params() -> Result<Params, HashError> {
    Ok(Params::new(
        MEMORY_KIB,
        ITERATIONS,
        LANES,
        Some(OUTPUT_LEN),
    )?)
}

impl Passwords {
    /// Starts the workers and makes the dummy hash.
    pub async fn new(settings: HashSettings) -> Result<Self, HashError> {
        let (jobs, receiver) = sync_channel(settings.queue.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = settings.workers();
        for index in 0..workers {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&receiver))
                .map_err(|error| HashError::Failed(error.to_string()))?;
        }
        let mut passwords = Passwords {
            dummy_hash: Arc::from(""),
            jobs,
            workers,
        };
        passwords.dummy_hash = passwords.hash("not a real password".into()).await?.into();
        Ok(passwords)
    }

    /// How many hashes run at once.
    pub fn workers(&self) -> usize {
        self.workers
    }

    fn submit<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, HashError>>) -> Job,
    ) -> Result<oneshot::Receiver<Result<T, HashError>>, HashError> {
        let (reply, answer) = oneshot::channel();
        match self.jobs.try_send(job(reply)) {
            Ok(()) => Ok(answer),
            Err(TrySendError::Full(_)) => Err(HashError::Busy),
            Err(TrySendError::Disconnected(_)) => {
                Err(HashError::Failed("no password hasher is running".into()))
            }
        }
    }

    /// A PHC-format Argon2id hash of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let answer = self.submit(|reply| Job::Hash { password, reply })?;
        answer.await.map_err(|_| stopped())?
    }

    /// Whether `password` matches `hash`. With no hash (unknown user) it
    /// checks against the dummy hash, taking the same time, and says no.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let answer = self.submit(|reply| Job::Verify {
            password,
            hash,
            reply,
        })?;
        Ok(answer.await.map_err(|_| stopped())?? && known)
    }
}

fn stopped() -> HashError {
    HashError::Failed("a password hasher stopped".into())
}

/// One worker: takes jobs until every [`Passwords`] is gone.
fn work(receiver: &Mutex<Receiver<Job>>) {
    let mut hasher = match Hasher::new() {
        Ok(hasher) => hasher,
        Err(error) => {
            tracing::error!(%error, "a password hasher cannot start");
            return;
        }
    };
    loop {
        // Only the waiting is under the lock; the hashing is not.
        let job = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        match job {
            Ok(Job::Hash { password, reply }) => {
                // The caller may have given up; nothing to tell then.
                let _ = reply.send(hasher.hash(&password));
            }
            Ok(Job::Verify {
                password,
                hash,
                reply,
            }) => {
                let _ = reply.send(hasher.verify(&password, &hash));
            }
            Err(_) => return,
        }
    }
}

/// Argon2id with its memory, allocated once.
struct Hasher {
    argon2: Argon2<'static>,
    memory: Vec<Block>,
}

impl Hasher {
    fn new() -> Result<Self, HashError> {
        let params = params()?;
        let memory = vec![Block::default(); params.block_count()];
        Ok(Hasher {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            memory,
        })
    }

    fn hash(&mut self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let hash = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(self.argon2.params())?,
            salt: Some(salt.as_salt()),
            hash: Some(self.output(password, salt.as_salt())?),
        };
        Ok(hash.to_string())
    }

    fn verify(&mut self, password: &str, hash: &str) -> Result<bool, HashError> {
        let parsed = PasswordHash::new(hash)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(HashError::Failed(
                "a stored hash without salt or output".into(),
            ));
        };
        let ours = parsed.algorithm == ARGON2ID_IDENT
            && parsed.version == Some(Version::V0x13.into())
            && Params::try_from(&parsed).is_ok_and(|params| {
                (params.m_cost(), params.t_cost(), params.p_cost())
                    == (MEMORY_KIB, ITERATIONS, LANES)
            })
            && expected.len() == OUTPUT_LEN;
        if !ours {
            // A hash made with other parameters (an older setting): verified
            // as it says, with memory of its own for this once.
            return Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok());
        }
        // `Output`'s comparison is constant-time.
        Ok(self.output(password, salt)? == expected)
    }

    /// The Argon2id output of `password` with `salt`, in the worker's memory.
    fn output(&mut self, password: &str, salt: Salt<'_>) -> Result<Output, HashError> {
        let mut salt_bytes = [0; 64];
        let raw_salt = salt.decode_b64(&mut salt_bytes)?;
        let mut output = [0; OUTPUT_LEN];
        self.argon2.hash_password_into_with_memory(
            password.as_bytes(),
            raw_salt,
            &mut output,
            &mut self.memory,
        )?;
        Ok(Output::new(&output)?)
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordHasher;

    use super::*;

    fn settings(memory_budget_mib: usize, queue: usize) -> HashSettings {
        HashSettings {
            memory_budget_mib,
            queue,
        }
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let passwords = Passwords::new(settings(38, 4)).await.unwrap();
        let hash = passwords.hash("correct horse".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("correct horsE".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashes_made_by_the_allocating_api_and_with_other_parameters_verify() {
        let passwords = Passwords::new(settings(19, 4)).await.unwrap();
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let same = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap(),
        )
        .hash_password(b"old password", &salt)
        .unwrap()
        .to_string();
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8_192, 3, 1, None).unwrap(),
        )
        .hash_password(b"old password", &salt)
        .unwrap()
        .to_string();
        for hash in [same, other] {
            assert!(
                passwords
                    .verify("old password".into(), Some(hash.clone()))
                    .await
                    .unwrap(),
                "{hash}"
            );
            assert!(
                !passwords
                    .verify("old passworD".into(), Some(hash.clone()))
                    .await
                    .unwrap(),
                "{hash}"
            );
        }
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        let passwords = Passwords::new(settings(19, 4)).await.unwrap();
        assert!(
            !passwords
                .verify("not a real password".into(), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_gets_a_different_salt_each_time() {
        let passwords = Passwords::new(settings(19, 4)).await.unwrap();
        let first = passwords.hash("same password".into()).await.unwrap();
        let second = passwords.hash("same password".into()).await.unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn workers_come_from_the_memory_budget() {
        assert_eq!(settings(64, 1).workers(), 3);
        assert_eq!(settings(19, 1).workers(), 1);
        assert_eq!(settings(0, 1).workers(), 1);
        assert_eq!(settings(190, 1).workers(), 10);
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once_and_the_rest_still_hash() {
        // One worker, one place in the queue: of ten hashes asked for at
        // once, at most two are taken; the others are refused, not queued.
        let passwords = Passwords::new(settings(19, 1)).await.unwrap();
        let results =
            futures::future::join_all((0..10).map(|_| passwords.hash("burst".into()))).await;
        let busy = results
            .iter()
            .filter(|result| matches!(result, Err(HashError::Busy)))
            .count();
        let done = results.iter().filter(|result| result.is_ok()).count();
        assert!(busy >= 8, "{busy} refused of 10");
        assert_eq!(done, 10 - busy, "{results:?}");
        // Once the burst is over, hashing works again.
        assert!(passwords.hash("after".into()).await.is_ok());
    }
}
