//! Verifying access tokens: the algorithm is pinned, `iss`, `aud`, `exp`
//! and `sub` are required, and public keys come from a [`KeySource`]
//! (auth's JWK Set in production), cached and refetched as the crate docs
//! of [`crate::token`] describe.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use everytime_proto::auth::v1 as pb;
use jsonwebtoken::{DecodingKey, Validation};
use tonic::transport::Channel;

use super::{
    ALGORITHM, Caller, Claims, EndedSessions, PublicJwk, TOKEN_TYPE,
    verdicts::{self, Verdict, Verdicts},
};

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No token came with the request.
    #[error("an access token is required")]
    Missing,
    /// The token has expired.
    #[error("the access token has expired")]
    Expired,
    /// The token is malformed, wrongly signed, or has the wrong claims.
    #[error("the access token is invalid")]
    Invalid,
    /// The token's session has ended (signed out, revoked, ...).
    #[error("the session of this access token has ended")]
    SessionRevoked,
    /// The keys, or the ended sessions, could not be fetched from auth; the
    /// token was not judged (`503`).
    #[error("token keys are unavailable: {0}")]
    KeysUnavailable(String),
}

impl VerifyError {
    /// The API code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Missing => "missing_token",
            VerifyError::Expired => "token_expired",
            VerifyError::Invalid => "invalid_token",
            VerifyError::SessionRevoked => "session_revoked",
            VerifyError::KeysUnavailable(_) => "auth_unavailable",
        }
    }
}

/// True for `at+jwt`, also in its media-type form `application/at+jwt`;
/// media types are case-insensitive (RFC 8725 §3.11).
fn is_access_token_type(typ: &str) -> bool {
    let typ = typ.to_ascii_lowercase();
    typ.strip_prefix("application/").unwrap_or(&typ) == TOKEN_TYPE
}

/// Extracts the token from an `Authorization: Bearer <token>` value.
pub fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Where a verifier gets the public keys.
#[async_trait::async_trait]
pub trait KeySource: Send + Sync + 'static {
    /// The current JWK Set.
    async fn keys(&self) -> Result<Vec<PublicJwk>, String>;
}

/// A fixed set of keys: for auth itself, which holds its keys, and for tests.
#[derive(Debug, Clone)]
pub struct StaticKeys(pub Vec<PublicJwk>);

#[async_trait::async_trait]
impl KeySource for StaticKeys {
    async fn keys(&self) -> Result<Vec<PublicJwk>, String> {
        Ok(self.0.clone())
    }
}

/// Auth's JWK Set, fetched over gRPC (`AuthService/GetJwks`).
#[derive(Debug, Clone)]
pub struct AuthJwks {
    client: pb::auth_service_client::AuthServiceClient<Channel>,
}

impl AuthJwks {
    /// Fetches from the auth service behind `channel`.
    pub fn new(channel: Channel) -> Self {
        AuthJwks {
            client: pb::auth_service_client::AuthServiceClient::new(channel),
        }
    }
}

