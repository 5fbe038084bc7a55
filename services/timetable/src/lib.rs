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
//! With [`Config::load_demo_catalog`] on it also loads the built-in demo
//! catalog in the background ([`demo`]).

pub mod catalog;
pub mod demo;
pub mod domain;
pub mod error;
pub mod render;
pub mod service;
pub mod store;

use std::{
    future::Future,
    ops::{Deref, DerefMut},
    sync::Arc,
};

pub use everytime_common::service::{ServiceConfig, StartError};
use everytime_common::{
    config::{self, ConfigError},
    db,
    grpc::{self, ServeOptions},
    page::Cursors,
    token::TokenVerifier,
};
use everytime_proto::auth::v1::auth_service_client::AuthServiceClient;
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

/// The prefix of this service's own variables.
pub const ENV_PREFIX: &str = "TIMETABLE";

/// Everything the service is configured with: what every data service
/// reads (its own database variable is `TIMETABLE_DATABASE_URL`) plus the
/// timetable's own settings.
///
/// It dereferences to the shared [`ServiceConfig`], so `config.auth_url`
/// reads the same here as for the other services.
#[derive(Debug, Clone)]
pub struct Config {
    /// The settings every data service shares.
    pub service: ServiceConfig,
    /// Load the built-in demo catalog at start-up, in the background, when
    /// the current semester has no courses of its school
    /// (`TIMETABLE_LOAD_DEMO_CATALOG`, default false).
    pub load_demo_catalog: bool,
    /// How the demo catalog loader waits for auth.
    pub demo_retry: demo::Retry,
}

impl Config {
    /// Defaults for everything but the database and auth (no demo catalog):
    /// for tests and the launcher.
    pub fn new(database_url: impl Into<String>, auth_url: impl Into<String>) -> Self {
        ServiceConfig::new(database_url, auth_url).into()
    }

    /// Reads the environment; `DATABASE_URL` (or `TIMETABLE_DATABASE_URL`)
    /// is required.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::with_own_variables(ServiceConfig::from_env(ENV_PREFIX)?)
    }

    /// Reads the environment, with `database_url` unless
    /// `TIMETABLE_DATABASE_URL` overrides it.
    pub fn from_env_with_database(database_url: String) -> Result<Self, ConfigError> {
        Self::with_own_variables(ServiceConfig::from_env_with_database(
            ENV_PREFIX,
            database_url,
        )?)
    }

    fn with_own_variables(service: ServiceConfig) -> Result<Self, ConfigError> {
        Ok(Config {
            load_demo_catalog: config::flag_or("TIMETABLE_LOAD_DEMO_CATALOG", false)?,
            ..service.into()
        })
    }
}

impl From<ServiceConfig> for Config {
    fn from(service: ServiceConfig) -> Self {
        Config {
            service,
            load_demo_catalog: false,
            demo_retry: demo::Retry::default(),
        }
    }
}

impl Deref for Config {
    type Target = ServiceConfig;

    fn deref(&self) -> &ServiceConfig {
        &self.service
    }
}

impl DerefMut for Config {
    fn deref_mut(&mut self) -> &mut ServiceConfig {
        &mut self.service
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

/// Serves gRPC on `listener` until `shutdown` resolves, verifying tokens
/// with the keys auth publishes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let verifier = config.verifier()?;
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
    let demo = if config.load_demo_catalog {
        let auth = grpc::channel(&config.auth_url, config.grpc_timeout)?;
        Some(demo::spawn(
            pool.clone(),
            AuthServiceClient::new(auth),
            config.demo_retry,
        ))
    } else {
        None
    };
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
    // An unfinished demo load rolls back; it must not hold the pool open.
    if let Some(demo) = demo {
        demo.abort();
    }
    pool.close().await;
    Ok(served?)
}
