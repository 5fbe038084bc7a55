//! The auth service: schools, users, sign-in, tokens and sessions.
//!
//! It owns the `auth` schema. Passwords are Argon2id hashes; access tokens
//! are short-lived EdDSA JWTs whose public keys it publishes (`GetJwks`);
//! refresh tokens are opaque, stored as hashes, rotated on every use and
//! grouped by session, and a spent one presented again revokes its session.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves; the
//! binary, the one-process launcher and the tests all start it that way.
//!
//! # Layout
//!
//! The same files with the same roles as in every service:
//!
//! - this file: [`serve`], [`State`], [`Config`];
//! - [`api`]: the tonic trait impls only, one delegation per RPC;
//! - one module per use case, holding its rules: [`accounts`] (schools,
//!   sign-up, the caller's user and profile, password changes, public
//!   profiles, the bootstrap admin), [`sessions`] (sign-in, refresh with
//!   rotation and reuse detection, sign-out, the caller's sessions) and
//!   [`keys`] (signing keys, the JWK Set) and [`events`] (the event
//!   channel: the outbox served as a resumable stream);
//! - two helpers of those: [`limits`] (the sign-in rate limiter) and
//!   [`password`] (Argon2id hashing, off the async runtime);
//! - [`wire`]: rows → protobuf messages;
//! - [`domain`]: validated newtypes and every limit and threshold, once;
//! - [`error`]: the one error enum and its gRPC status;
//! - [`store`]: the SQL, one file per aggregate.
//!
//! A request goes `api` → use case → `store`, and back through `wire`;
//! `domain`, `password` and `error` depend on no use case, and `store` on no
//! other module of the crate.

pub mod accounts;
pub mod api;
pub mod domain;
pub mod error;
pub mod events;
pub mod keys;
pub mod limits;
pub mod password;
pub mod sessions;
pub mod store;
pub mod wire;

use std::{future::Future, sync::Arc};

use everytime_common::{
    config::{self, ConfigError},
    db::{self, DatabaseSettings, PoolOptions},
    grpc::{self, ServeOptions},
    token::{EndedSessions, SigningKey, TokenSettings},
};
use everytime_proto::auth::v1::{
    auth_service_server::AuthServiceServer, event_service_server::EventServiceServer,
    user_service_server::UserServiceServer,
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{
    api::{AuthApi, EventApi, UserApi},
    domain::{SIGN_IN_PURGE_INTERVAL, SignInLimits},
    keys::{KeyRing, PublishedKeys},
    password::{HashSettings, Passwords},
};

/// The migrations of the `auth` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema auth owns.
pub const SCHEMA: &str = "auth";

/// The prefix of auth's own variables (`AUTH_DATABASE_URL`).
const ENV_PREFIX: &str = "AUTH";

/// RPCs anyone may call without a token.
pub const PUBLIC_METHODS: &[&str] = &[
    "/everytime.auth.v1.AuthService/ListSchools",
    "/everytime.auth.v1.AuthService/GetSchool",
    "/everytime.auth.v1.AuthService/SignUp",
    "/everytime.auth.v1.AuthService/SignIn",
    "/everytime.auth.v1.AuthService/RefreshToken",
    // A refresh token alone ends its session; `api` verifies a bearer
    // token itself when one is sent.
    "/everytime.auth.v1.AuthService/SignOut",
    "/everytime.auth.v1.AuthService/GetJwks",
    // The event channel's consumers hold no user token (see auth.proto).
    "/everytime.auth.v1.EventService/WatchEvents",
    "/everytime.auth.v1.EventService/AcknowledgeEvents",
];

/// The services reported by `grpc.health.v1`.
pub const HEALTH_SERVICES: &[&str] = &[
    "everytime.auth.v1.AuthService",
    "everytime.auth.v1.UserService",
    "everytime.auth.v1.EventService",
];

/// The administrator created at start-up when absent, and updated when it
/// exists and is an administrator.
#[derive(Clone)]
pub struct AdminAccount {
    /// `ADMIN_USERNAME`.
    pub username: String,
    /// `ADMIN_PASSWORD`.
    pub password: String,
    /// `ADMIN_EMAIL`, default `admin@localhost`.
    pub email: String,
    /// `ADMIN_NICKNAME`, default `관리자`.
    pub nickname: String,
}

impl std::fmt::Debug for AdminAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminAccount")
            .field("username", &self.username)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Everything auth is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// `AUTH_DATABASE_URL`, else `DATABASE_URL`.
    pub database_url: String,
    /// Pool sizing (`DB_MAX_CONNECTIONS`).
    pub pool: PoolOptions,
    /// Issuer, audience and lifetimes of tokens.
    pub tokens: TokenSettings,
    /// The configured signing key (`JWT_SIGNING_KEY_FILE` or `JWT_SIGNING_KEY`);
    /// without one, keys are kept in the database.
    pub signing_key: Option<SigningKey>,
    /// The bootstrap administrator (`ADMIN_USERNAME` and `ADMIN_PASSWORD`).
    pub admin: Option<AdminAccount>,
    /// Sign-in rate limits.
    pub limits: SignInLimits,
    /// Memory and queue of password hashing (`PASSWORD_HASH_MEMORY_MIB`,
    /// `PASSWORD_HASH_QUEUE`).
    pub hashing: HashSettings,
    /// Reflection (`GRPC_REFLECTION`) and the metrics listener
    /// (`AUTH_METRICS_LISTEN_ADDR`).
    pub server: grpc::ServerSettings,
}

