//! The post lists: a board's posts, HOT게시판 (posts with
//! [`HOT_LIKES`](crate::domain::HOT_LIKES) likes, latest to reach them
//! first), BEST게시판 (a season's posts with
//! [`BEST_LIKES`](crate::domain::BEST_LIKES), most liked first), search, and the caller's own lists
//! (their posts, the posts they commented on, their scraps).
//!
//! Each is keyset-paginated ([`everytime_common::page`], with cursors bound
//! to a [`Scope`]) in two steps: one query walks an index for a page of
//! post ids, then [`crate::store::posts::summaries`] loads those posts. Both
//! run on one pooled connection: the pool checks every connection it takes
//! back with a round trip to Postgres, so a second acquisition would cost a
//! third round trip.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use everytime_common::{
    page::{PageRequest, finish_page, page_request},
    token::Caller,
};
use everytime_proto::community::v1 as pb;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;

use crate::{
    State, boards,
    domain::{PREVIEW_CHARACTERS, SearchQuery, Season},
    error::{Error, Result},
    paging::{self, Scope},
    store::{
        feeds::{self as store, TimedKey},
        posts::{SummaryRow, summaries as load_summaries},
    },
    wire,
};

/// A page of posts and the token to the next one.
struct PostPage {
    posts: Vec<pb::PostSummary>,
    next_page_token: String,
}

/// Checks a list's page size and token.
fn page<P: DeserializeOwned>(
    state: &State,
    scope: &Scope<'_>,
    size: Option<i32>,
    token: &str,
) -> Result<PageRequest<P>> {
    Ok(page_request(&state.cursors, &scope.key(), size, token)?)
}

/// Loads the posts of a page in the order of `ids`; blinded ones only in
/// the author's own list (`scope` [`Scope::MyPosts`]).
async fn summaries(
    db: &mut PgConnection,
    scope: &Scope<'_>,
    ids: &[i64],
    school_id: i64,
) -> Result<Vec<pb::PostSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let preview = i32::from(PREVIEW_CHARACTERS);
    let with_blinded = matches!(scope, Scope::MyPosts(_));
    let mut rows: HashMap<i64, SummaryRow> =
        load_summaries(db, ids, school_id, preview, with_blinded)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
    Ok(ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(wire::summary)
        .collect())
}

/// Finishes a page of post ids: cuts it, signs the next cursor, loads
/// the posts.
async fn id_page(
    state: &State,
    db: &mut PgConnection,
    scope: &Scope<'_>,
    mut ids: Vec<i64>,
    size: i64,
    school_id: i64,
) -> Result<PostPage> {
    let next_page_token = finish_page(&state.cursors, &scope.key(), &mut ids, size, |id| *id);
    Ok(PostPage {
        posts: summaries(db, scope, &ids, school_id).await?,
        next_page_token,
    })
}

/// [`id_page`] for lists ordered by a time, then post id.
async fn timed_page(
    state: &State,
    db: &mut PgConnection,
    scope: &Scope<'_>,
    mut keys: Vec<TimedKey>,
    size: i64,
    school_id: i64,
) -> Result<PostPage> {
    let next_page_token = finish_page(&state.cursors, &scope.key(), &mut keys, size, |key| {
        (paging::micros(key.at), key.post_id)
    });
    let ids: Vec<i64> = keys.iter().map(|key| key.post_id).collect();
    Ok(PostPage {
        posts: summaries(db, scope, &ids, school_id).await?,
        next_page_token,
    })
}

/// The position a time-ordered page continues after.
fn time_position(after: Option<(i64, i64)>) -> Result<(DateTime<Utc>, i64)> {
    match after {
        None => Ok((paging::time_ceiling(), i64::MAX)),
        Some((micros, id)) => Ok((paging::from_micros(micros).map_err(Error::field)?, id)),
    }
}

/// A board's posts, newest first.
pub async fn board_posts(
    state: &State,
    caller: &Caller,
    request: pb::ListBoardPostsRequest,
) -> Result<pb::ListBoardPostsResponse> {
    let scope = Scope::Board(request.board_id);
    let page = page::<i64>(state, &scope, request.page_size, &request.page_token)?;
    let mut db = state.pool.acquire().await?;
    let ids = store::board_page(
        &mut *db,
        request.board_id,
        caller.school_id,
        page.after.unwrap_or(i64::MAX),
        page.fetch(),
    )
    .await?;
    if ids.is_empty() {
        // An empty page of a board that does not exist is a missing board.
        drop(db);
        boards::of_school(state, request.board_id, caller.school_id).await?;
        return Ok(pb::ListBoardPostsResponse::default());
    }
    let page = id_page(state, &mut db, &scope, ids, page.size, caller.school_id).await?;
    Ok(pb::ListBoardPostsResponse {
        posts: page.posts,
        next_page_token: page.next_page_token,
    })
}

/// HOT게시판 of the caller's school.
pub async fn hot(
    state: &State,
    caller: &Caller,
    request: pb::ListHotPostsRequest,
) -> Result<pb::ListHotPostsResponse> {
    let scope = Scope::Hot(caller.school_id);
    let page = page::<(i64, i64)>(state, &scope, request.page_size, &request.page_token)?;
    let before = time_position(page.after)?;
    let mut db = state.pool.acquire().await?;
    let keys = store::hot_page(&mut *db, caller.school_id, before, page.fetch()).await?;
    let page = timed_page(state, &mut db, &scope, keys, page.size, caller.school_id).await?;
    Ok(pb::ListHotPostsResponse {
        posts: page.posts,
        next_page_token: page.next_page_token,
    })
}

