//! The community schema's queries.
//!
//! Each function is one statement, checked at compile time against the
//! migrations (`sqlx::query!`, offline data in `.sqlx/`). Lists come in two
//! steps: a keyset query that walks one index for the page's post ids, then
//! [`summaries`], one query that loads those posts; so every list shares one
//! way of loading a post and each list query stays on its index.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::error::{Error, Result};

/// A board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub anonymous_only: bool,
    pub created_at: DateTime<Utc>,
}

/// A post as lists show it.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub id: i64,
    pub board_id: i64,
    pub board_name: String,
    pub author_id: i64,
    pub anonymous: bool,
    pub title: String,
    /// The first 100 characters of the content.
    pub preview: String,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    pub created_at: DateTime<Utc>,
}

/// A post with what the viewer has done to it.
#[derive(Debug, Clone)]
pub struct PostRow {
    pub id: i64,
    pub board_id: i64,
    pub board_name: String,
    pub author_id: i64,
    pub anonymous: bool,
    pub title: String,
    pub content: String,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub liked_by_me: bool,
    pub scrapped_by_me: bool,
}

/// A comment of a thread with its author's anonymous number on the post.
#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub anonymous: bool,
    pub content: String,
    pub like_count: i64,
    pub created_at: DateTime<Utc>,
    pub deleted: bool,
    pub anonymous_number: Option<i32>,
    pub liked_by_me: bool,
}

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

/// The author and anonymity of a post.
#[derive(Debug, Clone, Copy)]
pub struct PostAuthor {
    pub author_id: i64,
    pub anonymous: bool,
}

/// A post locked against deletion for the rest of a transaction.
#[derive(Debug, Clone, Copy)]
pub struct LockedPost {
    pub school_id: i64,
    pub author_id: i64,
    pub anonymous: bool,
    /// Its board takes only anonymous posts and comments.
    pub anonymous_only: bool,
}

/// A comment's post and author.
#[derive(Debug, Clone, Copy)]
pub struct CommentOwner {
    pub post_id: i64,
    pub author_id: i64,
}

/// A new post.
#[derive(Debug)]
pub struct NewPost<'a> {
    pub school_id: i64,
    pub board_id: i64,
    pub author_id: i64,
    pub anonymous: bool,
    pub title: &'a str,
    pub content: &'a str,
}

/// A new comment.
#[derive(Debug)]
pub struct NewComment<'a> {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub anonymous: bool,
    pub content: &'a str,
}

// ---------------------------------------------------------------- boards

/// A school's boards, oldest first (at most `limit`).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn boards(db: impl PgExecutor<'_>, school_id: i64, limit: i64) -> Result<Vec<BoardRow>> {
    Ok(sqlx::query_as!(
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
    .await?)
}

/// How many of `names` the school has boards for.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_boards_named(
    db: impl PgExecutor<'_>,
    school_id: i64,
    names: &[String],
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from boards where school_id = $1 and name = any($2)"#,
        school_id,
        names
    )
    .fetch_one(db)
    .await?)
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
) -> Result<()> {
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
pub async fn lock_school_boards(db: &mut PgConnection, school_id: i64) -> Result<()> {
    sqlx::query!(
        r#"
        select 1 as "locked!"
        from pg_advisory_xact_lock(hashtextextended('everytime.community.boards', $1))
        "#,
        school_id
    )
    .fetch_one(db)
    .await?;
    Ok(())
}

/// How many boards a school has.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_boards(db: impl PgExecutor<'_>, school_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from boards where school_id = $1"#,
        school_id
    )
    .fetch_one(db)
    .await?)
}

/// Creates a board; a taken name is [`Error::BoardNameTaken`].
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_board(
    db: impl PgExecutor<'_>,
    school_id: i64,
    name: &str,
    description: &str,
    anonymous_only: bool,
) -> Result<BoardRow> {
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
    .map_err(Error::from_db)
}

