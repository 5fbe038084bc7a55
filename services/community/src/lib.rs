//! The community service: per-school boards, posts, comments, 공감, scraps,
//! HOT and BEST, search, 신고, 쪽지 and 알림.
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
//!
//! # Layout
//!
//! The same files with the same roles as in every service:
//!
//! - this file: [`serve`], [`State`], [`Config`];
//! - [`api`]: the tonic trait impl only, one delegation per RPC;
//! - one module per use case, holding its rules: [`boards`], [`posts`],
//!   [`comments`] (replies, 익명N numbering), [`reactions`] (공감, scraps),
//!   [`feeds`] (a board's posts, HOT, BEST, search, the caller's lists),
//!   [`reports`] (신고, blinding, the write restriction), [`messages`]
//!   (쪽지), [`notifications`] (알림 and their live stream), [`accounts`]
//!   and [`friends`] (what other services' events cause), [`limits`] (the
//!   per-user write limits the others call);
//! - [`wire`]: rows → protobuf messages, and how authors are named;
//! - [`domain`]: validated newtypes and every limit and threshold, once;
//! - [`paging`]: the scopes cursors are bound to and how times ride in
//!   them (the page request itself is [`everytime_common::page`]'s);
//! - [`error`]: the one error enum and its gRPC status;
//! - [`store`]: the SQL, one file per aggregate.
//!
//! A request goes `api` → use case → `store`, and back through `wire`. A
//! comment, say: [`api`]'s `create_comment` unpacks the caller and hands the
//! message to [`comments::create`], which validates it ([`domain`]), locks
//! the post ([`posts`]), applies the cap, the reply rule and the 익명N
//! numbering through [`store::comments`], and answers with
//! [`wire::comment`]. `domain`, `paging` and `store` depend on no other
//! module of the crate, `error` only on `domain`; nothing depends on `api`
//! but [`serve`].

pub mod accounts;
pub mod api;
pub mod boards;
pub mod comments;
pub mod domain;
pub mod error;
pub mod feeds;
pub mod friends;
pub mod limits;
pub mod messages;
pub mod notifications;
pub mod paging;
pub mod posts;
pub mod reactions;
pub mod reports;
pub mod store;
pub mod wire;

use std::{future::Future, sync::Arc};

pub use everytime_common::service::{ServiceConfig, StartError};
use everytime_common::{
    config::{self, ConfigError},
    events, grpc,
    nicknames::NicknameCache,
    page::Cursors,
    service::{self, DataService, Served},
};
use everytime_proto::{
    auth::v1::{event_service_client::EventServiceClient, user_service_client::UserServiceClient},
    community::v1::{
        community_service_server::CommunityServiceServer,
        message_service_server::MessageServiceServer,
        notification_service_server::NotificationServiceServer,
    },
    timetable::v1::friend_event_service_client::FriendEventServiceClient,
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::domain::{WriteLimit, WriteLimits};

/// The migrations of the `community` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns.
pub const SCHEMA: &str = "community";

/// The services reported by `grpc.health.v1`.
pub const HEALTH_SERVICES: &[&str] = &[
    "everytime.community.v1.CommunityService",
    "everytime.community.v1.MessageService",
    "everytime.community.v1.NotificationService",
];

/// Every RPC needs a token but the stream of restriction changes, which
/// carries nothing and whose caller (the gateway's cache) holds no user
/// token (see community.proto).
pub const PUBLIC_METHODS: &[&str] =
    &["/everytime.community.v1.CommunityService/WatchWriteRestrictionChanges"];

/// What the shared serve scaffold needs to know of this service.
const SERVICE: DataService = DataService {
    schema: SCHEMA,
    migrator: &MIGRATOR,
    health_services: HEALTH_SERVICES,
    public_methods: PUBLIC_METHODS,
};

/// The prefix of this service's own variables.
pub const ENV_PREFIX: &str = "COMMUNITY";

/// Where the timetable service is unless `TIMETABLE_URL` says otherwise.
pub const DEFAULT_TIMETABLE_URL: &str = "http://127.0.0.1:50053";

/// Everything the service is configured with: what every data service
/// reads (its own database variable is `COMMUNITY_DATABASE_URL`), and the
/// per-user write limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// The settings every data service shares.
    pub service: ServiceConfig,
    /// The per-user write limits (on by default).
    pub write_limits: WriteLimits,
    /// How many different users' reports blind a post or comment
    /// (`REPORTS_TO_BLIND`, default 5).
    pub reports_to_blind: u32,
    /// The timetable service, whose friend events become notifications
    /// (`TIMETABLE_URL`, default `http://127.0.0.1:50053`).
    pub timetable_url: String,
}

