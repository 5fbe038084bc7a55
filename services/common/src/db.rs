//! Each service's slice of Postgres: a pool whose `search_path` is the
//! service's own schema, the schema itself, and the service's migrations.
//!
//! Services write unqualified table names; the pool puts them in the
//! service's schema (`auth`, `community`, `timetable`), and the migration
//! bookkeeping table lands there too. Extensions live in `public`, which is
//! second on the path. Nothing here crosses schemas, so a service moves to a
//! database of its own by changing its URL alone.

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
};

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Connections at most (`DB_MAX_CONNECTIONS`, default 10).
    pub max_connections: u32,
    /// How long a request may wait for a connection (`DB_ACQUIRE_TIMEOUT_MS`,
    /// default 1000): with the database unreachable, a request fails with
    /// `UNAVAILABLE` after this long, well inside the RPC's deadline, rather
    /// than at it; under load, waiting longer than this is worth a retry
    /// elsewhere anyway.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(1),
        }
    }
}

impl PoolOptions {
    /// Reads `DB_MAX_CONNECTIONS` and `DB_ACQUIRE_TIMEOUT_MS`.
    pub fn from_env() -> Result<Self, crate::config::ConfigError> {
        let defaults = PoolOptions::default();
        Ok(PoolOptions {
            max_connections: crate::config::parse_or(
                "DB_MAX_CONNECTIONS",
                defaults.max_connections,
            )?,
            acquire_timeout: crate::config::millis_or(
                "DB_ACQUIRE_TIMEOUT_MS",
                defaults.acquire_timeout.as_millis() as u64,
            )?,
        })
    }
}

/// A pooled connection idle at least this long is pinged before it is
/// handed out; under load connections come back within milliseconds and
/// are handed out as they are.
pub const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Whether `pool` reaches its database: one `select 1`, for
/// [`crate::grpc::ServeOptions::readiness`].
pub fn readiness(pool: PgPool) -> crate::grpc::Readiness {
    std::sync::Arc::new(move || {
        let pool = pool.clone();
        Box::pin(async move { sqlx::query("select 1").execute(&pool).await.is_ok() })
    })
}

/// Whether `error` means the database could not be reached or went away
/// (no connection in time, a broken connection, a server shutting down or
/// refusing connections), so that another try may well succeed.
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exceptions; 57P01-57P03: admin or crash
            // shutdown, cannot connect now.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// Where a service's database is and how its pool is sized: the part of
/// every data service's configuration that is read the same way.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `<PREFIX>_DATABASE_URL`, else `DATABASE_URL`.
    pub url: String,
    /// Pool sizing (`DB_MAX_CONNECTIONS`).
    pub pool: PoolOptions,
}

impl DatabaseSettings {
    /// Reads `<prefix>_DATABASE_URL`, else `DATABASE_URL` (one is required),
    /// and the pool options. `prefix` is the service's (`AUTH`, `COMMUNITY`).
    pub fn from_env(prefix: &str) -> Result<Self, crate::config::ConfigError> {
        let url = crate::config::var("DATABASE_URL").unwrap_or_default();
        let settings = Self::from_env_with(prefix, url)?;
        if settings.url.is_empty() {
            return Err(crate::config::ConfigError {
                name: "DATABASE_URL".into(),
                value: String::new(),
                reason: format!("is required (or {prefix}_DATABASE_URL)"),
            });
        }
        Ok(settings)
    }

    /// Like [`DatabaseSettings::from_env`], with `url` (the launcher's
    /// private cluster) unless `<prefix>_DATABASE_URL` overrides it.
    pub fn from_env_with(prefix: &str, url: String) -> Result<Self, crate::config::ConfigError> {
        Ok(DatabaseSettings {
            url: crate::config::var(&format!("{prefix}_DATABASE_URL")).unwrap_or(url),
            pool: PoolOptions::from_env()?,
        })
    }
}

