//! What the community service does when auth says something happened to
//! an account: the durable consumer of auth's event channel
//! ([`everytime_common::events`]), named `community`.
//!
//! - `UserDeleted`: the user's scraps (taken off their posts' counts),
//!   write-limit history, notifications and their side of every 쪽지
//!   conversation are erased ([`store::users`], [`store::messages`],
//!   [`store::notifications`]); the user is recorded as gone, so a 쪽지 to
//!   what they wrote is refused and the other side of their conversations
//!   sees them as `(알 수 없음)` and can no longer write. Their posts and
//!   comments stay: a named author shows as `(알 수 없음)` (auth no longer
//!   knows them), an anonymous one stays 익명, and nothing here reveals who
//!   wrote what. Their likes stay counted.
//! - `NicknameChanged`: nothing in the database; community stores no
//!   nicknames. The cache of named 쪽지 counterparts' nicknames drops the
//!   user through the token verifier's live stream of the same events
//!   ([`everytime_common::nicknames`]), which every replica follows (this
//!   durable consumer runs an event on one replica only). A deleted user
//!   is dropped from it here as well, so this replica never names a user
//!   it already treats as gone.
//! - `ProfileChanged`: nothing; community keeps nothing of a user's own
//!   profile.

use std::sync::Arc;

use everytime_common::{
    events::{Handler, HandlerError},
    nicknames::NicknameCache,
};
use everytime_proto::auth::v1::watch_events_response::Event;
use sqlx::PgConnection;

use crate::store;

/// The consumer's name at auth and in `event_positions`.
pub const CONSUMER: &str = "community";

/// Applies auth's account events.
#[derive(Debug, Clone, Default)]
pub struct AccountEvents {
    /// The cache of counterparts' nicknames, if any: a deleted user is
    /// dropped from it here too, before the deletion commits, so whoever
    /// sees community treat the user as gone sees them unnamed.
    pub nicknames: Option<Arc<NicknameCache>>,
}

#[async_trait::async_trait]
impl Handler for AccountEvents {
    type Event = Event;

    async fn apply(&self, tx: &mut PgConnection, event: &Event) -> Result<(), HandlerError> {
        match event {
            Event::UserDeleted(deleted) => {
                let erased = store::users::erase_user(tx, deleted.user_id).await?
                    + store::messages::erase_user(tx, deleted.user_id).await?
                    + store::notifications::erase_user(tx, deleted.user_id).await?;
                if let Some(nicknames) = &self.nicknames {
                    nicknames.forget(deleted.user_id);
                }
                tracing::info!(
                    user_id = deleted.user_id,
                    erased,
                    "a deleted user's scraps, write history, 쪽지 and notifications erased"
                );
                Ok(())
            }
            Event::SessionEnded(_) | Event::NicknameChanged(_) | Event::ProfileChanged(_) => Ok(()),
        }
    }
}
