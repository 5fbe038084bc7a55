//! The timetable service binary: reads the environment and serves gRPC on
//! `TIMETABLE_LISTEN_ADDR` (default `127.0.0.1:50053`) until SIGTERM or Ctrl-C.
//! `everytime-timetable healthcheck` checks a running one and exits 0 if healthy.

use everytime_common::{config, health, shutdown_signal, telemetry};
use everytime_timetable::{Config, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = config::listen_addr("TIMETABLE_LISTEN_ADDR", "127.0.0.1:50053")?;
    if health::requested() {
        health::exit_with(health::check_grpc(addr).await);
    }
    let shutdown = shutdown_signal();
    let telemetry = telemetry::init("timetable");
    let config = Config::from_env()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "timetable listening");
    serve(config, listener, shutdown).await?;
    tracing::info!("timetable stopped");
    telemetry.shutdown().await;
    Ok(())
}