/// A board of the school, if it exists.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn board(
    db: impl PgExecutor<'_>,
    board_id: i64,
    school_id: i64,
) -> Result<Option<BoardRow>> {
    Ok(sqlx::query_as!(
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
    .await?)
}

// ----------------------------------------------------------------- posts

/// Creates a post with its counters; returns its id and creation time.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_post(
    db: impl PgExecutor<'_>,
    post: &NewPost<'_>,
) -> Result<(i64, DateTime<Utc>)> {
    let row = sqlx::query!(
        r#"
        with post as (
            insert into posts (school_id, board_id, author_id, anonymous, title, content)
            values ($1, $2, $3, $4, $5, $6)
            returning id, school_id, created_at
        ), stats as (
            insert into post_stats (post_id, school_id, season)
            select id, school_id, season_of(created_at) from post
        )
        select id, created_at from post
        "#,
        post.school_id,
        post.board_id,
        post.author_id,
        post.anonymous,
        post.title,
        post.content
    )
    .fetch_one(db)
    .await
    .map_err(Error::from_db)?;
    Ok((row.id, row.created_at))
}

/// A post of the school with what `viewer` has done to it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn post(
    db: impl PgExecutor<'_>,
    post_id: i64,
    school_id: i64,
    viewer: i64,
) -> Result<Option<PostRow>> {
    Ok(sqlx::query_as!(
        PostRow,
        r#"
        select p.id, p.board_id, b.name as board_name, p.author_id, p.anonymous,
               p.title, p.content, p.created_at, p.updated_at,
               s.like_count::bigint as "like_count!",
               s.comment_count::bigint as "comment_count!",
               s.scrap_count::bigint as "scrap_count!",
               exists (select 1 from post_likes l where l.post_id = p.id and l.user_id = $3) as "liked_by_me!",
               exists (select 1 from scraps x where x.post_id = p.id and x.user_id = $3) as "scrapped_by_me!"
        from posts p
        join boards b on b.id = p.board_id
        join post_stats s on s.post_id = p.id
        where p.id = $1 and p.school_id = $2
        "#,
        post_id,
        school_id,
        viewer
    )
    .fetch_optional(db)
    .await?)
}

/// The author of a post of the school.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn post_author(
    db: impl PgExecutor<'_>,
    post_id: i64,
    school_id: i64,
) -> Result<Option<PostAuthor>> {
    Ok(sqlx::query_as!(
        PostAuthor,
        "select author_id, anonymous from posts where id = $1 and school_id = $2",
        post_id,
        school_id
    )
    .fetch_optional(db)
    .await?)
}

