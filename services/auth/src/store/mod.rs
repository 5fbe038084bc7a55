//! The SQL of the `auth` schema, one file per aggregate, and nothing else:
//! no rules, no error mapping (a broken constraint is named where the query
//! is called, in the use case).
//!
//! Each function is one statement, checked at compile time against the
//! migrations (`sqlx::query!`, offline data in `.sqlx/`), and answers
//! `sqlx::Result`; this module depends on no other module of the crate.

pub mod attempts;
pub mod devices;
pub mod events;
pub mod keys;
pub mod schools;
pub mod sessions;
pub mod users;
