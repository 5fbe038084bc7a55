//! The timetable service: the course catalog, timetables that never clash,
//! friends, the timetable picture.
//!
//! It owns the `timetable` schema. A timetable's courses occupy rows of
//! `timetable_slots`, whose exclusion constraint makes two overlapping
//! sessions in one timetable impossible even when adds race; course search
//! is answered by a GIN index over character grams, so one- and
//! two-character Korean queries are index-backed too. Users and schools are
//! plain ids from the access token; the gateway adds nicknames.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves; the
//! binary, the one-process launcher and the tests all start it that way.
//! [`catalog::import`] also loads catalogs from outside the service (the
//! launcher's demo data).

pub mod catalog;
pub mod domain;
pub mod error;
pub mod render;
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
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::service::Routes;

/// The migrations of the `timetable` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns.
pub const SCHEMA: &str = "timetable";

/// The services reported by `grpc.health.v1`.
pub const HEALTH_SERVICES: &[&str] = &[
    "everytime.timetable.v1.CatalogService",
    "everytime.timetable.v1.TimetableService",
    "everytime.timetable.v1.FriendService",
];

/// Every RPC needs a token.
pub const PUBLIC_METHODS: &[&str] = &[];

/// Everything the service is configured with; its own database variable
/// is `TIMETABLE_DATABASE_URL`.
pub type Config = ServiceConfig;

/// The prefix of this service's own variables.
pub const ENV_PREFIX: &str = "TIMETABLE";

/// What every handler shares.
#[derive(Debug)]
pub struct State {
    /// The pool, on the `timetable` schema.
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
    let routes = Routes::new(
        everytime_proto::timetable::v1::catalog_service_server::CatalogServiceServer::new(
            service::CatalogApi(state.clone()),
        ),
    )
    .add_service(
        everytime_proto::timetable::v1::timetable_service_server::TimetableServiceServer::new(
            service::TimetableApi(state.clone()),
        ),
    )
    .add_service(
        everytime_proto::timetable::v1::friend_service_server::FriendServiceServer::new(
            service::FriendApi(state),
        ),
    );
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