/// Edits a post if `author_id` wrote it; `None` keeps a field. False when
/// no such post of theirs exists.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn update_post(
    db: impl PgExecutor<'_>,
    post_id: i64,
    school_id: i64,
    author_id: i64,
    title: Option<&str>,
    content: Option<&str>,
) -> Result<bool> {
    let updated = sqlx::query!(
        r#"
        update posts set
            title = coalesce($4, title),
            content = coalesce($5, content),
            updated_at = case when $4::text is null and $5::text is null then updated_at else now() end
        where id = $1 and school_id = $2 and author_id = $3
        "#,
        post_id,
        school_id,
        author_id,
        title,
        content
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Deletes a post of the school with everything on it (comments, likes,
/// scraps) if the caller may: its author or an administrator. False when
/// there is no such post they may delete.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_post(
    db: impl PgExecutor<'_>,
    post_id: i64,
    school_id: i64,
    user_id: i64,
    admin: bool,
) -> Result<bool> {
    let deleted = sqlx::query!(
        r#"
        delete from posts
        where id = $1 and school_id = $2 and (author_id = $3 or $4)
        "#,
        post_id,
        school_id,
        user_id,
        admin
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// Loads the posts with these ids in the school, for a page. Posts deleted
/// since their ids were read are simply missing.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn summaries(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    school_id: i64,
) -> Result<Vec<SummaryRow>> {
    Ok(sqlx::query_as!(
        SummaryRow,
        r#"
        select p.id, p.board_id, b.name as board_name, p.author_id, p.anonymous, p.title,
               left(p.content, 100) as "preview!",
               s.like_count::bigint as "like_count!",
               s.comment_count::bigint as "comment_count!",
               s.scrap_count::bigint as "scrap_count!",
               p.created_at
        from posts p
        join boards b on b.id = p.board_id
        join post_stats s on s.post_id = p.id
        where p.id = any($1) and p.school_id = $2
        "#,
        ids,
        school_id
    )
    .fetch_all(db)
    .await?)
}

// ------------------------------------------------------------ post lists

/// A board's post ids older than `before`, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn board_page(
    db: impl PgExecutor<'_>,
    board_id: i64,
    school_id: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        r#"
        select id from posts
        where board_id = $1 and school_id = $2 and id < $3
        order by id desc
        limit $4
        "#,
        board_id,
        school_id,
        before,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// HOT게시판: the school's posts that reached 10 likes before `(at, id)`,
/// latest to reach it first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn hot_page(
    db: impl PgExecutor<'_>,
    school_id: i64,
    before: (DateTime<Utc>, i64),
    limit: i64,
) -> Result<Vec<TimedKey>> {
    Ok(sqlx::query_as!(
        TimedKey,
        r#"
        select post_id, hot_at as "at!"
        from post_stats
        where school_id = $1 and hot_at is not null and (hot_at, post_id) < ($2, $3)
        order by hot_at desc, post_id desc
        limit $4
        "#,
        school_id,
        before.0,
        before.1,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// BEST게시판: the school's posts of a season with at least 100 likes,
/// after `(likes, id)` in most-liked-first order.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn best_page(
    db: impl PgExecutor<'_>,
    school_id: i64,
    season: i32,
    before: (i32, i64),
    limit: i64,
) -> Result<Vec<LikedKey>> {
    Ok(sqlx::query_as!(
        LikedKey,
        r#"
        select post_id, like_count
        from post_stats
        where school_id = $1 and season = $2 and like_count >= 100
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
    .await?)
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
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        r#"
        select id from posts
        where school_id = $1 and id < $3
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
    .await?)
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
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        r#"
        select id from posts
        where board_id = $2 and school_id = $1 and id < $4
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
    .await?)
}

/// A user's post ids older than `before`, newest first, anonymous ones included.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn my_posts_page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    school_id: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
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
    .await?)
}

/// The posts a user has live comments on, by their latest comment, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn my_comments_page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: (DateTime<Utc>, i64),
    limit: i64,
) -> Result<Vec<TimedKey>> {
    Ok(sqlx::query_as!(
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
    .await?)
}

/// A user's scraps, newest scrap first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn my_scraps_page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: (DateTime<Utc>, i64),
    limit: i64,
) -> Result<Vec<TimedKey>> {
    Ok(sqlx::query_as!(
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
    .await?)
}

// ------------------------------------------------------------- likes, scraps

/// Locks a post against deletion until the transaction ends (`for key
/// share`: likes, scraps and comments on one post still go side by side).
///
/// Every transaction that changes something hanging off a post takes this
/// first, which is also the first lock a deletion takes (on its way to
/// cascading to the rows that hang off the post): so they queue instead of
/// deadlocking. `None` when there is no such post. Only the post is
/// locked, not its board.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_post(db: &mut PgConnection, post_id: i64) -> Result<Option<LockedPost>> {
    Ok(sqlx::query_as!(
        LockedPost,
        r#"
        select p.school_id, p.author_id, p.anonymous, b.anonymous_only
        from posts p
        join boards b on b.id = p.board_id
        where p.id = $1
        for key share of p
        "#,
        post_id
    )
    .fetch_optional(db)
    .await?)
}

/// Records a like; false when the user had already liked the post.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_post_like(db: &mut PgConnection, post_id: i64, user_id: i64) -> Result<bool> {
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
    .await
    .map_err(Error::from_db)?;
    Ok(row.is_some())
}

