//! What every handler reaches: [`AppState`] with the gRPC clients of the
//! backends, and the helpers that make a call carry the caller's token and
//! the trace context ([`authed`], [`traced`], [`call`]).

use std::sync::Arc;

use everytime_common::{grpc, token::TokenVerifier};
use everytime_proto::{
    auth::v1::{auth_service_client::AuthServiceClient, user_service_client::UserServiceClient},
    community::v1::{
        community_service_client::CommunityServiceClient,
        message_service_client::MessageServiceClient,
        notification_service_client::NotificationServiceClient,
    },
    timetable::v1::{
        catalog_service_client::CatalogServiceClient, friend_service_client::FriendServiceClient,
        grade_service_client::GradeServiceClient, review_service_client::ReviewServiceClient,
        timetable_service_client::TimetableServiceClient,
    },
};
use tokio::sync::watch;
use tonic::transport::Channel;

use axum::extract::FromRef;

use crate::{
    authors::NicknameCache,
    config::Config,
    extract::{Auth, TrustForwardedFor, Verifier},
    limit::{AuthLimit, RateLimiter},
    profiles::ProfileCache,
    restrictions::RestrictionCache,
};

/// One backend service, for `/readyz`.
#[derive(Debug, Clone)]
pub struct Backend {
    /// Its short name (`auth`).
    pub name: &'static str,
    /// The channel to it.
    pub channel: Channel,
}

/// The gRPC clients of every backend. Channels multiplex over HTTP/2, so
/// each handler clones its client; nothing is locked.
#[derive(Debug, Clone)]
pub struct Clients {
    /// `everytime.auth.v1.AuthService`.
    pub auth: AuthServiceClient<Channel>,
    /// `everytime.auth.v1.UserService`.
    pub users: UserServiceClient<Channel>,
    /// `everytime.community.v1.CommunityService`.
    pub community: CommunityServiceClient<Channel>,
    /// `everytime.community.v1.MessageService` (쪽지).
    pub messages: MessageServiceClient<Channel>,
    /// `everytime.community.v1.NotificationService` (알림).
    pub notifications: NotificationServiceClient<Channel>,
    /// `everytime.timetable.v1.CatalogService`.
    pub catalog: CatalogServiceClient<Channel>,
    /// `everytime.timetable.v1.TimetableService`.
    pub timetables: TimetableServiceClient<Channel>,
    /// `everytime.timetable.v1.FriendService`.
    pub friends: FriendServiceClient<Channel>,
    /// `everytime.timetable.v1.GradeService`.
    pub grades: GradeServiceClient<Channel>,
    /// `everytime.timetable.v1.ReviewService`.
    pub reviews: ReviewServiceClient<Channel>,
    /// Every backend, for health checks.
    pub backends: Vec<Backend>,
}

/// What every handler can reach: one allocation shared by every request,
/// so the router, each middleware and each extractor clone one `Arc` (a
/// clone of the fields themselves would copy every client's channel handle,
/// a dozen atomic counters touched by both cores, several times a request).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    /// The configuration.
    pub config: Arc<Config>,
    /// Verifies access tokens against auth's JWK Set and ended sessions.
    pub verifier: Arc<TokenVerifier>,
    /// The backends.
    pub clients: Clients,
    /// The per-client limit on sign-in.
    pub auth_limiter: Arc<RateLimiter>,
    /// The per-client limit on sign-up.
    pub sign_up_limiter: Arc<RateLimiter>,
    /// Turns true when the gateway starts shutting down: open streams
    /// (notifications) end, so draining does not wait for them.
    pub closing: watch::Receiver<bool>,
    /// Nicknames seen recently ([`crate::authors`]).
    pub nicknames: Arc<NicknameCache>,
    /// Write restrictions asked for recently ([`crate::restrictions`]).
    pub restrictions: Arc<RestrictionCache>,
    /// Callers' own users asked for recently ([`crate::profiles`]); `None`
    /// when the verifier follows no stream of account changes.
    pub profiles: Option<Arc<ProfileCache>>,
}

