//! Running `wrk` with a generated Lua script and reading its result.
//!
//! Every script ends with the same `done()`, which prints one line the
//! bench reads: requests, duration, every error count (`status` counts
//! answers of 400 and up), the median and 99th percentile, and the first
//! counter value no thread's `request()` used (so the next run of a write
//! row starts after every id this one may have used).

use std::{path::Path, process::Command, time::Duration};

use anyhow::{Context, Result, bail};

/// wrk threads and connections: 32 connections over 2 threads.
pub const THREADS: u32 = 2;
pub const CONNECTIONS: u32 = 32;

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    pub requests: u64,
    pub seconds: f64,
    /// Connect, read, write and timeout errors, and answers of 400 and up.
    pub errors: u64,
    pub status_errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The counter value the next run starts at (the offset it was given
    /// for a fixed request, which builds none).
    pub next: u64,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

/// Installs wrk with apt-get when it is missing (Debian, as root).
pub fn ensure_installed() -> Result<()> {
    // `wrk --version` prints its usage and exits 1: that it ran is enough.
    let found = || Command::new("wrk").arg("--version").output().is_ok();
    if found() {
        return Ok(());
    }
    println!("wrk is missing: apt-get install -y wrk ...");
    let installed = Command::new("apt-get")
        .args(["install", "-y", "wrk"])
        .status()
        .is_ok_and(|status| status.success());
    if !installed || !found() {
        bail!("wrk is needed: install it (Debian and Ubuntu: `sudo apt-get install wrk`)");
    }
    Ok(())
}

/// The `done()` every script ends with, and the thread numbering
/// `request()` uses: thread `tid` of `THREADS` builds the requests
/// `offset + tid + THREADS * i`.
pub fn prelude(name: &str, offset: u64) -> String {
    format!(
        r#"-- {name}: written by benches/load for one wrk run.
local threads = {{}}
local threads_n = {THREADS}
local offset = {offset}
issued = 0
tid = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  -- The threads may have built different numbers of requests: the next
  -- run starts after the highest k any of them used.
  local next = offset
  for _, thread in ipairs(threads) do
    local issued = thread:get("issued") or 0
    if issued > 0 then
      next = math.max(next, offset + thread:get("tid") + threads_n * issued)
    end
  end
  local e = summary.errors
  io.write(string.format("LOADBENCH %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), next))
end

local function next_k()
  local k = offset + tid + threads_n * issued
  issued = issued + 1
  return k
end

local function headers(token)
  return {{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}}
end

"#
    )
}

/// Runs wrk for `duration` with `script` against `url`.
pub async fn run(script: &Path, url: &str, duration: Duration) -> Result<Outcome> {
    let output = tokio::process::Command::new("wrk")
        .arg("-t")
        .arg(THREADS.to_string())
        .arg("-c")
        .arg(CONNECTIONS.to_string())
        .arg("-d")
        .arg(format!("{}s", duration.as_secs()))
        .args(["--timeout", "10s", "--latency", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .await
        .context("running wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("LOADBENCH "))
        .with_context(|| format!("wrk printed no result: {stdout}"))?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("wrk's result: {line}"))?;
    let [
        requests,
        micros,
        connect,
        read,
        write,
        status,
        timeout,
        p50,
        p99,
        next,
    ] = numbers[..]
    else {
        bail!("wrk's result: {line}");
    };
    Ok(Outcome {
        requests: requests as u64,
        seconds: micros / 1e6,
        errors: (connect + read + write + status + timeout) as u64,
        status_errors: status as u64,
        p50_ms: p50 / 1000.0,
        p99_ms: p99 / 1000.0,
        next: next as u64,
    })
}
