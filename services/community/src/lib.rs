//! The community service: per-school boards, posts, comments, 공감, scraps, HOT and BEST, search.
//!
//! It owns the `community` schema. Authors and schools are plain ids from
//! the verified access token; everything is scoped to the caller's school,
//! and the user id of anonymous content never leaves the service. Counters
//! (likes, comments, scraps) change in the same transaction as the rows
//! they count, guarded by unique constraints, so they stay exact when
//! requests race. Lists are keyset-paginated with signed cursors.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves; the
//! binary, the one-process launcher and the tests all start it that way.

pub mod domain;
pub mod error;
pub mod lists;
pub mod service;
pub mod store;

use std::{future::Future, sync::Arc};

pub use everytime_common::service::{ServiceConfig, StartError};
use everytime_common::{
    db,
    grpc::{self, ServeOptions},
    page::Cursors,
    token::TokenVerifier,
};
use everytime_proto::community::v1::community_service_server::CommunityServiceServer;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::service::Routes;

/// The migrations of the `community` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns.
pub const SCHEMA: &str = "community";

/// The services reported by `grpc.health.v1`.
pub const HEALTH_SERVICES: &[&str] = &["everytime.community.v1.CommunityService"];

/// Every RPC needs a token.
pub const PUBLIC_METHODS: &[&str] = &[];

/// Everything the service is configured with; its own database variable
/// is `COMMUNITY_DATABASE_URL`.
pub type Config = ServiceConfig;

/// The prefix of this service's own variables.
pub const ENV_PREFIX: &str = "COMMUNITY";

/// What every handler shares.
#[derive(Debug)]
pub struct State {
    /// The pool, on the `community` schema.
    pub pool: PgPool,
    /// Signs page tokens.
    pub cursors: Cursors,
}

/// Serves gRPC on `listener` until `shutdown` resolves, verifying tokens
/// with the keys auth publishes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let verifier = config.verifier()?;
    serve_with_verifier(config, verifier, listener, shutdown).await
}

/// [`serve`] with a given token verifier (tests use fixed keys).
pub async fn serve_with_verifier(
    config: Config,
    verifier: Arc<TokenVerifier>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let pool =
        db::connect_and_migrate(&config.database_url, SCHEMA, &config.pool, &MIGRATOR).await?;
    let state = Arc::new(State {
        pool: pool.clone(),
        cursors: config.cursors.clone(),
    });
    let routes = Routes::new(CommunityServiceServer::new(service::CommunityApi(state)));
    let served = grpc::serve(
        routes,
        ServeOptions {
            health_services: HEALTH_SERVICES,
            public_methods: PUBLIC_METHODS,
            verifier,
        },
        listener,
        shutdown,
    )
    .await;
    pool.close().await;
    Ok(served?)
}