impl Config {
    /// Defaults for everything but the database: for tests and the launcher.
    pub fn new(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            pool: PoolOptions::default(),
            tokens: TokenSettings::default(),
            signing_key: None,
            admin: None,
            limits: SignInLimits::default(),
            hashing: HashSettings::default(),
            server: grpc::ServerSettings::default(),
        }
    }

    /// Reads the environment; the README lists every variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::with_database(DatabaseSettings::from_env(ENV_PREFIX)?)
    }

    /// Reads the environment, with `database_url` unless `AUTH_DATABASE_URL`
    /// overrides it.
    pub fn from_env_with_database(database_url: String) -> Result<Self, ConfigError> {
        Self::with_database(DatabaseSettings::from_env_with(ENV_PREFIX, database_url)?)
    }

    fn with_database(database: DatabaseSettings) -> Result<Self, ConfigError> {
        let mut config = Config::new(database.url);
        config.pool = database.pool;
        config.tokens = TokenSettings::from_env()?;
        config.signing_key = signing_key_from_env()?;
        config.admin = match (
            config::var("ADMIN_USERNAME"),
            std::env::var("ADMIN_PASSWORD").ok(),
        ) {
            (Some(username), Some(password)) if !password.is_empty() => Some(AdminAccount {
                username,
                password,
                email: config::var_or("ADMIN_EMAIL", "admin@localhost"),
                nickname: config::var_or("ADMIN_NICKNAME", "관리자"),
            }),
            _ => None,
        };
        let defaults = SignInLimits::default();
        config.limits = SignInLimits {
            per_username: config::parse_or(
                "SIGN_IN_MAX_FAILURES_PER_USERNAME",
                defaults.per_username,
            )?,
            per_client: config::parse_or("SIGN_IN_MAX_FAILURES_PER_CLIENT", defaults.per_client)?,
            window: config::seconds_or(
                "SIGN_IN_FAILURE_WINDOW_SECONDS",
                defaults.window.as_secs(),
            )?,
            max_delay: config::seconds_or(
                "SIGN_IN_MAX_DELAY_SECONDS",
                defaults.max_delay.as_secs(),
            )?,
        };
        config.hashing = HashSettings {
            memory_budget_mib: config::parse_or(
                "PASSWORD_HASH_MEMORY_MIB",
                config.hashing.memory_budget_mib,
            )?,
            queue: config::parse_or("PASSWORD_HASH_QUEUE", config.hashing.queue)?,
        };
        config.server = grpc::ServerSettings::from_env(ENV_PREFIX)?;
        Ok(config)
    }
}

/// Everything the use cases share.
#[derive(Debug)]
pub struct State {
    /// The `auth` schema's pool.
    pub pool: PgPool,
    /// Hashes and verifies passwords, bounded.
    pub passwords: Passwords,
    /// Signs access tokens and publishes their keys.
    pub keys: Arc<KeyRing>,
    /// Issuer, audience and lifetimes of the tokens handed out.
    pub tokens: TokenSettings,
    /// Sign-in rate limits.
    pub limits: SignInLimits,
    /// Wakes the event streams ([`events`]).
    pub events: events::EventHub,
}

