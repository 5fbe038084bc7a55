//! The `main` of every binary (auth, community, timetable, the gateway):
//! read the listen address, answer `<binary> healthcheck`, install the
//! shutdown signal first thing, set up telemetry, read the configuration,
//! bind, serve until SIGTERM or Ctrl-C, flush telemetry. Each `main.rs`
//! names its binary and passes its `Config::from_env` and `serve`.

use std::{future::Future, pin::Pin};

use tokio::net::TcpListener;

use crate::{config, health, shutdown_signal, telemetry};

/// Any error a binary stops with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The shutdown future a binary's `serve` is given.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// How `<binary> healthcheck` checks a running server.
#[derive(Debug, Clone, Copy)]
pub enum HealthCheck {
    /// `grpc.health.v1` on the gRPC port (the services).
    Grpc,
    /// `GET <path>` answers 200 (the gateway's `/healthz`).
    Http(&'static str),
}

/// What sets one binary apart from another.
#[derive(Debug, Clone, Copy)]
pub struct Binary {
    /// The telemetry service name and the word in its logs (`community`).
    pub name: &'static str,
    /// The variable of its listen address (`COMMUNITY_LISTEN_ADDR`).
    pub listen_var: &'static str,
    /// The listen address without it (`127.0.0.1:50052`).
    pub default_addr: &'static str,
    /// How `healthcheck` checks it.
    pub health: HealthCheck,
}

/// Runs a binary: see the module docs for the steps, in their order. With
/// the argument `healthcheck` it checks the running server instead and
/// exits 0 when healthy.
pub async fn run<C, CE, SE, Fut>(
    binary: Binary,
    config_from_env: impl FnOnce() -> Result<C, CE>,
    serve: impl FnOnce(C, TcpListener, Shutdown) -> Fut,
) -> Result<(), BoxError>
where
    CE: Into<BoxError>,
    SE: Into<BoxError>,
    Fut: Future<Output = Result<(), SE>>,
{
    let addr = config::listen_addr(binary.listen_var, binary.default_addr)?;
    if health::requested() {
        health::exit_with(match binary.health {
            HealthCheck::Grpc => health::check_grpc(addr).await,
            HealthCheck::Http(path) => health::check_http(addr, path).await,
        });
    }
    // Before anything slow: a SIGTERM during start-up then stops in order.
    let shutdown: Shutdown = Box::pin(shutdown_signal());
    let telemetry = telemetry::init(binary.name);
    let config = config_from_env().map_err(Into::into)?;
    let listener = TcpListener::bind(addr).await?;
    let name = binary.name;
    tracing::info!(%addr, "{name} listening");
    serve(config, listener, shutdown)
        .await
        .map_err(Into::into)?;
    tracing::info!("{name} stopped");
    telemetry.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `serve` shaped like every service's.
    async fn serve(
        _config: u16,
        _listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), std::io::Error> {
        shutdown.await;
        Ok(())
    }

    /// Type-checks a `main` written the way every binary's is. It is not
    /// run: it would install the process-wide tracing subscriber, which the
    /// telemetry tests of this crate install their own way.
    #[test]
    fn a_service_passes_its_from_env_and_serve_as_they_are() {
        let binary = Binary {
            name: "test",
            listen_var: "EVERYTIME_BINARY_TEST_LISTEN_ADDR",
            default_addr: "127.0.0.1:0",
            health: HealthCheck::Http("/healthz"),
        };
        let main = || run(binary, || Ok::<_, std::io::Error>(42), serve);
        let _ = main;
    }
}
