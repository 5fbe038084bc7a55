//! The auth service binary: reads the environment and serves gRPC on
//! `AUTH_LISTEN_ADDR` (default `127.0.0.1:50051`) until SIGTERM or Ctrl-C.
//! `everytime-auth healthcheck` checks a running one and exits 0 if healthy.

use everytime_auth::{Config, serve};
use everytime_common::{config, health, shutdown_signal, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = config::listen_addr("AUTH_LISTEN_ADDR", "127.0.0.1:50051")?;
    if health::requested() {
        health::exit_with(health::check_grpc(addr).await);
    }
    let shutdown = shutdown_signal();
    let telemetry = telemetry::init("auth");
    let config = Config::from_env()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "auth listening");
    serve(config, listener, shutdown).await?;
    tracing::info!("auth stopped");
    telemetry.shutdown().await;
    Ok(())
}
