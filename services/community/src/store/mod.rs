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
pub mod limits;
pub mod messages;
pub mod notifications;
pub mod posts;
pub mod reactions;
pub mod reports;
pub mod users;

use sqlx::PgConnection;

/// Holds the advisory lock on `key` in `namespace` until the transaction
/// ends: what the per-school board lock and the per-user write lock are.
async fn advisory_xact_lock(db: &mut PgConnection, namespace: &str, key: i64) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        select 1 as "locked!"
        from pg_advisory_xact_lock(hashtextextended($1, $2))
        "#,
        namespace,
        key
    )
    .fetch_one(db)
    .await?;
    Ok(())
}
