//! Starting the stack as its release binaries, the way it is deployed:
//! the one-process `everytime`, or the four binaries apart. Each child
//! gets the environment of the README's Configuration table, on free
//! ports of 127.0.0.1, and writes its log (the default level) to a file.

use std::{
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

/// How the stack runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `everytime`: every part in one process.
    OneProcess,
    /// `everytime-auth`, `-community`, `-timetable` and `-gateway`.
    Split,
}

impl Layout {
    pub fn label(self) -> &'static str {
        match self {
            Layout::OneProcess => "one process",
            Layout::Split => "four processes",
        }
    }
}

/// The service binaries split from the one-process run.
const SPLIT: [&str; 4] = [
    "everytime-auth",
    "everytime-timetable",
    "everytime-community",
    "everytime-gateway",
];

/// Variables a child must not inherit from our environment: the ones the
/// bench sets, and the ones that would change what is measured.
const CLEARED: [&str; 23] = [
    "RUST_LOG",
    "LOG_FORMAT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "DATABASE_URL",
    "AUTH_DATABASE_URL",
    "COMMUNITY_DATABASE_URL",
    "TIMETABLE_DATABASE_URL",
    "AUTH_URL",
    "COMMUNITY_URL",
    "TIMETABLE_URL",
    "AUTH_LISTEN_ADDR",
    "COMMUNITY_LISTEN_ADDR",
    "TIMETABLE_LISTEN_ADDR",
    "GATEWAY_LISTEN_ADDR",
    "AUTH_METRICS_LISTEN_ADDR",
    "COMMUNITY_METRICS_LISTEN_ADDR",
    "TIMETABLE_METRICS_LISTEN_ADDR",
    "GATEWAY_METRICS_LISTEN_ADDR",
    "METRICS_LISTEN_ADDR",
    "WRITE_RATE_LIMITS",
    "AUTH_RATE_LIMIT_PER_MINUTE",
    "SIGN_UP_RATE_LIMIT_PER_HOUR",
    "TIMETABLE_LOAD_DEMO_CATALOG",
];

/// Where the release binaries are.
pub struct Binaries {
    dir: PathBuf,
}

