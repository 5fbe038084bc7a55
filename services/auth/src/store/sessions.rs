//! Sessions and their refresh tokens: a session is a sign-in on one
//! device, a refresh token one link of its rotation chain (stored as a
//! hash); revoking a session ends every token of it.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A live session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

/// A refresh token with its session, locked for rotation.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub expires_at: DateTime<Utc>,
    pub spent: bool,
    pub session_revoked: bool,
}

/// Starts a session and returns its id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_session(
    db: &mut PgConnection,
    user_id: i64,
    user_agent: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into sessions (user_id, user_agent, expires_at) values ($1, $2, $3) returning id",
        user_id,
        user_agent,
        expires_at
    )
    .fetch_one(db)
    .await
}

/// Stores a refresh token's hash.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_refresh_token(
    db: &mut PgConnection,
    session_id: i64,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into refresh_tokens (session_id, token_hash, expires_at) values ($1, $2, $3)",
        session_id,
        token_hash,
        expires_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The refresh token with this hash, locked with its session for rotation.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn refresh_token_for_update(
    db: &mut PgConnection,
    token_hash: &[u8],
) -> sqlx::Result<Option<RefreshRow>> {
    sqlx::query_as!(
        RefreshRow,
        r#"
        select t.id, t.session_id, s.user_id, t.expires_at,
               t.spent_at is not null as "spent!",
               s.revoked_at is not null as "session_revoked!"
        from refresh_tokens t
        join sessions s on s.id = t.session_id
        where t.token_hash = $1
        for update of t, s
        "#,
        token_hash
    )
    .fetch_optional(db)
    .await
}

/// Marks a refresh token spent.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn spend_refresh_token(db: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update refresh_tokens set spent_at = now() where id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a session's use and extends it to `expires_at`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn touch_session(
    db: &mut PgConnection,
    id: i64,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update sessions set last_used_at = now(), expires_at = $2 where id = $1",
        id,
        expires_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes a session (and so every refresh token of it).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn revoke_session(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update sessions set revoked_at = now() where id = $1 and revoked_at is null",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes a session of `user_id`; false when the user has no such session.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn revoke_session_of(
    db: impl PgExecutor<'_>,
    id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    let row = sqlx::query!(
        r#"
        update sessions set revoked_at = coalesce(revoked_at, now())
        where id = $1 and user_id = $2
        returning id
        "#,
        id,
        user_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// The session a refresh token belongs to, if it is `user_id`'s.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn session_of_refresh_token(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"
        select t.session_id
        from refresh_tokens t
        join sessions s on s.id = t.session_id
        where t.token_hash = $1 and s.user_id = $2
        "#,
        token_hash,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Revokes every live session of `user_id` but `keep`; how many it revoked.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn revoke_other_sessions(
    db: &mut PgConnection,
    user_id: i64,
    keep: i64,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"
        update sessions set revoked_at = now()
        where user_id = $1 and id <> $2 and revoked_at is null
        "#,
        user_id,
        keep
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A user's live sessions, newest first (at most `limit`).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn live_sessions(
    db: impl PgExecutor<'_>,
    user_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        r#"
        select id, user_agent, created_at, last_used_at
        from sessions
        where user_id = $1 and revoked_at is null and expires_at > now()
        order by id desc
        limit $2
        "#,
        user_id,
        limit
    )
    .fetch_all(db)
    .await
}
