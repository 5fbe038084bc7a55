//! The queries of friends: pending friend requests and friendships (kept
//! both ways, one row per direction).
//!
//! Each function is one statement (or one small, fixed group of them),
//! checked at compile time against the migrations (`sqlx::query!`, offline
//! data in `.sqlx/`). Lists are bounded; every lookup uses an index.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::{
    domain::limits::{MAX_FRIENDS, MAX_LISTED_REQUESTS},
    error::Result,
};

/// At most one pending request between two users.
pub const REQUEST_PAIR_KEY: &str = "friend_requests_pair_key";

/// A pending friend request.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub from_user_id: i64,
    pub to_user_id: i64,
    pub school_id: i64,
    pub created_at: DateTime<Utc>,
}

/// A friend and since when.
#[derive(Debug, Clone)]
pub struct FriendRow {
    pub friend_id: i64,
    pub created_at: DateTime<Utc>,
}

/// Serializes the friend changes touching these users until the
/// transaction ends; locks in id order, so two transactions never wait on
/// each other in a circle.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_users(db: &mut PgConnection, a: i64, b: i64) -> Result<()> {
    let (low, high) = (a.min(b), a.max(b));
    lock_user(db, low).await?;
    if high != low {
        lock_user(db, high).await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
async fn lock_user(db: &mut PgConnection, user_id: i64) -> Result<()> {
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended('everytime.timetable.friends', $1))) as lock"#,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok(())
}

/// Whether `friend_id` is a friend of `user_id`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn are_friends(db: impl PgExecutor<'_>, user_id: i64, friend_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from friendships where user_id = $1 and friend_id = $2) as "exists!""#,
        user_id,
        friend_id
    )
    .fetch_one(db)
    .await?)
}

/// How many friends a user has.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn friend_count(db: &mut PgConnection, user_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from friendships where user_id = $1"#,
        user_id
    )
    .fetch_one(db)
    .await?)
}

/// A user's friends, newest friendship first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn friends_of(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<FriendRow>> {
    Ok(sqlx::query_as!(
        FriendRow,
        r#"
        select friend_id, created_at from friendships
        where user_id = $1
        order by created_at desc, friend_id
        limit $2
        "#,
        user_id,
        MAX_FRIENDS
    )
    .fetch_all(db)
    .await?)
}

/// Makes two users friends, both ways; returns since when.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_friendship(db: &mut PgConnection, a: i64, b: i64) -> Result<DateTime<Utc>> {
    sqlx::query!(
        r#"
        insert into friendships (user_id, friend_id) values ($1, $2), ($2, $1)
        on conflict do nothing
        "#,
        a,
        b
    )
    .execute(&mut *db)
    .await?;
    Ok(sqlx::query_scalar!(
        "select created_at from friendships where user_id = $1 and friend_id = $2",
        a,
        b
    )
    .fetch_one(db)
    .await?)
}

/// Ends a friendship both ways; false when there was none.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_friendship(db: impl PgExecutor<'_>, a: i64, b: i64) -> Result<bool> {
    let deleted = sqlx::query!(
        r#"
        delete from friendships
        where (user_id = $1 and friend_id = $2) or (user_id = $2 and friend_id = $1)
        "#,
        a,
        b
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() > 0)
}

/// The pending request from `from` to `to`, if any.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn request_between(
    db: &mut PgConnection,
    from: i64,
    to: i64,
) -> Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests
        where from_user_id = $1 and to_user_id = $2
        "#,
        from,
        to
    )
    .fetch_optional(db)
    .await?)
}

/// A request by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn request(db: impl PgExecutor<'_>, id: i64) -> Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests where id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// Records a request; a pending one between the two either way violates
/// [`REQUEST_PAIR_KEY`].
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_request(
    db: &mut PgConnection,
    from: i64,
    to: i64,
    school_id: i64,
) -> Result<RequestRow, sqlx::Error> {
    sqlx::query_as!(
        RequestRow,
        r#"
        insert into friend_requests (from_user_id, to_user_id, school_id) values ($1, $2, $3)
        returning id, from_user_id, to_user_id, school_id, created_at
        "#,
        from,
        to,
        school_id
    )
    .fetch_one(db)
    .await
}

/// Deletes request `id` if `user_id` sent or received it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_request_of(db: impl PgExecutor<'_>, id: i64, user_id: i64) -> Result<bool> {
    let deleted = sqlx::query!(
        "delete from friend_requests where id = $1 and (from_user_id = $2 or to_user_id = $2)",
        id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Deletes request `id` addressed to `to` and returns it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn take_request_to(
    db: &mut PgConnection,
    id: i64,
    to: i64,
) -> Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        delete from friend_requests where id = $1 and to_user_id = $2
        returning id, from_user_id, to_user_id, school_id, created_at
        "#,
        id,
        to
    )
    .fetch_optional(db)
    .await?)
}

/// Requests addressed to `user_id` from their school, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn incoming_requests(
    db: impl PgExecutor<'_>,
    user_id: i64,
    school_id: i64,
) -> Result<Vec<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests
        where to_user_id = $1 and school_id = $2
        order by id desc
        limit $3
        "#,
        user_id,
        school_id,
        MAX_LISTED_REQUESTS
    )
    .fetch_all(db)
    .await?)
}

/// Requests `user_id` sent, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn outgoing_requests(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests
        where from_user_id = $1
        order by id desc
        limit $2
        "#,
        user_id,
        MAX_LISTED_REQUESTS
    )
    .fetch_all(db)
    .await?)
}
