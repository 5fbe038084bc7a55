//! The stack as its real binaries, the way it is deployed: the one-process
//! `everytime`, or `everytime-auth`, `-community`, `-timetable` and
//! `-gateway` apart. For benchmarks and for the fault tests, which kill,
//! stop and restart one process of a running stack.
//!
//! Each child gets the environment of the README's Configuration table, on
//! free ports of 127.0.0.1 (the same ports again when it is restarted), and
//! writes its log to a file of its own.

use std::{
    fs::File,
    net::{SocketAddr, TcpListener},
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
    /// How a table names it.
    pub fn label(self) -> &'static str {
        match self {
            Layout::OneProcess => "one process",
            Layout::Split => "four processes",
        }
    }
}

/// The service binaries split from the one-process run, in their start
/// order (community follows timetable's events; the gateway calls all).
pub const SPLIT: [&str; 4] = [
    "everytime-auth",
    "everytime-timetable",
    "everytime-community",
    "everytime-gateway",
];

/// Variables a child must not inherit from our environment: the ones set
/// here, and the ones that would change what runs.
const CLEARED: [&str; 25] = [
    "RUST_LOG",
    "RUST_BACKTRACE",
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
    "SHUTDOWN_DELAY_MS",
];

/// Where the binaries are: the folder of the `everytime` binary cargo
/// built for the bench or test, with the four service binaries beside it.
#[derive(Debug, Clone)]
pub struct Binaries {
    dir: PathBuf,
}

impl Binaries {
    /// The folder of `everytime` (a bench's or test's
    /// `env!("CARGO_BIN_EXE_everytime")`), after building the four service
    /// binaries into it with the same profile (`cargo build`, in the same
    /// target folder: nothing is rebuilt when they are current, as after
    /// `cargo test --workspace`).
    pub fn build(everytime: &Path, workspace: &Path) -> Result<Binaries> {
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
            .current_dir(workspace)
            .env("CARGO_TARGET_DIR", target)
            .args(["build", "--quiet"]);
        match profile {
            "release" => {
                command.arg("--release");
            }
            "debug" => {}
            other => {
                command.args(["--profile", other]);
            }
        }
        for binary in SPLIT {
            command.args(["-p", binary, "--bin", binary]);
        }
        let status = command.status().context("cargo build")?;
        if !status.success() {
            bail!("cargo build of the service binaries failed");
        }
        Ok(Binaries { dir })
    }

