//! The SQL of the post lists: each walks one index for the ids of a page
//! (keyset: strictly after the previous page's last position), and
//! [`super::posts::summaries`] then loads those posts. Blinded posts are in
//! none of them but the author's own (the board, HOT and BEST indexes hold
//! only unblinded posts).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A page key with a time: HOT (when the 10th like came), the caller's
/// comments (their latest comment) and scraps (when scrapped).
#[derive(Debug, Clone, Copy)]
pub struct TimedKey {
    pub post_id: i64,
    pub at: DateTime<Utc>,
}

/// A BEST page key.
#[derive(Debug, Clone, Copy)]
pub struct LikedKey {
    pub post_id: i64,
    pub like_count: i32,
}

/// A board's post ids older than `before`, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn board_page(
    db: impl PgExecutor<'_>,
    board_id: i64,
    school_id: i64,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"
        select id from posts
        where board_id = $1 and school_id = $2 and id < $3 and blinded_at is null
        order by id desc
        limit $4
        "#,
        board_id,
        school_id,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// HOT게시판: the school's posts that reached HOT (`hot_at`) before `(at, id)`,
/// latest to reach it first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn hot_page(
    db: impl PgExecutor<'_>,
    school_id: i64,
    before: (DateTime<Utc>, i64),
    limit: i64,
) -> sqlx::Result<Vec<TimedKey>> {
    sqlx::query_as!(
        TimedKey,
        r#"
        select post_id, hot_at as "at!"
        from post_stats
        where school_id = $1 and hot_at is not null and not blinded and (hot_at, post_id) < ($2, $3)
        order by hot_at desc, post_id desc
        limit $4
        "#,
        school_id,
        before.0,
        before.1,
        limit
    )
    .fetch_all(db)
    .await
}

/// BEST게시판: the school's posts of a season with at least 100 likes
/// (`domain::BEST_LIKES`, written out for the partial index),
/// after `(likes, id)` in most-liked-first order.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn best_page(
    db: impl PgExecutor<'_>,
    school_id: i64,
    season: i32,
    before: (i32, i64),
    limit: i64,
) -> sqlx::Result<Vec<LikedKey>> {
    sqlx::query_as!(
        LikedKey,
        r#"
        select post_id, like_count
        from post_stats
        where school_id = $1 and season = $2 and like_count >= 100 and not blinded
          and (like_count, post_id) < ($3, $4)
        order by like_count desc, post_id desc
        limit $5
        "#,
        school_id,
        season,
        before.0,
        before.1,
        limit
    )
    .fetch_all(db)
    .await
}

/// Search in a school: post ids older than `before` whose title or content
/// contains `query` (case-insensitive), newest first. The GIN index on the
/// bigrams finds candidates; strpos() then checks the exact substring.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn search_school_page(
    db: impl PgExecutor<'_>,
    school_id: i64,
    query: &str,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"
        select id from posts
        where school_id = $1 and id < $3 and blinded_at is null
          and search_grams @> bigrams($2)
          and (strpos(lower(title), lower($2)) > 0 or strpos(lower(content), lower($2)) > 0)
        order by id desc
        limit $4
        "#,
        school_id,
        query,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// [`search_school_page`] within one board of the school.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn search_board_page(
    db: impl PgExecutor<'_>,
    school_id: i64,
    board_id: i64,
    query: &str,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"
        select id from posts
        where board_id = $2 and school_id = $1 and id < $4 and blinded_at is null
          and search_grams @> bigrams($3)
          and (strpos(lower(title), lower($3)) > 0 or strpos(lower(content), lower($3)) > 0)
        order by id desc
        limit $5
        "#,
        school_id,
        board_id,
        query,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// A user's post ids older than `before`, newest first, anonymous ones included.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn my_posts_page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    school_id: i64,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"
        select id from posts
        where author_id = $1 and school_id = $2 and id < $3
        order by id desc
        limit $4
        "#,
        user_id,
        school_id,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// The posts a user has live comments on, by their latest comment, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn my_comments_page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: (DateTime<Utc>, i64),
    limit: i64,
) -> sqlx::Result<Vec<TimedKey>> {
    sqlx::query_as!(
        TimedKey,
        r#"
        select post_id, last_commented_at as at
        from commenters
        where user_id = $1 and live_comments > 0 and (last_commented_at, post_id) < ($2, $3)
        order by last_commented_at desc, post_id desc
        limit $4
        "#,
        user_id,
        before.0,
        before.1,
        limit
    )
    .fetch_all(db)
    .await
}

/// A user's scraps, newest scrap first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn my_scraps_page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: (DateTime<Utc>, i64),
    limit: i64,
) -> sqlx::Result<Vec<TimedKey>> {
    sqlx::query_as!(
        TimedKey,
        r#"
        select post_id, created_at as at
        from scraps
        where user_id = $1 and (created_at, post_id) < ($2, $3)
        order by created_at desc, post_id desc
        limit $4
        "#,
        user_id,
        before.0,
        before.1,
        limit
    )
    .fetch_all(db)
    .await
}
