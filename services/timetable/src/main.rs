//! The timetable service binary: reads the environment and serves gRPC on
//! `TIMETABLE_LISTEN_ADDR` (default `127.0.0.1:50053`) until SIGTERM or Ctrl-C.

use everytime_common::{config, shutdown_signal, telemetry};
use everytime_timetable::{Config, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init("timetable");
    let config = Config::from_env()?;
    let addr = config::listen_addr("TIMETABLE_LISTEN_ADDR", "127.0.0.1:50053")?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "timetable listening");
    serve(config, listener, shutdown_signal()).await?;
    tracing::info!("timetable stopped");
    Ok(())
}
