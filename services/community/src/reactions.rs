//! 공감 and scraps: a like is once per user and post or comment and never
//! on one's own, and cannot be taken back; a scrap is idempotent and
//! removable, never of one's own post. Each moves its counter in the same
//! transaction as its row, so counts stay exact when requests race.

use everytime_common::{db::ResultExt, token::Caller};
use everytime_proto::community::v1 as pb;

use crate::{
    State,
    domain::{HOT_LIKES, NotificationKind, notice},
    error::{Error, Result},
    limits::{self, Write},
    notifications::{self, Notice},
    posts,
    store::{comments::comment_owner, notifications as notification_store, reactions as store},
};

/// Likes a post of someone else; its first [`HOT_LIKES`]th like puts it on HOT.
pub async fn like_post(
    state: &State,
    caller: &Caller,
    request: pb::LikePostRequest,
) -> Result<pb::LikePostResponse> {
    let post_id = request.post_id;
    let tx = limits::begin(state, caller.user_id, Write::Like).await?;
    let (mut tx, post) = posts::lock_in(tx, post_id, caller.school_id).await?;
    if post.author_id == caller.user_id {
        return Err(Error::Own("post"));
    }
    // The primary key lets one of racing likes by one user in; the
    // others wait for it and then find it there.
    if !store::insert_post_like(&mut tx, post_id, caller.user_id)
        .await
        .on_constraint("post_likes_post_id_fkey", || Error::NotFound("post"))?
    {
        return Err(Error::AlreadyLiked);
    }
    let like_count = store::add_post_like(&mut tx, post_id, HOT_LIKES).await?;
    if like_count == i64::from(HOT_LIKES) {
        // Likes are never taken back, so this is the one like that puts
        // the post on HOT: its author hears of it once.
        let title = notification_store::post_title(&mut tx, post_id).await?;
        let text = notice::hot(&title);
        let hot = Notice {
            kind: NotificationKind::Hot,
            text,
            post_id: Some(post_id),
            comment_id: None,
        };
        notifications::record(&mut tx, post.author_id, caller.user_id, hot).await?;
    }
    tx.commit().await?;
    Ok(pb::LikePostResponse {
        like_count,
        liked: true,
    })
}

/// Likes a comment of someone else.
pub async fn like_comment(
    state: &State,
    caller: &Caller,
    request: pb::LikeCommentRequest,
) -> Result<pb::LikeCommentResponse> {
    let comment_id = request.comment_id;
    let owner = comment_owner(&state.pool, comment_id, caller.school_id)
        .await?
        .ok_or(Error::NotFound("comment"))?;
    if owner.author_id == caller.user_id {
        return Err(Error::Own("comment"));
    }
    let mut tx = limits::begin(state, caller.user_id, Write::Like).await?;
    if !store::insert_comment_like(&mut tx, comment_id, caller.user_id)
        .await
        .on_constraint("comment_likes_comment_id_fkey", || {
            Error::NotFound("comment")
        })?
    {
        return Err(Error::AlreadyLiked);
    }
    let like_count = store::add_comment_like(&mut tx, comment_id).await?;
    tx.commit().await?;
    Ok(pb::LikeCommentResponse {
        like_count,
        liked: true,
    })
}

/// Scraps a post of someone else; scrapping it again changes nothing.
pub async fn scrap(
    state: &State,
    caller: &Caller,
    request: pb::ScrapPostRequest,
) -> Result<pb::ScrapPostResponse> {
    let post_id = request.post_id;
    let (mut tx, post) = posts::lock(state, post_id, caller.school_id).await?;
    if post.author_id == caller.user_id {
        return Err(Error::Own("post"));
    }
    let scrapped = store::insert_scrap(&mut tx, post_id, caller.user_id)
        .await
        .on_constraint("scraps_post_id_fkey", || Error::NotFound("post"))?;
    let scrap_count = if scrapped {
        store::add_scraps(&mut tx, post_id, 1).await?
    } else {
        store::scrap_count(&mut *tx, post_id).await?
    };
    tx.commit().await?;
    Ok(pb::ScrapPostResponse {
        scrap_count,
        scrapped: true,
    })
}

/// Takes the caller's scrap of a post back, if there is one.
pub async fn unscrap(
    state: &State,
    caller: &Caller,
    request: pb::UnscrapPostRequest,
) -> Result<pb::UnscrapPostResponse> {
    let post_id = request.post_id;
    let (mut tx, _) = posts::lock(state, post_id, caller.school_id).await?;
    let scrap_count = if store::delete_scrap(&mut tx, post_id, caller.user_id).await? {
        store::add_scraps(&mut tx, post_id, -1).await?
    } else {
        store::scrap_count(&mut *tx, post_id).await?
    };
    tx.commit().await?;
    Ok(pb::UnscrapPostResponse {
        scrap_count,
        scrapped: false,
    })
}
