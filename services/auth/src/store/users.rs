//! Users: sign-up, the bootstrap administrator, credentials, profiles.
//!
//! Unique values (username, email whatever its case, nickname whatever its
//! case, in its stored NFKC form) are guarded by the constraints
//! `users_username_key`, `users_email_key` and `users_nickname_key`, the
//! school by `users_school_id_fkey`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

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
    /// When the user last changed their nickname themselves.
    pub nickname_changed_at: Option<DateTime<Utc>>,
}

/// What other users may see of a user.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub nickname: String,
    pub school_id: i64,
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

/// Which of a sign-up's unique values other users already have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakenValues {
    pub username: bool,
    pub email: bool,
    pub nickname: bool,
}

/// Which of these values other users already have.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn taken(
    db: impl PgExecutor<'_>,
    username: &str,
    email: &str,
    nickname: &str,
) -> sqlx::Result<TakenValues> {
    let row = sqlx::query!(
        r#"
        select
            coalesce(bool_or(username = $1), false) as "username!",
            coalesce(bool_or(lower(email) = lower($2)), false) as "email!",
            coalesce(bool_or(lower(nickname) = lower($3)), false) as "nickname!"
        from users
        where username = $1 or lower(email) = lower($2) or lower(nickname) = lower($3)
        "#,
        username,
        email,
        nickname,
    )
    .fetch_one(db)
    .await?;
    Ok(TakenValues {
        username: row.username,
        email: row.email,
        nickname: row.nickname,
    })
}

/// Creates a user and returns their id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_user(db: impl PgExecutor<'_>, user: &NewUser<'_>) -> sqlx::Result<i64> {
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
}

/// Creates the bootstrap administrator (in the first school), or updates it
/// when the username is already an administrator's. `None` when the
/// username belongs to an account that is not an administrator: that
/// account is left exactly as it is, never promoted. One statement, so two
/// replicas starting at once cannot both insert.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn upsert_admin(
    db: impl PgExecutor<'_>,
    username: &str,
    email: &str,
    nickname: &str,
    password_hash: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"
        insert into users (school_id, username, email, nickname, name, password_hash, role)
        values ((select id from schools order by id limit 1), $1, $2, $3, '관리자', $4, 'admin')
        on conflict (username) do update set
            email = excluded.email,
            nickname = excluded.nickname,
            password_hash = excluded.password_hash,
            updated_at = now()
        where users.role = 'admin'
        returning id
        "#,
        username,
        email,
        nickname,
        password_hash,
    )
    .fetch_optional(db)
    .await
}

/// A user by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn user_by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"
        select u.id, u.school_id, s.name as school_name, u.username, u.email,
               u.nickname, u.name, u.role, u.created_at, u.nickname_changed_at
        from users u
        join schools s on s.id = u.school_id
        where u.id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await
}

/// The id and password hash of a username.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn credentials(
    db: impl PgExecutor<'_>,
    username: &str,
) -> sqlx::Result<Option<(i64, String)>> {
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
pub async fn password_hash(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("select password_hash from users where id = $1", user_id)
        .fetch_optional(db)
        .await
}

/// A user's nickname and when they last changed it, locked until the
/// transaction ends (two changes of one user queue up).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn nickname_for_update(
    db: &mut PgConnection,
    user_id: i64,
) -> sqlx::Result<Option<(String, Option<DateTime<Utc>>)>> {
    Ok(sqlx::query!(
        "select nickname, nickname_changed_at from users where id = $1 for update",
        user_id
    )
    .fetch_optional(db)
    .await?
    .map(|row| (row.nickname, row.nickname_changed_at)))
}

/// Changes a user's nickname and/or name; `None` keeps the current value.
/// A new nickname is stamped as changed now.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn update_profile(
    db: &mut PgConnection,
    user_id: i64,
    nickname: Option<&str>,
    name: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        update users set
            nickname = coalesce($2, nickname),
            nickname_changed_at = case when $2::text is null then nickname_changed_at else now() end,
            name = coalesce($3, name),
            updated_at = now()
        where id = $1
        "#,
        user_id,
        nickname,
        name,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Erases a user: their row and, by cascade, their sessions (whose
/// triggers record the ended sessions), refresh tokens and devices.
/// Returns the email they had, when they existed.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_user(db: &mut PgConnection, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("delete from users where id = $1 returning email", user_id)
        .fetch_optional(db)
        .await
}

/// Remembers a deleted account's email digest for the re-sign-up rule.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn remember_deleted(db: &mut PgConnection, email_digest: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        insert into deleted_accounts (email_digest) values ($1)
        on conflict (email_digest) do update set deleted_at = now()
        "#,
        email_digest
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether an account with this email digest was deleted since `since`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn deleted_since(
    db: impl PgExecutor<'_>,
    email_digest: &[u8],
    since: DateTime<Utc>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from deleted_accounts where email_digest = $1 and deleted_at > $2) as "deleted!""#,
        email_digest,
        since
    )
    .fetch_one(db)
    .await
}

/// Forgets deleted accounts from before `before`; how many it forgot.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn forget_deleted_before(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from deleted_accounts where deleted_at < $1", before)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Replaces a user's password hash.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn set_password_hash(
    db: &mut PgConnection,
    user_id: i64,
    hash: &str,
) -> sqlx::Result<()> {
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
) -> sqlx::Result<Vec<Profile>> {
    sqlx::query_as!(
        Profile,
        "select id, nickname, school_id from users where id = any($1) and school_id = $2 order by id",
        ids,
        school_id
    )
    .fetch_all(db)
    .await
}

/// The public profile of a username in `school_id`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn profile_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
    school_id: i64,
) -> sqlx::Result<Option<Profile>> {
    sqlx::query_as!(
        Profile,
        "select id, nickname, school_id from users where username = $1 and school_id = $2",
        username,
        school_id
    )
    .fetch_optional(db)
    .await
}
