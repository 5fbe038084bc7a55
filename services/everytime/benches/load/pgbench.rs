//! The database's own rate for a board page: `pgbench` running the two
//! statements the community service runs for one (the keyset query of
//! `store::board_page` and `store::posts::summaries`), read from their
//! source files so they stay exactly the statements served, with their
//! parameters as pgbench variables.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result, bail};

use crate::wrk::{CONNECTIONS, THREADS};

/// One statement: the function whose SQL it is and what each of its
/// arguments is called in the script.
struct Statement {
    file: &'static str,
    function: &'static str,
    variables: &'static [(&'static str, &'static str)],
}

const STATEMENTS: [Statement; 2] = [
    Statement {
        file: "services/community/src/store/feeds.rs",
        function: "board_page",
        variables: &[
            ("board_id", "board"),
            ("school_id", "school"),
            ("before", "before"),
            ("limit", "fetch"),
        ],
    },
    Statement {
        file: "services/community/src/store/posts.rs",
        function: "summaries",
        variables: &[
            ("ids", "ids"),
            ("school_id", "school"),
            ("preview_characters", "preview"),
            ("with_blinded", "with_blinded"),
        ],
    },
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The SQL of `function` in `source` with `$n` replaced by the pgbench
/// variable of its `n`th argument.
fn statement(source: &str, statement: &Statement) -> Result<String> {
    let name = statement.function;
    let start = source
        .find(&format!("pub async fn {name}("))
        .with_context(|| format!("fn {name} in {}", statement.file))?;
    let rest = &source[start..];
    let open = rest.find("r#\"").context("its SQL literal")? + 3;
    let close = open + rest[open..].find("\"#").context("the literal's end")?;
    let sql = rest[open..close].trim();
    // The arguments follow the literal: `"#, a, b, c)`.
    let arguments_end = close + rest[close..].find(')').context("the arguments")?;
    let arguments: Vec<&str> = rest[close + 2..arguments_end]
        .split(',')
        .map(str::trim)
        .filter(|argument| !argument.is_empty())
        .collect();
    let mut script = sql.to_owned();
    // From the last, so `$1` never eats the start of `$10`.
    for (index, argument) in arguments.iter().enumerate().rev() {
        let variable = statement
            .variables
            .iter()
            .find(|(known, _)| known == argument)
            .map(|(_, variable)| *variable)
            .with_context(|| {
                format!(
                    "{name} in {} takes `{argument}`, which this bench does not know: update \
                     benches/load/pgbench.rs",
                    statement.file
                )
            })?;
        script = script.replace(&format!("${}", index + 1), &format!(":{variable}"));
    }
    Ok(format!("{script};\n"))
}

/// The script: both statements, as the service has them now.
pub fn board_page_script() -> Result<String> {
    let mut script = String::new();
    for each in &STATEMENTS {
        let path = workspace().join(each.file);
        let source = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        script.push_str(&statement(&source, each)?);
    }
    Ok(script)
}

/// pgbench of the server's own version when we can tell it (next to the
/// postmaster's binary), else from `PG_BIN_DIR`, the usual install
/// folders, or `PATH`.
pub fn find(postmaster_exe: Option<PathBuf>) -> PathBuf {
    let beside = postmaster_exe.and_then(|exe| exe.parent().map(|dir| dir.join("pgbench")));
    let configured = std::env::var_os("PG_BIN_DIR").map(|dir| PathBuf::from(dir).join("pgbench"));
    let mut installed: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path().join("bin/pgbench"))
                .collect()
        })
        .unwrap_or_default();
    installed.sort();
    beside
        .into_iter()
        .chain(configured)
        .chain(installed.into_iter().rev())
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from("pgbench"))
}

/// What one board page binds.
pub struct Page {
    pub board: i64,
    pub school: i64,
    /// The page's first 20 post ids (what the keyset query returns).
    pub ids: Vec<i64>,
    pub preview: i32,
}

/// pgbench's transactions per second (one transaction: both statements)
/// with `CONNECTIONS` clients on `THREADS` threads, prepared statements.
pub async fn run(
    pgbench: &Path,
    url: &str,
    script: &Path,
    page: &Page,
    duration: Duration,
) -> Result<f64> {
    let ids: Vec<String> = page.ids.iter().map(i64::to_string).collect();
    let output = tokio::process::Command::new(pgbench)
        .env("PGOPTIONS", "-c search_path=community,public")
        .args(["-n", "-M", "prepared", "-c"])
        .arg(CONNECTIONS.to_string())
        .arg("-j")
        .arg(THREADS.to_string())
        .arg("-T")
        .arg(duration.as_secs().to_string())
        .arg("-f")
        .arg(script)
        .arg("-D")
        .arg(format!("board={}", page.board))
        .arg("-D")
        .arg(format!("school={}", page.school))
        .arg("-D")
        .arg(format!("before={}", i64::MAX))
        .arg("-D")
        .arg(format!("fetch={}", page.ids.len() + 1))
        .arg("-D")
        .arg(format!("ids={{{}}}", ids.join(",")))
        .arg("-D")
        .arg(format!("preview={}", page.preview))
        .args(["-D", "with_blinded=false"])
        .arg(url)
        .output()
        .await
        .with_context(|| format!("running {}", pgbench.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let failed = stdout
        .lines()
        .find_map(|line| line.strip_prefix("number of failed transactions: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|count| count.parse::<u64>().ok())
        .unwrap_or(0);
    if failed > 0 {
        bail!("pgbench: {failed} transactions failed\n{stdout}");
    }
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .with_context(|| format!("pgbench printed no tps: {stdout}"))
}
