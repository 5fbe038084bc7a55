//! A fresh database for each test: on `DATABASE_URL` when it is set, else
//! on a throwaway private cluster that lives as long as the test process.

use std::{
    path::Path,
    time::{SystemTime, UNIX_EPOCH},
};

use rand::{Rng, distributions::Alphanumeric};
use sqlx::{Connection, Executor, PgConnection};

use super::{Cluster, ClusterOptions, LaunchError, create_database_if_missing};

/// A fresh, empty database for one test, and the URL to reach it.
///
/// The server is `DATABASE_URL` when it is set, otherwise a throwaway
/// cluster in the temp folder that lives as long as the test process. Each
/// call makes a new database (`everytime_test_<time>_<random>`), so tests
/// never share state. On a server of yours, databases that test runs left
/// behind (named `everytime_test_*`, more than a day old) are dropped the
/// next time tests run; nothing else on it is touched.
pub async fn test_database() -> Result<String, LaunchError> {
    static SERVER: tokio::sync::OnceCell<(String, Option<Cluster>)> =
        tokio::sync::OnceCell::const_new();
    let (admin_url, _) = SERVER
        .get_or_try_init(|| async {
            match everytime_common::config::var("DATABASE_URL") {
                Some(url) => {
                    drop_stale_test_databases(&url).await;
                    Ok::<_, LaunchError>((url, None))
                }
                None => {
                    sweep_stale_test_clusters();
                    let cluster = Cluster::start(ClusterOptions {
                        data_dir: std::env::temp_dir()
                            .join(format!("everytime-test-pg-{}", std::process::id())),
                        durable: false,
                    })
                    .await?;
                    Ok((cluster.url("postgres"), Some(cluster)))
                }
            }
        })
        .await?;

    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let suffix: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(10)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect();
    let database = format!("everytime_test_{created}_{suffix}");
    create_database_if_missing(admin_url, &database).await?;
    let mut url = url::Url::parse(admin_url).map_err(|error| LaunchError::Command {
        command: "DATABASE_URL".into(),
        detail: error.to_string(),
    })?;
    url.set_path(&format!("/{database}"));
    Ok(url.to_string())
}

/// Removes test clusters whose process is gone (Linux, where /proc tells).
fn sweep_stale_test_clusters() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix("everytime-test-pg-"))
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

async fn drop_stale_test_databases(admin_url: &str) {
    let Ok(mut connection) = PgConnection::connect(admin_url).await else {
        return;
    };
    let names: Vec<String> = sqlx::query_scalar(
        "select datname from pg_database where datname like 'everytime\\_test\\_%'",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    for name in names {
        let created: Option<u64> = name
            .strip_prefix("everytime_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|seconds| seconds.parse().ok());
        if created.is_some_and(|created| now.saturating_sub(created) > 24 * 3600) {
            let statement = format!("drop database if exists \"{name}\" with (force)");
            let _ = connection.execute(statement.as_str()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn test_databases_are_fresh_and_separate() {
        let first = test_database().await.expect("a test database");
        let second = test_database().await.expect("another test database");
        assert_ne!(first, second);
        let mut connection = PgConnection::connect(&first).await.expect("connects");
        let tables: i64 = sqlx::query_scalar(
            "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
        )
        .fetch_one(&mut connection)
        .await
        .expect("counts");
        assert_eq!(tables, 0);
    }

    #[tokio::test]
    async fn the_cluster_has_a_utf8_aware_ctype_when_we_start_it() {
        if everytime_common::config::var("DATABASE_URL").is_some() {
            return; // a server of the user's own: its locale is theirs
        }
        let url = test_database().await.expect("a test database");
        let mut connection = PgConnection::connect(&url).await.expect("connects");
        let lowered: String = sqlx::query_scalar("select lower('ÀBC 자료구조')")
            .fetch_one(&mut connection)
            .await
            .expect("lowers");
        assert_eq!(lowered, "àbc 자료구조");
    }
}
