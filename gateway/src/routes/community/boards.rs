//! The boards of the caller's school.

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::community::v1::{
    self as pb, community_service_client::CommunityServiceClient,
};

use super::{BoardBody, BoardNameTaken, CreateBoardBody, TooFast};
use crate::{
    error::{ApiResult, required},
    extract::{ApiJson, Auth},
    model::Items,
    openapi::LimitBroken,
    state::{AppState, authed, call},
};

/// The boards of the caller's school; the default boards are made the
/// first time.
#[utoipa::path(get, path = "/api/v1/boards", tag = "community",
    responses((status = 200, description = "The school's boards, oldest first", body = Items<BoardBody>)))]
pub async fn list_boards(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Items<BoardBody>>> {
    let boards = call(
        &state.clients.community,
        authed(pb::ListBoardsRequest {}, &auth),
        CommunityServiceClient::list_boards,
    )
    .await?
    .boards;
    Ok(Json(Items {
        items: boards.into_iter().map(BoardBody::from).collect(),
    }))
}

/// Creates a board in the caller's school.
#[utoipa::path(post, path = "/api/v1/boards", tag = "community", request_body = CreateBoardBody,
    responses(
        (status = 201, description = "The new board", body = BoardBody),
        LimitBroken,
        BoardNameTaken,
        TooFast,
    ))]
pub async fn create_board(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateBoardBody>,
) -> ApiResult<(StatusCode, Json<BoardBody>)> {
    let board = call(
        &state.clients.community,
        authed(
            pb::CreateBoardRequest {
                name: body.name,
                description: body.description.unwrap_or_default(),
                anonymous_only: body.anonymous_only.unwrap_or(false),
            },
            &auth,
        ),
        CommunityServiceClient::create_board,
    )
    .await?
    .board;
    Ok((
        StatusCode::CREATED,
        Json(required(board, "CreateBoard")?.into()),
    ))
}
