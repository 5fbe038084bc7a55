//! The timetable service binary: reads the environment and serves gRPC on
//! `TIMETABLE_LISTEN_ADDR` (default `127.0.0.1:50053`) until SIGTERM or Ctrl-C.
//! `everytime-timetable healthcheck` checks a running one and exits 0 if healthy.
//! The steps are every binary's, in `everytime_common::binary`.

use everytime_common::binary::{self, Binary, HealthCheck};

/// Every binary allocates through mimalloc (see the README's benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BINARY: Binary = Binary {
    name: "timetable",
    listen_var: "TIMETABLE_LISTEN_ADDR",
    default_addr: "127.0.0.1:50053",
    health: HealthCheck::Grpc,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    binary::run(
        BINARY,
        everytime_timetable::Config::from_env,
        everytime_timetable::serve,
    )
    .await
    .map_err(anyhow::Error::from_boxed)
}
