//! 쪽지: conversations between two users of a school, started from a post
//! or a comment (never from a user id) and addressed to its author.
//!
//! - **Anonymity.** When the origin was anonymous, each side sees the other
//!   as 익명; otherwise each sees the other's nickname, looked up here
//!   ([`everytime_common::grpc::users`]). No answer carries the other side's user id.
//! - **One conversation** per sender, recipient and origin (a unique key):
//!   writing again from the same post reuses it, even when two first
//!   messages race.
//! - **Per-side views.** Each side has its own place in its list, unread
//!   count and deletions: deleting hides the conversation and everything in
//!   it from that side alone, until a later message brings it back with
//!   only what came after.
//! - **Unread counts** move in the same statement that delivers a message,
//!   under the side's row lock, so racing messages are each counted.
//! - **Block** is for good, either way. Sending is limited (20 a minute) and
//!   refused while the sender's writing is restricted; each message notifies
//!   its recipient (알림 `message`) in its own transaction.

use std::collections::HashMap;

use everytime_common::{
    grpc::{timestamp, users::Token},
    page,
    token::Caller,
};
use everytime_proto::community::v1 as pb;

use crate::{
    State,
    domain::{
        ANONYMOUS_COUNTERPART, MessageContent, NotificationKind, UNKNOWN_COUNTERPART, notice,
    },
    error::{Error, Result},
    limits::{self, Write},
    notifications::{self, Notice},
    store::messages::{self as store, ConversationRow, MessageRow, OriginRow},
};

/// `StartConversation`: a 쪽지 to the author of a post or comment.
pub async fn start(
    state: &State,
    caller: &Caller,
    token: &Token,
    request: pb::StartConversationRequest,
) -> Result<pb::StartConversationResponse> {
    let content = MessageContent::parse(&request.content).map_err(Error::field);
    let origin = match (request.post_id, request.comment_id) {
        (Some(_), Some(_)) | (None, None) => {
            Err(Error::field(everytime_common::validate::FieldError::new(
                "post_id",
                "give exactly one of post_id and comment_id",
            )))
        }
        (Some(post_id), None) => Ok((
            "post_id",
            store::post_origin(&state.pool, post_id, caller.school_id)
                .await?
                .ok_or(Error::NotFound("post"))?,
        )),
        (None, Some(comment_id)) => Ok((
            "comment_id",
            store::comment_origin(&state.pool, comment_id, caller.school_id)
                .await?
                .ok_or(Error::NotFound("comment"))?,
        )),
    };
    let (content, (field, origin)) = match (content, origin) {
        (Ok(content), Ok(origin)) => (content, origin),
        (Err(Error::Invalid(mut content)), Err(Error::Invalid(origin))) => {
            content.extend(origin);
            return Err(Error::Invalid(content));
        }
        (Err(error), _) | (_, Err(error)) => return Err(error),
    };
    if origin.author_id == caller.user_id {
        return Err(Error::MessageToSelf(field));
    }
    if origin.author_left {
        return Err(Error::NotFound("user"));
    }
    crate::reports::ensure_may_write(state, caller.user_id).await?;
    let mut tx = limits::begin(state, caller.user_id, Write::Message).await?;
    let (conversation_id, blocked) =
        store::open_conversation(&mut tx, caller.school_id, caller.user_id, &origin).await?;
    if blocked {
        return Err(Error::Blocked);
    }
    let message = send_in(
        &mut tx,
        conversation_id,
        caller.user_id,
        &origin_target(&origin),
        &content,
    )
    .await?;
    tx.commit().await?;
    let row = store::conversation(&state.pool, conversation_id, caller.user_id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    // The message is sent: an auth that cannot name the other side now
    // leaves them unnamed in this answer rather than fail it.
    let names = counterpart_names(state, caller, token, std::slice::from_ref(&row))
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "counterpart unnamed");
            HashMap::new()
        });
    Ok(pb::StartConversationResponse {
        conversation: Some(conversation(row, &names)),
        message: Some(message),
    })
}