/// BEST게시판 of the caller's school for a season (the current one unless
/// one is asked for).
pub async fn best(
    state: &State,
    caller: &Caller,
    request: pb::ListBestPostsRequest,
) -> Result<pb::ListBestPostsResponse> {
    let season = match request.season.trim() {
        "" => Season::current(),
        season => Season::parse(season).map_err(Error::field)?,
    };
    let scope = Scope::Best(caller.school_id, season.key());
    let page = page::<(i32, i64)>(state, &scope, request.page_size, &request.page_token)?;
    let before = page.after.unwrap_or((i32::MAX, i64::MAX));
    let mut db = state.pool.acquire().await?;
    let mut keys = store::best_page(
        &mut *db,
        caller.school_id,
        season.key(),
        before,
        page.fetch(),
    )
    .await?;
    let next_page_token = finish_page(&state.cursors, &scope.key(), &mut keys, page.size, |key| {
        (key.like_count, key.post_id)
    });
    let ids: Vec<i64> = keys.iter().map(|key| key.post_id).collect();
    Ok(pb::ListBestPostsResponse {
        posts: summaries(&mut db, &scope, &ids, caller.school_id).await?,
        next_page_token,
        season: season.to_string(),
    })
}

/// The caller's school's posts (or one board's) whose title or content
/// contains the query, newest first.
pub async fn search(
    state: &State,
    caller: &Caller,
    request: pb::SearchPostsRequest,
) -> Result<pb::SearchPostsResponse> {
    let query = SearchQuery::parse(&request.query).map_err(Error::field)?;
    let scope = Scope::Search {
        school_id: caller.school_id,
        board_id: request.board_id,
        query: query.as_str(),
    };
    let page = page::<i64>(state, &scope, request.page_size, &request.page_token)?;
    let before = page.after.unwrap_or(i64::MAX);
    if let Some(board_id) = request.board_id {
        boards::of_school(state, board_id, caller.school_id).await?;
    }
    let mut db = state.pool.acquire().await?;
    let ids = match request.board_id {
        None => {
            store::search_school_page(
                &mut *db,
                caller.school_id,
                query.as_str(),
                before,
                page.fetch(),
            )
            .await?
        }
        Some(board_id) => {
            store::search_board_page(
                &mut *db,
                caller.school_id,
                board_id,
                query.as_str(),
                before,
                page.fetch(),
            )
            .await?
        }
    };
    let page = id_page(state, &mut db, &scope, ids, page.size, caller.school_id).await?;
    Ok(pb::SearchPostsResponse {
        posts: page.posts,
        next_page_token: page.next_page_token,
    })
}

/// The caller's posts, anonymous ones included, newest first.
pub async fn my_posts(
    state: &State,
    caller: &Caller,
    request: pb::ListMyPostsRequest,
) -> Result<pb::ListMyPostsResponse> {
    let scope = Scope::MyPosts(caller.user_id);
    let page = page::<i64>(state, &scope, request.page_size, &request.page_token)?;
    let mut db = state.pool.acquire().await?;
    let ids = store::my_posts_page(
        &mut *db,
        caller.user_id,
        caller.school_id,
        page.after.unwrap_or(i64::MAX),
        page.fetch(),
    )
    .await?;
    let page = id_page(state, &mut db, &scope, ids, page.size, caller.school_id).await?;
    Ok(pb::ListMyPostsResponse {
        posts: page.posts,
        next_page_token: page.next_page_token,
    })
}

/// The posts the caller has live comments on, by their latest comment.
pub async fn my_commented_posts(
    state: &State,
    caller: &Caller,
    request: pb::ListMyCommentedPostsRequest,
) -> Result<pb::ListMyCommentedPostsResponse> {
    let scope = Scope::MyComments(caller.user_id);
    let page = page::<(i64, i64)>(state, &scope, request.page_size, &request.page_token)?;
    let before = time_position(page.after)?;
    let mut db = state.pool.acquire().await?;
    let keys = store::my_comments_page(&mut *db, caller.user_id, before, page.fetch()).await?;
    let page = timed_page(state, &mut db, &scope, keys, page.size, caller.school_id).await?;
    Ok(pb::ListMyCommentedPostsResponse {
        posts: page.posts,
        next_page_token: page.next_page_token,
    })
}

/// The caller's scraps, newest scrap first.
pub async fn my_scraps(
    state: &State,
    caller: &Caller,
    request: pb::ListMyScrapsRequest,
) -> Result<pb::ListMyScrapsResponse> {
    let scope = Scope::MyScraps(caller.user_id);
    let page = page::<(i64, i64)>(state, &scope, request.page_size, &request.page_token)?;
    let before = time_position(page.after)?;
    let mut db = state.pool.acquire().await?;
    let keys = store::my_scraps_page(&mut *db, caller.user_id, before, page.fetch()).await?;
    let page = timed_page(state, &mut db, &scope, keys, page.size, caller.school_id).await?;
    Ok(pb::ListMyScrapsResponse {
        posts: page.posts,
        next_page_token: page.next_page_token,
    })
}