#[async_trait::async_trait]
impl KeySource for AuthJwks {
    async fn keys(&self) -> Result<Vec<PublicJwk>, String> {
        use tracing::Instrument as _;
        // A client span in the trace of the request that needed the keys,
        // and its context in the metadata, so auth's GetJwks joins it.
        let span = tracing::info_span!(
            "fetch token keys",
            otel.kind = "client",
            otel.name = "everytime.auth.v1.AuthService/GetJwks",
            rpc.system = "grpc",
            rpc.method = "/everytime.auth.v1.AuthService/GetJwks",
        );
        let mut client = self.client.clone();
        let response = async move {
            let mut request = tonic::Request::new(pb::GetJwksRequest {});
            crate::telemetry::inject(request.metadata_mut());
            client.get_jwks(request).await
        }
        .instrument(span)
        .await
        .map_err(|status| format!("{}: {}", status.code(), status.message()))?;
        Ok(response
            .into_inner()
            .keys
            .into_iter()
            .map(PublicJwk::from)
            .collect())
    }
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Verifies access tokens against a cached JWK Set.
pub struct TokenVerifier {
    validation: Validation,
    source: Arc<dyn KeySource>,
    cache: RwLock<KeyCache>,
    /// The last fetch, successful or not. The lock also makes concurrent
    /// misses wait for one fetch instead of each making their own.
    last_attempt: tokio::sync::Mutex<Option<Attempt>>,
    /// Cached keys older than this are fetched again.
    max_age: Duration,
    /// The least time between two fetches for an unknown `kid` (or two
    /// attempts to refresh a stale set).
    min_refetch_interval: Duration,
    /// The sessions that ended, whose tokens are refused.
    ended: Option<Arc<EndedSessions>>,
    /// What tokens checked before said ([`super::verdicts`]).
    verdicts: Verdicts,
}

/// One fetch of the keys: when it started and why it failed, if it did.
struct Attempt {
    at: Instant,
    error: Option<String>,
}

/// The decoding keys by `kid`, and when they were fetched.
#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("iss", &self.validation.iss)
            .field("aud", &self.validation.aud)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

/// An unknown `kid` refetches the keys at most this often, so a flood of
/// forged `kid`s cannot turn into a flood of calls to auth.
pub const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// While no key was ever fetched (auth not up yet when this process
/// started) a failed fetch is retried this soon instead: nothing can be
/// verified without keys, so the first request after auth comes back must
/// get them, not wait out [`MIN_REFETCH_INTERVAL`]. Concurrent requests
/// still share one fetch.
pub const FIRST_FETCH_RETRY: Duration = Duration::ZERO;

/// Cached keys are fetched again when they are older than this, so a key
/// that auth no longer publishes stops being accepted within this time.
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(5 * 60);

impl TokenVerifier {
    /// A verifier that accepts tokens from `issuer` for `audience`.
    pub fn new(issuer: &str, audience: &str, source: Arc<dyn KeySource>) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        TokenVerifier {
            validation,
            source,
            cache: RwLock::new(KeyCache::default()),
            last_attempt: tokio::sync::Mutex::new(None),
            max_age: KEYS_MAX_AGE,
            min_refetch_interval: MIN_REFETCH_INTERVAL,
            ended: None,
            verdicts: Verdicts::default(),
        }
    }

    /// The same verifier, also refusing the tokens of sessions `ended`
    /// reports (and every token while it cannot tell).
    pub fn with_ended_sessions(mut self, ended: Arc<EndedSessions>) -> Self {
        self.ended = Some(ended);
        self
    }

    /// The same verifier with other cache timings (defaults:
    /// [`KEYS_MAX_AGE`] and [`MIN_REFETCH_INTERVAL`]).
    pub fn with_cache_timing(mut self, max_age: Duration, min_refetch_interval: Duration) -> Self {
        self.max_age = max_age;
        self.min_refetch_interval = min_refetch_interval;
        self
    }

    /// Checks the signature, algorithm, issuer, audience and expiry of
    /// `token` and returns who it speaks for; then that its session has not
    /// ended. A token already checked is not checked again until it expires
    /// ([`super::verdicts`]); the session check runs every time.
    pub async fn verify(&self, token: &str) -> Result<Caller, VerifyError> {
        let fingerprint = verdicts::fingerprint(token);
        let now = unix_now();
        if let Some(verdict) = self.verdicts.get(&fingerprint, now) {
            if self.is_stale() {
                self.refresh_stale().await;
            }
            if self.read_cache().keys.contains_key(&verdict.kid) {
                self.check_session(&verdict.caller)?;
                return Ok(verdict.caller);
            }
        }
        let (caller, expires, kid) = self.verify_signed(token).await?;
        self.verdicts.put(
            fingerprint,
            Verdict {
                caller: caller.clone(),
                expires,
                kid,
            },
            now,
        );
        self.check_session(&caller)?;
        Ok(caller)
    }

    /// The users whose account changed, as the ended-session stream
    /// reports them (`None` without one): see
    /// [`EndedSessions::account_changes`].
    pub fn account_changes(&self) -> Option<tokio::sync::broadcast::Receiver<i64>> {
        self.ended.as_ref().map(|ended| ended.account_changes())
    }

    /// How many verdicts are remembered.
    pub fn remembered(&self) -> usize {
        self.verdicts.len()
    }

    fn check_session(&self, caller: &Caller) -> Result<(), VerifyError> {
        match &self.ended {
            Some(ended) => ended.check(caller.session_id),
            None => Ok(()),
        }
    }

