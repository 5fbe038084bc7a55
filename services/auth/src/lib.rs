//! The auth service: schools, users, sign-in, tokens and sessions.
//!
//! It owns the `auth` schema. Passwords are Argon2id hashes; access tokens
//! are short-lived EdDSA JWTs whose public keys it publishes (`GetJwks`);
//! refresh tokens are opaque, stored as hashes, rotated on every use and
//! grouped by session, and a spent one presented again revokes its session.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves; the
//! binary, the one-process launcher and the tests all start it that way.

pub mod domain;
pub mod error;
pub mod keys;
pub mod limits;
pub mod password;
pub mod service;
pub mod store;

use std::{future::Future, sync::Arc, time::Duration};

use everytime_common::{
    config::{self, ConfigError},
    db::{self, PoolOptions},
    grpc::{self, ServeOptions},
    token::{SigningKey, TokenSettings},
};
use everytime_proto::auth::v1::{
    auth_service_server::AuthServiceServer, user_service_server::UserServiceServer,
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{
    domain::{Email, Nickname, Password, Username},
    keys::{KeyRing, PublishedKeys},
    limits::SignInLimits,
    password::Passwords,
    service::{AuthApi, State, UserApi},
};

/// The migrations of the `auth` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema auth owns.
pub const SCHEMA: &str = "auth";

/// RPCs anyone may call without a token.
pub const PUBLIC_METHODS: &[&str] = &[
    "/everytime.auth.v1.AuthService/ListSchools",
    "/everytime.auth.v1.AuthService/SignUp",
    "/everytime.auth.v1.AuthService/SignIn",
    "/everytime.auth.v1.AuthService/RefreshToken",
    "/everytime.auth.v1.AuthService/GetJwks",
];

/// The services reported by `grpc.health.v1`.
pub const HEALTH_SERVICES: &[&str] = &[
    "everytime.auth.v1.AuthService",
    "everytime.auth.v1.UserService",
];

/// The administrator created or updated at start-up.
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
    /// How many password hashes may run at once (`PASSWORD_HASH_CONCURRENCY`,
    /// default: twice the CPU count).
    pub hash_concurrency: usize,
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
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
        }
    }

    /// Reads the environment; the README lists every variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let database_url = config::var("AUTH_DATABASE_URL")
            .or_else(|| config::var("DATABASE_URL"))
            .ok_or_else(|| ConfigError {
                name: "DATABASE_URL".into(),
                value: String::new(),
                reason: "is required (or AUTH_DATABASE_URL)".into(),
            })?;
        Self::from_env_with_database(database_url)
    }

    /// Reads the environment, with `database_url` unless `AUTH_DATABASE_URL`
    /// overrides it.
    pub fn from_env_with_database(database_url: String) -> Result<Self, ConfigError> {
        let database_url = config::var("AUTH_DATABASE_URL").unwrap_or(database_url);
        let mut config = Config::new(database_url);
        config.pool = PoolOptions::from_env()?;
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
        };
        config.hash_concurrency =
            config::parse_or("PASSWORD_HASH_CONCURRENCY", config.hash_concurrency)?;
        Ok(config)
    }
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
    /// The bootstrap admin's settings break the API's limits.
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
    let passwords = Passwords::new(config.hash_concurrency)
        .await
        .map_err(error::Error::from)?;
    let keys = Arc::new(KeyRing::load(&pool, config.signing_key.clone()).await?);
    if let Some(admin) = &config.admin {
        bootstrap_admin(&pool, &passwords, admin).await?;
    }
    let state = Arc::new(State {
        pool: pool.clone(),
        passwords,
        keys: keys.clone(),
        tokens: config.tokens.clone(),
        limits: config.limits.clone(),
    });
    let verifier = Arc::new(config.tokens.verifier(Arc::new(PublishedKeys(keys))));

    let purge = tokio::spawn(purge_sign_in_failures(pool.clone(), config.limits.clone()));
    let routes = Routes::new(AuthServiceServer::new(AuthApi(state.clone())))
        .add_service(UserServiceServer::new(UserApi(state)));
    let served = grpc::serve(
        routes,
        ServeOptions {
            health_services: HEALTH_SERVICES,
            public_methods: PUBLIC_METHODS,
            verifier,
        },
        listener,
        shutdown,
    )
    .await;
    purge.abort();
    pool.close().await;
    Ok(served?)
}

async fn bootstrap_admin(
    pool: &PgPool,
    passwords: &Passwords,
    admin: &AdminAccount,
) -> Result<(), StartError> {
    let invalid =
        |error: everytime_common::validate::FieldError| StartError::Admin(error.to_string());
    let username = Username::parse(&admin.username).map_err(invalid)?;
    let email = Email::parse(&admin.email).map_err(invalid)?;
    let nickname = Nickname::parse(&admin.nickname).map_err(invalid)?;
    let password = Password::parse("ADMIN_PASSWORD", &admin.password).map_err(invalid)?;
    let hash = passwords
        .hash(password.into_inner())
        .await
        .map_err(error::Error::from)?;
    let id = store::upsert_admin(
        pool,
        username.as_str(),
        email.as_str(),
        nickname.as_str(),
        &hash,
    )
    .await
    .map_err(|error| match error {
        // Another account has the email or nickname: say which setting to
        // change rather than take it from that account.
        error::Error::Taken(taken) => {
            let settings: Vec<_> = taken.iter().map(|taken| taken.setting()).collect();
            StartError::Admin(format!(
                "the value of {} belongs to another account than {}; choose another",
                settings.join(" and "),
                username.as_str(),
            ))
        }
        other => StartError::Setup(other),
    })?;
    tracing::info!(
        user_id = id,
        username = username.as_str(),
        "administrator ready"
    );
    Ok(())
}

async fn purge_sign_in_failures(pool: PgPool, limits: SignInLimits) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        interval.tick().await;
        match limits::purge_expired(&pool, &limits).await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(purged, "purged expired sign-in failure counters"),
            Err(error) => tracing::warn!(%error, "cannot purge sign-in failure counters"),
        }
    }
}