    /// The path of the binary `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// One child process, and how to start it again.
struct Process {
    name: &'static str,
    binary: PathBuf,
    env: Vec<(String, String)>,
    child: Option<Child>,
    pid: u32,
    log: PathBuf,
}

/// The stack, running.
pub struct RunningStack {
    /// The gateway's base URL.
    pub base: String,
    /// The gRPC addresses of auth, community and timetable.
    pub grpc: [(&'static str, SocketAddr); 3],
    processes: Vec<Process>,
}

/// A port of 127.0.0.1 nothing listens on now.
pub fn free_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

impl RunningStack {
    /// Starts the stack on `database_url` with write limits off and `env`
    /// added (or overriding) for every process, and waits until the
    /// gateway's `/readyz` answers 200 (every service serving).
    pub async fn start(
        layout: Layout,
        binaries: &Binaries,
        database_url: &str,
        logs: &Path,
        env: &[(&str, &str)],
    ) -> Result<RunningStack> {
        let [gateway, auth, community, timetable] =
            [free_addr()?, free_addr()?, free_addr()?, free_addr()?];
        let mut common: Vec<(String, String)> = [
            ("DATABASE_URL", database_url.to_owned()),
            ("WRITE_RATE_LIMITS", "off".into()),
            ("AUTH_RATE_LIMIT_PER_MINUTE", "1000000".into()),
            ("SIGN_UP_RATE_LIMIT_PER_HOUR", "1000000".into()),
            ("GATEWAY_LISTEN_ADDR", gateway.to_string()),
            ("AUTH_LISTEN_ADDR", auth.to_string()),
            ("COMMUNITY_LISTEN_ADDR", community.to_string()),
            ("TIMETABLE_LISTEN_ADDR", timetable.to_string()),
            ("AUTH_URL", format!("http://{auth}")),
            ("COMMUNITY_URL", format!("http://{community}")),
            ("TIMETABLE_URL", format!("http://{timetable}")),
            ("TIMETABLE_LOAD_DEMO_CATALOG", "false".into()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
        for (key, value) in env {
            common.retain(|(existing, _)| existing != key);
            common.push(((*key).to_owned(), (*value).to_owned()));
        }
        let mut stack = RunningStack {
            base: format!("http://{gateway}"),
            grpc: [
                ("auth", auth),
                ("community", community),
                ("timetable", timetable),
            ],
            processes: Vec::new(),
        };
        match layout {
            Layout::OneProcess => {
                let mut env = common.clone();
                env.push(("METRICS_LISTEN_ADDR".into(), free_addr()?.to_string()));
                env.push(("LOAD_DEMO_CATALOG".into(), "false".into()));
                stack.spawn("everytime", binaries.path("everytime"), env, logs)?;
            }
            Layout::Split => {
                for (name, metrics) in SPLIT.into_iter().zip([
                    "AUTH_METRICS_LISTEN_ADDR",
                    "TIMETABLE_METRICS_LISTEN_ADDR",
                    "COMMUNITY_METRICS_LISTEN_ADDR",
                    "GATEWAY_METRICS_LISTEN_ADDR",
                ]) {
                    let mut env = common.clone();
                    env.push((metrics.into(), free_addr()?.to_string()));
                    stack.spawn(name, binaries.path(name), env, logs)?;
                }
            }
        }
        stack.wait_ready(Duration::from_secs(180)).await?;
        Ok(stack)
    }

    fn spawn(
        &mut self,
        name: &'static str,
        binary: PathBuf,
        env: Vec<(String, String)>,
        logs: &Path,
    ) -> Result<()> {
        let log = logs.join(format!("{name}.log"));
        let mut process = Process {
            name,
            binary,
            env,
            child: None,
            pid: 0,
            log,
        };
        process.launch()?;
        self.processes.push(process);
        Ok(())
    }

    /// Waits until the gateway's `/readyz` answers 200, failing when a
    /// process exits meanwhile or `timeout` passes.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let http = reqwest::Client::new();
        let url = format!("{}/readyz", self.base);
        let started = Instant::now();
        loop {
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            self.check_alive()?;
            if started.elapsed() > timeout {
                bail!("the stack was not ready within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Each running process's name and id.
    pub fn processes(&self) -> Vec<(&'static str, u32)> {
        self.processes
            .iter()
            .filter(|process| process.child.is_some())
            .map(|process| (process.name, process.pid))
            .collect()
    }

    /// Fails if a process that should run has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        for process in &mut self.processes {
            if let Some(child) = process.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
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

    fn process(&mut self, name: &str) -> Result<&mut Process> {
        self.processes
            .iter_mut()
            .find(|process| process.name == name)
            .with_context(|| format!("no process {name}"))
    }

    /// SIGKILL to `name`, as a crash or the OOM killer would; returns once
    /// it is gone.
    pub async fn kill(&mut self, name: &str) -> Result<()> {
        let process = self.process(name)?;
        if let Some(mut child) = process.child.take() {
            child.kill().await?;
        }
        Ok(())
    }

    /// SIGTERM to `name`, as an orchestrator's stop; returns at once. See
    /// [`RunningStack::wait_exit`].
    pub fn terminate(&mut self, name: &str) -> Result<()> {
        let pid = self.process(name)?.pid;
        signal("-TERM", pid)
    }

    /// Waits up to `timeout` for `name` to exit, and returns its status.
    pub async fn wait_exit(
        &mut self,
        name: &str,
        timeout: Duration,
    ) -> Result<std::process::ExitStatus> {
        let process = self.process(name)?;
        let child = process.child.as_mut().context("it is not running")?;
        let status = tokio::time::timeout(timeout, child.wait())
            .await
            .with_context(|| format!("{name} did not exit within {timeout:?}"))??;
        process.child = None;
        Ok(status)
    }

    /// Starts `name` again, with the environment and ports it had; returns
    /// at once (it is not ready yet).
    pub fn restart(&mut self, name: &str) -> Result<()> {
        let process = self.process(name)?;
        if process.child.is_some() {
            bail!("{name} is still running");
        }
        process.launch()
    }

    /// The log of `name` so far.
    pub fn log(&mut self, name: &str) -> Result<String> {
        let process = self.process(name)?;
        Ok(std::fs::read_to_string(&process.log).unwrap_or_default())
    }

    /// SIGTERM to each, the gateway first, and waits for it (up to 30 s,
    /// then SIGKILL).
    pub async fn stop(mut self) {
        while let Some(mut process) = self.processes.pop() {
            let Some(mut child) = process.child.take() else {
                continue;
            };
            let _ = signal("-TERM", process.pid);
            if tokio::time::timeout(Duration::from_secs(30), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }
}

impl Process {
    fn launch(&mut self) -> Result<()> {
        let file = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| self.log.display().to_string())?;
        let mut command = Command::new(&self.binary);
        for variable in CLEARED {
            command.env_remove(variable);
        }
        command
            .envs(
                self.env
                    .iter()
                    .map(|(key, value)| (key.as_str(), value.as_str())),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::from(file.try_clone()?))
            .stderr(Stdio::from(file))
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        self.pid = child.id().context("a process id")?;
        self.child = Some(child);
        Ok(())
    }
}

fn signal(signal: &str, pid: u32) -> Result<()> {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .context("kill")?;
    if !status.success() {
        bail!("kill {signal} {pid} failed");
    }
    Ok(())
}

/// The last lines of a log.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
