//! A private Postgres cluster for development and tests.
//!
//! When `DATABASE_URL` is unset, the one-command run and the tests start
//! their own cluster from the local PostgreSQL binaries instead of needing a
//! server: `initdb` once into a data folder, then `postgres` on a free port
//! of 127.0.0.1 (no Unix socket, password authentication). The data folder is
//! reused next time; a server that another process of ours already runs from
//! the same folder is attached to, not restarted. Nothing here ever touches
//! a server it did not start.
//!
//! Postgres refuses to run as root. When we are root, the cluster runs as the
//! `postgres` user (or `nobody`), and the data folder moves somewhere that
//! user can reach if the requested one is not ([`host`] finds the binaries
//! and that user).
//!
//! The server runs under a small watchdog shell that stops it (fast
//! shutdown) as soon as our end of its stdin closes, so it goes away with the
//! process that started it, even if that process is killed.
//!
//! [`test_database`] ([`test_db`]) gives each test a fresh database on such a
//! cluster, or on `DATABASE_URL`.

mod host;
mod test_db;

pub use test_db::test_database;

use std::{
    io::{self, Read, Seek, SeekFrom},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    str::FromStr,
    time::{Duration, Instant},
};

use rand::{Rng, distributions::Alphanumeric};
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, postgres::PgConnectOptions};

use host::{RunAs, can_enter, fallback_dir, find_bin_dir, hand_over, run_as, write_private};

/// The superuser of clusters we create.
const SUPERUSER: &str = "postgres";
/// Where we keep the superuser's password, inside the data folder.
const PASSWORD_FILE: &str = "everytime-superuser.password";
/// The server's own log, inside the data folder.
const LOG_FILE: &str = "everytime-postgres.log";

/// Why a cluster could not be started.
///
/// Its `Debug` is its message, so a test's `.expect(..)` tells a new user
/// what to install, not a variant name.
#[derive(thiserror::Error)]
pub enum LaunchError {
    /// No PostgreSQL server binaries on this machine.
    #[error(
        "PostgreSQL server binaries (initdb and postgres) were not found on PATH, in PG_BIN_DIR, \
         or in the usual install folders (/usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, \
         /opt/homebrew/opt/postgresql@*/bin). Install PostgreSQL 13 or newer with its contrib \
         extensions (Debian/Ubuntu: `apt-get install postgresql`; Fedora: `dnf install \
         postgresql-server postgresql-contrib`; macOS: `brew install postgresql@16`), set \
         PG_BIN_DIR to the folder holding initdb, or set DATABASE_URL to a server of your own"
    )]
    BinariesNotFound,
    /// A command failed.
    #[error("{command} failed: {detail}")]
    Command {
        /// What was run.
        command: String,
        /// What it said.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The server did not accept connections in time.
    #[error("postgres did not start within {timeout:?}; its log ({log}) ends with:\n{tail}")]
    NotReady {
        /// How long we waited.
        timeout: Duration,
        /// The server log.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
    },
    /// A query against the new cluster failed.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

impl std::fmt::Debug for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> LaunchError + '_ {
    move |source| LaunchError::Io {
        path: path.to_owned(),
        source,
    }
}

/// How to start a cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The data folder; created and initialised when it holds no cluster.
    pub data_dir: PathBuf,
    /// `false` turns off fsync and friends: for throwaway test clusters only.
    pub durable: bool,
}

/// A running private cluster. Dropping it stops the server (unless we only
/// attached to one another process of ours started).
#[derive(Debug)]
pub struct Cluster {
    data_dir: PathBuf,
    port: u16,
    password: String,
    watchdog: Option<Child>,
    /// How the server was started, to start it again ([`Cluster::restart`]).
    server: Option<Server>,
}

/// What starting the server again needs.
#[derive(Debug, Clone)]
struct Server {
    bin_dir: PathBuf,
    run_as: Option<RunAs>,
    durable: bool,
}

