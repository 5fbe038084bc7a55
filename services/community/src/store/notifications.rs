//! The SQL of 알림: recording one (the `notify()` function of migration
//! 0006, which orders a user's notifications and wakes the live streams),
//! a user's page, what came after an id, unread counts and read marks.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// The channel `notify()` signals on; the payload is the recipient's id.
pub const CHANNEL: &str = "community_notifications";

/// A notification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: String,
    pub text: String,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// What a new notification says and points at.
#[derive(Debug, Clone, Copy)]
pub struct NewNotification<'a> {
    pub recipient: i64,
    pub kind: &'a str,
    pub text: &'a str,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
}

/// Records a notification in the caller's transaction; its id. It is
/// visible, and the streams are woken, when the transaction commits.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn notify(db: &mut PgConnection, new: &NewNotification<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select notify($1, $2, $3, $4, $5) as "id!""#,
        new.recipient,
        new.kind,
        new.text,
        new.post_id,
        new.comment_id
    )
    .fetch_one(db)
    .await
}

/// A page of `user_id`'s notifications with ids below `before`, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<NotificationRow>> {
    sqlx::query_as!(
        NotificationRow,
        r#"
        select id, kind, text, post_id, comment_id, read, created_at
        from notifications
        where user_id = $1 and id < $2
        order by id desc
        limit $3
        "#,
        user_id,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// `user_id`'s notifications with ids above `after`, oldest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn after(
    db: impl PgExecutor<'_>,
    user_id: i64,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<NotificationRow>> {
    sqlx::query_as!(
        NotificationRow,
        r#"
        select id, kind, text, post_id, comment_id, read, created_at
        from notifications
        where user_id = $1 and id > $2
        order by id
        limit $3
        "#,
        user_id,
        after,
        limit
    )
    .fetch_all(db)
    .await
}

/// The id of `user_id`'s latest notification (0 before their first).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn latest_id(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select last_id from notification_heads where user_id = $1",
        user_id
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(0))
}

/// How many of `user_id`'s notifications are unread.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn unread_count(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from notifications where user_id = $1 and not read"#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// Marks `user_id`'s notifications among `ids` read, or all of them when
/// `ids` is `None`; how many changed.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn mark_read(
    db: impl PgExecutor<'_>,
    user_id: i64,
    ids: Option<&[i64]>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"
        update notifications set read = true
        where user_id = $1 and not read and ($2::bigint[] is null or id = any($2))
        "#,
        user_id,
        ids as Option<&[i64]>
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A post's title, for the notifications that quote it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn post_title(db: &mut PgConnection, post_id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar!("select title from posts where id = $1", post_id)
        .fetch_one(db)
        .await
}

/// A comment's content, for the notification of its blinding.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn comment_content(db: &mut PgConnection, comment_id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar!("select content from comments where id = $1", comment_id)
        .fetch_one(db)
        .await
}

/// Deletes a user's notifications (they left); the rows deleted.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn erase_user(db: &mut PgConnection, user_id: i64) -> sqlx::Result<u64> {
    let notifications = sqlx::query!("delete from notifications where user_id = $1", user_id)
        .execute(&mut *db)
        .await?
        .rows_affected();
    sqlx::query!("delete from notification_heads where user_id = $1", user_id)
        .execute(db)
        .await?;
    Ok(notifications)
}
