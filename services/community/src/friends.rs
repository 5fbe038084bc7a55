//! What the community service does when timetable says someone asked to
//! be someone's friend: the durable consumer of timetable's event channel
//! ([`everytime_common::events`]), named `community` there and keeping its
//! position under `timetable`. Each `FriendRequested` becomes a
//! `friend_request` notification of the one asked, in the transaction that
//! moves the position: at-least-once delivery, applied once.

use everytime_common::events::{Handler, HandlerError};
use everytime_proto::timetable::v1::watch_friend_events_response::Event;
use sqlx::PgConnection;

use crate::{
    domain::{NotificationKind, notice},
    notifications::{self, Notice},
};

/// The consumer's name at timetable.
pub const CONSUMER: &str = "community";

/// Its row in `event_positions`.
pub const POSITION_KEY: &str = "timetable";

/// Applies timetable's friend events.
#[derive(Debug, Clone, Copy, Default)]
pub struct FriendEvents;

#[async_trait::async_trait]
impl Handler for FriendEvents {
    type Event = Event;

    async fn apply(&self, tx: &mut PgConnection, event: &Event) -> Result<(), HandlerError> {
        match event {
            Event::FriendRequested(requested) => {
                let nickname =
                    Some(requested.from_nickname.as_str()).filter(|name| !name.is_empty());
                let notice = Notice {
                    kind: NotificationKind::FriendRequest,
                    text: notice::friend_request(nickname),
                    post_id: None,
                    comment_id: None,
                };
                notifications::record(tx, requested.to_user_id, requested.from_user_id, notice)
                    .await?;
                Ok(())
            }
        }
    }
}
