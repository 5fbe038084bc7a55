//! Lists of posts: a board's, HOT, BEST, search, and the caller's own
//! (`/me/posts`, `/me/comments`, `/me/scraps`). Each is one call and one
//! nickname lookup for the page's named authors ([`list_posts`]).

use axum::{Json, extract::State};
use everytime_proto::community::v1::{
    self as pb, community_service_client::CommunityServiceClient,
};

use super::{
    BadBestPage, BadPage, BadSearch, BestPage, BestQuery, NoSuchBoard, PageQuery, PostPage,
    SearchQuery, limit_param, list_page, list_posts, number_param, post_page,
};
use crate::{
    error::ApiResult,
    extract::{ApiPath, ApiQuery, Auth},
    state::{AppState, authed, call},
};

/// A board's posts, newest first.
#[utoipa::path(get, path = "/api/v1/boards/{board_id}/posts", tag = "community",
    params(("board_id" = i64, Path, description = "The board"), PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = PostPage),
        BadPage,
        NoSuchBoard,
    ))]
pub async fn list_board_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(board_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let (page_size, page_token) = query.page()?;
    let request = pb::ListBoardPostsRequest {
        board_id,
        page_size,
        page_token,
    };
    list_posts(
        &state,
        &auth,
        request,
        CommunityServiceClient::list_board_posts,
    )
    .await
}

/// HOT게시판: the school's posts with at least 10 likes, latest to reach 10 first.
#[utoipa::path(get, path = "/api/v1/posts/hot", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of HOT posts", body = PostPage),
        BadPage,
    ))]
pub async fn list_hot_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    list_page(&state, &auth, query, CommunityServiceClient::list_hot_posts).await
}

/// BEST게시판: the school's posts of a half-year with at least 100 likes,
/// most liked first.
#[utoipa::path(get, path = "/api/v1/posts/best", tag = "community",
    params(BestQuery),
    responses(
        (status = 200, description = "A page of BEST posts", body = BestPage),
        BadBestPage,
    ))]
pub async fn list_best_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<BestQuery>,
) -> ApiResult<Json<BestPage>> {
    let page = call(
        &state.clients.community,
        authed(
            pb::ListBestPostsRequest {
                season: query.season.unwrap_or_default(),
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ),
        CommunityServiceClient::list_best_posts,
    )
    .await?;
    let season = page.season;
    let PostPage { items, next_cursor } =
        post_page(&state, &auth, page.posts, page.next_page_token).await?;
    Ok(Json(BestPage {
        items,
        next_cursor,
        season,
    }))
}

/// Posts of the school whose title or content contains `q`, newest first.
#[utoipa::path(get, path = "/api/v1/posts/search", tag = "community",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of matching posts", body = PostPage),
        BadSearch,
        NoSuchBoard,
    ))]
pub async fn search_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<PostPage>> {
    let request = pb::SearchPostsRequest {
        query: query.q.unwrap_or_default(),
        board_id: number_param("board_id", query.board_id.as_deref())?,
        page_size: limit_param(query.limit.as_deref())?,
        page_token: query.cursor.unwrap_or_default(),
    };
    list_posts(&state, &auth, request, CommunityServiceClient::search_posts).await
}

/// The caller's posts, anonymous ones included, newest first.
#[utoipa::path(get, path = "/api/v1/me/posts", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's posts", body = PostPage),
        BadPage,
    ))]
pub async fn list_my_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    list_page(&state, &auth, query, CommunityServiceClient::list_my_posts).await
}

/// The posts the caller commented on, by their newest comment, each once.
#[utoipa::path(get, path = "/api/v1/me/comments", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts the caller commented on", body = PostPage),
        BadPage,
    ))]
pub async fn list_my_comments(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    list_page(
        &state,
        &auth,
        query,
        CommunityServiceClient::list_my_commented_posts,
    )
    .await
}

/// The caller's scraps, newest scrap first.
#[utoipa::path(get, path = "/api/v1/me/scraps", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's scraps", body = PostPage),
        BadPage,
    ))]
pub async fn list_my_scraps(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    list_page(&state, &auth, query, CommunityServiceClient::list_my_scraps).await
}
