//! The community schema's queries, one file per aggregate: the SQL and
//! nothing else.
//!
//! Each function is one statement, checked at compile time against the
//! migrations (`sqlx::query!`, offline data in `.sqlx/`), and returns
//! `sqlx::Result`: the use cases map the constraint names they expect
//! (`on_constraint`) where they call it. Lists come in two steps: a keyset
//! query in [`feeds`] walks one index for the page's post ids, then
//! [`posts::summaries`] loads those posts; so every list shares one way of
//! loading a post and each list query stays on its index.

pub mod boards;
pub mod comments;
pub mod feeds;
pub mod posts;
pub mod reactions;
