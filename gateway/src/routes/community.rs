//! Boards, posts, comments, 공감, scraps, HOT, BEST, search.
//!
//! The community service decides anonymity: it sends a user id only for
//! named authors and a display name ("익명", "익명1", "익명(글쓴이)") for
//! anonymous ones, so nothing here can leak who wrote anonymous content.
//! Named authors' nicknames come from auth in one `BatchGetUsers` call per
//! response (never one per item), started alongside the community call
//! whenever the ids are known before it answers. The JSON author is
//! `{"nickname", "anonymous"}`, never an id.
//!
//! A write and the lookup made beside it always both run to the end: the
//! lookup failing never cancels a write on its way to the database.

use std::collections::{BTreeSet, HashMap};

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{delete, get, post, put},
};
use everytime_proto::{auth::v1 as auth_pb, community::v1 as pb};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::authed;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    model::{Items, rfc3339},
};

/// The nickname shown for a named author auth no longer knows (a deleted
/// account).
pub const UNKNOWN_NICKNAME: &str = "(알 수 없음)";
/// `BatchGetUsers` takes at most this many ids per call (auth's limit).
/// A response names at most a post's author and the authors of its
/// comments (the community service keeps a thread to 1,000), or a page of
/// at most 100 posts: one call always covers it.
const MAX_BATCH: usize = 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/boards", get(list_boards).post(create_board))
        .route(
            "/api/v1/boards/{board_id}/posts",
            get(list_board_posts).post(create_post),
        )
        .route("/api/v1/posts/hot", get(list_hot_posts))
        .route("/api/v1/posts/best", get(list_best_posts))
        .route("/api/v1/posts/search", get(search_posts))
        .route(
            "/api/v1/posts/{post_id}",
            get(get_post).patch(update_post).delete(delete_post),
        )
        .route("/api/v1/posts/{post_id}/comments", post(create_comment))
        .route("/api/v1/posts/{post_id}/like", put(like_post))
        .route(
            "/api/v1/posts/{post_id}/scrap",
            put(scrap_post).delete(unscrap_post),
        )
        .route("/api/v1/comments/{comment_id}", delete(delete_comment))
        .route("/api/v1/comments/{comment_id}/like", put(like_comment))
        .route("/api/v1/me/posts", get(list_my_posts))
        .route("/api/v1/me/comments", get(list_my_comments))
        .route("/api/v1/me/scraps", get(list_my_scraps))
}

/// This area's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_boards,
        create_board,
        list_board_posts,
        create_post,
        get_post,
        update_post,
        delete_post,
        create_comment,
        delete_comment,
        like_post,
        like_comment,
        scrap_post,
        unscrap_post,
        list_hot_posts,
        list_best_posts,
        search_posts,
        list_my_posts,
        list_my_comments,
        list_my_scraps,
    ),
    tags((name = "community", description = "Boards, posts, comments, 공감, scraps, HOT, BEST, search"))
)]
pub struct CommunityApi;

// ------------------------------------------------------------- JSON types

/// A board of the caller's school.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardBody {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "자유게시판")]
    pub name: String,
    #[schema(example = "자유롭게 이야기하는 곳")]
    pub description: String,
    /// Every post here is anonymous.
    pub anonymous_only: bool,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
}

impl From<pb::Board> for BoardBody {
    fn from(board: pb::Board) -> Self {
        BoardBody {
            id: board.id,
            name: board.name,
            description: board.description,
            anonymous_only: board.anonymous_only,
            created_at: rfc3339(board.create_time.as_ref()),
        }
    }
}

/// The board a post is on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardRefBody {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "자유게시판")]
    pub name: String,
}

/// Who wrote a post or comment, as others see it: a nickname, or "익명"
/// ("익명1", "익명(글쓴이)" on comments) with `anonymous` set. Never an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuthorBody {
    #[schema(example = "새내기")]
    pub nickname: String,
    pub anonymous: bool,
}

/// A post in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostSummaryBody {
    pub id: i64,
    pub board: BoardRefBody,
    #[schema(example = "자료구조 족보 있나요")]
    pub title: String,
    /// The first 100 characters of the content.
    pub content_preview: String,
    pub author: AuthorBody,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
}

