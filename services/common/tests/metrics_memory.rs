//! Histograms do not keep their observations when nothing scrapes: the
//! recorder's upkeep folds them into buckets on its own, so a process under
//! load without a Prometheus keeps flat memory.
//!
//! Its own test binary: it counts every byte the process has allocated.

use std::{
    alloc::System,
    time::{Duration, Instant},
};

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes the process has allocated and not freed.
fn in_use() -> isize {
    let stats = ALLOCATOR.stats();
    stats.bytes_allocated as isize - stats.bytes_deallocated as isize + stats.bytes_reallocated
}

#[test]
fn observations_are_folded_away_without_a_scrape() {
    // Installs the recorder (and its upkeep) before measuring.
    everytime_common::metrics::record_http("GET", "/warm-up", 200, 0.001);
    let before = in_use();
    for _ in 0..200_000 {
        everytime_common::metrics::record_http(
            "GET",
            "/api/v1/boards/{board_id}/posts",
            200,
            0.004,
        );
    }
    let held = in_use() - before;
    assert!(
        held > 1_000_000,
        "200,000 observations are held until the upkeep: {held} bytes"
    );

    let started = Instant::now();
    loop {
        let now = in_use() - before;
        if now < held / 10 {
            break;
        }
        assert!(
            started.elapsed() < everytime_common::metrics::UPKEEP_INTERVAL * 3,
            "no page was rendered, and still {now} of {held} bytes are held"
        );
        // A process under load goes on recording; that also lets freed
        // blocks be reclaimed (they are freed once no recorder can still
        // be reading them).
        for _ in 0..100 {
            everytime_common::metrics::record_http("GET", "/healthz", 200, 0.0001);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