    /// The full check of a token: who it speaks for, its `exp` and its key.
    async fn verify_signed(&self, token: &str) -> Result<(Caller, i64, String), VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Invalid)?;
        if header.alg != ALGORITHM {
            return Err(VerifyError::Invalid);
        }
        if !header.typ.as_deref().is_some_and(is_access_token_type) {
            return Err(VerifyError::Invalid);
        }
        let kid = header.kid.ok_or(VerifyError::Invalid)?;
        if self.is_stale() {
            self.refresh_stale().await;
        }
        let key = match self.cached(&kid) {
            Some(key) => key,
            None => {
                self.refetch_for(&kid).await?;
                self.cached(&kid).ok_or(VerifyError::Invalid)?
            }
        };
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &self.validation).map_err(|error| {
                match error.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => VerifyError::Expired,
                    _ => VerifyError::Invalid,
                }
            })?;
        let expires = data.claims.exp;
        let caller = Caller::try_from(data.claims)?;
        Ok((caller, expires, kid))
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, KeyCache> {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cached(&self, kid: &str) -> Option<DecodingKey> {
        self.read_cache().keys.get(kid).cloned()
    }

    /// True when keys were fetched once and are older than the max age.
    fn is_stale(&self) -> bool {
        self.read_cache()
            .fetched_at
            .is_some_and(|at| at.elapsed() >= self.max_age)
    }

    /// Refetches a stale set. A failure keeps the stale keys (auth being
    /// down must not sign everyone out) and is retried at most once per
    /// refetch interval; a request that finds a fetch under way goes on
    /// with the keys it has rather than wait.
    async fn refresh_stale(&self) {
        let Ok(mut last_attempt) = self.last_attempt.try_lock() else {
            return;
        };
        if !self.is_stale()
            || last_attempt
                .as_ref()
                .is_some_and(|attempt| attempt.at.elapsed() < self.min_refetch_interval)
        {
            return;
        }
        if let Err(error) = self.attempt(&mut last_attempt).await {
            tracing::warn!(%error, "cannot refresh token keys; keeping the cached ones");
        }
    }

    /// Refetches for a `kid` that is not cached, unless a fetch was
    /// attempted a moment ago, successful or not: then the `kid` is simply
    /// unknown, or auth is still down. Counting attempts rather than
    /// successes is what keeps forged `kid`s from each calling auth while
    /// auth is down.
    async fn refetch_for(&self, kid: &str) -> Result<(), VerifyError> {
        let mut last_attempt = self.last_attempt.lock().await;
        if self.cached(kid).is_some() {
            return Ok(()); // another request fetched it while we waited
        }
        let interval = if self.read_cache().fetched_at.is_some() {
            self.min_refetch_interval
        } else {
            self.min_refetch_interval.min(FIRST_FETCH_RETRY)
        };
        if let Some(attempt) = last_attempt
            .as_ref()
            .filter(|attempt| attempt.at.elapsed() < interval)
        {
            // Too soon to ask again: answer what the last attempt found.
            return match &attempt.error {
                None => Ok(()),
                Some(error) => Err(VerifyError::KeysUnavailable(error.clone())),
            };
        }
        self.attempt(&mut last_attempt).await
    }

    /// Fetches and records the attempt, whatever its outcome.
    async fn attempt(&self, last_attempt: &mut Option<Attempt>) -> Result<(), VerifyError> {
        let at = Instant::now();
        let result = self.fetch().await;
        *last_attempt = Some(Attempt {
            at,
            error: match &result {
                Err(VerifyError::KeysUnavailable(error)) => Some(error.clone()),
                _ => None,
            },
        });
        result
    }

    /// Fetches the JWK Set and replaces the cache with it.
    async fn fetch(&self) -> Result<(), VerifyError> {
        let jwks = self
            .source
            .keys()
            .await
            .map_err(VerifyError::KeysUnavailable)?;
        let keys: HashMap<_, _> = jwks
            .iter()
            .filter_map(|jwk| Some((jwk.kid.clone(), jwk.decoding_key()?)))
            .collect();
        tracing::debug!(count = keys.len(), "fetched token keys");
        *self
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = KeyCache {
            keys,
            fetched_at: Some(Instant::now()),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use jsonwebtoken::{Algorithm, EncodingKey, Header};

    use super::*;
    use crate::token::{
        FIRST_FETCH_RETRY, Role, SigningKey, keys::PKCS8_ED25519_PREFIX, random_id,
    };

    const ISSUER: &str = "everytime-auth";
    const AUDIENCE: &str = "everytime";

    fn claims(exp_offset: i64) -> Claims {
        let now = chrono_now();
        Claims {
            sub: "42".into(),
            sid: "7".into(),
            school_id: 3,
            role: Role::User,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            exp: now + exp_offset,
            iat: now,
            jti: random_id(),
        }
    }

    fn chrono_now() -> i64 {
        i64::try_from(jsonwebtoken::get_current_timestamp()).expect("time fits in i64")
    }

    fn verifier_for(key: &SigningKey) -> TokenVerifier {
        TokenVerifier::new(
            ISSUER,
            AUDIENCE,
            Arc::new(StaticKeys(vec![key.public_jwk().clone()])),
        )
    }

    #[tokio::test]
    async fn a_signed_token_verifies_to_its_caller() {
        let key = SigningKey::generate();
        let token = key.sign(&claims(900)).expect("signs");
        let caller = verifier_for(&key).verify(&token).await.expect("verifies");
        assert_eq!(
            caller,
            Caller {
                user_id: 42,
                session_id: 7,
                school_id: 3,
                role: Role::User
            }
        );
    }

    #[tokio::test]
    async fn a_token_is_checked_once_and_its_session_every_time() {
        let key = SigningKey::generate();
        let ended = Arc::new(EndedSessions::new(Duration::from_secs(900)));
        ended.set_connected(true);
        let verifier = verifier_for(&key).with_ended_sessions(ended.clone());
        let token = key.sign(&claims(900)).expect("signs");
        for _ in 0..3 {
            verifier.verify(&token).await.expect("verifies");
        }
        assert_eq!(verifier.remembered(), 1, "one verdict for the token");
        // A refused token is never remembered.
        let forged = format!("{token}x");
        assert_eq!(verifier.verify(&forged).await, Err(VerifyError::Invalid));
        assert_eq!(verifier.remembered(), 1);
        // The session ends: the remembered verdict does not let it through.
        ended.apply(1, 7, Duration::ZERO);
        assert_eq!(
            verifier.verify(&token).await,
            Err(VerifyError::SessionRevoked)
        );
    }

    #[tokio::test]
    async fn an_expired_token_is_refused_as_expired() {
        let key = SigningKey::generate();
        let token = key.sign(&claims(-3600)).expect("signs");
        assert_eq!(
            verifier_for(&key).verify(&token).await,
            Err(VerifyError::Expired)
        );
    }

    #[tokio::test]
    async fn a_token_signed_by_another_key_with_the_same_kid_is_refused() {
        let trusted = SigningKey::generate();
        let forger = SigningKey::generate();
        let mut header = Header::new(ALGORITHM);
        header.typ = Some(TOKEN_TYPE.into());
        header.kid = Some(trusted.kid().to_owned());
        let der = [PKCS8_ED25519_PREFIX.as_slice(), forger.seed()].concat();
        let token = jsonwebtoken::encode(&header, &claims(900), &EncodingKey::from_ed_der(&der))
            .expect("signs");
        assert_eq!(
            verifier_for(&trusted).verify(&token).await,
            Err(VerifyError::Invalid)
        );
    }

    /// `claims` signed by `key` with this `typ` header.
    fn signed_with_typ(key: &SigningKey, typ: Option<&str>) -> String {
        let mut header = Header::new(ALGORITHM);
        header.typ = typ.map(str::to_owned);
        header.kid = Some(key.kid().to_owned());
        let der = [PKCS8_ED25519_PREFIX.as_slice(), key.seed()].concat();
        jsonwebtoken::encode(&header, &claims(900), &EncodingKey::from_ed_der(&der)).expect("signs")
    }

    #[tokio::test]
    async fn tokens_are_signed_as_at_jwt_and_other_types_are_refused() {
        let key = SigningKey::generate();
        let token = key.sign(&claims(900)).expect("signs");
        let header = jsonwebtoken::decode_header(&token).expect("header");
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));

        let verifier = verifier_for(&key);
        for typ in [None, Some("JWT"), Some("id_token+jwt"), Some("")] {
            assert_eq!(
                verifier.verify(&signed_with_typ(&key, typ)).await,
                Err(VerifyError::Invalid),
                "typ {typ:?}"
            );
        }
        for typ in ["at+jwt", "AT+JWT", "application/at+jwt"] {
            verifier
                .verify(&signed_with_typ(&key, Some(typ)))
                .await
                .unwrap_or_else(|error| panic!("typ {typ}: {error}"));
        }
    }

    #[tokio::test]
    async fn alg_none_and_hmac_tokens_are_refused() {
        let key = SigningKey::generate();
        let verifier = verifier_for(&key);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(900)).expect("json"));
        let none_header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{}"}}"#, key.kid()));
        let none_token = format!("{none_header}.{payload}.");
        assert_eq!(
            verifier.verify(&none_token).await,
            Err(VerifyError::Invalid)
        );

        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid().to_owned());
        let hmac = jsonwebtoken::encode(
            &header,
            &claims(900),
            &EncodingKey::from_secret(key.public_jwk().x.as_bytes()),
        )
        .expect("signs");
        assert_eq!(verifier.verify(&hmac).await, Err(VerifyError::Invalid));
    }

    #[tokio::test]
    async fn a_tampered_payload_is_refused() {
        let key = SigningKey::generate();
        let token = key.sign(&claims(900)).expect("signs");
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = claims(900);
        forged.role = Role::Admin;
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("json"));
        assert_eq!(
            verifier_for(&key).verify(&parts.join(".")).await,
            Err(VerifyError::Invalid)
        );
    }

    #[tokio::test]
    async fn wrong_issuer_or_audience_is_refused() {
        let key = SigningKey::generate();
        let mut wrong_issuer = claims(900);
        wrong_issuer.iss = "someone-else".into();
        let mut wrong_audience = claims(900);
        wrong_audience.aud = "another-app".into();
        let verifier = verifier_for(&key);
        for claims in [wrong_issuer, wrong_audience] {
            let token = key.sign(&claims).expect("signs");
            assert_eq!(verifier.verify(&token).await, Err(VerifyError::Invalid));
        }
    }

    /// A JWK Set source that counts its fetches and can change its keys or
    /// fail.
    #[derive(Default)]
    struct CountingKeys {
        keys: RwLock<Vec<PublicJwk>>,
        failing: std::sync::atomic::AtomicBool,
        fetches: std::sync::atomic::AtomicUsize,
    }

    impl CountingKeys {
        fn with(key: &SigningKey) -> Arc<Self> {
            let source = CountingKeys::default();
            *source.keys.write().expect("lock") = vec![key.public_jwk().clone()];
            Arc::new(source)
        }

        fn publish(&self, key: &SigningKey) {
            *self.keys.write().expect("lock") = vec![key.public_jwk().clone()];
        }

        fn fetches(&self) -> usize {
            self.fetches.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    #[async_trait::async_trait]
    impl KeySource for CountingKeys {
        async fn keys(&self) -> Result<Vec<PublicJwk>, String> {
            self.fetches
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                return Err("auth is down".into());
            }
            Ok(self.keys.read().expect("lock").clone())
        }
    }

    fn counting_verifier(
        source: &Arc<CountingKeys>,
        max_age: Duration,
        min_refetch_interval: Duration,
    ) -> TokenVerifier {
        TokenVerifier::new(ISSUER, AUDIENCE, source.clone())
            .with_cache_timing(max_age, min_refetch_interval)
    }

    #[test]
    fn the_default_cache_lives_minutes_and_refetches_at_most_every_few_seconds() {
        assert_eq!(KEYS_MAX_AGE, Duration::from_secs(300));
        assert!(MIN_REFETCH_INTERVAL < KEYS_MAX_AGE);
        let verifier = TokenVerifier::new(ISSUER, AUDIENCE, Arc::new(StaticKeys(Vec::new())));
        assert_eq!(verifier.max_age, KEYS_MAX_AGE);
        assert_eq!(verifier.min_refetch_interval, MIN_REFETCH_INTERVAL);
    }

    #[tokio::test]
    async fn cached_keys_are_used_until_they_are_older_than_the_max_age() {
        let key = SigningKey::generate();
        let source = CountingKeys::with(&key);
        let verifier = counting_verifier(&source, Duration::from_millis(300), Duration::ZERO);
        let token = key.sign(&claims(900)).expect("signs");

        for _ in 0..5 {
            verifier.verify(&token).await.expect("verifies");
        }
        assert_eq!(source.fetches(), 1, "one fetch serves every request");

        tokio::time::sleep(Duration::from_millis(350)).await;
        verifier.verify(&token).await.expect("verifies");
        assert_eq!(source.fetches(), 2, "a stale set is fetched again");
        verifier.verify(&token).await.expect("verifies");
        assert_eq!(source.fetches(), 2, "the fresh set is cached again");
    }

    #[tokio::test]
    async fn a_key_auth_withdrew_stops_verifying_once_the_cache_expires() {
        let old = SigningKey::generate();
        let new = SigningKey::generate();
        let source = CountingKeys::with(&old);
        let verifier = counting_verifier(&source, Duration::from_millis(200), Duration::ZERO);
        let old_token = old.sign(&claims(900)).expect("signs");
        verifier.verify(&old_token).await.expect("verifies");

        source.publish(&new);
        verifier
            .verify(&old_token)
            .await
            .expect("still cached: verifies");
        tokio::time::sleep(Duration::from_millis(250)).await;

        assert_eq!(verifier.verify(&old_token).await, Err(VerifyError::Invalid));
        let new_token = new.sign(&claims(900)).expect("signs");
        verifier
            .verify(&new_token)
            .await
            .expect("the new key verifies");
    }

    #[tokio::test]
    async fn forged_kids_refetch_at_most_once_per_interval() {
        let key = SigningKey::generate();
        let source = CountingKeys::with(&key);
        let verifier = counting_verifier(&source, KEYS_MAX_AGE, Duration::from_millis(300));
        verifier
            .verify(&key.sign(&claims(900)).expect("signs"))
            .await
            .expect("verifies");

        for _ in 0..20 {
            let forged = SigningKey::generate().sign(&claims(900)).expect("signs");
            assert_eq!(verifier.verify(&forged).await, Err(VerifyError::Invalid));
        }
        assert_eq!(source.fetches(), 1, "no fetch per forged kid");

        tokio::time::sleep(Duration::from_millis(350)).await;
        let forged = SigningKey::generate().sign(&claims(900)).expect("signs");
        assert_eq!(verifier.verify(&forged).await, Err(VerifyError::Invalid));
        assert_eq!(
            source.fetches(),
            2,
            "an unknown kid refetches after the interval"
        );
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_the_cached_keys_and_is_not_retried_every_request() {
        let key = SigningKey::generate();
        let source = CountingKeys::with(&key);
        let verifier = counting_verifier(
            &source,
            Duration::from_millis(200),
            Duration::from_millis(200),
        );
        let token = key.sign(&claims(900)).expect("signs");
        verifier.verify(&token).await.expect("verifies");

        source
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(250)).await;
        for _ in 0..5 {
            verifier
                .verify(&token)
                .await
                .expect("auth being down signs no one out");
        }
        assert_eq!(source.fetches(), 2, "one refresh attempt per interval");
    }

    #[tokio::test]
    async fn during_an_auth_outage_forged_kids_do_not_each_call_auth() {
        let key = SigningKey::generate();
        let source = CountingKeys::with(&key);
        let verifier = counting_verifier(&source, KEYS_MAX_AGE, Duration::from_millis(300));
        let token = key.sign(&claims(900)).expect("signs");
        verifier.verify(&token).await.expect("verifies");
        tokio::time::sleep(Duration::from_millis(350)).await;

        source
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        for _ in 0..20 {
            let forged = SigningKey::generate().sign(&claims(900)).expect("signs");
            assert!(matches!(
                verifier.verify(&forged).await,
                Err(VerifyError::KeysUnavailable(_))
            ));
        }
        assert_eq!(
            source.fetches(),
            2,
            "one failed attempt per interval, not one per forged kid"
        );
        verifier
            .verify(&token)
            .await
            .expect("the cached key still verifies");

        tokio::time::sleep(Duration::from_millis(350)).await;
        source
            .failing
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let forged = SigningKey::generate().sign(&claims(900)).expect("signs");
        assert_eq!(verifier.verify(&forged).await, Err(VerifyError::Invalid));
        assert_eq!(
            source.fetches(),
            3,
            "auth is asked again after the interval"
        );
    }

    #[tokio::test]
    async fn before_any_key_was_fetched_the_next_request_tries_again() {
        let key = SigningKey::generate();
        let source = CountingKeys::with(&key);
        source
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let verifier = counting_verifier(&source, KEYS_MAX_AGE, MIN_REFETCH_INTERVAL);
        let token = key.sign(&claims(900)).expect("signs");
        assert!(matches!(
            verifier.verify(&token).await,
            Err(VerifyError::KeysUnavailable(_))
        ));
        source
            .failing
            .store(false, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(FIRST_FETCH_RETRY).await;
        verifier.verify(&token).await.expect("auth is back");
        assert_eq!(source.fetches(), 2);
    }

    #[tokio::test]
    async fn keys_that_cannot_be_fetched_at_all_are_unavailable_not_invalid() {
        let key = SigningKey::generate();
        let source = CountingKeys::with(&key);
        source
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let verifier = counting_verifier(&source, KEYS_MAX_AGE, MIN_REFETCH_INTERVAL);
        let token = key.sign(&claims(900)).expect("signs");
        for _ in 0..2 {
            assert!(matches!(
                verifier.verify(&token).await,
                Err(VerifyError::KeysUnavailable(_))
            ));
        }
    }

    #[test]
    fn bearer_accepts_any_case_and_refuses_other_schemes() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