/// The name of the constraint a database error broke, if it broke one.
pub fn constraint(error: &sqlx::Error) -> Option<&str> {
    error.as_database_error().and_then(|db| db.constraint())
}

/// An error that may be a database error that broke a named constraint:
/// `sqlx::Error` itself, and each service's error enum (through its
/// database variant), so [`ResultExt::on_constraint`] calls chain.
pub trait ConstraintError {
    /// The constraint broken, if this is such an error.
    fn constraint(&self) -> Option<&str>;
}

impl ConstraintError for sqlx::Error {
    fn constraint(&self) -> Option<&str> {
        constraint(self)
    }
}

/// Maps a broken constraint to the error it means, where the query is
/// called (after launchbadge/realworld-axum-sqlx's `on_constraint`):
///
/// ```ignore
/// store::insert_board(&pool, &board)
///     .await
///     .on_constraint("boards_school_id_name_key", || Error::BoardNameTaken)?;
/// ```
///
/// Any other error converts with `From`, so a service's enum needs only
/// `From<sqlx::Error>` (its `#[from]` database variant) and, to chain a
/// second call, [`ConstraintError`].
pub trait ResultExt<T, E> {
    /// `map()` when the error broke constraint `name`, else the error as is.
    fn on_constraint<F: From<E>>(self, name: &str, map: impl FnOnce() -> F) -> Result<T, F>;

    /// `map()` when the error broke any of the constraints `names`.
    fn on_any_constraint<F: From<E>>(self, names: &[&str], map: impl FnOnce() -> F)
    -> Result<T, F>;
}

impl<T, E: ConstraintError> ResultExt<T, E> for Result<T, E> {
    fn on_constraint<F: From<E>>(self, name: &str, map: impl FnOnce() -> F) -> Result<T, F> {
        self.on_any_constraint(&[name], map)
    }

    fn on_any_constraint<F: From<E>>(
        self,
        names: &[&str],
        map: impl FnOnce() -> F,
    ) -> Result<T, F> {
        self.map_err(|error| match error.constraint() {
            Some(broken) if names.contains(&broken) => map(),
            _ => F::from(error),
        })
    }
}

/// Has `/metrics` read the pool's gauges at each scrape, until the pool
/// closes or the runtime it runs on ends.
///
/// The registry holds a clone of the pool. Were it only dropped at close, a
/// server whose runtime ends before it drains (every `#[tokio::test]`)
/// would leave its pool, and the pool's open connections, alive for the
/// rest of the process; so a task on the pool's runtime unregisters it
/// when the pool closes or when the runtime drops that task.
fn watch(schema: &'static str, pool: &PgPool) {
    struct Unwatch(u64);
    impl Drop for Unwatch {
        fn drop(&mut self) {
            crate::metrics::unwatch_pool(self.0);
        }
    }
    let watched = pool.clone();
    let id = crate::metrics::watch_pool(schema, move || {
        (!watched.is_closed()).then(|| crate::metrics::PoolGauges {
            size: watched.size(),
            idle: watched.num_idle(),
            max: watched.options().get_max_connections(),
        })
    });
    let unwatch = Unwatch(id);
    let closed = pool.close_event();
    tokio::spawn(async move {
        let _unwatch = unwatch;
        closed.await;
    });
}

