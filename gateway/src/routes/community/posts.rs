//! One post: writing, reading (with its thread), editing and deleting it,
//! 공감 and scraps.

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::community::v1::{
    self as pb, community_service_client::CommunityServiceClient,
};

use super::{
    AlreadyLiked, CreatePostBody, LikeBody, NoSuchBoard, NoSuchPost, NotAuthor, NotAuthorOrAdmin,
    OwnPost, PostBody, ScrapBody, TooFast, UpdatePostBody, WriteRestricted, named_post, post_body,
};
use crate::{
    authors::Nicknames,
    error::{ApiResult, required},
    extract::{ApiJson, ApiPath, Auth},
    openapi::LimitBroken,
    state::{AppState, authed, call},
};

/// Writes a post; on an anonymous-only board it is anonymous whatever is sent.
#[utoipa::path(post, path = "/api/v1/boards/{board_id}/posts", tag = "community",
    params(("board_id" = i64, Path, description = "The board")),
    request_body = CreatePostBody,
    responses(
        (status = 201, description = "The new post", body = PostBody),
        TooFast,
        WriteRestricted,
        LimitBroken,
        NoSuchBoard,
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
    let me = (!anonymous).then_some(auth.caller.user_id);
    // Both run to the end (`join!`, not `try_join!`): a failed lookup must
    // not drop the write midway. The write's own error wins; a written post
    // whose nickname could not be looked up is the lookup's error.
    let (created, names) = tokio::join!(
        call(
            &state.clients.community,
            request,
            CommunityServiceClient::create_post
        ),
        Nicknames::fetch(&state, &auth, me),
    );
    let post = required(created?.post, "CreatePost")?;
    Ok((StatusCode::CREATED, Json(post_body(&names?, post)?)))
}

/// A post with its whole comment thread.
#[utoipa::path(get, path = "/api/v1/posts/{post_id}", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "The post", body = PostBody),
        NoSuchPost,
    ))]
pub async fn get_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<PostBody>> {
    let post = call(
        &state.clients.community,
        authed(pb::GetPostRequest { post_id }, &auth),
        CommunityServiceClient::get_post,
    )
    .await?
    .post;
    let post = required(post, "GetPost")?;
    Ok(Json(named_post(&state, &auth, post).await?))
}

/// Edits a post; authors only.
#[utoipa::path(patch, path = "/api/v1/posts/{post_id}", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    request_body = UpdatePostBody,
    responses(
        (status = 200, description = "The edited post", body = PostBody),
        LimitBroken,
        NotAuthor,
        NoSuchPost,
    ))]
pub async fn update_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdatePostBody>,
) -> ApiResult<Json<PostBody>> {
    let post = call(
        &state.clients.community,
        authed(
            pb::UpdatePostRequest {
                post_id,
                title: body.title,
                content: body.content,
            },
            &auth,
        ),
        CommunityServiceClient::update_post,
    )
    .await?
    .post;
    let post = required(post, "UpdatePost")?;
    Ok(Json(named_post(&state, &auth, post).await?))
}

/// Deletes a post with its comments; its author or an administrator of
/// the school.
#[utoipa::path(delete, path = "/api/v1/posts/{post_id}", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 204, description = "Deleted"),
        NotAuthorOrAdmin,
        NoSuchPost,
    ))]
pub async fn delete_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.community,
        authed(pb::DeletePostRequest { post_id }, &auth),
        CommunityServiceClient::delete_post,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 공감 on a post: once, for good, never on one's own.
#[utoipa::path(put, path = "/api/v1/posts/{post_id}/like", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "Liked", body = LikeBody),
        OwnPost,
        TooFast,
        NoSuchPost,
        AlreadyLiked,
    ))]
pub async fn like_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<LikeBody>> {
    let reply = call(
        &state.clients.community,
        authed(pb::LikePostRequest { post_id }, &auth),
        CommunityServiceClient::like_post,
    )
    .await?;
    Ok(Json(reply.into()))
}

/// Scraps a post; idempotent, never one's own.
#[utoipa::path(put, path = "/api/v1/posts/{post_id}/scrap", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "Scrapped", body = ScrapBody),
        OwnPost,
        NoSuchPost,
    ))]
pub async fn scrap_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<ScrapBody>> {
    let reply = call(
        &state.clients.community,
        authed(pb::ScrapPostRequest { post_id }, &auth),
        CommunityServiceClient::scrap_post,
    )
    .await?;
    Ok(Json(reply.into()))
}

/// Removes the caller's scrap of a post; idempotent.
#[utoipa::path(delete, path = "/api/v1/posts/{post_id}/scrap", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 200, description = "Not scrapped (any more)", body = ScrapBody),
        NoSuchPost,
    ))]
pub async fn unscrap_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
) -> ApiResult<Json<ScrapBody>> {
    let reply = call(
        &state.clients.community,
        authed(pb::UnscrapPostRequest { post_id }, &auth),
        CommunityServiceClient::unscrap_post,
    )
    .await?;
    Ok(Json(reply.into()))
}