impl Binaries {
    /// The `everytime` binary cargo built for this bench, and the four
    /// service binaries, built beside it now (`cargo build --release`,
    /// into the same target folder: nothing is rebuilt when they are
    /// current).
    pub fn build() -> Result<Binaries> {
        let everytime = PathBuf::from(env!("CARGO_BIN_EXE_everytime"));
        let dir = everytime
            .parent()
            .context("the folder of the everytime binary")?
            .to_owned();
        let target = dir.parent().context("the target folder")?;
        let profile = dir
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = std::process::Command::new(cargo);
        command
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
            .env("CARGO_TARGET_DIR", target)
            .arg("build");
        if profile == "release" {
            command.arg("--release");
        } else {
            command.args(["--profile", profile]);
        }
        for binary in SPLIT {
            command.args(["-p", binary, "--bin", binary]);
        }
        println!("building the service binaries ({profile}) ...");
        let status = command.status().context("cargo build")?;
        if !status.success() {
            bail!("cargo build of the service binaries failed");
        }
        Ok(Binaries { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// One child process.
struct Process {
    name: &'static str,
    child: Child,
    pid: u32,
    log: PathBuf,
}

/// The stack, running.
pub struct RunningStack {
    /// The gateway's base URL.
    pub base: String,
    processes: Vec<Process>,
}

fn free_addr() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.to_string())
}

impl RunningStack {
    /// Starts the stack on `database_url` and waits until the gateway's
    /// `/readyz` answers 200 (every service serving).
    pub async fn start(
        layout: Layout,
        binaries: &Binaries,
        database_url: &str,
        logs: &Path,
    ) -> Result<RunningStack> {
        let [gateway, auth, community, timetable] =
            [free_addr()?, free_addr()?, free_addr()?, free_addr()?];
        let common: Vec<(&str, String)> = vec![
            ("DATABASE_URL", database_url.to_owned()),
            ("WRITE_RATE_LIMITS", "off".into()),
            ("AUTH_RATE_LIMIT_PER_MINUTE", "1000000".into()),
            ("SIGN_UP_RATE_LIMIT_PER_HOUR", "1000000".into()),
            ("GATEWAY_LISTEN_ADDR", gateway.clone()),
            ("AUTH_LISTEN_ADDR", auth.clone()),
            ("COMMUNITY_LISTEN_ADDR", community.clone()),
            ("TIMETABLE_LISTEN_ADDR", timetable.clone()),
            ("AUTH_URL", format!("http://{auth}")),
            ("COMMUNITY_URL", format!("http://{community}")),
            ("TIMETABLE_URL", format!("http://{timetable}")),
            ("TIMETABLE_LOAD_DEMO_CATALOG", "false".into()),
        ];
        let mut stack = RunningStack {
            base: format!("http://{gateway}"),
            processes: Vec::new(),
        };
        match layout {
            Layout::OneProcess => {
                let mut env = common.clone();
                env.push(("METRICS_LISTEN_ADDR", free_addr()?));
                env.push(("LOAD_DEMO_CATALOG", "false".into()));
                stack.spawn("everytime", &binaries.path("everytime"), &env, logs)?;
            }
            Layout::Split => {
                for (name, metrics) in SPLIT.into_iter().zip([
                    "AUTH_METRICS_LISTEN_ADDR",
                    "TIMETABLE_METRICS_LISTEN_ADDR",
                    "COMMUNITY_METRICS_LISTEN_ADDR",
                    "GATEWAY_METRICS_LISTEN_ADDR",
                ]) {
                    let mut env = common.clone();
                    env.push((metrics, free_addr()?));
                    stack.spawn(name, &binaries.path(name), &env, logs)?;
                }
            }
        }
        stack.wait_ready(Duration::from_secs(180)).await?;
        Ok(stack)
    }

    fn spawn(
        &mut self,
        name: &'static str,
        binary: &Path,
        env: &[(&str, String)],
        logs: &Path,
    ) -> Result<()> {
        let log = logs.join(format!("{name}.log"));
        let file = File::create(&log).with_context(|| log.display().to_string())?;
        let mut command = Command::new(binary);
        for variable in CLEARED {
            command.env_remove(variable);
        }
        command
            .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::from(file.try_clone()?))
            .stderr(Stdio::from(file))
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("a process id")?;
        self.processes.push(Process {
            name,
            child,
            pid,
            log,
        });
        Ok(())
    }

    async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let http = reqwest::Client::new();
        let url = format!("{}/readyz", self.base);
        let started = Instant::now();
        loop {
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            for process in &mut self.processes {
                if let Some(status) = process.child.try_wait()? {
                    bail!(
                        "{} exited ({status}) while starting; its log, {}, ends with:\n{}",
                        process.name,
                        process.log.display(),
                        tail(&process.log)
                    );
                }
            }
            if started.elapsed() > timeout {
                bail!("the stack was not ready within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Each process's name and id.
    pub fn processes(&self) -> Vec<(&'static str, u32)> {
        self.processes
            .iter()
            .map(|process| (process.name, process.pid))
            .collect()
    }

    /// Fails if a process has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        for process in &mut self.processes {
            if let Some(status) = process.child.try_wait()? {
                bail!(
                    "{} exited ({status}); its log, {}, ends with:\n{}",
                    process.name,
                    process.log.display(),
                    tail(&process.log)
                );
            }
        }
        Ok(())
    }

    /// SIGTERM to each, the gateway first, and waits for it (up to 30 s,
    /// then SIGKILL).
    pub async fn stop(mut self) {
        while let Some(mut process) = self.processes.pop() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &process.pid.to_string()])
                .status();
            if tokio::time::timeout(Duration::from_secs(30), process.child.wait())
                .await
                .is_err()
            {
                let _ = process.child.kill().await;
            }
        }
    }
}

/// The last lines of a log.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