/// Connects to `url` with `schema` first on the `search_path`, creates the
/// schema when it is missing, and runs `migrator`.
pub async fn connect_and_migrate(
    url: &str,
    schema: &'static str,
    options: &PoolOptions,
    migrator: &Migrator,
) -> Result<PgPool, sqlx::Error> {
    assert!(
        schema.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
        "schema names are plain lowercase identifiers"
    );
    let connect = PgConnectOptions::from_str(url)?
        .options([("search_path", format!("{schema},public"))])
        .application_name(&format!("everytime-{schema}"));
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        // sqlx pings every connection it hands out by default, a round trip
        // to Postgres before every statement (and another when it takes the
        // connection back, which it always does). A connection that was in
        // use a moment ago is alive as far as a ping can tell; one that sat
        // idle may have been cut (a restarted server, a firewall) and is
        // pinged first. One that died in between fails its statement with
        // `UNAVAILABLE` and is closed.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR {
                    sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
        .connect_with(connect)
        .await?;

    // In deployment the init script creates the schema, owned by the
    // service's role, and the role may lack CREATE on the database: only
    // create it when it is really missing.
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_namespace where nspname = $1)")
            .bind(schema)
            .fetch_one(&pool)
            .await?;
    if !exists {
        sqlx::query(&format!("create schema if not exists {schema}"))
            .execute(&pool)
            .await?;
    }
    migrator.run(&pool).await?;
    watch(schema, &pool);
    Ok(pool)
}

/// The status for a database error that no service rule claimed.
///
/// Text Postgres cannot store (a NUL, or bytes the encoding lacks) is the
/// client's mistake, `INVALID_ARGUMENT`, even where a field check missed it;
/// a database out of reach ([`is_unreachable`]) is `UNAVAILABLE`, so the
/// client may retry; anything else is a logged, generic `INTERNAL`.
pub fn error_status(error: sqlx::Error) -> tonic::Status {
    /// `character_not_in_repertoire` and `untranslatable_character`.
    const UNSTORABLE_TEXT: [&str; 2] = ["22021", "22P05"];
    if let Some(db) = error.as_database_error()
        && db
            .code()
            .is_some_and(|code| UNSTORABLE_TEXT.contains(&&*code))
    {
        tracing::debug!(%error, "unstorable text in a request");
        return crate::grpc::status(
            tonic::Code::InvalidArgument,
            "invalid_text",
            "the request holds characters that cannot be stored",
        );
    }
    if is_unreachable(&error) {
        return crate::grpc::unavailable("database", error);
    }
    crate::grpc::internal(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Mapped {
        Taken,
        Other(String),
    }

    impl From<sqlx::Error> for Mapped {
        fn from(error: sqlx::Error) -> Self {
            Mapped::Other(error.to_string())
        }
    }

    #[test]
    fn errors_that_broke_no_constraint_convert_as_they_are() {
        let result: Result<(), sqlx::Error> = Err(sqlx::Error::RowNotFound);
        let mapped = result.on_constraint("users_username_key", || Mapped::Taken);
        assert!(matches!(mapped, Err(Mapped::Other(_))));
        assert_eq!(constraint(&sqlx::Error::RowNotFound), None);
        let ok: Result<i32, sqlx::Error> = Ok(1);
        assert_eq!(ok.on_any_constraint(&["a", "b"], || Mapped::Taken), Ok(1));
    }

    impl ConstraintError for Mapped {
        fn constraint(&self) -> Option<&str> {
            None
        }
    }

    #[test]
    fn constraint_mappings_chain_on_the_service_error() {
        let result: Result<(), sqlx::Error> = Err(sqlx::Error::RowNotFound);
        let mapped = result
            .on_constraint("a", || Mapped::Taken)
            .on_any_constraint(&["b", "c"], || Mapped::Taken);
        assert!(matches!(mapped, Err(Mapped::Other(_))));
    }

    #[test]
    fn database_settings_read_the_given_url_without_an_override() {
        // Only the variable no other test sets: the process environment is shared.
        let settings =
            DatabaseSettings::from_env_with("EVERYTIME_COMMON_DB_TEST", "postgres://x".into())
                .unwrap();
        assert_eq!(settings.url, "postgres://x");
    }

    #[test]
    fn a_pool_timeout_is_unavailable_and_other_errors_internal() {
        assert_eq!(
            error_status(sqlx::Error::PoolTimedOut).code(),
            tonic::Code::Unavailable
        );
        let status = error_status(sqlx::Error::RowNotFound);
        assert_eq!(status.code(), tonic::Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