impl Cluster {
    /// Starts (or attaches to) the cluster in `options.data_dir`, running
    /// `initdb` first when the folder holds no cluster yet.
    pub async fn start(options: ClusterOptions) -> Result<Cluster, LaunchError> {
        let prepared = tokio::task::spawn_blocking(move || prepare(&options))
            .await
            .map_err(|error| LaunchError::Command {
                command: "cluster preparation".into(),
                detail: error.to_string(),
            })??;
        let Prepared {
            bin_dir,
            data_dir,
            run_as,
            password,
            durable,
        } = prepared;

        if let Some(port) = running_port(&data_dir) {
            tracing::info!(data_dir = %data_dir.display(), port, "attaching to the running private Postgres");
            let mut cluster = Cluster {
                data_dir,
                port,
                password,
                watchdog: None,
                server: None,
            };
            cluster.wait_ready(None).await?;
            return Ok(cluster);
        }

        let mut last_error = None;
        for _ in 0..5 {
            let port = free_port().map_err(io_error(Path::new("127.0.0.1:0")))?;
            let watchdog = spawn_server(&bin_dir, &data_dir, port, run_as, durable)?;
            let mut cluster = Cluster {
                data_dir: data_dir.clone(),
                port,
                password: password.clone(),
                watchdog: Some(watchdog),
                server: Some(Server {
                    bin_dir: bin_dir.clone(),
                    run_as,
                    durable,
                }),
            };
            match cluster.wait_ready(Some(Duration::from_secs(60))).await {
                Ok(()) => {
                    tracing::info!(data_dir = %cluster.data_dir.display(), port, "private Postgres is up");
                    return Ok(cluster);
                }
                Err(LaunchError::NotReady { tail, .. }) if port_was_taken(&tail) => {
                    cluster.watchdog.take();
                    last_error = Some(format!("port {port} was taken"));
                }
                Err(error) => return Err(error),
            }
        }
        Err(LaunchError::Command {
            command: "postgres".into(),
            detail: last_error.unwrap_or_default(),
        })
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data folder actually used.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A superuser URL for `database`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    /// Creates `database` unless it exists.
    pub async fn ensure_database(&self, database: &str) -> Result<(), LaunchError> {
        create_database_if_missing(&self.url("postgres"), database).await
    }

    /// Stops the server (a fast shutdown: every session is ended) and
    /// starts it again on the same port and data, as an operator's restart
    /// would; returns once it accepts connections. A cluster this process
    /// only attached to cannot be restarted.
    pub async fn restart(&mut self) -> Result<(), LaunchError> {
        let Some(server) = self.server.clone() else {
            return Err(LaunchError::Command {
                command: "restart".into(),
                detail: "this process did not start the cluster".into(),
            });
        };
        if let Some(mut watchdog) = self.watchdog.take() {
            drop(watchdog.stdin.take());
            tokio::task::spawn_blocking(move || watchdog.wait())
                .await
                .map_err(|error| LaunchError::Command {
                    command: "postgres stop".into(),
                    detail: error.to_string(),
                })?
                .map_err(io_error(&self.data_dir))?;
        }
        self.watchdog = Some(spawn_server(
            &server.bin_dir,
            &self.data_dir,
            self.port,
            server.run_as,
            server.durable,
        )?);
        self.wait_ready(Some(Duration::from_secs(60))).await
    }

    async fn wait_ready(&mut self, timeout: Option<Duration>) -> Result<(), LaunchError> {
        let timeout = timeout.unwrap_or(Duration::from_secs(30));
        let options = PgConnectOptions::from_str(&self.url("postgres"))?;
        let started = Instant::now();
        loop {
            if let Ok(connection) = options.connect().await {
                connection.close().await.ok();
                return Ok(());
            }
            let exited = match self.watchdog.as_mut() {
                Some(watchdog) => watchdog.try_wait().ok().flatten().is_some(),
                None => false,
            };
            if exited || started.elapsed() > timeout {
                let log = self.data_dir.join(LOG_FILE);
                return Err(LaunchError::NotReady {
                    timeout,
                    tail: log_tail(&log),
                    log,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            // Closing stdin tells the watchdog to stop the server; wait for it
            // so the data folder is consistent before we return.
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

struct Prepared {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    run_as: Option<RunAs>,
    password: String,
    durable: bool,
}

fn prepare(options: &ClusterOptions) -> Result<Prepared, LaunchError> {
    let bin_dir = find_bin_dir().ok_or(LaunchError::BinariesNotFound)?;
    let run_as = run_as()?;
    let mut data_dir = absolute(&options.data_dir)?;
    let parent = data_dir
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("/"));
    std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
    if let Some(user) = run_as
        && !can_enter(&parent, user)
    {
        let fallback = fallback_dir(&data_dir);
        tracing::info!(
            requested = %data_dir.display(),
            using = %fallback.display(),
            "running as root: the postgres user cannot reach the requested data folder, using another"
        );
        data_dir = fallback;
        if let Some(parent) = data_dir.parent() {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
    }

    if !data_dir.join("PG_VERSION").exists() {
        initdb(&bin_dir, &data_dir, run_as, options.durable)?;
    }
    let password_path = data_dir.join(PASSWORD_FILE);
    let password = std::fs::read_to_string(&password_path)
        .map_err(io_error(&password_path))?
        .trim()
        .to_owned();
    Ok(Prepared {
        bin_dir,
        data_dir,
        run_as,
        password,
        durable: options.durable,
    })
}

fn absolute(path: &Path) -> Result<PathBuf, LaunchError> {
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    let cwd = std::env::current_dir().map_err(io_error(Path::new(".")))?;
    Ok(cwd.join(path))
}

fn random_password() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

fn initdb(
    bin_dir: &Path,
    data_dir: &Path,
    run_as: Option<RunAs>,
    durable: bool,
) -> Result<(), LaunchError> {
    use std::os::unix::{fs::PermissionsExt, process::CommandExt};
    tracing::info!(data_dir = %data_dir.display(), "creating a private Postgres cluster (initdb)");
    std::fs::create_dir_all(data_dir).map_err(io_error(data_dir))?;
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
        .map_err(io_error(data_dir))?;
    hand_over(data_dir, run_as)?;

    let password = random_password();
    let pwfile = data_dir.with_extension("pwfile");
    write_private(&pwfile, &password, run_as)?;

    // A UTF-8 aware LC_CTYPE matters: it makes lower() and the trigram and
    // bigram matching treat Hangul as letters.
    let mut last_error = String::new();
    let mut created = false;
    for locale in [Some("C.UTF-8"), Some("en_US.UTF-8"), None] {
        let mut command = Command::new(bin_dir.join("initdb"));
        command
            .arg("--pgdata")
            .arg(data_dir)
            .arg(format!("--username={SUPERUSER}"))
            .arg(format!("--pwfile={}", pwfile.display()))
            .args([
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-instructions",
            ]);
        if let Some(locale) = locale {
            command.arg(format!("--locale={locale}"));
        }
        if !durable {
            command.arg("--no-sync");
        }
        if let Some(user) = run_as {
            command.uid(user.uid).gid(user.gid);
        }
        let output = command
            .output()
            .map_err(io_error(&bin_dir.join("initdb")))?;
        if output.status.success() {
            created = true;
            break;
        }
        last_error = String::from_utf8_lossy(&output.stderr).into_owned();
    }
    let _ = std::fs::remove_file(&pwfile);
    if !created {
        return Err(LaunchError::Command {
            command: "initdb".into(),
            detail: last_error,
        });
    }
    write_private(&data_dir.join(PASSWORD_FILE), &password, run_as)
}

/// The port of a server already running from `data_dir`, if any.
fn running_port(data_dir: &Path) -> Option<u16> {
    let pid_file = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let mut lines = pid_file.lines();
    let pid = lines.next()?.trim();
    let port = lines.nth(2)?.trim().parse().ok()?;
    let alive = Command::new("kill")
        .args(["-0", pid])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    alive.then_some(port)
}

fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn port_was_taken(log_tail: &str) -> bool {
    log_tail.contains("could not bind") || log_tail.contains("Address already in use")
}

/// The watchdog: runs postgres in the background and stops it (fast
/// shutdown) when its stdin reaches end-of-file, that is when the process
/// holding the other end drops it or dies. It exits when postgres does.
/// (A background job's stdin is /dev/null unless redirected, hence fd 3.)
const WATCHDOG: &str = r#"exec 3<&0
pg="$1"; shift
"$pg" "$@" </dev/null &
pid=$!
( read -r _ignored <&3; kill -INT "$pid" 2>/dev/null ) &
exec 3<&-
wait "$pid""#;

fn spawn_server(
    bin_dir: &Path,
    data_dir: &Path,
    port: u16,
    run_as: Option<RunAs>,
    durable: bool,
) -> Result<Child, LaunchError> {
    use std::os::unix::process::CommandExt;
    let log_path = data_dir.join(LOG_FILE);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io_error(&log_path))?;
    let log_err = log.try_clone().map_err(io_error(&log_path))?;

    let mut command = Command::new("sh");
    command
        .args(["-c", WATCHDOG, "sh"])
        .arg(bin_dir.join("postgres"))
        .arg("-D")
        .arg(data_dir)
        .args(["-p", &port.to_string()])
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "unix_socket_directories="])
        .args(["-c", "max_connections=300"]);
    if !durable {
        // Test clusters track statements, so tests can count the queries a
        // request runs (when the contrib module is installed).
        let contrib = bin_dir.join("../lib/pg_stat_statements.so");
        if contrib.exists() {
            command.args(["-c", "shared_preload_libraries=pg_stat_statements"]);
        }
        command.args([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]);
    }
    if let Some(user) = run_as {
        command.uid(user.uid).gid(user.gid);
    }
    // Its own process group: Ctrl-C in a terminal reaches us, and we stop
    // the server after our services have drained, not before.
    command
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(log)
        .stderr(log_err);
    command.spawn().map_err(io_error(Path::new("sh")))
}

fn log_tail(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::from("(no log)");
    };
    let length = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(length.saturating_sub(2000)));
    let mut tail = String::new();
    let _ = file.read_to_string(&mut tail);
    tail
}

pub(crate) async fn create_database_if_missing(
    admin_url: &str,
    database: &str,
) -> Result<(), LaunchError> {
    let mut connection = PgConnection::connect(admin_url).await?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(database)
            .fetch_one(&mut connection)
            .await?;
    if !exists {
        let statement = format!("create database \"{}\"", database.replace('"', "\"\""));
        if let Err(error) = connection.execute(statement.as_str()).await {
            // Another process may have created it a moment ago.
            let duplicate = error
                .as_database_error()
                .and_then(|error| error.code())
                .is_some_and(|code| code == "42P04");
            if !duplicate {
                return Err(error.into());
            }
        }
    }
    connection.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_recognised_in_the_log() {
        assert!(port_was_taken(
            "LOG:  could not bind IPv4 address \"127.0.0.1\": Address already in use"
        ));
        assert!(!port_was_taken(
            "LOG:  database system is ready to accept connections"
        ));
    }

    #[test]
    fn a_launch_error_debugs_as_its_message_naming_what_to_install() {
        let shown = format!("{:?}", LaunchError::BinariesNotFound);
        assert!(shown.contains("apt-get install postgresql"), "{shown}");
        assert!(shown.contains("DATABASE_URL"), "{shown}");
    }

    /// Starts a cluster of its own in a new folder (as the `postgres` user
    /// when the tests run as root), so it needs the server binaries.
    #[tokio::test]
    async fn a_cluster_keeps_its_data_across_restarts_and_a_second_start_attaches() {
        if find_bin_dir().is_none() {
            panic!("{}", LaunchError::BinariesNotFound);
        }
        let suffix: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(8)
            .map(char::from)
            .collect();
        let root = std::env::temp_dir().join(format!("everytime-launcher-test-{suffix}"));
        let options = ClusterOptions {
            data_dir: root.join("postgres"),
            durable: false,
        };
        let query = |url: String, sql: &'static str| async move {
            let mut connection = PgConnection::connect(&url).await.expect("connects");
            let rows: Vec<String> = sqlx::query_scalar(sql)
                .fetch_all(&mut connection)
                .await
                .expect("runs");
            connection.close().await.ok();
            rows
        };

        let first = Cluster::start(options.clone()).await.expect("starts");
        first.ensure_database("kept").await.expect("a database");
        query(
            first.url("kept"),
            "create table notes as select '기억해 줘'::text as note",
        )
        .await;
        // A second start while it runs attaches to it; dropping that one
        // leaves the server up.
        let attached = Cluster::start(options.clone()).await.expect("attaches");
        assert_eq!(attached.port(), first.port());
        drop(attached);
        assert_eq!(
            query(first.url("kept"), "select note from notes").await,
            ["기억해 줘"]
        );
        let data_dir = first.data_dir().to_owned();
        drop(first);
        assert_eq!(
            running_port(&data_dir),
            None,
            "dropping the starter stops it"
        );

        let again = Cluster::start(options).await.expect("starts again");
        assert_eq!(again.data_dir(), data_dir);
        assert_eq!(
            query(again.url("kept"), "select note from notes").await,
            ["기억해 줘"]
        );
        drop(again);
        let _ = std::fs::remove_dir_all(&data_dir);
        let _ = std::fs::remove_dir_all(&root);
    }
}
