//! Auth's memory under a burst of sign-ins: two hundred at once stay within
//! what the process held before (its hashing workers already hold their
//! budget), because every hash reuses a worker's memory and the rest wait
//! in a bounded queue or are refused with `UNAVAILABLE`.
//!
//! A test binary of its own: it reads the memory of the process it runs in,
//! which no other test may share.

#[allow(unused_imports)]
#[path = "support/mod.rs"]
mod support;

use everytime_auth::password::{HashSettings, WORKER_MIB};
use support::{PASSWORD, TestAuth};
use tonic::Code;

/// A `/proc/self/status` figure in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Starts measuring the peak (`VmHWM`) from now.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// What a burst may add on top of the workers' memory: requests, responses,
/// connections and the database pool's buffers, not another hash's memory.
const SLACK_MIB: u64 = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_sign_ins_at_once_stay_within_the_hashing_budget() {
    if status_kib("VmRSS:").is_none() || !reset_peak() {
        eprintln!("SKIPPED: no /proc/self/status or clear_refs to read memory from");
        return;
    }
    let settings = HashSettings {
        memory_budget_mib: 2 * WORKER_MIB,
        queue: 256,
    };
    let auth = TestAuth::start_with(|config| {
        config.hashing = settings;
        // Sign-ins in flight count as failures until they succeed; this
        // burst is of correct passwords from one address.
        config.limits.per_username = 10_000;
        config.limits.per_client = 10_000;
    })
    .await;
    auth.sign_up("burst").await;
    // Warm up: both workers have hashed (their memory is in use), and the
    // pool and channel are connected.
    let warm =
        futures::future::join_all((0..4).map(|_| auth.sign_in_with("burst", PASSWORD))).await;
    assert!(warm.iter().all(Result::is_ok), "{warm:?}");

    let before = status_kib("VmRSS:").unwrap();
    assert!(reset_peak());
    let results =
        futures::future::join_all((0..200).map(|_| auth.sign_in_with("burst", PASSWORD))).await;
    let peak = status_kib("VmHWM:").unwrap();
    let after = status_kib("VmRSS:").unwrap();

    let signed_in = results.iter().filter(|result| result.is_ok()).count();
    let refused = results
        .iter()
        .filter(|result| matches!(result, Err(status) if status.code() == Code::Unavailable))
        .count();
    assert_eq!(
        signed_in + refused,
        200,
        "only successes and UNAVAILABLE: {results:?}"
    );
    assert!(
        signed_in >= 100,
        "{signed_in} of 200 signed in, {refused} refused"
    );
    let mib = |kib: u64| kib / 1024;
    eprintln!(
        "resident: {} MiB before, {} MiB peak, {} MiB after; {signed_in} signed in, {refused} refused",
        mib(before),
        mib(peak),
        mib(after)
    );
    assert!(
        peak <= before + SLACK_MIB * 1024,
        "peak {} MiB during the burst, {} MiB before it",
        mib(peak),
        mib(before)
    );
    assert!(
        after <= before + SLACK_MIB * 1024,
        "{} MiB after the burst, {} MiB before it",
        mib(after),
        mib(before)
    );
    auth.stop().await;
}
