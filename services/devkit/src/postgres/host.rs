//! What the cluster needs from the machine: the folder of the PostgreSQL
//! server binaries (`PATH`, `PG_BIN_DIR`, the usual install folders), and,
//! when we are root, the user to run the server as and a data folder that
//! user can reach.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use super::{LaunchError, io_error};

/// The user the server runs as when we are root.
#[derive(Debug, Clone, Copy)]
pub(super) struct RunAs {
    pub(super) uid: u32,
    pub(super) gid: u32,
}

/// Finds the folder holding `initdb` and `postgres`.
pub(super) fn find_bin_dir() -> Option<PathBuf> {
    find_bin_dir_from(everytime_common::config::var("PG_BIN_DIR"))
}

/// [`find_bin_dir`], with `PG_BIN_DIR` given: when it is set, only there.
fn find_bin_dir_from(pg_bin_dir: Option<String>) -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = pg_bin_dir {
        let dir = PathBuf::from(dir);
        return has_server(&dir).then_some(dir);
    }
    // initdb on PATH may be a symlink into the real bin folder (Debian puts
    // only client tools in /usr/bin).
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|dir| std::fs::canonicalize(dir.join("initdb")).ok())
        .filter_map(|initdb| initdb.parent().map(Path::to_owned));
    let versioned = [
        ("/usr/lib/postgresql", ""),
        ("/usr", "pgsql-"),
        ("/opt/homebrew/opt", "postgresql@"),
        ("/usr/local/opt", "postgresql@"),
    ]
    .into_iter()
    .flat_map(|(parent, stem)| versioned_bin_dirs(Path::new(parent), stem));
    let fixed = [
        "/usr/local/pgsql/bin",
        "/opt/homebrew/bin",
        "/usr/local/bin",
    ]
    .into_iter()
    .map(PathBuf::from);
    on_path
        .chain(versioned)
        .chain(fixed)
        .find(|dir| has_server(dir))
}

/// The `bin` folders of `<parent>/<stem><major version>`, newest first.
fn versioned_bin_dirs(parent: &Path, stem: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name.strip_prefix(stem)?;
            let major: u32 = version.split('.').next()?.parse().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .collect();
    found.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    found.into_iter().map(|(_, dir)| dir).collect()
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// When we are root, the user to run the server as.
pub(super) fn run_as() -> Result<Option<RunAs>, LaunchError> {
    let uid = command_output("id", &["-u"]).and_then(|uid| uid.parse::<u32>().ok());
    if uid != Some(0) {
        return Ok(None);
    }
    for user in ["postgres", "nobody"] {
        let uid = command_output("id", &["-u", user]).and_then(|id| id.parse().ok());
        let gid = command_output("id", &["-g", user]).and_then(|id| id.parse().ok());
        if let (Some(uid), Some(gid)) = (uid, gid) {
            return Ok(Some(RunAs { uid, gid }));
        }
    }
    Err(LaunchError::Command {
        command: "id -u postgres".into(),
        detail: "running as root, but there is neither a `postgres` nor a `nobody` user to run \
                 Postgres as (Postgres refuses to run as root); create one with \
                 `useradd --system postgres`"
            .into(),
    })
}

/// Whether `user` can enter `dir` (every folder above it must be searchable).
pub(super) fn can_enter(dir: &Path, user: RunAs) -> bool {
    use std::os::unix::process::CommandExt;
    Command::new("sh")
        .args(["-c", "cd \"$1\"", "sh"])
        .arg(dir)
        .uid(user.uid)
        .gid(user.gid)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A stable folder under /var/tmp for a data folder root cannot share.
pub(super) fn fallback_dir(requested: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(requested.as_os_str().as_encoded_bytes());
    let name: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let base = if Path::new("/var/tmp").is_dir() {
        PathBuf::from("/var/tmp")
    } else {
        std::env::temp_dir()
    };
    base.join("everytime-postgres").join(name)
}
/// Makes `path` belong to the server's user.
pub(super) fn hand_over(path: &Path, run_as: Option<RunAs>) -> Result<(), LaunchError> {
    if let Some(user) = run_as {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).map_err(io_error(path))?;
    }
    Ok(())
}

pub(super) fn write_private(
    path: &Path,
    contents: &str,
    run_as: Option<RunAs>,
) -> Result<(), LaunchError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, contents).map_err(io_error(path))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(io_error(path))?;
    hand_over(path, run_as)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_folder_is_stable_for_one_request() {
        let a = fallback_dir(Path::new("/root/project/.data/postgres"));
        let b = fallback_dir(Path::new("/root/project/.data/postgres"));
        let c = fallback_dir(Path::new("/root/other/.data/postgres"));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn pg_bin_dir_without_the_server_binaries_finds_nothing() {
        let empty = std::env::temp_dir().join(format!("everytime-no-pg-{}", std::process::id()));
        std::fs::create_dir_all(&empty).expect("a folder");
        assert_eq!(find_bin_dir_from(Some(empty.display().to_string())), None);
        std::fs::remove_dir_all(&empty).expect("cleans up");
    }
}
