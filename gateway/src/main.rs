//! The gateway binary: reads the environment and serves HTTP on
//! `GATEWAY_LISTEN_ADDR` (default `127.0.0.1:8080`) until SIGTERM or Ctrl-C.
//! `everytime-gateway healthcheck` checks a running one and exits 0 if healthy.

use everytime_common::{config, health, shutdown_signal, telemetry};
use everytime_gateway::{Config, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = config::listen_addr("GATEWAY_LISTEN_ADDR", "127.0.0.1:8080")?;
    if health::requested() {
        health::exit_with(health::check_http(addr, "/healthz").await);
    }
    let shutdown = shutdown_signal();
    let telemetry = telemetry::init("gateway");
    let config = Config::from_env()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "gateway listening");
    serve(config, listener, shutdown).await?;
    tracing::info!("gateway stopped");
    telemetry.shutdown().await;
    Ok(())
}
