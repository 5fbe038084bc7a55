//! The SQL of 공감 (likes of posts and comments) and scraps: the row that
//! makes each once per user, and the counter it moves in the same
//! transaction.

use sqlx::{PgConnection, PgExecutor};

/// Records a like; false when the user had already liked the post.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_post_like(
    db: &mut PgConnection,
    post_id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    let row = sqlx::query!(
        r#"
        insert into post_likes (post_id, user_id) values ($1, $2)
        on conflict (post_id, user_id) do nothing
        returning post_id
        "#,
        post_id,
        user_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Counts one more like on a post, noting when it reaches `hot_likes`
/// (HOT게시판); returns the new count. The row lock this takes orders racing
/// likes.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn add_post_like(
    db: &mut PgConnection,
    post_id: i64,
    hot_likes: i32,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"
        update post_stats set
            like_count = like_count + 1,
            hot_at = case when hot_at is null and like_count + 1 >= $2 then now() else hot_at end
        where post_id = $1
        returning like_count::bigint as "like_count!"
        "#,
        post_id,
        hot_likes
    )
    .fetch_one(db)
    .await
}

/// Records a like of a comment; false when the user had already liked it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_comment_like(
    db: &mut PgConnection,
    comment_id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    let row = sqlx::query!(
        r#"
        insert into comment_likes (comment_id, user_id) values ($1, $2)
        on conflict (comment_id, user_id) do nothing
        returning comment_id
        "#,
        comment_id,
        user_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Counts one more like on a comment; returns the new count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn add_comment_like(db: &mut PgConnection, comment_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"
        update comments set like_count = like_count + 1
        where id = $1
        returning like_count::bigint as "like_count!"
        "#,
        comment_id
    )
    .fetch_one(db)
    .await
}

/// Records a scrap; false when the user had already scrapped the post.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_scrap(db: &mut PgConnection, post_id: i64, user_id: i64) -> sqlx::Result<bool> {
    let row = sqlx::query!(
        r#"
        insert into scraps (post_id, user_id) values ($1, $2)
        on conflict (post_id, user_id) do nothing
        returning post_id
        "#,
        post_id,
        user_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Removes a scrap; false when there was none.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_scrap(db: &mut PgConnection, post_id: i64, user_id: i64) -> sqlx::Result<bool> {
    let deleted = sqlx::query!(
        "delete from scraps where post_id = $1 and user_id = $2",
        post_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// Moves a post's scrap count by `delta`; returns the new count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn add_scraps(db: &mut PgConnection, post_id: i64, delta: i32) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"
        update post_stats set scrap_count = scrap_count + $2
        where post_id = $1
        returning scrap_count::bigint as "scrap_count!"
        "#,
        post_id,
        delta
    )
    .fetch_one(db)
    .await
}

/// A post's scrap count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn scrap_count(db: impl PgExecutor<'_>, post_id: i64) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select scrap_count::bigint as "scrap_count!" from post_stats where post_id = $1"#,
        post_id
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(0))
}
