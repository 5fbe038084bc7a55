//! What every Everytime service (and the gateway) shares in production, and
//! nothing more. Development and test tools (the private Postgres cluster,
//! test databases, test helpers) live in the dev-only `everytime-devkit`
//! crate, which no service binary links.
//!
//! - [`config`]: reading settings from the environment.
//! - [`telemetry`]: logs, spans, OpenTelemetry traces and their propagation.
//! - [`binary`]: the `main` every binary runs (listen address,
//!   `healthcheck`, signal, telemetry, config, serve).
//! - [`health`]: `<binary> healthcheck` for container health checks.
//! - [`metrics`]: Prometheus metrics of RPCs, HTTP requests and pools.
//! - [`validate`]: the shared shape of input limits (trimmed, counted in
//!   characters) and [`validate::all`], which names every bad field at once.
//! - [`page`]: page sizes, signed keyset cursors, and the two ends of a
//!   keyset page ([`page::page_request`], [`page::finish_page`]).
//! - [`token`]: access-token claims, signing keys, and their verification
//!   against auth's JWK Set.
//! - [`grpc`]: `google.rpc`-rich statuses, the bearer-token layer, the
//!   handler ends (`unpack`, `reply`), the server runner with draining
//!   health and metrics, client channels with deadlines (one file each).
//! - [`follow`]: following a long-lived server stream that keeps something
//!   in memory up to date, reopened with back-off.
//! - [`cache`]: the bounded map by user id, with a generation, under the
//!   caches an owner invalidates.
//! - [`nicknames`]: the bounded cache of nicknames that auth's account
//!   events invalidate, for the gateway and the services that name users.
//! - [`balance`]: `dns:///host:port` channels balanced over every address of
//!   `host`, re-resolved as pods come and go.
//! - [`db`] (feature `db`): the per-service pool, schema and migrations, the
//!   database settings every service reads, constraint mapping at the call
//!   site ([`db::ResultExt`]).
//! - [`events`] (feature `db`): the event channel's durable consumer, which
//!   applies each event once, in order, in the service's own database.
//! - [`service`] (feature `db`): the configuration the data services share
//!   and [`service::serve_data_service`], the one way they run.
//!
//! The modules depend on each other one way only (no circles): `config`,
//! `validate`, `metrics`, `balance`, `cache` and `follow` use nothing of this
//! crate; `nicknames` uses `cache`;
//! `telemetry` uses `config`; `token` uses `config`, `telemetry` and
//! `follow`; `page`
//! uses `config` and `validate`; `grpc` uses `token`, `validate`, `metrics`,
//! `telemetry`, `balance` and `nicknames`; `health` uses `grpc`; `binary` uses `config`, `health` and `telemetry`; `db` uses `config`,
//! `metrics` and `grpc`; `events` uses nothing of this crate; `service` uses
//! all of these.

pub mod balance;
pub mod binary;
pub mod cache;
pub mod config;
pub mod follow;
pub mod grpc;
pub mod health;
pub mod metrics;
pub mod net;
pub mod nicknames;
pub mod page;
pub mod telemetry;
pub mod token;
pub mod validate;

#[cfg(feature = "db")]
pub mod db;
#[cfg(feature = "db")]
pub mod events;
#[cfg(feature = "db")]
pub mod outbox;
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
