//! Comments and replies: writing, deleting, 공감.

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::community::v1::{
    self as pb, community_service_client::CommunityServiceClient,
};

use super::{
    AlreadyLiked, BadComment, CommentBody, CreateCommentBody, LikeBody, NoSuchComment, NoSuchPost,
    NotAuthor, OwnComment, TooFast, WriteRestricted, comment_body,
};
use crate::{
    authors::Nicknames,
    error::{ApiResult, required},
    extract::{ApiJson, ApiPath, Auth},
    state::{AppState, authed, call},
};

/// Comments on a post, or replies to one of its top-level comments.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/comments", tag = "community",
    params(("post_id" = i64, Path, description = "The post")),
    request_body = CreateCommentBody,
    responses(
        (status = 201, description = "The new comment", body = CommentBody),
        TooFast,
        WriteRestricted,
        BadComment,
        NoSuchPost,
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
    let me = (!anonymous).then_some(auth.caller.user_id);
    // As in `create_post`: the write always completes, and its error wins.
    let (created, names) = tokio::join!(
        call(
            &state.clients.community,
            request,
            CommunityServiceClient::create_comment
        ),
        Nicknames::fetch(&state, &auth, me),
    );
    let comment = required(created?.comment, "CreateComment")?;
    Ok((StatusCode::CREATED, Json(comment_body(&names?, comment))))
}

/// Deletes a comment; its author only. One with replies stays as
/// "삭제된 댓글입니다.".
#[utoipa::path(delete, path = "/api/v1/comments/{comment_id}", tag = "community",
    params(("comment_id" = i64, Path, description = "The comment")),
    responses(
        (status = 204, description = "Deleted"),
        NotAuthor,
        NoSuchComment,
    ))]
pub async fn delete_comment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(comment_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.community,
        authed(pb::DeleteCommentRequest { comment_id }, &auth),
        CommunityServiceClient::delete_comment,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 공감 on a comment: once, for good, never on one's own.
#[utoipa::path(put, path = "/api/v1/comments/{comment_id}/like", tag = "community",
    params(("comment_id" = i64, Path, description = "The comment")),
    responses(
        (status = 200, description = "Liked", body = LikeBody),
        OwnComment,
        TooFast,
        NoSuchComment,
        AlreadyLiked,
    ))]
pub async fn like_comment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(comment_id): ApiPath<i64>,
) -> ApiResult<Json<LikeBody>> {
    let reply = call(
        &state.clients.community,
        authed(pb::LikeCommentRequest { comment_id }, &auth),
        CommunityServiceClient::like_comment,
    )
    .await?;
    Ok(Json(reply.into()))
}
