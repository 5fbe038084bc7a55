//! Comments: writing one or a reply (one level deep), numbering anonymous
//! commenters per post (익명1, 익명2… in the order they first comment; the
//! post's anonymous author is 익명(글쓴이) and takes no number), at most
//! [`MAX_COMMENTS_PER_POST`] live ones a post, and deleting one's own
//! (a deleted comment stays, emptied, while it has live replies).

use everytime_common::{db::ResultExt, token::Caller};
use everytime_proto::community::v1 as pb;

use crate::{
    State,
    domain::{CommentContent, MAX_COMMENTS_PER_POST, NotificationKind, notice},
    error::{Error, Result},
    limits::{self, Write},
    notifications::{self, Notice},
    posts,
    store::{
        comments::{self as store, CommentRow, NewComment},
        posts::{PostAuthor, lock_post},
    },
    wire,
};

/// A comment, or a reply when `parent_id` names a top-level comment of the
/// post.
pub async fn create(
    state: &State,
    caller: &Caller,
    request: pb::CreateCommentRequest,
) -> Result<pb::CreateCommentResponse> {
    let content = CommentContent::parse(&request.content).map_err(Error::field)?;
    crate::reports::ensure_may_write(state, caller.user_id).await?;
    let tx = limits::begin(state, caller.user_id, Write::Comment).await?;
    let (mut tx, post) = posts::lock_in(tx, request.post_id, caller.school_id).await?;
    // Locks the post's counters: comments on one post are taken one at
    // a time from here to commit, which keeps the numbering race-free.
    let count = store::add_comment_to_post(&mut tx, request.post_id).await?;
    if count > MAX_COMMENTS_PER_POST {
        return Err(Error::TooManyComments);
    }
    let parent = match request.parent_id {
        Some(parent_id) => match store::parent(&mut tx, parent_id, request.post_id).await? {
            None => return Err(Error::UnknownParent),
            Some(parent) if !parent.top_level => return Err(Error::ReplyToReply),
            Some(parent) => Some(parent),
        },
        None => None,
    };
    // On an anonymous-only board comments are anonymous too, whatever
    // was asked, as in the app.
    let is_anonymous = request.anonymous || post.anonymous_only;
    let post = PostAuthor {
        author_id: post.author_id,
        anonymous: post.anonymous,
    };
    let is_post_author = post.anonymous && post.author_id == caller.user_id;
    let number = store::upsert_commenter(
        &mut tx,
        request.post_id,
        caller.user_id,
        is_anonymous && !is_post_author,
    )
    .await
    .on_constraint("commenters_post_id_fkey", || Error::NotFound("post"))?;
    let (id, created_at) = store::insert_comment(
        &mut tx,
        &NewComment {
            post_id: request.post_id,
            parent_id: request.parent_id,
            author_id: caller.user_id,
            anonymous: is_anonymous,
            content: content.as_str(),
        },
    )
    .await
    .on_constraint("comments_post_id_fkey", || Error::NotFound("post"))?;
    let label = is_anonymous
        .then(|| wire::comment_author(caller.user_id, true, number, &post).display_name);
    notify(
        &mut tx,
        caller.user_id,
        Written {
            post_id: request.post_id,
            comment_id: id,
            post_author: post.author_id,
            parent_author: parent.map(|parent| parent.author_id),
            label: label.as_deref(),
            content: content.as_str(),
        },
    )
    .await?;
    tx.commit().await?;
    let comment = wire::comment(
        CommentRow {
            id,
            parent_id: request.parent_id,
            author_id: caller.user_id,
            anonymous: is_anonymous,
            content: content.as_str().to_owned(),
            like_count: 0,
            created_at,
            deleted: false,
            anonymous_number: number,
            liked_by_me: false,
            blinded: false,
        },
        &post,
        caller.user_id,
    );
    Ok(pb::CreateCommentResponse {
        comment: Some(comment),
    })
}

/// A comment just written, as its notifications tell of it.
struct Written<'a> {
    post_id: i64,
    comment_id: i64,
    post_author: i64,
    /// The parent's author, for a reply.
    parent_author: Option<i64>,
    /// How the post shows an anonymous commenter (익명3).
    label: Option<&'a str>,
    content: &'a str,
}

/// Tells the parent comment's author of a reply (`reply`) and the post's
/// author of a comment (`comment`): once each, the parent's author first,
/// never the commenter themselves.
async fn notify(tx: &mut sqlx::PgConnection, commenter: i64, written: Written<'_>) -> Result<()> {
    let at = |kind, text| Notice {
        kind,
        text,
        post_id: Some(written.post_id),
        comment_id: Some(written.comment_id),
    };
    if let Some(parent_author) = written.parent_author {
        let text = notice::reply(written.label, written.content);
        notifications::record(
            tx,
            parent_author,
            commenter,
            at(NotificationKind::Reply, text),
        )
        .await?;
        if parent_author == written.post_author {
            return Ok(());
        }
    }
    let text = notice::comment(written.label, written.content);
    notifications::record(
        tx,
        written.post_author,
        commenter,
        at(NotificationKind::Comment, text),
    )
    .await
}

/// Deletes the caller's own comment.
pub async fn delete(
    state: &State,
    caller: &Caller,
    request: pb::DeleteCommentRequest,
) -> Result<pb::DeleteCommentResponse> {
    let comment_id = request.comment_id;
    let owner = store::comment_owner(&state.pool, comment_id, caller.school_id)
        .await?
        .ok_or(Error::NotFound("comment"))?;
    if owner.author_id != caller.user_id {
        return Err(Error::NotAuthor("comment"));
    }
    let mut tx = state.pool.begin().await?;
    if lock_post(&mut tx, owner.post_id).await?.is_none() {
        // The post, and the comment with it, went meanwhile.
        return Err(Error::NotFound("comment"));
    }
    // The comment first: of racing deletions only the one that finds it
    // live goes on to take it off the counts.
    if !store::soft_delete_comment(&mut tx, comment_id).await? {
        // Deleted by another request meanwhile.
        return Err(Error::NotFound("comment"));
    }
    store::remove_comment_from_post(&mut tx, owner.post_id).await?;
    store::commenter_removed_comment(&mut tx, owner.post_id, owner.author_id).await?;
    tx.commit().await?;
    Ok(pb::DeleteCommentResponse {})
}
