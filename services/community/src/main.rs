//! The community service binary: reads the environment and serves gRPC on
//! `COMMUNITY_LISTEN_ADDR` (default `127.0.0.1:50052`) until SIGTERM or Ctrl-C.
//! `everytime-community healthcheck` checks a running one and exits 0 if healthy.

use everytime_common::{config, health, shutdown_signal, telemetry};
use everytime_community::{Config, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = config::listen_addr("COMMUNITY_LISTEN_ADDR", "127.0.0.1:50052")?;
    if health::requested() {
        health::exit_with(health::check_grpc(addr).await);
    }
    let shutdown = shutdown_signal();
    let telemetry = telemetry::init("community");
    let config = Config::from_env(everytime_community::ENV_PREFIX)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "community listening");
    serve(config, listener, shutdown).await?;
    tracing::info!("community stopped");
    telemetry.shutdown().await;
    Ok(())
}