/// The gateway could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A backend URL is malformed.
    #[error("invalid backend URL: {0}")]
    Url(#[from] tonic::transport::Error),
    /// Serving HTTP failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Builds the clients (lazily connecting) and the token verifier;
    /// `closing` turns true when the gateway shuts down.
    pub fn new(config: Config, closing: watch::Receiver<bool>) -> Result<Self, StartError> {
        let auth = grpc::channel(&config.auth_url, config.grpc_timeout)?;
        let community = grpc::channel(&config.community_url, config.grpc_timeout)?;
        let timetable = grpc::channel(&config.timetable_url, config.grpc_timeout)?;
        // Refuses the tokens of ended sessions too, following auth's events.
        let verifier = Arc::new(config.tokens.auth_verifier(auth.clone()));
        // Renames and deletions reach the nickname cache through the same
        // event stream as ended sessions.
        let nicknames = Arc::new(NicknameCache::default());
        if let Some(changes) = verifier.account_changes() {
            let nicknames = nicknames.clone();
            tokio::spawn(async move { nicknames.follow(changes).await });
        }
        // So do changes to a user's own profile.
        let profiles =
            ProfileCache::following(verifier.account_changes()).map(|(cache, _task)| cache);
        // Blindings and restores reach the restriction cache through
        // community's stream of changes.
        let restrictions = Arc::new(RestrictionCache::default());
        restrictions.follow(
            CommunityServiceClient::new(community.clone()),
            closing.clone(),
        );
        let clients = Clients {
            auth: AuthServiceClient::new(auth.clone()),
            users: UserServiceClient::new(auth.clone()),
            community: CommunityServiceClient::new(community.clone()),
            messages: MessageServiceClient::new(community.clone()),
            notifications: NotificationServiceClient::new(community.clone()),
            catalog: CatalogServiceClient::new(timetable.clone()),
            timetables: TimetableServiceClient::new(timetable.clone()),
            friends: FriendServiceClient::new(timetable.clone()),
            grades: GradeServiceClient::new(timetable.clone()),
            reviews: ReviewServiceClient::new(timetable.clone()),
            backends: vec![
                Backend {
                    name: "auth",
                    channel: auth,
                },
                Backend {
                    name: "community",
                    channel: community,
                },
                Backend {
                    name: "timetable",
                    channel: timetable,
                },
            ],
        };
        Ok(AppState(Arc::new(Shared {
            auth_limiter: Arc::new(RateLimiter::per_minute(config.auth_rate_limit_per_minute)),
            sign_up_limiter: Arc::new(RateLimiter::per_hour(config.sign_up_rate_limit_per_hour)),
            closing,
            nicknames,
            restrictions,
            profiles,
            config: Arc::new(config),
            verifier,
            clients,
        })))
    }
}

impl AppState {
    /// What the rate limit of sign-in needs.
    pub fn auth_limit(&self) -> AuthLimit {
        AuthLimit {
            limiter: self.auth_limiter.clone(),
            trust_forwarded_for: self.config.trust_forwarded_for,
        }
    }

    /// What the rate limit of sign-up needs.
    pub fn sign_up_limit(&self) -> AuthLimit {
        AuthLimit {
            limiter: self.sign_up_limiter.clone(),
            trust_forwarded_for: self.config.trust_forwarded_for,
        }
    }
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        Verifier(state.verifier.clone())
    }
}

impl FromRef<AppState> for TrustForwardedFor {
    fn from_ref(state: &AppState) -> Self {
        TrustForwardedFor(state.config.trust_forwarded_for)
    }
}

/// A gRPC request carrying the caller's access token, so the service
/// verifies the caller itself, and the current trace context.
pub fn authed<T>(message: T, auth: &Auth) -> tonic::Request<T> {
    let mut request = traced(message);
    if let Ok(value) = format!("Bearer {}", auth.token).parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// A gRPC request carrying the current trace context (W3C `traceparent`),
/// so the service's spans join the gateway's trace.
pub fn traced<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    everytime_common::telemetry::inject(request.metadata_mut());
    request
}

/// Makes one call: `rpc` (a generated client method such as
/// `CommunityServiceClient::list_boards`) on a clone of `client` (channels
/// multiplex, so cloning is how a client is shared), answering the reply's
/// message. The status is left for the caller to map, usually with `?`.
pub async fn call<C: Clone, M, R>(
    client: &C,
    request: tonic::Request<M>,
    rpc: impl AsyncFnOnce(&mut C, tonic::Request<M>) -> Result<tonic::Response<R>, tonic::Status>,
) -> Result<R, tonic::Status> {
    let mut client = client.clone();
    Ok(rpc(&mut client, request).await?.into_inner())
}
