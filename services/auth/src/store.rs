//! The auth schema's queries: schools, users, sessions and refresh tokens.
//!
//! Each function is one statement, checked at compile time against the
//! migrations (`sqlx::query!`, offline data in `.sqlx/`).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::error::{Error, Result, Taken};

/// A school.
#[derive(Debug, Clone)]
pub struct School {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A user with their school's name.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub school_id: i64,
    pub school_name: String,
    pub username: String,
    pub email: String,
    pub nickname: String,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// What other users may see of a user.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub nickname: String,
    pub school_id: i64,
}

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

/// A new user.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub school_id: i64,
    pub username: &'a str,
    pub email: &'a str,
    pub nickname: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
}

/// Every school, by name.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn list_schools(db: impl PgExecutor<'_>) -> Result<Vec<School>> {
    Ok(
        sqlx::query_as!(School, "select id, name from schools order by name, id")
            .fetch_all(db)
            .await?,
    )
}

/// Creates a school; a taken name is [`Error::Taken`].
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_school(db: impl PgExecutor<'_>, name: &str) -> Result<School> {
    sqlx::query_as!(
        School,
        "insert into schools (name) values ($1) returning id, name",
        name
    )
    .fetch_one(db)
    .await
    .map_err(Error::from_db)
}

/// Whether a school exists.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn school_exists(db: impl PgExecutor<'_>, id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from schools where id = $1) as "exists!""#,
        id
    )
    .fetch_one(db)
    .await?)
}

/// Which of these values other users already have.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn taken(
    db: impl PgExecutor<'_>,
    username: &str,
    email: &str,
    nickname: &str,
) -> Result<Vec<Taken>> {
    let row = sqlx::query!(
        r#"
        select
            coalesce(bool_or(username = $1), false) as "username!",
            coalesce(bool_or(lower(email) = lower($2)), false) as "email!",
            coalesce(bool_or(nickname = $3), false) as "nickname!"
        from users
        where username = $1 or lower(email) = lower($2) or nickname = $3
        "#,
        username,
        email,
        nickname,
    )
    .fetch_one(db)
    .await?;
    Ok([
        (row.username, Taken::Username),
        (row.email, Taken::Email),
        (row.nickname, Taken::Nickname),
    ]
    .into_iter()
    .filter_map(|(is_taken, taken)| is_taken.then_some(taken))
    .collect())
}

/// Creates a user and returns their id; a taken value is [`Error::Taken`].
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_user(db: impl PgExecutor<'_>, user: &NewUser<'_>) -> Result<i64> {
    sqlx::query_scalar!(
        r#"
        insert into users (school_id, username, email, nickname, name, password_hash)
        values ($1, $2, $3, $4, $5, $6)
        returning id
        "#,
        user.school_id,
        user.username,
        user.email,
        user.nickname,
        user.name,
        user.password_hash,
    )
    .fetch_one(db)
    .await
    .map_err(Error::from_db)
}

/// Creates or updates the bootstrap administrator (in the first school).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn upsert_admin(
    db: impl PgExecutor<'_>,
    username: &str,
    email: &str,
    nickname: &str,
    password_hash: &str,
) -> Result<i64> {
    sqlx::query_scalar!(
        r#"
        insert into users (school_id, username, email, nickname, name, password_hash, role)
        values ((select id from schools order by id limit 1), $1, $2, $3, '관리자', $4, 'admin')
        on conflict (username) do update set
            email = excluded.email,
            nickname = excluded.nickname,
            password_hash = excluded.password_hash,
            role = 'admin',
            updated_at = now()
        returning id
        "#,
        username,
        email,
        nickname,
        password_hash,
    )
    .fetch_one(db)
    .await
    .map_err(Error::from_db)
}

/// A user by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn user_by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as!(
        UserRow,
        r#"
        select u.id, u.school_id, s.name as school_name, u.username, u.email,
               u.nickname, u.name, u.role, u.created_at
        from users u
        join schools s on s.id = u.school_id
        where u.id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The id and password hash of a username.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn credentials(db: impl PgExecutor<'_>, username: &str) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query!(
        "select id, password_hash from users where username = $1",
        username
    )
    .fetch_optional(db)
    .await?
    .map(|row| (row.id, row.password_hash)))
}

/// The password hash of a user.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn password_hash(db: impl PgExecutor<'_>, user_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar!("select password_hash from users where id = $1", user_id)
            .fetch_optional(db)
            .await?,
    )
}

/// Changes a user's nickname and/or name; `None` keeps the current value.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    user_id: i64,
    nickname: Option<&str>,
    name: Option<&str>,
) -> Result<()> {
    sqlx::query!(
        r#"
        update users set
            nickname = coalesce($2, nickname),
            name = coalesce($3, name),
            updated_at = now()
        where id = $1
        "#,
        user_id,
        nickname,
        name,
    )
    .execute(db)
    .await
    .map_err(Error::from_db)?;
    Ok(())
}

/// Replaces a user's password hash.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn set_password_hash(db: &mut PgConnection, user_id: i64, hash: &str) -> Result<()> {
    sqlx::query!(
        "update users set password_hash = $2, updated_at = now() where id = $1",
        user_id,
        hash
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Public profiles of users of `school_id` among `ids`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn profiles(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    school_id: i64,
) -> Result<Vec<Profile>> {
    Ok(sqlx::query_as!(
        Profile,
        "select id, nickname, school_id from users where id = any($1) and school_id = $2 order by id",
        ids,
        school_id
    )
    .fetch_all(db)
    .await?)
}

/// The public profile of a username in `school_id`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn profile_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
    school_id: i64,
) -> Result<Option<Profile>> {
    Ok(sqlx::query_as!(
        Profile,
        "select id, nickname, school_id from users where username = $1 and school_id = $2",
        username,
        school_id
    )
    .fetch_optional(db)
    .await?)
}

/// Starts a session and returns its id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_session(
    db: &mut PgConnection,
    user_id: i64,
    user_agent: &str,
    expires_at: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "insert into sessions (user_id, user_agent, expires_at) values ($1, $2, $3) returning id",
        user_id,
        user_agent,
        expires_at
    )
    .fetch_one(db)
    .await?)
}

/// Stores a refresh token's hash.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_refresh_token(
    db: &mut PgConnection,
    session_id: i64,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<()> {
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
) -> Result<Option<RefreshRow>> {
    Ok(sqlx::query_as!(
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
    .await?)
}

/// Marks a refresh token spent.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn spend_refresh_token(db: &mut PgConnection, id: i64) -> Result<()> {
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
) -> Result<()> {
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
pub async fn revoke_session(db: impl PgExecutor<'_>, id: i64) -> Result<()> {
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
pub async fn revoke_session_of(db: impl PgExecutor<'_>, id: i64, user_id: i64) -> Result<bool> {
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
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
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
    .await?)
}

/// Revokes every live session of `user_id` but `keep`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn revoke_other_sessions(db: &mut PgConnection, user_id: i64, keep: i64) -> Result<u64> {
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

/// A user's live sessions, newest first (at most 100).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn live_sessions(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as!(
        SessionRow,
        r#"
        select id, user_agent, created_at, last_used_at
        from sessions
        where user_id = $1 and revoked_at is null and expires_at > now()
        order by id desc
        limit 100
        "#,
        user_id
    )
    .fetch_all(db)
    .await?)
}
