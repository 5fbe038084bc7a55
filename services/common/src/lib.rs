//! What every Everytime service shares, and nothing more.
//!
//! - [`config`]: reading settings from the environment.
//! - [`telemetry`]: logs, spans, OpenTelemetry traces and their propagation.
//! - [`health`]: `<binary> healthcheck` for container health checks.
//! - [`metrics`]: Prometheus metrics of RPCs, HTTP requests and pools.
//! - [`validate`]: the shared shape of input limits (trimmed, counted in characters).
//! - [`page`]: page sizes and signed keyset cursors.
//! - [`token`]: access-token claims and their verification against auth's JWK Set.
//! - [`grpc`]: `google.rpc`-rich errors, the bearer-token layer, the server
//!   runner with health and reflection, client channels with deadlines.
//! - [`balance`]: `dns:///host:port` channels balanced over every address of
//!   `host`, re-resolved as pods come and go.
//! - [`db`] and [`postgres`] (feature `db`): the per-service pool, schema and
//!   migrations, and the private Postgres cluster for development and tests.
//! - [`service`] (feature `db`): the configuration the data services share.

pub mod balance;
pub mod config;
pub mod grpc;
pub mod health;
pub mod metrics;
pub mod page;
pub mod telemetry;
pub mod token;
pub mod validate;

#[cfg(feature = "db")]
pub mod db;
#[cfg(feature = "db")]
pub mod postgres;
#[cfg(feature = "db")]
pub mod service;

/// Resolves when the process is asked to stop (SIGTERM, SIGINT or Ctrl-C).
///
/// Servers pass this as their shutdown future: they stop accepting, let
/// in-flight requests finish, then return. The signal handlers are installed
/// when this is *called*, not when the future is first polled, so call it
/// first thing: a SIGTERM that arrives while the process is still starting
/// then leads to the same orderly stop instead of killing it outright.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            let wait = |stream: std::io::Result<tokio::signal::unix::Signal>,
                        name: &'static str| async move {
                match stream {
                    Ok(mut stream) => {
                        stream.recv().await;
                    }
                    Err(error) => {
                        tracing::error!(%error, name, "cannot listen for the signal");
                        std::future::pending::<()>().await;
                    }
                }
            };
            tokio::select! {
                () = wait(terminate, "SIGTERM") => {}
                () = wait(interrupt, "SIGINT") => {}
            }
            tracing::info!("shutdown requested; draining in-flight requests");
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutdown requested; draining in-flight requests");
    }
}
