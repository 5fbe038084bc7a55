//! 쪽지: conversations started from a post or comment, their messages,
//! deleting one's side, blocking, the unread count. The community service
//! names the other side (익명 when the origin was anonymous) and never
//! sends their user id; this area passes on what it says and composes
//! nothing.

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::community::v1::{self as pb, message_service_client::MessageServiceClient};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::community::{BoardRefBody, PageQuery, TooFast};
use crate::{
    error::ApiResult,
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    model::rfc3339,
    openapi::problems,
    state::{AppState, authed, call},
};

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_conversation, list_conversations))
        .routes(routes!(unread_count))
        .routes(routes!(list_messages, send_message, delete_conversation))
        .routes(routes!(block_conversation))
}

problems! {
    BadStart = (400, "Content is not 1–1,000 characters, not exactly one of post_id and comment_id, or the post or comment is the caller's own (code `message_to_self`)");
    BadMessage = (400, "Content is not 1–1,000 characters");
    BadMessagePage = (400, "Bad limit or cursor");
    /// Writing while restricted, or blocked.
    MessageRefused = (403, "`blocked` (the conversation is blocked) or `write_restricted` (the caller's writing is restricted for blinded items)");
    NoSuchOrigin = (404, "No such post or comment in the caller's school (`post_not_found`, `comment_not_found`), or its author left (`user_not_found`)");
    NoSuchConversation = (404, "No such conversation in the caller's list (`conversation_not_found`), or the other side left (`user_not_found`)");
}

/// The other side of a conversation, as the caller sees it. Never an id.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounterpartBody {
    /// Their nickname; `익명` when the post or comment was anonymous;
    /// `(알 수 없음)` once they left.
    #[schema(example = "익명")]
    pub nickname: String,
    pub anonymous: bool,
}

/// Where a conversation started.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OriginBody {
    pub post_id: i64,
    pub board: BoardRefBody,
    /// The post's title when the conversation started.
    #[schema(example = "중도 4층 자리 있나요")]
    pub title: String,
}

/// The latest message of a conversation the caller can see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LastMessageBody {
    pub content: String,
    /// Sent by the caller.
    pub mine: bool,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
}

/// A conversation in the caller's 쪽지함.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationBody {
    pub id: i64,
    pub counterpart: CounterpartBody,
    pub origin: OriginBody,
    pub last_message: LastMessageBody,
    /// Messages the caller has not read.
    pub unread_count: i32,
    /// No more messages either way.
    pub blocked: bool,
    /// When the latest message was sent.
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub updated_at: String,
}

/// A message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageBody {
    pub id: i64,
    #[schema(example = "혹시 아직 자리 있나요?")]
    pub content: String,
    /// Sent by the caller.
    pub mine: bool,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
}

/// A first 쪽지 to the author of a post or comment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StartConversationBody {
    /// Write to this post's author (exactly one of `post_id` and `comment_id`).
    pub post_id: Option<i64>,
    /// Write to this comment's author.
    pub comment_id: Option<i64>,
    /// 1–1,000 characters.
    #[schema(example = "혹시 아직 자리 있나요?")]
    pub content: String,
}

/// A 쪽지 in a conversation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendMessageBody {
    /// 1–1,000 characters.
    #[schema(example = "네 감사합니다!")]
    pub content: String,
}

/// The conversation and the message that was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct StartedBody {
    pub conversation: ConversationBody,
    pub message: MessageBody,
}

/// A page of conversations, latest activity first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationPage {
    pub items: Vec<ConversationBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of messages, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    pub items: Vec<MessageBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// How many are unread.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountBody {
    pub count: i64,
}

/// Sends a 쪽지 to the author of a post or comment, never named by id. The same sender, recipient and origin reuse one conversation.
#[utoipa::path(post, path = "/api/v1/messages", tag = "messages", request_body = StartConversationBody,
    responses(
        (status = 201, description = "Sent", body = StartedBody),
        BadStart,
        MessageRefused,
        NoSuchOrigin,
        TooFast,
    ))]
pub async fn start_conversation(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<StartConversationBody>,
) -> ApiResult<(StatusCode, Json<StartedBody>)> {
    let started = call(
        &state.clients.messages,
        authed(
            pb::StartConversationRequest {
                post_id: body.post_id,
                comment_id: body.comment_id,
                content: body.content,
            },
            &auth,
        ),
        MessageServiceClient::start_conversation,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(StartedBody {
            conversation: conversation(started.conversation.unwrap_or_default()),
            message: message(started.message.unwrap_or_default()),
        }),
    ))
}

/// The caller's conversations (쪽지함), latest activity first.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages", params(PageQuery),
    responses(
        (status = 200, description = "A page of conversations", body = ConversationPage),
        BadMessagePage,
    ))]
