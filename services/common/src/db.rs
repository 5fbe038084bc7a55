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
    /// How long a request may wait for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl PoolOptions {
    /// Reads `DB_MAX_CONNECTIONS`.
    pub fn from_env() -> Result<Self, crate::config::ConfigError> {
        Ok(PoolOptions {
            max_connections: crate::config::parse_or("DB_MAX_CONNECTIONS", 10)?,
            ..PoolOptions::default()
        })
    }
}

/// Pools made by [`connect_and_migrate`], by schema, so `/metrics` can read
/// their gauges; closed pools fall out at the next scrape.
static POOLS: std::sync::Mutex<Vec<(&'static str, PgPool)>> = std::sync::Mutex::new(Vec::new());

/// Sets the gauges of every open pool (see [`crate::metrics`]).
pub fn record_pools() {
    let mut pools = POOLS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pools.retain(|(_, pool)| !pool.is_closed());
    for (schema, pool) in pools.iter() {
        crate::metrics::record_pool(
            schema,
            pool.size(),
            pool.num_idle(),
            pool.options().get_max_connections(),
        );
    }
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
    POOLS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((schema, pool.clone()));
    Ok(pool)
}

/// The status for a database error that no service rule claimed.
///
/// Text Postgres cannot store (a NUL, or bytes the encoding lacks) is the
/// client's mistake, `INVALID_ARGUMENT`, even where a field check missed it;
/// a pool with no free connection in time is `UNAVAILABLE`, so the client
/// may retry; anything else is a logged, generic `INTERNAL`.
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
    if matches!(error, sqlx::Error::PoolTimedOut) {
        return crate::grpc::unavailable("database", error);
    }
    crate::grpc::internal(error)
}

#[cfg(test)]
mod tests {
    use super::*;

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
