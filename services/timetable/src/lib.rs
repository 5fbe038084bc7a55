//! The timetable service: the course catalog, timetables that never clash,
//! friends, the timetable picture.
//!
//! It owns the `timetable` schema. A timetable's courses occupy rows of
//! `timetable_slots`, whose exclusion constraint makes two overlapping
//! sessions in one timetable impossible even when adds race; course search
//! is answered by a GIN index over character grams, so one- and
//! two-character Korean queries are index-backed too. Users and schools are
//! plain ids from the access token (an import's school is checked with
//! auth's `GetSchool`); the gateway adds nicknames.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves; the
//! binary, the one-process launcher and the tests all start it that way.
//! With [`Config::load_demo_catalog`] on it also loads the built-in demo
//! catalog in the background ([`demo`]).
//!
//! # Layout
//!
//! A request goes [`api`] → its use case → [`store`], the same in every
//! service:
//!
//! - `lib.rs`: [`serve`], [`State`] (what every use case shares) and [`Config`];
//! - [`api`]: the tonic trait impls, one delegation each;
//! - the use cases, functions of the [`State`] holding the rules: [`catalog`]
//!   (import, search), [`timetables`] (timetables, their courses, the
//!   primary one, the picture) and [`friends`] (requests, friends, a
//!   friend's timetable); [`render`] draws the picture and [`demo`] loads
//!   the demo catalog;
//! - [`wire`]: rows as protobuf messages;
//! - [`domain`]: validated input, one concept a file, and every limit
//!   ([`domain::limits`]);
//! - [`error`]: the one error enum and its status;
//! - [`store`]: the SQL, one file per aggregate.

pub mod accounts;
pub mod api;
pub mod catalog;
pub mod custom_entries;
pub mod demo;
pub mod domain;
pub mod error;
pub mod free_time;
pub mod friend_events;
pub mod friends;
pub mod grades;
pub mod render;
pub mod reviews;
pub mod store;
pub mod timetables;
pub mod wire;

use std::{future::Future, sync::Arc};

pub use everytime_common::service::{ServiceConfig, StartError};
use everytime_common::{
    config::{self, ConfigError},
    events, grpc,
    nicknames::NicknameCache,
    outbox::OutboxHub,
    page::Cursors,
    service::{DataService, Served, serve_data_service},
};
use everytime_proto::{
    auth::v1::{
        auth_service_client::AuthServiceClient, event_service_client::EventServiceClient,
        user_service_client::UserServiceClient,
    },
    timetable::v1::{
        catalog_service_server::CatalogServiceServer,
        friend_event_service_server::FriendEventServiceServer,
        friend_service_server::FriendServiceServer, grade_service_server::GradeServiceServer,
        review_service_server::ReviewServiceServer,
        timetable_service_server::TimetableServiceServer,
    },
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::{service::Routes, transport::Channel};

/// The migrations of the `timetable` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns.
pub const SCHEMA: &str = "timetable";

/// The services reported by `grpc.health.v1`.
pub const HEALTH_SERVICES: &[&str] = &[
    "everytime.timetable.v1.CatalogService",
    "everytime.timetable.v1.TimetableService",
    "everytime.timetable.v1.FriendService",
    "everytime.timetable.v1.GradeService",
    "everytime.timetable.v1.ReviewService",
    "everytime.timetable.v1.FriendEventService",
];

/// Every RPC needs a token but the event channel's, whose consumers hold
/// no user token (see events.proto).
pub const PUBLIC_METHODS: &[&str] = &[
    "/everytime.timetable.v1.FriendEventService/WatchFriendEvents",
    "/everytime.timetable.v1.FriendEventService/AcknowledgeFriendEvents",
];

/// The prefix of this service's own variables.
pub const ENV_PREFIX: &str = "TIMETABLE";

/// What [`serve`] tells the shared scaffold about this service.
const SERVICE: DataService = DataService {
    schema: SCHEMA,
    migrator: &MIGRATOR,
    health_services: HEALTH_SERVICES,
    public_methods: PUBLIC_METHODS,
};

/// Everything the service is configured with: what every data service
/// reads (its own database variable is `TIMETABLE_DATABASE_URL`) plus the
/// timetable's own settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The settings every data service shares.
    pub service: ServiceConfig,
    /// Load the built-in demo catalog at start-up, in the background, when
    /// the current semester has no courses of its school
    /// (`TIMETABLE_LOAD_DEMO_CATALOG`, default false).
    pub load_demo_catalog: bool,
    /// How the demo catalog loader waits for auth.
    pub demo_retry: demo::Retry,
}

