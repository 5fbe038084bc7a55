//! The SQL of 쪽지: where a conversation starts (a post or comment and its
//! author), the conversation and each side's view of it, messages, unread
//! counts, hiding and blocking.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// Who wrote a post or comment a 쪽지 is sent from, and what the
/// conversation will show of it.
#[derive(Debug, Clone)]
pub struct OriginRow {
    pub post_id: i64,
    pub comment_id: Option<i64>,
    pub author_id: i64,
    pub anonymous: bool,
    pub board_id: i64,
    pub title: String,
    /// The author's account was deleted.
    pub author_left: bool,
}

/// A live, unblinded post of the school as an origin.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn post_origin(
    db: impl PgExecutor<'_>,
    post_id: i64,
    school_id: i64,
) -> sqlx::Result<Option<OriginRow>> {
    sqlx::query_as!(
        OriginRow,
        r#"
        select p.id as post_id, null::bigint as comment_id, p.author_id, p.anonymous,
               p.board_id, p.title,
               exists (select 1 from deleted_users d where d.user_id = p.author_id) as "author_left!"
        from posts p
        where p.id = $1 and p.school_id = $2 and p.blinded_at is null
        "#,
        post_id,
        school_id
    )
    .fetch_optional(db)
    .await
}

/// A live, unblinded comment of the school as an origin (its post's
/// title and board).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn comment_origin(
    db: impl PgExecutor<'_>,
    comment_id: i64,
    school_id: i64,
) -> sqlx::Result<Option<OriginRow>> {
    sqlx::query_as!(
        OriginRow,
        r#"
        select p.id as post_id, c.id as "comment_id?", c.author_id, c.anonymous,
               p.board_id, p.title,
               exists (select 1 from deleted_users d where d.user_id = c.author_id) as "author_left!"
        from comments c
        join posts p on p.id = c.post_id
        where c.id = $1 and p.school_id = $2 and c.deleted_at is null
          and c.blinded_at is null and p.blinded_at is null
        "#,
        comment_id,
        school_id
    )
    .fetch_optional(db)
    .await
}

/// The conversation of a sender, recipient and origin, created if it is
/// new, and locked for the rest of the transaction: its id and whether it
/// is blocked.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn open_conversation(
    db: &mut PgConnection,
    school_id: i64,
    starter_id: i64,
    origin: &OriginRow,
) -> sqlx::Result<(i64, bool)> {
    let row = sqlx::query!(
        r#"
        insert into conversations as c (
            school_id, starter_id, recipient_id, origin_post_id, origin_comment_id,
            origin_board_id, origin_title, anonymous
        )
        values ($1, $2, $3, $4, $5, $6, $7, $8)
        on conflict (starter_id, recipient_id, origin_post_id, origin_comment_id)
            do update set school_id = c.school_id
        returning c.id, c.blocked_at is not null as "blocked!"
        "#,
        school_id,
        starter_id,
        origin.author_id,
        origin.post_id,
        origin.comment_id,
        origin.board_id,
        origin.title,
        origin.anonymous
    )
    .fetch_one(db)
    .await?;
    Ok((row.id, row.blocked))
}

/// A conversation's two sides, locked for the rest of the transaction.
#[derive(Debug, Clone, Copy)]
pub struct Sides {
    pub starter_id: i64,
    pub recipient_id: i64,
    pub blocked: bool,
    /// One side's account was deleted.
    pub someone_left: bool,
}

impl Sides {
    /// The side that is not `user_id`.
    pub fn other(&self, user_id: i64) -> i64 {
        if self.starter_id == user_id {
            self.recipient_id
        } else {
            self.starter_id
        }
    }
}

