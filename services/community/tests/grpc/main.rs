//! The community service over real gRPC, with a fresh database per test:
//! one file per use case, one test binary (`plans.rs`, the query plans, is
//! the other).

#[path = "../support/mod.rs"]
mod support;

mod anonymity;
mod boards;
mod comments;
mod feeds;
mod messages;
mod notifications;
mod paging;
mod posts;
mod reactions;
mod write_limits;