/// Counts one more like on a post, noting when it reaches 10 (HOT); returns
/// the new count. The row lock this takes orders racing likes.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn add_post_like(db: &mut PgConnection, post_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        update post_stats set
            like_count = like_count + 1,
            hot_at = case when hot_at is null and like_count + 1 >= 10 then now() else hot_at end
        where post_id = $1
        returning like_count::bigint as "like_count!"
        "#,
        post_id
    )
    .fetch_one(db)
    .await?)
}

/// The post and author of a live comment on a post of the school.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn comment_owner(
    db: impl PgExecutor<'_>,
    comment_id: i64,
    school_id: i64,
) -> Result<Option<CommentOwner>> {
    Ok(sqlx::query_as!(
        CommentOwner,
        r#"
        select c.post_id, c.author_id
        from comments c
        join posts p on p.id = c.post_id
        where c.id = $1 and p.school_id = $2 and c.deleted_at is null
        "#,
        comment_id,
        school_id
    )
    .fetch_optional(db)
    .await?)
}

/// Records a like of a comment; false when the user had already liked it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_comment_like(
    db: &mut PgConnection,
    comment_id: i64,
    user_id: i64,
) -> Result<bool> {
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
    .await
    .map_err(Error::from_db)?;
    Ok(row.is_some())
}

/// Counts one more like on a comment; returns the new count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn add_comment_like(db: &mut PgConnection, comment_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        update comments set like_count = like_count + 1
        where id = $1
        returning like_count::bigint as "like_count!"
        "#,
        comment_id
    )
    .fetch_one(db)
    .await?)
}

/// Records a scrap; false when the user had already scrapped the post.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_scrap(db: &mut PgConnection, post_id: i64, user_id: i64) -> Result<bool> {
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
    .await
    .map_err(Error::from_db)?;
    Ok(row.is_some())
}

/// Removes a scrap; false when there was none.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_scrap(db: &mut PgConnection, post_id: i64, user_id: i64) -> Result<bool> {
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
pub async fn add_scraps(db: &mut PgConnection, post_id: i64, delta: i32) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        update post_stats set scrap_count = scrap_count + $2
        where post_id = $1
        returning scrap_count::bigint as "scrap_count!"
        "#,
        post_id,
        delta
    )
    .fetch_one(db)
    .await?)
}

/// A post's scrap count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn scrap_count(db: impl PgExecutor<'_>, post_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select scrap_count::bigint as "scrap_count!" from post_stats where post_id = $1"#,
        post_id
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(0))
}

// -------------------------------------------------------------- comments

/// Counts one more comment on a post and locks its counters until the
/// transaction ends, so comments on one post are numbered one at a time.
/// Returns the new count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn add_comment_to_post(db: &mut PgConnection, post_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        update post_stats set comment_count = comment_count + 1
        where post_id = $1
        returning comment_count::bigint as "comment_count!"
        "#,
        post_id
    )
    .fetch_one(db)
    .await?)
}

/// Whether a comment of the post is live and top-level: `None` when there
/// is no live comment with this id on the post.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn parent_is_top_level(
    db: &mut PgConnection,
    comment_id: i64,
    post_id: i64,
) -> Result<Option<bool>> {
    Ok(sqlx::query_scalar!(
        r#"
        select parent_id is null as "top_level!"
        from comments
        where id = $1 and post_id = $2 and deleted_at is null
        "#,
        comment_id,
        post_id
    )
    .fetch_optional(db)
    .await?)
}

