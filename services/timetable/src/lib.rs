//! The timetable service: the course catalog, timetables that never clash,
//! friends, the timetable picture.
//!
//! It owns the `timetable` schema. A timetable's courses occupy rows of
//! `timetable_slots`, whose exclusion constraint makes two overlapping
//! sessions in one timetable impossible even when adds race; course search
//! is answered by a GIN index over character grams, so one- and
//! two-character Korean queries are index-backed too. Users and schools are
//! plain ids from the access token; the gateway adds nicknames.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves; the
//! binary, the one-process launcher and the tests all start it that way.
//! [`catalog::import`] also loads catalogs from outside the service (the
//! launcher's demo data).

pub mod catalog;
pub mod domain;
pub mod error;
pub mod render;
pub mod service;
pub mod store;

use std::{future::Future, sync::Arc, time::Duration};

use everytime_common::{
    config::{self, ConfigError},
    db::{self, PoolOptions},
    grpc::{self, ServeOptions},
    page::Cursors,
    token::{AuthJwks, TokenSettings, TokenVerifier},
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::service::Routes;

/// The migrations of the `timetable` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns.
pub const SCHEMA: &str = "timetable";

/// The services reported by `grpc.health.v1`.
pub const HEALTH_SERVICES: &[&str] = &[
    "everytime.timetable.v1.CatalogService",
    "everytime.timetable.v1.TimetableService",
    "everytime.timetable.v1.FriendService",
];

/// Every RPC needs a token.
pub const PUBLIC_METHODS: &[&str] = &[];

/// Everything the service is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TIMETABLE_DATABASE_URL`, else `DATABASE_URL`.
    pub database_url: String,
    /// Pool sizing (`DB_MAX_CONNECTIONS`).
    pub pool: PoolOptions,
    /// Issuer and audience of the tokens it accepts.
    pub tokens: TokenSettings,
    /// Where the token keys come from (`AUTH_URL`, default `http://127.0.0.1:50051`).
    pub auth_url: String,
    /// The deadline of calls to auth (`GRPC_TIMEOUT_MS`, default 5000).
    pub grpc_timeout: Duration,
    /// Signs page tokens (`CURSOR_SECRET`; random per process when unset).
    pub cursors: Cursors,
}

impl Config {
    /// Defaults for everything but the database and auth: for tests and the launcher.
    pub fn new(database_url: impl Into<String>, auth_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            pool: PoolOptions::default(),
            tokens: TokenSettings::default(),
            auth_url: auth_url.into(),
            grpc_timeout: Duration::from_secs(5),
            cursors: Cursors::random(),
        }
    }

    /// Reads the environment; the README lists every variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let database_url = config::var("DATABASE_URL").unwrap_or_default();
        let config = Self::from_env_with_database(database_url)?;
        if config.database_url.is_empty() {
            return Err(ConfigError {
                name: "DATABASE_URL".into(),
                value: String::new(),
                reason: "is required (or TIMETABLE_DATABASE_URL)".into(),
            });
        }
        Ok(config)
    }

    /// Reads the environment, with `database_url` unless `TIMETABLE_DATABASE_URL`
    /// overrides it.
    pub fn from_env_with_database(database_url: String) -> Result<Self, ConfigError> {
        let database_url = config::var("TIMETABLE_DATABASE_URL").unwrap_or(database_url);
        let mut config = Config::new(
            database_url,
            config::var_or("AUTH_URL", "http://127.0.0.1:50051"),
        );
        config.pool = PoolOptions::from_env()?;
        config.tokens = TokenSettings::from_env()?;
        config.grpc_timeout = config::millis_or("GRPC_TIMEOUT_MS", 5000)?;
        config.cursors = Cursors::from_env();
        Ok(config)
    }
}

/// What every handler shares.
#[derive(Debug)]
pub struct State {
    /// The pool, on the `timetable` schema.
    pub pool: PgPool,
    /// Signs page tokens.
    pub cursors: Cursors,
}

/// The service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be reached or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The auth URL is malformed.
    #[error("invalid AUTH_URL: {0}")]
    AuthUrl(#[from] tonic::transport::Error),
    /// The gRPC server failed.
    #[error(transparent)]
    Serve(#[from] grpc::ServeError),
}

/// Serves gRPC on `listener` until `shutdown` resolves, verifying tokens
/// with the keys auth publishes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let auth = grpc::channel(&config.auth_url, config.grpc_timeout)?;
    let verifier = Arc::new(config.tokens.verifier(Arc::new(AuthJwks::new(auth))));
    serve_with_verifier(config, verifier, listener, shutdown).await
}

/// [`serve`] with a given token verifier (tests use fixed keys).
pub async fn serve_with_verifier(
    config: Config,
    verifier: Arc<TokenVerifier>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let pool =
        db::connect_and_migrate(&config.database_url, SCHEMA, &config.pool, &MIGRATOR).await?;
    let state = Arc::new(State {
        pool: pool.clone(),
        cursors: config.cursors.clone(),
    });
    let routes = Routes::new(
        everytime_proto::timetable::v1::catalog_service_server::CatalogServiceServer::new(
            service::CatalogApi(state.clone()),
        ),
    )
    .add_service(
        everytime_proto::timetable::v1::timetable_service_server::TimetableServiceServer::new(
            service::TimetableApi(state.clone()),
        ),
    )
    .add_service(
        everytime_proto::timetable::v1::friend_service_server::FriendServiceServer::new(
            service::FriendApi(state),
        ),
    );
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
    pool.close().await;
    Ok(served?)
}