fn signing_key_from_env() -> Result<Option<SigningKey>, ConfigError> {
    let (name, pem) = if let Some(path) = config::var("JWT_SIGNING_KEY_FILE") {
        let pem = std::fs::read_to_string(&path).map_err(|error| ConfigError {
            name: "JWT_SIGNING_KEY_FILE".into(),
            value: path.clone(),
            reason: error.to_string(),
        })?;
        ("JWT_SIGNING_KEY_FILE", pem)
    } else if let Some(pem) = config::var("JWT_SIGNING_KEY") {
        ("JWT_SIGNING_KEY", pem)
    } else {
        return Ok(None);
    };
    SigningKey::from_pkcs8_pem(&pem)
        .map(Some)
        .map_err(|error| ConfigError {
            name: name.into(),
            value: "(hidden)".into(),
            reason: error.to_string(),
        })
}

/// Auth could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be reached or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Setting up keys, the admin or hashing failed.
    #[error("start-up: {0}")]
    Setup(#[from] error::Error),
    /// The bootstrap admin's settings break the API's limits, clash with
    /// another account's email or nickname, or name an account that is not
    /// an administrator (which configuration never promotes).
    #[error("the bootstrap admin is invalid: {0}")]
    Admin(String),
    /// The gRPC server failed.
    #[error(transparent)]
    Serve(#[from] grpc::ServeError),
}

/// Connects, migrates, makes sure a signing key and the admin exist, and
/// serves gRPC on `listener` until `shutdown` resolves.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let pool =
        db::connect_and_migrate(&config.database_url, SCHEMA, &config.pool, &MIGRATOR).await?;
    let passwords = Passwords::new(config.hashing)
        .await
        .map_err(error::Error::from)?;
    let keys = Arc::new(KeyRing::load(&pool, config.signing_key.clone()).await?);
    let state = Arc::new(State {
        pool: pool.clone(),
        passwords,
        keys: keys.clone(),
        tokens: config.tokens.clone(),
        limits: config.limits.clone(),
        events: events::EventHub::default(),
    });
    if let Some(admin) = &config.admin {
        accounts::bootstrap_admin(&state, admin).await?;
    }
    // Auth's own port refuses ended sessions too, fed from its outbox.
    let ended = Arc::new(EndedSessions::new(config.tokens.access_token_ttl));
    let verifier = Arc::new(
        config
            .tokens
            .verifier(Arc::new(PublishedKeys(keys)))
            .with_ended_sessions(ended.clone()),
    );

    let purge = tokio::spawn(purge_sign_in_failures(pool.clone(), config.limits.clone()));
    let listen = tokio::spawn({
        let (state, pool) = (state.clone(), pool.clone());
        async move { events::listen(&state.events, pool).await }
    });
    let state_for_shutdown = state.clone();
    let follow = tokio::spawn({
        let (state, pool) = (state.clone(), pool.clone());
        async move { events::follow_locally(pool, &state.events, ended).await }
    });
    let prune = tokio::spawn(events::prune(pool.clone(), config.tokens.access_token_ttl));
    let routes = Routes::new(AuthServiceServer::new(AuthApi(state.clone())))
        .add_service(UserServiceServer::new(UserApi(state.clone())))
        .add_service(EventServiceServer::new(EventApi(state)));
    let served = grpc::serve(
        routes,
        ServeOptions {
            health_services: HEALTH_SERVICES,
            public_methods: PUBLIC_METHODS,
            verifier,
            server: config.server.clone(),
            readiness: Some(db::readiness(pool.clone())),
        },
        listener,
        {
            // Open event streams end as the server starts draining.
            let state = state_for_shutdown;
            async move {
                shutdown.await;
                state.events.close();
            }
        },
    )
    .await;
    purge.abort();
    listen.abort();
    follow.abort();
    prune.abort();
    pool.close().await;
    Ok(served?)
}

/// Deletes expired sign-in failure counters now and then, for as long as
/// auth serves.
async fn purge_sign_in_failures(pool: PgPool, limits: SignInLimits) {
    let mut interval = tokio::time::interval(SIGN_IN_PURGE_INTERVAL);
    loop {
        interval.tick().await;
        match limits::purge_expired(&pool, &limits).await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(purged, "purged expired sign-in failure counters"),
            Err(error) => tracing::warn!(%error, "cannot purge sign-in failure counters"),
        }
    }
}
