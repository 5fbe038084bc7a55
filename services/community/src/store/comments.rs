//! The SQL of comments: a post's thread, the commenters table that numbers
//! anonymous commenters (익명N) and feeds "my comments", writing and
//! soft-deleting.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

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
    /// Blinded by reports.
    pub blinded: bool,
}

/// A comment's post and author.
#[derive(Debug, Clone, Copy)]
pub struct CommentOwner {
    pub post_id: i64,
    pub author_id: i64,
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

/// The post and author of a live comment on a post of the school.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn comment_owner(
    db: impl PgExecutor<'_>,
    comment_id: i64,
    school_id: i64,
) -> sqlx::Result<Option<CommentOwner>> {
    sqlx::query_as!(
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
    .await
}

/// Counts one more comment on a post and locks its counters until the
/// transaction ends, so comments on one post are numbered one at a time.
/// Returns the new count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn add_comment_to_post(db: &mut PgConnection, post_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"
        update post_stats set comment_count = comment_count + 1
        where post_id = $1
        returning comment_count::bigint as "comment_count!"
        "#,
        post_id
    )
    .fetch_one(db)
    .await
}

/// A reply's parent: whether it is top-level, and whose it is.
#[derive(Debug, Clone, Copy)]
pub struct Parent {
    pub top_level: bool,
    pub author_id: i64,
}

/// A live comment of the post as a reply's parent: `None` when there is
/// no live comment with this id on the post.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn parent(
    db: &mut PgConnection,
    comment_id: i64,
    post_id: i64,
) -> sqlx::Result<Option<Parent>> {
    sqlx::query_as!(
        Parent,
        r#"
        select parent_id is null as "top_level!", author_id
        from comments
        where id = $1 and post_id = $2 and deleted_at is null
        "#,
        comment_id,
        post_id
    )
    .fetch_optional(db)
    .await
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
) -> sqlx::Result<Option<i32>> {
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
}

/// Inserts a comment; returns its id and creation time.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_comment(
    db: &mut PgConnection,
    comment: &NewComment<'_>,
) -> sqlx::Result<(i64, DateTime<Utc>)> {
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
    .await?;
    Ok((row.id, row.created_at))
}

/// Counts one comment fewer on a post, taking the same lock as
/// [`add_comment_to_post`]. Only after [`soft_delete_comment`] said the
/// comment was live: the count never goes below its live comments.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn remove_comment_from_post(db: &mut PgConnection, post_id: i64) -> sqlx::Result<()> {
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
pub async fn soft_delete_comment(db: &mut PgConnection, comment_id: i64) -> sqlx::Result<bool> {
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
) -> sqlx::Result<()> {
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
pub async fn thread(
    db: impl PgExecutor<'_>,
    post_id: i64,
    viewer: i64,
) -> sqlx::Result<Vec<CommentRow>> {
    sqlx::query_as!(
        CommentRow,
        r#"
        select c.id, c.parent_id, c.author_id, c.anonymous, c.content,
               c.like_count::bigint as "like_count!",
               c.created_at,
               c.deleted_at is not null as "deleted!",
               k.anonymous_number as "anonymous_number?",
               exists (select 1 from comment_likes l where l.comment_id = c.id and l.user_id = $2) as "liked_by_me!",
               c.blinded_at is not null as "blinded!"
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
    .await
}