/// Records a comment by `user_id` on the post for "my comments" and, when
/// `numbered`, gives them the post's next anonymous number unless they
/// have one. Returns their number, if any. Callers hold the post's counter
/// lock ([`add_comment_to_post`]), so max + 1 cannot be taken twice.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn upsert_commenter(
    db: &mut PgConnection,
    post_id: i64,
    user_id: i64,
    numbered: bool,
) -> Result<Option<i32>> {
    sqlx::query_scalar!(
        r#"
        insert into commenters (post_id, user_id, anonymous_number, live_comments, last_commented_at)
        values (
            $1, $2,
            case when $3 then (select coalesce(max(anonymous_number), 0) + 1 from commenters where post_id = $1) end,
            1, now()
        )
        on conflict (post_id, user_id) do update set
            anonymous_number = coalesce(commenters.anonymous_number, excluded.anonymous_number),
            live_comments = commenters.live_comments + 1,
            last_commented_at = excluded.last_commented_at
        returning anonymous_number
        "#,
        post_id,
        user_id,
        numbered
    )
    .fetch_one(db)
    .await
    .map_err(Error::from_db)
}

/// Inserts a comment; returns its id and creation time.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_comment(
    db: &mut PgConnection,
    comment: &NewComment<'_>,
) -> Result<(i64, DateTime<Utc>)> {
    let row = sqlx::query!(
        r#"
        insert into comments (post_id, parent_id, author_id, anonymous, content)
        values ($1, $2, $3, $4, $5)
        returning id, created_at
        "#,
        comment.post_id,
        comment.parent_id,
        comment.author_id,
        comment.anonymous,
        comment.content
    )
    .fetch_one(db)
    .await
    .map_err(Error::from_db)?;
    Ok((row.id, row.created_at))
}

/// Counts one comment fewer on a post, taking the same lock as
/// [`add_comment_to_post`]. Only after [`soft_delete_comment`] said the
/// comment was live: the count never goes below its live comments.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn remove_comment_from_post(db: &mut PgConnection, post_id: i64) -> Result<()> {
    sqlx::query!(
        "update post_stats set comment_count = comment_count - 1 where post_id = $1",
        post_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a live comment deleted and clears its text; false when it was
/// already deleted. The row lock it takes makes racing deletions of one
/// comment wait for each other, and all but the first then find it gone.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn soft_delete_comment(db: &mut PgConnection, comment_id: i64) -> Result<bool> {
    let deleted = sqlx::query!(
        r#"
        update comments set deleted_at = now(), content = ''
        where id = $1 and deleted_at is null
        "#,
        comment_id
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// After one of their comments on the post is deleted: one live comment
/// fewer, and "my comments" sorts the post by their latest live comment.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn commenter_removed_comment(
    db: &mut PgConnection,
    post_id: i64,
    user_id: i64,
) -> Result<()> {
    sqlx::query!(
        r#"
        update commenters set
            live_comments = live_comments - 1,
            last_commented_at = coalesce(
                (select max(created_at) from comments
                 where post_id = $1 and author_id = $2 and deleted_at is null),
                last_commented_at)
        where post_id = $1 and user_id = $2
        "#,
        post_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A post's whole visible thread, oldest first: live comments, and deleted
/// top-level comments that still have live replies. Each row carries its
/// author's anonymous number on the post and whether `viewer` liked it; one
/// statement however long the thread.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn thread(db: impl PgExecutor<'_>, post_id: i64, viewer: i64) -> Result<Vec<CommentRow>> {
    Ok(sqlx::query_as!(
        CommentRow,
        r#"
        select c.id, c.parent_id, c.author_id, c.anonymous, c.content,
               c.like_count::bigint as "like_count!",
               c.created_at,
               c.deleted_at is not null as "deleted!",
               k.anonymous_number as "anonymous_number?",
               exists (select 1 from comment_likes l where l.comment_id = c.id and l.user_id = $2) as "liked_by_me!"
        from comments c
        left join commenters k on k.post_id = c.post_id and k.user_id = c.author_id
        where c.post_id = $1
          and (c.deleted_at is null
               or (c.parent_id is null and exists (
                   select 1 from comments r where r.parent_id = c.id and r.deleted_at is null)))
        order by c.id
        "#,
        post_id,
        viewer
    )
    .fetch_all(db)
    .await?)
}
