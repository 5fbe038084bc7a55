//! 알림: the caller's notifications, the unread count, read marks, and the
//! live stream: `GET /notifications/stream` is Server-Sent Events fed by
//! the community service's `WatchNotifications` gRPC stream.
//!
//! The stream sends each notification as an event `notification` whose
//! `id` is the notification's, so a browser's `EventSource` resumes after
//! the last one it got (`Last-Event-ID`); without it, the stream starts
//! with what is created from then on. It keeps itself alive with a
//! `: keep-alive` comment every [`KEEP_ALIVE`], and ends when the token
//! stops being valid (expired, or its session ended: checked every
//! [`TOKEN_RECHECK`]), when community ends it (it is shutting down; the
//! client reconnects to another replica), or when the gateway shuts down.

use std::{convert::Infallible, time::Duration};

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::sse::{Event, KeepAlive, Sse},
};
use everytime_proto::community::v1::{
    self as pb, notification_service_client::NotificationServiceClient,
};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::community::PageQuery;
use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiQuery, Auth},
    model::rfc3339,
    openapi::problems,
    state::{AppState, authed, call},
};

/// How often an open stream says it is alive.
pub const KEEP_ALIVE: Duration = Duration::from_secs(25);

/// How often an open stream checks that its token is still good.
pub const TOKEN_RECHECK: Duration = Duration::from_secs(5);

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(stream))
}

problems! {
    BadNotificationPage = (400, "Bad limit or cursor");
    BadReadMarks = (400, "`ids` has more than 100 ids");
    BadLastEventId = (400, "`Last-Event-ID` is not a notification id");
}

/// A notification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationBody {
    pub id: i64,
    /// `comment` (a comment on my post), `reply` (a reply to my comment),
    /// `hot` (my post reached HOT), `blinded` (my post or comment was
    /// blinded), `message` (a new 쪽지) or `friend_request`.
    #[schema(example = "comment")]
    pub kind: String,
    /// What the app shows. An anonymous commenter is named as on the post.
    #[schema(example = "새로운 댓글이 달렸어요: 익명3: 저도 궁금해요")]
    pub text: String,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub read: bool,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
}

/// A page of notifications, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which notifications to mark read.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReadBody {
    /// At most 100 of the caller's notifications; omitted: all of them.
    pub ids: Option<Vec<i64>>,
}

/// How many are unread.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationCountBody {
    pub count: i64,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(PageQuery),
    responses(
        (status = 200, description = "A page of notifications", body = NotificationPage),
        BadNotificationPage,
    ))]
pub async fn list_notifications(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<NotificationPage>> {
    let (page_size, page_token) = query.page()?;
    let page = call(
        &state.clients.notifications,
        authed(
            pb::ListNotificationsRequest {
                page_size,
                page_token,
            },
            &auth,
        ),
        NotificationServiceClient::list_notifications,
    )
    .await?;
    Ok(Json(NotificationPage {
        items: page.items.into_iter().map(notification).collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    operation_id = "unread_notification_count",
    responses((status = 200, description = "Unread notifications", body = NotificationCountBody)))]
pub async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<NotificationCountBody>> {
    let reply = call(
        &state.clients.notifications,
        authed(pb::GetUnreadNotificationCountRequest {}, &auth),
        NotificationServiceClient::get_unread_notification_count,
    )
    .await?;
    Ok(Json(NotificationCountBody { count: reply.count }))
}

/// Marks the listed notifications of the caller read, or all of them.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = ReadBody,
    responses(
        (status = 204, description = "Marked read"),
        BadReadMarks,
    ))]
pub async fn mark_read(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ReadBody>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.notifications,
        authed(
            pb::MarkNotificationsReadRequest {
                ids: body.ids.unwrap_or_default(),
            },
            &auth,
        ),
        NotificationServiceClient::mark_notifications_read,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's new notifications, live, as Server-Sent Events: an event `notification` (data: the notification's JSON, id: its id) within a second of its cause, and a `: keep-alive` comment every 25 seconds. `Last-Event-ID` resumes after that notification.
#[utoipa::path(get, path = "/api/v1/notifications/stream", tag = "notifications",
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this notification")),
    responses(
        (status = 200, description = "The event stream; each event is `event: notification`, `id: <id>`, `data: <Notification JSON>`",
            content_type = "text/event-stream", body = String),
        BadLastEventId,
    ))]
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let after_id = last_event_id(&headers)?;
    let notifications = call(
        &state.clients.notifications,
        authed(pb::WatchNotificationsRequest { after_id }, &auth),
        NotificationServiceClient::watch_notifications,
    )
    .await?;
    let events = notifications
        .take_while(|item| std::future::ready(item.is_ok()))
        .filter_map(|item| std::future::ready(item.ok().and_then(|item| item.notification)))
        .map(|item| {
            let id = item.id.to_string();
            let body = notification(item);
            let data = serde_json::to_string(&body).unwrap_or_default();
            Ok(Event::default().event("notification").id(id).data(data))
        });
    let events = events.take_until(stream_end(state, auth));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text(" keep-alive")))
}

/// Resolves when an open stream must end: the gateway is shutting down,
/// or the token stopped being valid (expired, session ended).
async fn stream_end(state: AppState, auth: Auth) {
    let mut closing = state.closing.clone();
    let token_lapses = async {
        let mut tick = tokio::time::interval(TOKEN_RECHECK);
        tick.tick().await;
        loop {
            tick.tick().await;
            if state.verifier.verify(&auth.token).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = closing.wait_for(|closing| *closing) => {}
        () = token_lapses => {}
    }
}

/// `Last-Event-ID`: absent or blank is `None`; else a whole number.
fn last_event_id(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::invalid_field(
            "invalid_input",
            "Last-Event-ID",
            "must be the id of a notification",
        )
    };
    let value = value.to_str().map_err(|_| invalid())?.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<i64>() {
        Ok(id) if id >= 0 => Ok(Some(id)),
        _ => Err(invalid()),
    }
}

fn notification(notification: pb::Notification) -> NotificationBody {
    NotificationBody {
        id: notification.id,
        kind: notification.kind,
        text: notification.text,
        post_id: notification.post_id,
        comment_id: notification.comment_id,
        read: notification.read,
        created_at: rfc3339(notification.created_at.as_ref()),
    }
}
