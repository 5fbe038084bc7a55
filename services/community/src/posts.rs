//! Posts: writing one (anonymous whatever was asked on an anonymous-only
//! board; one per board every so often per user: [`limits`]), reading it
//! with its whole thread, editing and deleting it (its author, or to
//! delete also an administrator), and the lock every change hanging off a
//! post starts with.

use std::collections::HashMap;

use everytime_common::{token::Caller, validate};
use everytime_proto::community::v1 as pb;
use sqlx::{Postgres, Transaction};

use crate::{
    State, boards,
    domain::{PostContent, PostTitle},
    error::{Error, Result},
    limits::{self, Write},
    store::{
        comments as comment_store,
        posts::{self as store, LockedPost, NewPost, PostRow},
        reports as report_store,
    },
    wire,
};

/// A new post on a board of the caller's school.
pub async fn create(
    state: &State,
    caller: &Caller,
    request: pb::CreatePostRequest,
) -> Result<pb::CreatePostResponse> {
    let (title, content) = validate::all((
        PostTitle::parse(&request.title),
        PostContent::parse(&request.content),
    ))?;
    let board = boards::of_school(state, request.board_id, caller.school_id).await?;
    crate::reports::ensure_may_write(state, caller.user_id).await?;
    let is_anonymous = request.anonymous || board.anonymous_only;
    let mut tx = limits::begin(state, caller.user_id, Write::Post { board_id: board.id }).await?;
    let (id, created_at) = store::insert_post(
        &mut *tx,
        &NewPost {
            school_id: caller.school_id,
            board_id: board.id,
            author_id: caller.user_id,
            anonymous: is_anonymous,
            title: title.as_str(),
            content: content.as_str(),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(post_id = id, board_id = board.id, "post created");
    let post = wire::post(
        PostRow {
            id,
            board_id: board.id,
            board_name: board.name,
            author_id: caller.user_id,
            anonymous: is_anonymous,
            title: title.as_str().to_owned(),
            content: content.as_str().to_owned(),
            like_count: 0,
            comment_count: 0,
            scrap_count: 0,
            created_at,
            updated_at: created_at,
            liked_by_me: false,
            scrapped_by_me: false,
            blinded: false,
        },
        Vec::new(),
        HashMap::new(),
        caller.user_id,
    );
    Ok(pb::CreatePostResponse { post: Some(post) })
}

/// A post of the caller's school with its thread.
pub async fn get(
    state: &State,
    caller: &Caller,
    request: pb::GetPostRequest,
) -> Result<pb::GetPostResponse> {
    let post = load(state, caller, request.post_id).await?;
    Ok(pb::GetPostResponse { post: Some(post) })
}

/// A post and its whole thread: two statements whatever its length, and
/// a third for the reasons of a blinded one, one after another on one
/// connection (taken from the pool and given back once, one ping).
async fn load(state: &State, caller: &Caller, post_id: i64) -> Result<pb::Post> {
    let mut db = state.pool.acquire().await?;
    let post = store::post(&mut *db, post_id, caller.school_id, caller.user_id)
        .await?
        .ok_or(Error::NotFound("post"))?;
    let thread = comment_store::thread(&mut *db, post_id, caller.user_id).await?;
    let reasons = if post.blinded {
        report_store::reasons(&mut *db, &["post".to_owned()], &[post.id])
            .await?
            .into_iter()
            .map(|count| (count.reason, i32::try_from(count.count).unwrap_or(i32::MAX)))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(wire::post(post, thread, reasons, caller.user_id))
}

/// Edits the caller's post: a field left out is kept.
pub async fn update(
    state: &State,
    caller: &Caller,
    request: pb::UpdatePostRequest,
) -> Result<pb::UpdatePostResponse> {
    // A field left out is no check and no change.
    let (title, content) = validate::all((
        request.title.as_deref().map(PostTitle::parse).transpose(),
        request
            .content
            .as_deref()
            .map(PostContent::parse)
            .transpose(),
    ))?;
    let updated = store::update_post(
        &state.pool,
        request.post_id,
        caller.school_id,
        caller.user_id,
        title.as_ref().map(PostTitle::as_str),
        content.as_ref().map(PostContent::as_str),
    )
    .await?;
    if !updated {
        return Err(refusal(state, caller, request.post_id).await?);
    }
    let post = load(state, caller, request.post_id).await?;
    Ok(pb::UpdatePostResponse { post: Some(post) })
}

/// Deletes a post with everything on it: by its author, or an administrator.
pub async fn delete(
    state: &State,
    caller: &Caller,
    request: pb::DeletePostRequest,
) -> Result<pb::DeletePostResponse> {
    let post_id = request.post_id;
    let deleted = store::delete_post(
        &state.pool,
        post_id,
        caller.school_id,
        caller.user_id,
        caller.is_admin(),
    )
    .await?;
    if !deleted {
        return Err(refusal(state, caller, post_id).await?);
    }
    tracing::info!(post_id, by_admin = caller.is_admin(), "post deleted");
    Ok(pb::DeletePostResponse {})
}

/// Why the caller may not change a post: it is not theirs, or there is
/// no such post in their school.
async fn refusal(state: &State, caller: &Caller, post_id: i64) -> Result<Error> {
    Ok(
        match store::post_author(&state.pool, post_id, caller.school_id).await? {
            Some(_) => Error::NotAuthor("post"),
            None => Error::NotFound("post"),
        },
    )
}

/// Starts a transaction that holds a post of the caller's school against
/// deletion (see [`store::lock_post`]): every change hanging off a post
/// begins here, so a concurrent deletion queues instead of deadlocking.
pub(crate) async fn lock(
    state: &State,
    post_id: i64,
    school_id: i64,
) -> Result<(Transaction<'static, Postgres>, LockedPost)> {
    lock_in(state.pool.begin().await?, post_id, school_id).await
}

/// [`lock`] in a transaction already begun: one a write limit has
/// admitted its write in ([`limits::begin`]).
pub(crate) async fn lock_in(
    mut tx: Transaction<'static, Postgres>,
    post_id: i64,
    school_id: i64,
) -> Result<(Transaction<'static, Postgres>, LockedPost)> {
    match store::lock_post(&mut tx, post_id).await? {
        Some(post) if post.school_id == school_id => Ok((tx, post)),
        _ => Err(Error::NotFound("post")),
    }
}
