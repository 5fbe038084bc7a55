//! gRPC plumbing every service uses the same way, one concern a file:
//!
//! - [`status`]: statuses carry `google.rpc.ErrorInfo` (reason = the REST
//!   API's `code`) and, for bad input, `google.rpc.BadRequest` field
//!   violations; internal causes are logged, never sent.
//! - [`auth`]: [`RequireAuthLayer`], a valid bearer token on every RPC that
//!   is not public; the verified caller lands in the request extensions
//!   ([`caller`]).
//! - [`handler`]: [`unpack`] and [`reply`], the two ends of a tonic trait
//!   method.
//! - [`server`]: [`serve`] runs a service's routes with health, reflection
//!   (a setting, [`ServerSettings`]), tracing, metrics and the auth layer
//!   until the shutdown future resolves; then health turns `NOT_SERVING`
//!   ([`health`]) and in-flight RPCs drain. The Prometheus page is on a
//!   listener of its own, never the gRPC port.
//! - [`metrics`]: each RPC counted and timed, by a method name bounded to
//!   what the server serves.
//! - [`channel`](mod@channel): a client channel with a connect timeout and a deadline
//!   on every call; `dns:///host:port` balances it over every address of
//!   `host` ([`crate::balance`]).
//!
//! Everything is re-exported here, so callers write `grpc::serve`,
//! `grpc::invalid_input`, `grpc::channel`.
//!
//! Inside the folder the imports run one way: `server` uses `auth`,
//! `health` and `metrics`; `handler` uses `auth`; `auth` uses `status` and
//! `metrics`; `channel` and `status` use nothing of the others.

pub mod auth;
pub mod channel;
pub mod handler;
pub mod health;
pub mod metrics;
pub mod server;
pub mod status;
pub mod users;

pub use auth::{RequireAuth, RequireAuthLayer, caller};
pub use channel::channel;
pub use handler::{reply, unpack};
pub use metrics::METRICS_PATH;
pub use server::{LIVENESS, Readiness, ServeError, ServeOptions, ServerSettings, serve};
pub use status::{
    ERROR_DOMAIN, field_status, fields_status, internal, invalid_input, rate_limited, status,
    unavailable, verify_error_status,
};

/// A protobuf timestamp for a database time.
pub fn timestamp(time: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
    }
}
