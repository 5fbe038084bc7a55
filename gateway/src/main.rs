//! The gateway binary: reads the environment and serves HTTP on
//! `GATEWAY_LISTEN_ADDR` (default `127.0.0.1:8080`) until SIGTERM or Ctrl-C.
//! `everytime-gateway healthcheck` checks a running one and exits 0 if healthy.
//! The steps are every binary's, in `everytime_common::binary`.

use everytime_common::binary::{self, Binary, HealthCheck};

/// Every binary allocates through mimalloc (see the README's benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BINARY: Binary = Binary {
    name: "gateway",
    listen_var: "GATEWAY_LISTEN_ADDR",
    default_addr: "127.0.0.1:8080",
    health: HealthCheck::Http("/healthz"),
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    binary::run(
        BINARY,
        everytime_gateway::Config::from_env,
        everytime_gateway::serve,
    )
    .await
    .map_err(anyhow::Error::from_boxed)
}