impl Config {
    /// Defaults for everything but the database and auth (no demo catalog):
    /// for tests and the launcher.
    pub fn new(database_url: impl Into<String>, auth_url: impl Into<String>) -> Self {
        ServiceConfig::new(database_url, auth_url).into()
    }

    /// Reads the environment; `DATABASE_URL` (or `TIMETABLE_DATABASE_URL`)
    /// is required.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::with_own_variables(ServiceConfig::from_env(ENV_PREFIX)?)
    }

    /// Reads the environment, with `database_url` unless
    /// `TIMETABLE_DATABASE_URL` overrides it.
    pub fn from_env_with_database(database_url: String) -> Result<Self, ConfigError> {
        Self::with_own_variables(ServiceConfig::from_env_with_database(
            ENV_PREFIX,
            database_url,
        )?)
    }

    fn with_own_variables(service: ServiceConfig) -> Result<Self, ConfigError> {
        Ok(Config {
            load_demo_catalog: config::flag_or("TIMETABLE_LOAD_DEMO_CATALOG", false)?,
            ..service.into()
        })
    }
}

impl From<ServiceConfig> for Config {
    fn from(service: ServiceConfig) -> Self {
        Config {
            service,
            load_demo_catalog: false,
            demo_retry: demo::Retry::default(),
        }
    }
}

/// What every use case shares.
#[derive(Debug)]
pub struct State {
    /// The pool, on the `timetable` schema.
    pub pool: PgPool,
    /// Signs page tokens.
    pub cursors: Cursors,
    /// Auth, which owns schools (`GetSchool` checks an import's school).
    pub auth: AuthServiceClient<Channel>,
    /// Names the asker of a friend request in its event.
    pub nicknames: grpc::users::Nicknames,
    /// Wakes the open streams of the friend-event outbox.
    pub events: OutboxHub,
}

/// Serves gRPC on `listener` until `shutdown` resolves, verifying tokens
/// with the keys auth publishes (or `config.service.verifier`'s).
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let service = &config.service;
    // One channel to auth: the demo loader and the import's school check share it.
    let auth_channel = grpc::channel(&service.auth_url, service.grpc_timeout)?;
    let auth = AuthServiceClient::new(auth_channel.clone());
    let state_slot: Arc<std::sync::OnceLock<Arc<State>>> = Arc::default();
    let shutdown = {
        // Open event streams end as the server starts draining.
        let state_slot = state_slot.clone();
        async move {
            shutdown.await;
            if let Some(state) = state_slot.get() {
                state.events.close();
            }
        }
    };
    serve_data_service(service, SERVICE, listener, shutdown, |pool, verifier| {
        // Renames reach the nickname cache through the verifier's stream.
        let (nickname_cache, follow_nicknames) =
            NicknameCache::following(verifier.account_changes()).unzip();
        let state = Arc::new(State {
            pool: pool.clone(),
            cursors: service.cursors.clone(),
            auth: auth.clone(),
            nicknames: grpc::users::Nicknames::new(
                UserServiceClient::new(auth_channel.clone()),
                nickname_cache,
            ),
            events: OutboxHub::default(),
        });
        let _ = state_slot.set(state.clone());
        let listen = tokio::spawn({
            let (state, pool) = (state.clone(), pool.clone());
            async move { friend_events::listen(&state.events, pool).await }
        });
        let prune = tokio::spawn(friend_events::prune(pool.clone()));
        let routes = Routes::new(CatalogServiceServer::new(api::CatalogApi(state.clone())))
            .add_service(TimetableServiceServer::new(api::TimetableApi(
                state.clone(),
            )))
            .add_service(FriendServiceServer::new(api::FriendApi(state.clone())))
            .add_service(GradeServiceServer::new(api::GradeApi(state.clone())))
            .add_service(ReviewServiceServer::new(api::ReviewApi(state.clone())))
            .add_service(FriendEventServiceServer::new(api::FriendEventApi(state)));
        // Deleted users' data goes when auth says so, also for what
        // happened while this service was down.
        let consumer = tokio::spawn(
            events::Consumer {
                name: accounts::CONSUMER,
                position_key: accounts::CONSUMER,
                pool: pool.clone(),
                source: events::AuthEvents(EventServiceClient::new(auth_channel)),
                handler: Arc::new(accounts::AccountEvents),
            }
            .run(),
        );
        let served = Served::from(routes)
            .with_background(consumer)
            .with_background(listen)
            .with_background(prune)
            .with_background_tasks(follow_nicknames);
        // An unfinished demo load is aborted at shutdown and rolls back; it
        // must not hold the pool open.
        Ok(if config.load_demo_catalog {
            served.with_background(demo::spawn(pool, auth, config.demo_retry))
        } else {
            served
        })
    })
    .await
}
