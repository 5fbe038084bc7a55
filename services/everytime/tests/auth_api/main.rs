//! Auth, users and admin through the gateway over real HTTP, with the auth
//! service behind it over real gRPC.
//!
//! One test binary; its modules hold the tests by use case, and the stack
//! they start comes from the shared `tests/support`.

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod campus_limits;
mod cookies;
mod csrf;
mod deletion;
mod gateway;
mod limits;
mod names;
mod outages;
mod revocation;
mod sessions;
mod sign_in;
mod sign_up;
mod tokens;
mod users;