impl Config {
    /// Defaults for everything but the database and auth: for tests and the
    /// launcher.
    pub fn new(database_url: impl Into<String>, auth_url: impl Into<String>) -> Self {
        Config {
            service: ServiceConfig::new(database_url, auth_url),
            write_limits: WriteLimits::default(),
            reports_to_blind: domain::DEFAULT_REPORTS_TO_BLIND,
            timetable_url: DEFAULT_TIMETABLE_URL.to_owned(),
        }
    }

    /// Reads the environment; `DATABASE_URL` (or `COMMUNITY_DATABASE_URL`)
    /// is required.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Config {
            service: ServiceConfig::from_env(ENV_PREFIX)?,
            write_limits: write_limits_from_env()?,
            reports_to_blind: reports_to_blind_from_env()?,
            timetable_url: config::var_or("TIMETABLE_URL", DEFAULT_TIMETABLE_URL),
        })
    }

    /// Reads the environment, with `database_url` unless
    /// `COMMUNITY_DATABASE_URL` overrides it.
    pub fn from_env_with_database(database_url: String) -> Result<Self, ConfigError> {
        Ok(Config {
            service: ServiceConfig::from_env_with_database(ENV_PREFIX, database_url)?,
            write_limits: write_limits_from_env()?,
            reports_to_blind: reports_to_blind_from_env()?,
            timetable_url: config::var_or("TIMETABLE_URL", DEFAULT_TIMETABLE_URL),
        })
    }
}

/// The write limits the environment sets: `WRITE_RATE_LIMITS` (`on` or
/// `off`) and one variable per limit, each defaulting to the app's.
fn write_limits_from_env() -> Result<WriteLimits, ConfigError> {
    let defaults = WriteLimits::default();
    Ok(WriteLimits {
        enabled: config::flag_or("WRITE_RATE_LIMITS", defaults.enabled)?,
        posts_per_board: WriteLimit {
            max: 1,
            window: config::seconds_or(
                "WRITE_LIMIT_POST_INTERVAL_SECONDS",
                defaults.posts_per_board.window.as_secs(),
            )?,
        },
        comments: WriteLimit {
            max: count_or("WRITE_LIMIT_COMMENTS_PER_MINUTE", defaults.comments.max)?,
            window: WriteLimits::MINUTE,
        },
        likes: WriteLimit {
            max: count_or("WRITE_LIMIT_LIKES_PER_MINUTE", defaults.likes.max)?,
            window: WriteLimits::MINUTE,
        },
        boards: WriteLimit {
            max: count_or("WRITE_LIMIT_BOARDS_PER_DAY", defaults.boards.max)?,
            window: WriteLimits::DAY,
        },
        reports: WriteLimit {
            max: count_or("WRITE_LIMIT_REPORTS_PER_DAY", defaults.reports.max)?,
            window: WriteLimits::DAY,
        },
        messages: WriteLimit {
            max: count_or("WRITE_LIMIT_MESSAGES_PER_MINUTE", defaults.messages.max)?,
            window: WriteLimits::MINUTE,
        },
    })
}

