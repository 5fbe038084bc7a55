//! What development and tests need and production never does.
//!
//! - [`postgres`]: the private Postgres cluster the one-process launcher
//!   (`services/everytime`) starts when `DATABASE_URL` is unset, and
//!   [`postgres::test_database`], a fresh database for each test.
//! - [`status`]: reading the `google.rpc` details of a status in tests, and
//!   requests with a bearer token ([`status::authed`]).
//! - [`server`]: a service started on `127.0.0.1:0` by its own `serve`, with
//!   a channel to it and a stop that waits for the drain.
//! - `processes` (feature `processes`): the stack as its real binaries,
//!   one process or four, with a process killed, stopped or restarted.
//! - [`tokens`]: a test's own signing key, the verifier that trusts it, and
//!   tokens for any user, school and role.
//!
//! Only the launcher and test targets (`[dev-dependencies]`) depend on this
//! crate; no service binary links it. `cargo tree -p everytime-auth -e normal`
//! (and `-p everytime-community`, `-p everytime-timetable`, `-p
//! everytime-gateway`) does not list it; this crate's `tests/workspace.rs`
//! and a CI step check that.

pub mod postgres;
#[cfg(feature = "processes")]
pub mod processes;
pub mod server;
pub mod status;
pub mod tokens;
