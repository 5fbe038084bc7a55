//! The SQL of boards: a school's list, its default boards, creating one
//! under the per-school lock.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub anonymous_only: bool,
    pub created_at: DateTime<Utc>,
}

/// A school's boards, oldest first (at most `limit`).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn boards(
    db: impl PgExecutor<'_>,
    school_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<BoardRow>> {
    sqlx::query_as!(
        BoardRow,
        r#"
        select id, name, description, anonymous_only, created_at
        from boards
        where school_id = $1
        order by id
        limit $2
        "#,
        school_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// How many of `names` the school has boards for.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_boards_named(
    db: impl PgExecutor<'_>,
    school_id: i64,
    names: &[String],
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from boards where school_id = $1 and name = any($2)"#,
        school_id,
        names
    )
    .fetch_one(db)
    .await
}

/// Creates whichever of these boards the school lacks. The unique name
/// makes two racing first listings create each board once.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_boards_if_missing(
    db: impl PgExecutor<'_>,
    school_id: i64,
    names: &[String],
    descriptions: &[String],
    anonymous_only: &[bool],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        insert into boards (school_id, name, description, anonymous_only)
        select $1, name, description, anonymous_only
        from unnest($2::text[], $3::text[], $4::boolean[]) as d (name, description, anonymous_only)
        on conflict (school_id, name) do nothing
        "#,
        school_id,
        names,
        descriptions,
        anonymous_only
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Serializes board creation within a school until the transaction ends,
/// so the board limit holds when creations race.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_school_boards(db: &mut PgConnection, school_id: i64) -> sqlx::Result<()> {
    super::advisory_xact_lock(db, "everytime.community.boards", school_id).await
}

/// How many boards a school has.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_boards(db: impl PgExecutor<'_>, school_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from boards where school_id = $1"#,
        school_id
    )
    .fetch_one(db)
    .await
}

/// Creates a board; a name the school already has breaks
/// `boards_school_id_name_key`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_board(
    db: impl PgExecutor<'_>,
    school_id: i64,
    name: &str,
    description: &str,
    anonymous_only: bool,
) -> sqlx::Result<BoardRow> {
    sqlx::query_as!(
        BoardRow,
        r#"
        insert into boards (school_id, name, description, anonymous_only)
        values ($1, $2, $3, $4)
        returning id, name, description, anonymous_only, created_at
        "#,
        school_id,
        name,
        description,
        anonymous_only
    )
    .fetch_one(db)
    .await
}

/// A board of the school, if it exists.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn board(
    db: impl PgExecutor<'_>,
    board_id: i64,
    school_id: i64,
) -> sqlx::Result<Option<BoardRow>> {
    sqlx::query_as!(
        BoardRow,
        r#"
        select id, name, description, anonymous_only, created_at
        from boards
        where id = $1 and school_id = $2
        "#,
        board_id,
        school_id
    )
    .fetch_optional(db)
    .await
}