/// `REPORTS_TO_BLIND`: at least 1.
fn reports_to_blind_from_env() -> Result<u32, ConfigError> {
    count_or("REPORTS_TO_BLIND", domain::DEFAULT_REPORTS_TO_BLIND)
}

/// A limit's count: at least 1 (to stop a kind of write altogether is not
/// a rate limit; `WRITE_RATE_LIMITS=off` is the way to lift them).
fn count_or(name: &str, default: u32) -> Result<u32, ConfigError> {
    match config::parse_or(name, default)? {
        0 => Err(ConfigError {
            name: name.to_owned(),
            value: "0".to_owned(),
            reason: "must be at least 1".to_owned(),
        }),
        count => Ok(count),
    }
}

/// What every handler shares.
#[derive(Debug)]
pub struct State {
    /// The pool, on the `community` schema.
    pub pool: PgPool,
    /// Signs page tokens.
    pub cursors: Cursors,
    /// The per-user write limits.
    pub write_limits: WriteLimits,
    /// How many different users' reports blind an item.
    pub reports_to_blind: u32,
    /// Names the other side of named 쪽지 conversations.
    pub nicknames: grpc::users::Nicknames,
    /// Wakes the open notification streams.
    pub notification_hub: Arc<notifications::NotificationHub>,
}

/// Serves gRPC on `listener` until `shutdown` resolves, verifying tokens
/// with the keys auth publishes (or `config.service.verifier`'s).
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let cursors = config.service.cursors.clone();
    let write_limits = config.write_limits;
    let reports_to_blind = config.reports_to_blind;
    let auth = grpc::channel(&config.service.auth_url, config.service.grpc_timeout)?;
    let timetable = grpc::channel(&config.timetable_url, config.service.grpc_timeout)?;
    let notification_hub = Arc::new(notifications::NotificationHub::default());
    let shutdown = {
        // Open notification streams end as the server starts draining.
        let hub = notification_hub.clone();
        async move {
            shutdown.await;
            hub.close();
        }
    };
    service::serve_data_service(
        &config.service,
        SERVICE,
        listener,
        shutdown,
        |pool, verifier| {
            // Renames and deletions reach the nickname cache through the
            // verifier's stream of auth's events.
            let (nickname_cache, follow_nicknames) =
                NicknameCache::following(verifier.account_changes()).unzip();
            // Deleted users' scraps go when auth says so, also for what
            // happened while this service was down.
            let consumer = tokio::spawn(
                events::Consumer {
                    name: accounts::CONSUMER,
                    position_key: accounts::CONSUMER,
                    pool: pool.clone(),
                    source: events::AuthEvents(EventServiceClient::new(auth.clone())),
                    handler: Arc::new(accounts::AccountEvents {
                        nicknames: nickname_cache.clone(),
                    }),
                }
                .run(),
            );
            // Friend requests become notifications when timetable says so.
            let friend_events = tokio::spawn(
                events::Consumer {
                    name: friends::CONSUMER,
                    position_key: friends::POSITION_KEY,
                    pool: pool.clone(),
                    source: events::TimetableEvents(FriendEventServiceClient::new(timetable)),
                    handler: Arc::new(friends::FriendEvents),
                }
                .run(),
            );
            let listen = tokio::spawn(notification_hub.clone().listen(pool.clone()));
            let state = Arc::new(State {
                pool,
                cursors,
                write_limits,
                reports_to_blind,
                nicknames: grpc::users::Nicknames::new(
                    UserServiceClient::new(auth),
                    nickname_cache,
                ),
                notification_hub,
            });
            let routes = Routes::new(CommunityServiceServer::new(api::CommunityApi(
                state.clone(),
            )))
            .add_service(MessageServiceServer::new(api::MessageApi(state.clone())))
            .add_service(NotificationServiceServer::new(api::NotificationApi(state)));
            Ok(Served::from(routes)
                .with_background(consumer)
                .with_background(friend_events)
                .with_background(listen)
                .with_background_tasks(follow_nicknames))
        },
    )
    .await
}
