//! CPU time and resident memory of processes, read from `/proc` (Linux).

use std::{path::Path, process::Command};

use sqlx::{Connection, PgConnection};

/// Clock ticks per second, the unit of the CPU times in `/proc/<pid>/stat`.
pub fn ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

/// The fields of `/proc/<pid>/stat` we use.
#[derive(Debug, Clone, Copy)]
struct Stat {
    ppid: u32,
    /// utime + stime: the process's own CPU time.
    own: u64,
    /// cutime + cstime: the CPU time of its children that ended and were
    /// waited for.
    children: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: the rest follows its ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): field n is at index n - 3.
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        ppid: u32::try_from(field(4)?).ok()?,
        own: field(14)? + field(15)?,
        children: field(16)? + field(17)?,
    })
}

/// The CPU time (utime + stime, in ticks) of `pid`; 0 if it is gone.
pub fn cpu_ticks(pid: u32) -> u64 {
    stat(pid).map_or(0, |stat| stat.own)
}

fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resident memory now (`VmRSS`), in MB.
pub fn rss_mb(pid: u32) -> Option<f64> {
    status_kib(pid, "VmRSS:").map(|kib| kib as f64 / 1024.0)
}

/// The most resident memory so far (`VmHWM`), in MB.
pub fn peak_rss_mb(pid: u32) -> Option<f64> {
    status_kib(pid, "VmHWM:").map(|kib| kib as f64 / 1024.0)
}

fn command_name(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|name| name.trim().to_owned())
}

/// The Postgres server: the postmaster and its children.
pub struct Postgres {
    postmaster: u32,
}

impl Postgres {
    /// The server behind `url`, when it runs on this machine: the parent
    /// of our own backend. `None` for a server elsewhere.
    pub async fn find(url: &str) -> Option<Postgres> {
        let mut connection = PgConnection::connect(url).await.ok()?;
        let backend: i32 = sqlx::query_scalar("select pg_backend_pid()")
            .fetch_one(&mut connection)
            .await
            .ok()?;
        // A server elsewhere: the pid is not a postgres process here. (Read
        // while connected: the backend ends with the connection.)
        let is_postgres = |pid: u32| command_name(pid).as_deref() == Some("postgres");
        let postmaster = u32::try_from(backend)
            .ok()
            .filter(|pid| is_postgres(*pid))
            .and_then(stat)
            .map(|stat| stat.ppid)
            .filter(|ppid| is_postgres(*ppid));
        connection.close().await.ok();
        postmaster.map(|postmaster| Postgres { postmaster })
    }

    /// The server's binary (`/proc/<pid>/exe`), when we may read it.
    pub fn exe(&self) -> Option<std::path::PathBuf> {
        std::fs::read_link(format!("/proc/{}/exe", self.postmaster)).ok()
    }

    /// The server's CPU time so far, in ticks: the postmaster's, its live
    /// children's, and that of the children that already ended (the
    /// postmaster waits for them, so it is in its cutime + cstime).
    pub fn cpu_ticks(&self) -> u64 {
        let Some(postmaster) = stat(self.postmaster) else {
            return 0;
        };
        let live: u64 = children(self.postmaster)
            .into_iter()
            .filter_map(stat)
            .map(|stat| stat.own)
            .sum();
        postmaster.own + postmaster.children + live
    }
}

/// The processes whose parent is `ppid`.
fn children(ppid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(Path::new("/proc")) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|stat| stat.ppid == ppid))
        .collect()
}
