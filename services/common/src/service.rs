//! What a data service that trusts auth's tokens is configured with, and
//! the error of starting one. The community and timetable services share
//! this shape; each reads its own `<PREFIX>_DATABASE_URL`.

use std::{sync::Arc, time::Duration};

use crate::{
    config::{self, ConfigError},
    db::PoolOptions,
    grpc,
    page::Cursors,
    token::{AuthJwks, TokenSettings, TokenVerifier},
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
        }
    }

    /// Reads the environment; `prefix` names the service's own database
    /// variable (`COMMUNITY` reads `COMMUNITY_DATABASE_URL`).
    pub fn from_env(prefix: &str) -> Result<Self, ConfigError> {
        let database_url = config::var("DATABASE_URL").unwrap_or_default();
        let config = Self::from_env_with_database(prefix, database_url)?;
        if config.database_url.is_empty() {
            return Err(ConfigError {
                name: "DATABASE_URL".into(),
                value: String::new(),
                reason: format!("is required (or {prefix}_DATABASE_URL)"),
            });
        }
        Ok(config)
    }

    /// Reads the environment, with `database_url` unless
    /// `<PREFIX>_DATABASE_URL` overrides it.
    pub fn from_env_with_database(prefix: &str, database_url: String) -> Result<Self, ConfigError> {
        let database_url = config::var(&format!("{prefix}_DATABASE_URL")).unwrap_or(database_url);
        let mut config = ServiceConfig::new(
            database_url,
            config::var_or("AUTH_URL", "http://127.0.0.1:50051"),
        );
        config.pool = PoolOptions::from_env()?;
        config.tokens = TokenSettings::from_env()?;
        config.grpc_timeout = config::millis_or("GRPC_TIMEOUT_MS", 5000)?;
        config.cursors = Cursors::from_env();
        Ok(config)
    }

    /// A verifier for the keys auth publishes at `auth_url`.
    pub fn verifier(&self) -> Result<Arc<TokenVerifier>, StartError> {
        let auth = grpc::channel(&self.auth_url, self.grpc_timeout)?;
        Ok(Arc::new(
            self.tokens.verifier(Arc::new(AuthJwks::new(auth))),
        ))
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
