//! The community service binary: reads the environment and serves gRPC on
//! `COMMUNITY_LISTEN_ADDR` (default `127.0.0.1:50052`) until SIGTERM or Ctrl-C.

use everytime_common::{config, shutdown_signal, telemetry};
use everytime_community::{Config, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init("community");
    let config = Config::from_env()?;
    let addr = config::listen_addr("COMMUNITY_LISTEN_ADDR", "127.0.0.1:50052")?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "community listening");
    serve(config, listener, shutdown_signal()).await?;
    tracing::info!("community stopped");
    Ok(())
}