/// `SendMessage`: a 쪽지 in a conversation the caller is a side of.
pub async fn send(
    state: &State,
    caller: &Caller,
    request: pb::SendMessageRequest,
) -> Result<pb::SendMessageResponse> {
    let content = MessageContent::parse(&request.content).map_err(Error::field)?;
    crate::reports::ensure_may_write(state, caller.user_id).await?;
    let mut tx = limits::begin(state, caller.user_id, Write::Message).await?;
    let sides = store::lock_conversation(&mut tx, request.conversation_id, caller.user_id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    if sides.blocked {
        return Err(Error::Blocked);
    }
    if sides.someone_left {
        return Err(Error::NotFound("user"));
    }
    let target = Target {
        recipient_id: sides.other(caller.user_id),
        post_id: None,
        comment_id: None,
    };
    let message = send_in(
        &mut tx,
        request.conversation_id,
        caller.user_id,
        &target,
        &content,
    )
    .await?;
    tx.commit().await?;
    Ok(pb::SendMessageResponse {
        message: Some(message),
    })
}

/// Whom a message goes to, and what its notification points at.
struct Target {
    recipient_id: i64,
    post_id: Option<i64>,
    comment_id: Option<i64>,
}

fn origin_target(origin: &OriginRow) -> Target {
    Target {
        recipient_id: origin.author_id,
        post_id: Some(origin.post_id),
        comment_id: origin.comment_id,
    }
}

/// Writes a message in a locked conversation, delivers it to both sides'
/// lists and notifies its recipient.
async fn send_in(
    tx: &mut sqlx::PgConnection,
    conversation_id: i64,
    sender_id: i64,
    target: &Target,
    content: &MessageContent,
) -> Result<pb::Message> {
    let (id, created_at) =
        store::insert_message(tx, conversation_id, sender_id, content.as_str()).await?;
    store::deliver(tx, conversation_id, sender_id, target.recipient_id, id).await?;
    let notice = Notice {
        kind: NotificationKind::Message,
        text: notice::message(content.as_str()),
        post_id: target.post_id,
        comment_id: target.comment_id,
    };
    notifications::record(tx, target.recipient_id, sender_id, notice).await?;
    Ok(pb::Message {
        id,
        content: content.as_str().to_owned(),
        mine: true,
        created_at: Some(timestamp(created_at)),
    })
}

/// `ListConversations`: latest activity first.
pub async fn list(
    state: &State,
    caller: &Caller,
    token: &Token,
    request: pb::ListConversationsRequest,
) -> Result<pb::ListConversationsResponse> {
    let scope = format!("conversations:{}", caller.user_id);
    let page = page::page_request::<i64>(
        &state.cursors,
        &scope,
        request.page_size,
        &request.page_token,
    )?;
    let mut rows = store::conversations_page(
        &state.pool,
        caller.user_id,
        page.after.unwrap_or(i64::MAX),
        page.fetch(),
    )
    .await?;
    let next_page_token = page::finish_page(&state.cursors, &scope, &mut rows, page.size, |row| {
        row.last_message_id
    });
    let names = counterpart_names(state, caller, token, &rows).await?;
    Ok(pb::ListConversationsResponse {
        items: rows
            .into_iter()
            .map(|row| conversation(row, &names))
            .collect(),
        next_page_token,
    })
}

/// `ListMessages`: newest first; the first page marks the conversation read.
pub async fn messages(
    state: &State,
    caller: &Caller,
    request: pb::ListMessagesRequest,
) -> Result<pb::ListMessagesResponse> {
    let scope = format!("messages:{}:{}", request.conversation_id, caller.user_id);
    let page = page::page_request::<i64>(
        &state.cursors,
        &scope,
        request.page_size,
        &request.page_token,
    )?;
    let view = store::conversation(&state.pool, request.conversation_id, caller.user_id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    let mut rows = store::messages_page(
        &state.pool,
        request.conversation_id,
        caller.user_id,
        view.cleared_through,
        page.after.unwrap_or(i64::MAX),
        page.fetch(),
    )
    .await?;
    if view.unread_count > 0 {
        store::mark_read(&state.pool, request.conversation_id, caller.user_id).await?;
    }
    let next_page_token =
        page::finish_page(&state.cursors, &scope, &mut rows, page.size, |row| row.id);
    Ok(pb::ListMessagesResponse {
        items: rows.into_iter().map(message).collect(),
        next_page_token,
    })
}

/// `DeleteConversation`: gone from the caller's list only.
pub async fn delete(
    state: &State,
    caller: &Caller,
    request: pb::DeleteConversationRequest,
) -> Result<pb::DeleteConversationResponse> {
    let mut tx = state.pool.begin().await?;
    // Under the conversation's lock, so a message racing the delete is
    // either hidden with the rest or brings the conversation back.
    store::lock_conversation(&mut tx, request.conversation_id, caller.user_id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    if !store::hide(&mut *tx, request.conversation_id, caller.user_id).await? {
        return Err(Error::NotFound("conversation"));
    }
    tx.commit().await?;
    Ok(pb::DeleteConversationResponse {})
}

/// `BlockConversation`: no more messages either way.
pub async fn block(
    state: &State,
    caller: &Caller,
    request: pb::BlockConversationRequest,
) -> Result<pb::BlockConversationResponse> {
    let mut tx = state.pool.begin().await?;
    store::lock_conversation(&mut tx, request.conversation_id, caller.user_id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    store::block(&mut tx, request.conversation_id).await?;
    tx.commit().await?;
    tracing::info!(
        conversation_id = request.conversation_id,
        "conversation blocked"
    );
    Ok(pb::BlockConversationResponse {})
}

/// `GetUnreadMessageCount`.
pub async fn unread_count(
    state: &State,
    caller: &Caller,
    _request: pb::GetUnreadMessageCountRequest,
) -> Result<pb::GetUnreadMessageCountResponse> {
    Ok(pb::GetUnreadMessageCountResponse {
        count: store::unread_total(&state.pool, caller.user_id).await?,
    })
}

/// The nicknames of the named counterparts among `rows`: those seen
/// recently from the cache, the others in one lookup.
async fn counterpart_names(
    state: &State,
    caller: &Caller,
    token: &Token,
    rows: &[ConversationRow],
) -> Result<HashMap<i64, String>> {
    state
        .nicknames
        .of(
            token,
            caller.school_id,
            rows.iter()
                .filter(|row| !row.anonymous)
                .map(|row| row.counterpart_id),
        )
        .await
        .map_err(|status| Error::Unavailable("auth", status))
}

fn conversation(row: ConversationRow, names: &HashMap<i64, String>) -> pb::Conversation {
    let nickname = if row.anonymous {
        ANONYMOUS_COUNTERPART.to_owned()
    } else {
        names
            .get(&row.counterpart_id)
            .cloned()
            .unwrap_or_else(|| UNKNOWN_COUNTERPART.to_owned())
    };
    pb::Conversation {
        id: row.id,
        counterpart: Some(pb::Counterpart {
            nickname,
            anonymous: row.anonymous,
        }),
        origin: Some(pb::ConversationOrigin {
            post_id: row.origin_post_id,
            board_id: row.origin_board_id,
            board_name: row.origin_board_name,
            title: row.origin_title,
        }),
        last_message: Some(pb::LastMessage {
            content: row.last_content,
            mine: row.last_mine,
            created_at: Some(timestamp(row.last_at)),
        }),
        unread_count: row.unread_count,
        blocked: row.blocked,
        updated_at: Some(timestamp(row.last_at)),
    }
}

fn message(row: MessageRow) -> pb::Message {
    pb::Message {
        id: row.id,
        content: row.content,
        mine: row.mine,
        created_at: Some(timestamp(row.created_at)),
    }
}