/// A post with its whole comment thread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostBody {
    pub id: i64,
    pub board: BoardRefBody,
    pub title: String,
    /// The first 100 characters of the content.
    pub content_preview: String,
    pub author: AuthorBody,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    pub created_at: String,
    pub content: String,
    pub updated_at: String,
    /// The caller wrote it (anonymous or not).
    pub is_mine: bool,
    pub liked_by_me: bool,
    pub scrapped_by_me: bool,
    /// Top-level comments, oldest first, each with its replies.
    pub comments: Vec<CommentBody>,
}

/// A comment or reply. A deleted comment that still has replies shows
/// `deleted: true`, "삭제된 댓글입니다." and no author.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentBody {
    pub id: i64,
    pub content: String,
    /// Absent (`null`) on deleted comments.
    pub author: Option<AuthorBody>,
    pub like_count: i64,
    pub liked_by_me: bool,
    pub is_mine: bool,
    pub deleted: bool,
    pub created_at: String,
    /// Replies, oldest first; replies have none.
    #[schema(no_recursion)]
    pub replies: Vec<CommentBody>,
}

/// A page of posts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostPage {
    pub items: Vec<PostSummaryBody>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of BEST게시판.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BestPage {
    pub items: Vec<PostSummaryBody>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The season listed.
    #[schema(example = "2026-H1")]
    pub season: String,
}

/// A like's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LikeBody {
    pub like_count: i64,
    /// Always true: a like is for good.
    pub liked: bool,
}

/// A scrap's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScrapBody {
    pub scrap_count: i64,
    pub scrapped: bool,
}

/// A new board.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateBoardBody {
    /// 1–30 characters, unique in the school.
    #[schema(example = "스터디게시판")]
    pub name: String,
    /// At most 200 characters.
    pub description: Option<String>,
    /// Every post on it is anonymous (default false).
    pub anonymous_only: Option<bool>,
}

/// A new post.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePostBody {
    /// 1–100 characters.
    #[schema(example = "자료구조 족보 있나요")]
    pub title: String,
    /// 1–10,000 characters.
    pub content: String,
    /// Post anonymously (default false; always on anonymous-only boards).
    pub anonymous: Option<bool>,
}

/// Fields of a post to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdatePostBody {
    /// 1–100 characters.
    pub title: Option<String>,
    /// 1–10,000 characters.
    pub content: Option<String>,
}

/// A new comment or reply.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCommentBody {
    /// 1–300 characters.
    pub content: String,
    /// Comment anonymously (default false).
    pub anonymous: Option<bool>,
    /// Makes it a reply to this top-level comment of the post.
    pub parent_id: Option<i64>,
}

/// `?limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1..100, default 20.
    #[param(value_type = Option<i32>)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `?season&limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BestQuery {
    /// `YYYY-H1` or `YYYY-H2`; default the current one.
    pub season: Option<String>,
    /// 1..100, default 20.
    #[param(value_type = Option<i32>)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `?q&board_id&limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// 2–50 characters, matched case-insensitively in titles and contents.
    pub q: Option<String>,
    /// Only this board.
    #[param(value_type = Option<i64>)]
    pub board_id: Option<String>,
    /// 1..100, default 20.
    #[param(value_type = Option<i32>)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A whole-number query parameter: absent or blank is `None`; anything
/// else that is not a whole number is a `400` naming it.
fn number_param(field: &str, raw: Option<&str>) -> ApiResult<Option<i64>> {
    match raw.map(str::trim).filter(|raw| !raw.is_empty()) {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid_field("invalid_input", field, "must be a whole number")),
    }
}

/// `?limit` for the service, which checks its range (1..100): values out of
/// `i32` are sent saturated so they get the same range error.
fn limit_param(raw: Option<&str>) -> ApiResult<Option<i32>> {
    Ok(number_param("limit", raw)?
        .map(|limit| i32::try_from(limit).unwrap_or(if limit > 0 { i32::MAX } else { i32::MIN })))
}

// ---------------------------------------------------------- nickname fan-out

/// Nicknames of named authors, looked up once per response.
#[derive(Debug, Default)]
struct Nicknames(HashMap<i64, String>);