pub async fn list_conversations(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<ConversationPage>> {
    let (page_size, page_token) = query.page()?;
    let page = call(
        &state.clients.messages,
        authed(
            pb::ListConversationsRequest {
                page_size,
                page_token,
            },
            &auth,
        ),
        MessageServiceClient::list_conversations,
    )
    .await?;
    Ok(Json(ConversationPage {
        items: page.items.into_iter().map(conversation).collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}

/// A conversation's messages, newest first; reading marks it read.
#[utoipa::path(get, path = "/api/v1/messages/{conversation_id}", tag = "messages", params(("conversation_id" = i64, Path, description = "The conversation"), PageQuery),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        BadMessagePage,
        NoSuchConversation,
    ))]
pub async fn list_messages(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(conversation_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<MessagePage>> {
    let (page_size, page_token) = query.page()?;
    let page = call(
        &state.clients.messages,
        authed(
            pb::ListMessagesRequest {
                conversation_id,
                page_size,
                page_token,
            },
            &auth,
        ),
        MessageServiceClient::list_messages,
    )
    .await?;
    Ok(Json(MessagePage {
        items: page.items.into_iter().map(message).collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}

/// Sends a 쪽지 in a conversation of the caller's.
#[utoipa::path(post, path = "/api/v1/messages/{conversation_id}", tag = "messages", request_body = SendMessageBody,
    params(("conversation_id" = i64, Path, description = "The conversation")),
    responses(
        (status = 201, description = "Sent", body = MessageBody),
        BadMessage,
        MessageRefused,
        NoSuchConversation,
        TooFast,
    ))]
pub async fn send_message(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(conversation_id): ApiPath<i64>,
    ApiJson(body): ApiJson<SendMessageBody>,
) -> ApiResult<(StatusCode, Json<MessageBody>)> {
    let sent = call(
        &state.clients.messages,
        authed(
            pb::SendMessageRequest {
                conversation_id,
                content: body.content,
            },
            &auth,
        ),
        MessageServiceClient::send_message,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(message(sent.message.unwrap_or_default())),
    ))
}

/// Removes a conversation from the caller's list; the other side keeps theirs. A later message brings it back with only what came after.
#[utoipa::path(delete, path = "/api/v1/messages/{conversation_id}", tag = "messages",
    params(("conversation_id" = i64, Path, description = "The conversation")),
    responses(
        (status = 204, description = "Gone from the caller's list"),
        NoSuchConversation,
    ))]
pub async fn delete_conversation(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(conversation_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.messages,
        authed(pb::DeleteConversationRequest { conversation_id }, &auth),
        MessageServiceClient::delete_conversation,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Blocks a conversation: no more messages either way, for good.
#[utoipa::path(post, path = "/api/v1/messages/{conversation_id}/block", tag = "messages",
    params(("conversation_id" = i64, Path, description = "The conversation")),
    responses(
        (status = 204, description = "Blocked"),
        NoSuchConversation,
    ))]
pub async fn block_conversation(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(conversation_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.messages,
        authed(pb::BlockConversationRequest { conversation_id }, &auth),
        MessageServiceClient::block_conversation,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many 쪽지 the caller has not read.
#[utoipa::path(get, path = "/api/v1/messages/unread-count", tag = "messages",
    operation_id = "unread_message_count",
    responses((status = 200, description = "Unread messages", body = CountBody)))]
pub async fn unread_count(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<CountBody>> {
    let reply = call(
        &state.clients.messages,
        authed(pb::GetUnreadMessageCountRequest {}, &auth),
        MessageServiceClient::get_unread_message_count,
    )
    .await?;
    Ok(Json(CountBody { count: reply.count }))
}

fn conversation(conversation: pb::Conversation) -> ConversationBody {
    let counterpart = conversation.counterpart.unwrap_or_default();
    let origin = conversation.origin.unwrap_or_default();
    let last = conversation.last_message.unwrap_or_default();
    ConversationBody {
        id: conversation.id,
        counterpart: CounterpartBody {
            nickname: counterpart.nickname,
            anonymous: counterpart.anonymous,
        },
        origin: OriginBody {
            post_id: origin.post_id,
            board: BoardRefBody {
                id: origin.board_id,
                name: origin.board_name,
            },
            title: origin.title,
        },
        last_message: LastMessageBody {
            content: last.content,
            mine: last.mine,
            created_at: rfc3339(last.created_at.as_ref()),
        },
        unread_count: conversation.unread_count,
        blocked: conversation.blocked,
        updated_at: rfc3339(conversation.updated_at.as_ref()),
    }
}

fn message(message: pb::Message) -> MessageBody {
    MessageBody {
        id: message.id,
        content: message.content,
        mine: message.mine,
        created_at: rfc3339(message.created_at.as_ref()),
    }
}
