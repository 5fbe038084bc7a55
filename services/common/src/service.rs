//! What a data service that trusts auth's tokens is configured with, the
//! error of starting one, and [`serve_data_service`], the one way such a
//! service runs. The community and timetable services share this shape;
//! each reads its own `<PREFIX>_DATABASE_URL`.

use std::{future::Future, sync::Arc, time::Duration};

use sqlx::{PgPool, migrate::Migrator};
use tokio::{net::TcpListener, task::JoinHandle};
use tonic::service::Routes;

use crate::{
    config::{self, ConfigError},
    db::{self, DatabaseSettings, PoolOptions},
    grpc::{self, ServeOptions, ServerSettings},
    page::Cursors,
    token::{TokenSettings, TokenVerifier},
};

/// Everything such a service is configured with.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// `<PREFIX>_DATABASE_URL`, else `DATABASE_URL`.
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
    /// Reflection (`GRPC_REFLECTION`) and the metrics listener
    /// (`<PREFIX>_METRICS_LISTEN_ADDR`).
    pub server: ServerSettings,
    /// Verifies tokens with these keys instead of fetching auth's JWK Set
    /// from `auth_url`: for tests that mint tokens with fixed keys. Never
    /// read from the environment.
    pub verifier: Option<Arc<TokenVerifier>>,
}

impl ServiceConfig {
    /// Defaults for everything but the database and auth: for tests and the launcher.
    pub fn new(database_url: impl Into<String>, auth_url: impl Into<String>) -> Self {
        ServiceConfig {
            database_url: database_url.into(),
            pool: PoolOptions::default(),
            tokens: TokenSettings::default(),
            auth_url: auth_url.into(),
            grpc_timeout: Duration::from_secs(5),
            cursors: Cursors::random(),
            server: ServerSettings::default(),
            verifier: None,
        }
    }

    /// Reads the environment; `prefix` names the service's own variables
    /// (`COMMUNITY` reads `COMMUNITY_DATABASE_URL` and
    /// `COMMUNITY_METRICS_LISTEN_ADDR`).
    pub fn from_env(prefix: &str) -> Result<Self, ConfigError> {
        let mut config = Self::with_database(DatabaseSettings::from_env(prefix)?)?;
        config.server = ServerSettings::from_env(prefix)?;
        Ok(config)
    }

    /// Reads the environment, with `database_url` unless
    /// `<PREFIX>_DATABASE_URL` overrides it.
    pub fn from_env_with_database(prefix: &str, database_url: String) -> Result<Self, ConfigError> {
        let mut config =
            Self::with_database(DatabaseSettings::from_env_with(prefix, database_url)?)?;
        config.server = ServerSettings::from_env(prefix)?;
        Ok(config)
    }

    fn with_database(database: DatabaseSettings) -> Result<Self, ConfigError> {
        let mut config = ServiceConfig::new(
            database.url,
            config::var_or("AUTH_URL", "http://127.0.0.1:50051"),
        );
        config.pool = database.pool;
        config.tokens = TokenSettings::from_env()?;
        config.grpc_timeout = config::millis_or("GRPC_TIMEOUT_MS", 5000)?;
        config.cursors = Cursors::from_env();
        Ok(config)
    }

    /// The verifier of [`ServiceConfig::verifier`] when set, else one for
    /// the keys auth publishes at `auth_url`.
    pub fn token_verifier(&self) -> Result<Arc<TokenVerifier>, StartError> {
        if let Some(verifier) = &self.verifier {
            return Ok(verifier.clone());
        }
        let auth = grpc::channel(&self.auth_url, self.grpc_timeout)?;
        Ok(Arc::new(self.tokens.auth_verifier(auth)))
    }
}

/// A service could not start or stopped with an error.
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

/// What sets one data service apart from another, for [`serve_data_service`].
#[derive(Debug, Clone, Copy)]
pub struct DataService {
    /// The schema it owns (`community`).
    pub schema: &'static str,
    /// Its migrations.
    pub migrator: &'static Migrator,
    /// Fully qualified service names reported `SERVING` by `grpc.health.v1`.
    pub health_services: &'static [&'static str],
    /// Methods that need no token.
    pub public_methods: &'static [&'static str],
}

/// The routes a data service answers, and any background tasks it started
/// with them (timetable's demo catalog load): those are aborted when the
/// server has stopped, before the pool closes, so none holds it open.
#[derive(Debug)]
pub struct Served {
    /// The tonic services.
    pub routes: Routes,
    /// Tasks to abort at shutdown.
    pub background: Vec<JoinHandle<()>>,
}

impl From<Routes> for Served {
    fn from(routes: Routes) -> Self {
        Served {
            routes,
            background: Vec::new(),
        }
    }
}

impl Served {
    /// Also aborts `task` once the server has stopped.
    pub fn with_background(mut self, task: JoinHandle<()>) -> Self {
        self.background.push(task);
        self
    }

    /// Also aborts each of `tasks` (none, one when an `Option` holds one)
    /// once the server has stopped.
    pub fn with_background_tasks(
        mut self,
        tasks: impl IntoIterator<Item = JoinHandle<()>>,
    ) -> Self {
        self.background.extend(tasks);
        self
    }
}

/// Runs a data service: makes its token verifier
/// ([`ServiceConfig::token_verifier`]), connects to its database and migrates its schema,
/// builds its routes from the pool and the verifier with `routes`, serves them with
/// [`grpc::serve`] (health, reflection, metrics, the bearer-token layer) on
/// `listener` until `shutdown` resolves, then aborts its background tasks
/// and closes the pool.
pub async fn serve_data_service<R: Into<Served>>(
    config: &ServiceConfig,
    service: DataService,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    routes: impl FnOnce(PgPool, &TokenVerifier) -> Result<R, StartError>,
) -> Result<(), StartError> {
    let verifier = config.token_verifier()?;
    let pool = db::connect_and_migrate(
        &config.database_url,
        service.schema,
        &config.pool,
        service.migrator,
    )
    .await?;
    let served = match routes(pool.clone(), &verifier) {
        Ok(served) => served.into(),
        Err(error) => {
            pool.close().await;
            return Err(error);
        }
    };
    let result = grpc::serve(
        served.routes,
        ServeOptions {
            health_services: service.health_services,
            public_methods: service.public_methods,
            verifier,
            server: config.server.clone(),
            readiness: Some(db::readiness(pool.clone())),
        },
        listener,
        shutdown,
    )
    .await;
    for task in served.background {
        task.abort();
    }
    pool.close().await;
    Ok(result?)
}