impl Nicknames {
    /// Looks up `ids` with the caller's token: one `BatchGetUsers` call,
    /// none when empty. (Past [`MAX_BATCH`] distinct authors, which no
    /// response of the community service reaches, the ids would go in
    /// concurrent calls of that size rather than be refused.)
    async fn fetch(state: &AppState, auth: &Auth, ids: BTreeSet<i64>) -> ApiResult<Nicknames> {
        if ids.is_empty() {
            return Ok(Nicknames::default());
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let calls = ids.chunks(MAX_BATCH).map(|chunk| {
            let mut users = state.clients.users.clone();
            let request = authed(
                auth_pb::BatchGetUsersRequest {
                    user_ids: chunk.to_vec(),
                },
                auth,
            );
            async move { users.batch_get_users(request).await }
        });
        let responses = futures::future::try_join_all(calls).await?;
        Ok(Nicknames(
            responses
                .into_iter()
                .flat_map(|response| response.into_inner().users)
                .map(|user| (user.id, user.nickname))
                .collect(),
        ))
    }

    /// The JSON author of a service author.
    fn author(&self, author: &pb::Author) -> AuthorBody {
        match author.user_id {
            Some(user_id) if !author.anonymous => AuthorBody {
                nickname: self
                    .0
                    .get(&user_id)
                    .cloned()
                    .unwrap_or_else(|| UNKNOWN_NICKNAME.to_owned()),
                anonymous: false,
            },
            _ => AuthorBody {
                nickname: if author.display_name.is_empty() {
                    "익명".to_owned()
                } else {
                    author.display_name.clone()
                },
                anonymous: true,
            },
        }
    }

    fn post_author(&self, author: Option<&pb::Author>) -> AuthorBody {
        author.map_or_else(
            || AuthorBody {
                nickname: "익명".to_owned(),
                anonymous: true,
            },
            |author| self.author(author),
        )
    }

    fn summary(&self, summary: pb::PostSummary) -> PostSummaryBody {
        let board = summary.board.unwrap_or_default();
        PostSummaryBody {
            id: summary.id,
            board: BoardRefBody {
                id: board.id,
                name: board.name,
            },
            title: summary.title,
            content_preview: summary.content_preview,
            author: self.post_author(summary.author.as_ref()),
            like_count: summary.like_count,
            comment_count: summary.comment_count,
            scrap_count: summary.scrap_count,
            created_at: rfc3339(summary.create_time.as_ref()),
        }
    }

    fn comment(&self, comment: pb::Comment) -> CommentBody {
        CommentBody {
            id: comment.id,
            content: comment.content,
            author: comment.author.as_ref().map(|author| self.author(author)),
            like_count: comment.like_count,
            liked_by_me: comment.liked_by_me,
            is_mine: comment.is_mine,
            deleted: comment.deleted,
            created_at: rfc3339(comment.create_time.as_ref()),
            replies: comment
                .replies
                .into_iter()
                .map(|reply| self.comment(reply))
                .collect(),
        }
    }

    fn post(&self, post: pb::Post) -> ApiResult<PostBody> {
        let summary = post
            .summary
            .ok_or_else(|| ApiError::internal("a post without its summary"))?;
        let summary = self.summary(summary);
        Ok(PostBody {
            id: summary.id,
            board: summary.board,
            title: summary.title,
            content_preview: summary.content_preview,
            author: summary.author,
            like_count: summary.like_count,
            comment_count: summary.comment_count,
            scrap_count: summary.scrap_count,
            created_at: summary.created_at,
            content: post.content,
            updated_at: rfc3339(post.update_time.as_ref()),
            is_mine: post.is_mine,
            liked_by_me: post.liked_by_me,
            scrapped_by_me: post.scrapped_by_me,
            comments: post
                .comments
                .into_iter()
                .map(|comment| self.comment(comment))
                .collect(),
        })
    }
}

/// The named author of a service author, if any.
fn named_id(author: Option<&pb::Author>) -> Option<i64> {
    author
        .filter(|author| !author.anonymous)
        .and_then(|author| author.user_id)
}

fn summary_author_ids(posts: &[pb::PostSummary]) -> BTreeSet<i64> {
    posts
        .iter()
        .filter_map(|post| named_id(post.author.as_ref()))
        .collect()
}

fn comment_author_ids(comments: &[pb::Comment], ids: &mut BTreeSet<i64>) {
    for comment in comments {
        ids.extend(named_id(comment.author.as_ref()));
        comment_author_ids(&comment.replies, ids);
    }
}

fn post_author_ids(post: &pb::Post) -> BTreeSet<i64> {
    let mut ids: BTreeSet<i64> = post
        .summary
        .as_ref()
        .and_then(|summary| named_id(summary.author.as_ref()))
        .into_iter()
        .collect();
    comment_author_ids(&post.comments, &mut ids);
    ids
}

/// A page of the service's posts as JSON, with one nickname lookup.
async fn post_page(
    state: &AppState,
    auth: &Auth,
    posts: Vec<pb::PostSummary>,
    next_page_token: String,
) -> ApiResult<PostPage> {
    let nicknames = Nicknames::fetch(state, auth, summary_author_ids(&posts)).await?;
    Ok(PostPage {
        items: posts
            .into_iter()
            .map(|post| nicknames.summary(post))
            .collect(),
        next_cursor: Some(next_page_token).filter(|token| !token.is_empty()),
    })
}

/// A post of the service as JSON, with one nickname lookup.
async fn post_body(state: &AppState, auth: &Auth, post: Option<pb::Post>) -> ApiResult<PostBody> {
    let post = post.ok_or_else(|| ApiError::internal("the community service returned no post"))?;
    let nicknames = Nicknames::fetch(state, auth, post_author_ids(&post)).await?;
    nicknames.post(post)
}

// ----------------------------------------------------------------- handlers

/// The boards of the caller's school; the default boards are made the
/// first time.
#[utoipa::path(get, path = "/api/v1/boards", tag = "community",
    responses((status = 200, description = "The school's boards, oldest first", body = Items<BoardBody>)))]
