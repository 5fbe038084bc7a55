//! The SQL of posts: one post with what the viewer did to it, writing,
//! editing and deleting, the lock every change hanging off a post takes, and
//! [`summaries`], the one way every list loads the posts of its page.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

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
    /// Blinded by reports.
    pub blinded: bool,
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
    /// The first characters of the content (`domain::PREVIEW_CHARACTERS`).
    pub preview: String,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    pub created_at: DateTime<Utc>,
    /// Blinded by reports (shown in its author's own list only).
    pub blinded: bool,
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

/// Creates a post with its counters; returns its id and creation time.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_post(
    db: impl PgExecutor<'_>,
    post: &NewPost<'_>,
) -> sqlx::Result<(i64, DateTime<Utc>)> {
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
    .await?;
    Ok((row.id, row.created_at))
}

/// A post of the school with what `viewer` has done to it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn post(
    db: impl PgExecutor<'_>,
    post_id: i64,
    school_id: i64,
    viewer: i64,
) -> sqlx::Result<Option<PostRow>> {
    sqlx::query_as!(
        PostRow,
        r#"
        select p.id, p.board_id, b.name as board_name, p.author_id, p.anonymous,
               p.title, p.content, p.created_at, p.updated_at,
               s.like_count::bigint as "like_count!",
               s.comment_count::bigint as "comment_count!",
               s.scrap_count::bigint as "scrap_count!",
               exists (select 1 from post_likes l where l.post_id = p.id and l.user_id = $3) as "liked_by_me!",
               exists (select 1 from scraps x where x.post_id = p.id and x.user_id = $3) as "scrapped_by_me!",
               p.blinded_at is not null as "blinded!"
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
    .await
}

/// The author of a post of the school.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn post_author(
    db: impl PgExecutor<'_>,
    post_id: i64,
    school_id: i64,
) -> sqlx::Result<Option<PostAuthor>> {
    sqlx::query_as!(
        PostAuthor,
        "select author_id, anonymous from posts where id = $1 and school_id = $2",
        post_id,
        school_id
    )
    .fetch_optional(db)
    .await
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
) -> sqlx::Result<bool> {
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
) -> sqlx::Result<bool> {
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

/// Loads the posts with these ids in the school, for a page, each with the
/// first `preview_characters` of its content. Posts deleted since their ids
/// were read are simply missing; so are blinded ones unless
/// `with_blinded` (the author's own list).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn summaries(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    school_id: i64,
    preview_characters: i32,
    with_blinded: bool,
) -> sqlx::Result<Vec<SummaryRow>> {
    sqlx::query_as!(
        SummaryRow,
        r#"
        select p.id, p.board_id, b.name as board_name, p.author_id, p.anonymous, p.title,
               left(p.content, $3) as "preview!",
               s.like_count::bigint as "like_count!",
               s.comment_count::bigint as "comment_count!",
               s.scrap_count::bigint as "scrap_count!",
               p.created_at,
               p.blinded_at is not null as "blinded!"
        from posts p
        join boards b on b.id = p.board_id
        join post_stats s on s.post_id = p.id
        where p.id = any($1) and p.school_id = $2 and ($4 or p.blinded_at is null)
        "#,
        ids,
        school_id,
        preview_characters,
        with_blinded
    )
    .fetch_all(db)
    .await
}

/// Locks a post against deletion until the transaction ends (`for key
/// share`: likes, scraps and comments on one post still go side by side).
///
/// Every transaction that changes something hanging off a post takes this
/// first, which is also the first lock a deletion takes (on its way to
/// cascading to the rows that hang off the post): so they queue instead of
/// deadlocking. `None` when there is no such post. Only the post is
/// locked, not its board.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_post(db: &mut PgConnection, post_id: i64) -> sqlx::Result<Option<LockedPost>> {
    sqlx::query_as!(
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
    .await
}