/// Locks a conversation `user_id` is a side of and sees (not hidden is not
/// required: a side that deleted it may still write in it).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_conversation(
    db: &mut PgConnection,
    conversation_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<Sides>> {
    sqlx::query_as!(
        Sides,
        r#"
        select starter_id, recipient_id, blocked_at is not null as "blocked!",
               exists (
                   select 1 from deleted_users d where d.user_id in (c.starter_id, c.recipient_id)
               ) as "someone_left!"
        from conversations c
        where id = $1 and $2 in (starter_id, recipient_id)
        for update
        "#,
        conversation_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Inserts a message; its id and time.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_message(
    db: &mut PgConnection,
    conversation_id: i64,
    sender_id: i64,
    content: &str,
) -> sqlx::Result<(i64, DateTime<Utc>)> {
    let row = sqlx::query!(
        r#"
        insert into messages (conversation_id, sender_id, content) values ($1, $2, $3)
        returning id, created_at
        "#,
        conversation_id,
        sender_id,
        content
    )
    .fetch_one(db)
    .await?;
    Ok((row.id, row.created_at))
}

/// Puts message `message_id` at the top of both sides' lists (bringing
/// back a side that had deleted the conversation) and counts it unread
/// for the recipient, in one statement: each side's row is locked while
/// it changes, so racing messages are each counted.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn deliver(
    db: &mut PgConnection,
    conversation_id: i64,
    sender_id: i64,
    recipient_id: i64,
    message_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        insert into conversation_members as m (conversation_id, user_id, last_message_id, unread_count)
        values ($1, $2, $4, 0), ($1, $3, $4, 1)
        on conflict (conversation_id, user_id) do update set
            last_message_id = greatest(m.last_message_id, excluded.last_message_id),
            unread_count = m.unread_count + excluded.unread_count,
            visible = true
        "#,
        conversation_id,
        sender_id,
        recipient_id,
        message_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A conversation as one side sees it.
#[derive(Debug, Clone)]
pub struct ConversationRow {
    pub id: i64,
    pub counterpart_id: i64,
    pub anonymous: bool,
    pub blocked: bool,
    pub origin_post_id: i64,
    pub origin_board_id: i64,
    pub origin_board_name: String,
    pub origin_title: String,
    pub last_message_id: i64,
    pub last_content: String,
    pub last_mine: bool,
    pub last_at: DateTime<Utc>,
    pub unread_count: i32,
    /// Messages up to this id were deleted by this side.
    pub cleared_through: i64,
}

/// A page of `user_id`'s visible conversations whose latest message is
/// older than `before`, latest activity first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn conversations_page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<ConversationRow>> {
    sqlx::query_as!(
        ConversationRow,
        r#"
        select c.id,
               case when c.starter_id = $1 then c.recipient_id else c.starter_id end as "counterpart_id!",
               c.anonymous, c.blocked_at is not null as "blocked!",
               c.origin_post_id, c.origin_board_id, b.name as origin_board_name, c.origin_title,
               m.last_message_id, last.content as last_content,
               last.sender_id = $1 as "last_mine!", last.created_at as last_at,
               m.unread_count, m.cleared_through
        from conversation_members m
        join conversations c on c.id = m.conversation_id
        join boards b on b.id = c.origin_board_id
        join messages last on last.id = m.last_message_id
        where m.user_id = $1 and m.visible and m.last_message_id < $2
        order by m.last_message_id desc
        limit $3
        "#,
        user_id,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// One conversation as `user_id` sees it, while it is in their list.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn conversation(
    db: impl PgExecutor<'_>,
    conversation_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<ConversationRow>> {
    sqlx::query_as!(
        ConversationRow,
        r#"
        select c.id,
               case when c.starter_id = $2 then c.recipient_id else c.starter_id end as "counterpart_id!",
               c.anonymous, c.blocked_at is not null as "blocked!",
               c.origin_post_id, c.origin_board_id, b.name as origin_board_name, c.origin_title,
               m.last_message_id, last.content as last_content,
               last.sender_id = $2 as "last_mine!", last.created_at as last_at,
               m.unread_count, m.cleared_through
        from conversation_members m
        join conversations c on c.id = m.conversation_id
        join boards b on b.id = c.origin_board_id
        join messages last on last.id = m.last_message_id
        where m.conversation_id = $1 and m.user_id = $2 and m.visible
        "#,
        conversation_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// A message as one side sees it.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: i64,
    pub content: String,
    pub mine: bool,
    pub created_at: DateTime<Utc>,
}

/// A page of a conversation's messages after `cleared_through` and before
/// `before`, newest first, as `user_id` sees them.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn messages_page(
    db: impl PgExecutor<'_>,
    conversation_id: i64,
    user_id: i64,
    cleared_through: i64,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as!(
        MessageRow,
        r#"
        select id, content, sender_id = $2 as "mine!", created_at
        from messages
        where conversation_id = $1 and id > $3 and id < $4
        order by id desc
        limit $5
        "#,
        conversation_id,
        user_id,
        cleared_through,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// Marks a conversation read for `user_id`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn mark_read(
    db: impl PgExecutor<'_>,
    conversation_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        update conversation_members set unread_count = 0
        where conversation_id = $1 and user_id = $2 and unread_count > 0
        "#,
        conversation_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Hides a conversation from `user_id`'s list with every message so far;
/// false when it was not in their list.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn hide(
    db: impl PgExecutor<'_>,
    conversation_id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        r#"
        update conversation_members
        set visible = false, unread_count = 0, cleared_through = last_message_id
        where conversation_id = $1 and user_id = $2 and visible
        "#,
        conversation_id,
        user_id
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Blocks a conversation (once: a second block keeps the first time).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn block(db: &mut PgConnection, conversation_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update conversations set blocked_at = coalesce(blocked_at, now()) where id = $1",
        conversation_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many messages `user_id` has not read.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn unread_total(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"
        select coalesce(sum(unread_count), 0)::bigint as "count!"
        from conversation_members
        where user_id = $1 and unread_count > 0
        "#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// Records that a user left and removes their side of every conversation
/// (the other side keeps theirs, with the messages); the rows deleted.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn erase_user(db: &mut PgConnection, user_id: i64) -> sqlx::Result<u64> {
    sqlx::query!(
        "insert into deleted_users (user_id) values ($1) on conflict do nothing",
        user_id
    )
    .execute(&mut *db)
    .await?;
    Ok(sqlx::query!(
        "delete from conversation_members where user_id = $1",
        user_id
    )
    .execute(db)
    .await?
    .rows_affected())
}