pub async fn list_boards(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<BoardBody>>> {
    let boards = state
        .clients
        .community
        .clone()
        .list_boards(authed(pb::ListBoardsRequest {}, &auth))
        .await?
        .into_inner()
        .boards;
    Ok(Json(Items {
        items: boards.into_iter().map(BoardBody::from).collect(),
    }))
}

/// Creates a board in the caller's school.
#[utoipa::path(post, path = "/api/v1/boards", tag = "community", request_body = CreateBoardBody,
    responses(
        (status = 201, description = "The new board", body = BoardBody),
        (status = 400, description = "A limit is broken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The school has a board of this name", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_board(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateBoardBody>,
) -> ApiResult<(StatusCode, Json<BoardBody>)> {
    let board = state
        .clients
        .community
        .clone()
        .create_board(authed(
            pb::CreateBoardRequest {
                name: body.name,
                description: body.description.unwrap_or_default(),
                anonymous_only: body.anonymous_only.unwrap_or(false),
            },
            &auth,
        ))
        .await?
        .into_inner()
        .board
        .ok_or_else(|| ApiError::internal("CreateBoard returned no board"))?;
    Ok((StatusCode::CREATED, Json(board.into())))
}

/// A board's posts, newest first.
#[utoipa::path(get, path = "/api/v1/boards/{board_id}/posts", tag = "community",
    params(("board_id" = i64, Path, description = "The board"), PageQuery),
    responses(
        (status = 200, description = "A page of posts", body = PostPage),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such board in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_board_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(board_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let page = state
        .clients
        .community
        .clone()
        .list_board_posts(authed(
            pb::ListBoardPostsRequest {
                board_id,
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
    Ok(Json(
        post_page(&state, &auth, page.posts, page.next_page_token).await?,
    ))
}

/// Writes a post; on an anonymous-only board it is anonymous whatever is sent.
#[utoipa::path(post, path = "/api/v1/boards/{board_id}/posts", tag = "community",
    params(("board_id" = i64, Path, description = "The board")),
    request_body = CreatePostBody,
    responses(
        (status = 201, description = "The new post", body = PostBody),
        (status = 400, description = "A limit is broken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such board in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(board_id): ApiPath<i64>,
    ApiJson(body): ApiJson<CreatePostBody>,
) -> ApiResult<(StatusCode, Json<PostBody>)> {
    let anonymous = body.anonymous.unwrap_or(false);
    let request = authed(
        pb::CreatePostRequest {
            board_id,
            title: body.title,
            content: body.content,
            anonymous,
        },
        &auth,
    );
    // The author is the caller: their nickname is fetched while the post is
    // written, unless it is sure to be anonymous.
    let me: BTreeSet<i64> = (!anonymous)
        .then_some(auth.caller.user_id)
        .into_iter()
        .collect();
    let mut community = state.clients.community.clone();
    // Both run to the end (`join!`, not `try_join!`): a failed lookup must
    // not drop the write midway. The write's own error wins; a written post
    // whose nickname could not be looked up is the lookup's error.
    let (created, nicknames) = tokio::join!(
        community.create_post(request),
        Nicknames::fetch(&state, &auth, me),
    );
    let post = created?
        .into_inner()
        .post
        .ok_or_else(|| ApiError::internal("CreatePost returned no post"))?;
    Ok((StatusCode::CREATED, Json(nicknames?.post(post)?)))
}

/// A post with its whole comment thread.
#[utoipa::path(get, path = "/api/v1/posts/{post_id}", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "The post", body = PostBody),
        (status = 404, description = "No such post in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<PostBody>> {
    let post = state
        .clients
        .community
        .clone()
        .get_post(authed(pb::GetPostRequest { post_id }, &auth))
        .await?
        .into_inner()
        .post;
    Ok(Json(post_body(&state, &auth, post).await?))
}

/// Edits a post; authors only.
#[utoipa::path(patch, path = "/api/v1/posts/{post_id}", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    request_body = UpdatePostBody,
    responses(
        (status = 200, description = "The edited post", body = PostBody),
        (status = 400, description = "A limit is broken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the author", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdatePostBody>,
) -> ApiResult<Json<PostBody>> {
    let post = state
        .clients
        .community
        .clone()
        .update_post(authed(
            pb::UpdatePostRequest {
                post_id,
                title: body.title,
                content: body.content,
            },
            &auth,
        ))
        .await?
        .into_inner()
        .post;
    Ok(Json(post_body(&state, &auth, post).await?))
}

/// Deletes a post with its comments; its author or an administrator of
/// the school.
#[utoipa::path(delete, path = "/api/v1/posts/{post_id}", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Neither the author nor an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .community
        .clone()
        .delete_post(authed(pb::DeletePostRequest { post_id }, &auth))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Comments on a post, or replies to one of its top-level comments.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/comments", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    request_body = CreateCommentBody,
    responses(
        (status = 201, description = "The new comment", body = CommentBody),
        (status = 400, description = "A limit is broken, or `parent_id` is a reply or not a comment of this post", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_comment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
    ApiJson(body): ApiJson<CreateCommentBody>,
) -> ApiResult<(StatusCode, Json<CommentBody>)> {
    let anonymous = body.anonymous.unwrap_or(false);
    let request = authed(
        pb::CreateCommentRequest {
            post_id,
            content: body.content,
            anonymous,
            parent_id: body.parent_id,
        },
        &auth,
    );
    let me: BTreeSet<i64> = (!anonymous)
        .then_some(auth.caller.user_id)
        .into_iter()
        .collect();
    let mut community = state.clients.community.clone();
    // As in `create_post`: the write always completes, and its error wins.
    let (created, nicknames) = tokio::join!(
        community.create_comment(request),
        Nicknames::fetch(&state, &auth, me),
    );
    let comment = created?
        .into_inner()
        .comment
        .ok_or_else(|| ApiError::internal("CreateComment returned no comment"))?;
    Ok((StatusCode::CREATED, Json(nicknames?.comment(comment))))
}

/// Deletes a comment; its author only. One with replies stays as
/// "삭제된 댓글입니다.".
#[utoipa::path(delete, path = "/api/v1/comments/{comment_id}", tag = "community",
    params(("comment_id" = i64, Path, description = "The comment")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the author", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such comment in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_comment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(comment_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .community
        .clone()
        .delete_comment(authed(pb::DeleteCommentRequest { comment_id }, &auth))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 공감 on a post: once, for good, never on one's own.
#[utoipa::path(put, path = "/api/v1/posts/{post_id}/like", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "Liked", body = LikeBody),
        (status = 403, description = "Your own post (code `own_post`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already liked (code `already_liked`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn like_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<LikeBody>> {
    let liked = state
        .clients
        .community
        .clone()
        .like_post(authed(pb::LikePostRequest { post_id }, &auth))
        .await?
        .into_inner();
    Ok(Json(LikeBody {
        like_count: liked.like_count,
        liked: liked.liked,
    }))
}

/// 공감 on a comment: once, for good, never on one's own.
#[utoipa::path(put, path = "/api/v1/comments/{comment_id}/like", tag = "community",
    params(("comment_id" = i64, Path, description = "The comment")),
    responses(
        (status = 200, description = "Liked", body = LikeBody),
        (status = 403, description = "Your own comment (code `own_post`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such comment in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already liked (code `already_liked`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn like_comment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(comment_id): ApiPath<i64>,
) -> ApiResult<Json<LikeBody>> {
    let liked = state
        .clients
        .community
        .clone()
        .like_comment(authed(pb::LikeCommentRequest { comment_id }, &auth))
        .await?
        .into_inner();
    Ok(Json(LikeBody {
        like_count: liked.like_count,
        liked: liked.liked,
    }))
}

/// Scraps a post; idempotent, never one's own.
#[utoipa::path(put, path = "/api/v1/posts/{post_id}/scrap", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "Scrapped", body = ScrapBody),
        (status = 403, description = "Your own post (code `own_post`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn scrap_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<ScrapBody>> {
    let scrapped = state
        .clients
        .community
        .clone()
        .scrap_post(authed(pb::ScrapPostRequest { post_id }, &auth))
        .await?
        .into_inner();
    Ok(Json(ScrapBody {
        scrap_count: scrapped.scrap_count,
        scrapped: scrapped.scrapped,
    }))
}

/// Removes the caller's scrap of a post; idempotent.
#[utoipa::path(delete, path = "/api/v1/posts/{post_id}/scrap", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "Not scrapped (any more)", body = ScrapBody),
        (status = 404, description = "No such post in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn unscrap_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<ScrapBody>> {
    let unscrapped = state
        .clients
        .community
        .clone()
        .unscrap_post(authed(pb::UnscrapPostRequest { post_id }, &auth))
        .await?
        .into_inner();
    Ok(Json(ScrapBody {
        scrap_count: unscrapped.scrap_count,
        scrapped: unscrapped.scrapped,
    }))
}

/// HOT게시판: the school's posts with at least 10 likes, latest to reach 10 first.
#[utoipa::path(get, path = "/api/v1/posts/hot", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of HOT posts", body = PostPage),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_hot_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let page = state
        .clients
        .community
        .clone()
        .list_hot_posts(authed(
            pb::ListHotPostsRequest {
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
    Ok(Json(
        post_page(&state, &auth, page.posts, page.next_page_token).await?,
    ))
}

/// BEST게시판: the school's posts of a half-year with at least 100 likes,
/// most liked first.
#[utoipa::path(get, path = "/api/v1/posts/best", tag = "community",
    params(BestQuery),
    responses(
        (status = 200, description = "A page of BEST posts", body = BestPage),
        (status = 400, description = "Bad season, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_best_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<BestQuery>,
) -> ApiResult<Json<BestPage>> {
    let page = state
        .clients
        .community
        .clone()
        .list_best_posts(authed(
            pb::ListBestPostsRequest {
                season: query.season.unwrap_or_default(),
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
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
        (status = 400, description = "Bad q, board_id, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such board in the caller's school", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn search_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<PostPage>> {
    let page = state
        .clients
        .community
        .clone()
        .search_posts(authed(
            pb::SearchPostsRequest {
                query: query.q.unwrap_or_default(),
                board_id: number_param("board_id", query.board_id.as_deref())?,
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
    Ok(Json(
        post_page(&state, &auth, page.posts, page.next_page_token).await?,
    ))
}

/// The caller's posts, anonymous ones included, newest first.
#[utoipa::path(get, path = "/api/v1/me/posts", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's posts", body = PostPage),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_my_posts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let page = state
        .clients
        .community
        .clone()
        .list_my_posts(authed(
            pb::ListMyPostsRequest {
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
    Ok(Json(
        post_page(&state, &auth, page.posts, page.next_page_token).await?,
    ))
}

/// The posts the caller commented on, by their newest comment, each once.
#[utoipa::path(get, path = "/api/v1/me/comments", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts the caller commented on", body = PostPage),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_my_comments(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let page = state
        .clients
        .community
        .clone()
        .list_my_commented_posts(authed(
            pb::ListMyCommentedPostsRequest {
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
    Ok(Json(
        post_page(&state, &auth, page.posts, page.next_page_token).await?,
    ))
}

/// The caller's scraps, newest scrap first.
#[utoipa::path(get, path = "/api/v1/me/scraps", tag = "community",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's scraps", body = PostPage),
        (status = 400, description = "Bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_my_scraps(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<PostPage>> {
    let page = state
        .clients
        .community
        .clone()
        .list_my_scraps(authed(
            pb::ListMyScrapsRequest {
                page_size: limit_param(query.limit.as_deref())?,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
    Ok(Json(
        post_page(&state, &auth, page.posts, page.next_page_token).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: i64) -> Option<pb::Author> {
        Some(pb::Author {
            user_id: Some(id),
            anonymous: false,
            display_name: String::new(),
        })
    }

    fn anonymous(name: &str) -> Option<pb::Author> {
        Some(pb::Author {
            user_id: None,
            anonymous: true,
            display_name: name.into(),
        })
    }

    #[test]
    fn named_authors_get_their_nickname_and_missing_ones_a_placeholder() {
        let nicknames = Nicknames([(7, "새내기".to_owned())].into_iter().collect());
        assert_eq!(
            nicknames.post_author(named(7).as_ref()),
            AuthorBody {
                nickname: "새내기".into(),
                anonymous: false
            }
        );
        assert_eq!(
            nicknames.post_author(named(8).as_ref()).nickname,
            UNKNOWN_NICKNAME
        );
    }

    #[test]
    fn anonymous_authors_keep_the_services_name_and_never_an_id() {
        let nicknames = Nicknames([(7, "새내기".to_owned())].into_iter().collect());
        let author = nicknames.post_author(anonymous("익명(글쓴이)").as_ref());
        assert_eq!(
            author,
            AuthorBody {
                nickname: "익명(글쓴이)".into(),
                anonymous: true
            }
        );
        let json = serde_json::to_value(&author).unwrap();
        assert_eq!(json.as_object().map(|o| o.len()), Some(2));
    }

    #[test]
    fn only_named_authors_are_looked_up_and_each_once() {
        let comment =
            |id: i64, author: Option<pb::Author>, replies: Vec<pb::Comment>| pb::Comment {
                id,
                author,
                replies,
                ..Default::default()
            };
        let post = pb::Post {
            summary: Some(pb::PostSummary {
                author: named(1),
                ..Default::default()
            }),
            comments: vec![
                comment(
                    1,
                    named(2),
                    vec![
                        comment(2, named(3), vec![]),
                        comment(3, anonymous("익명1"), vec![]),
                    ],
                ),
                comment(4, None, vec![comment(5, named(2), vec![])]),
                comment(6, anonymous("익명2"), vec![]),
            ],
            ..Default::default()
        };
        assert_eq!(
            post_author_ids(&post).into_iter().collect::<Vec<_>>(),
            [1, 2, 3]
        );
    }

    #[test]
    fn number_params_accept_blank_and_refuse_words() {
        assert_eq!(number_param("board_id", None).unwrap(), None);
        assert_eq!(number_param("board_id", Some(" ")).unwrap(), None);
        assert_eq!(number_param("board_id", Some("42")).unwrap(), Some(42));
        let error = number_param("board_id", Some("abc")).unwrap_err().problem();
        assert_eq!(
            (error.status, error.errors[0].field.as_str()),
            (400, "board_id")
        );
        assert_eq!(limit_param(Some("99999999999")).unwrap(), Some(i32::MAX));
        assert_eq!(limit_param(Some("-99999999999")).unwrap(), Some(i32::MIN));
        assert_eq!(
            limit_param(Some("1.5")).unwrap_err().problem().errors[0].field,
            "limit"
        );
    }
}
