//! What the timetable service does when auth says something happened to an
//! account: the durable consumer of auth's event channel
//! ([`everytime_common::events`]), named `timetable`.
//!
//! - `UserDeleted`: the user's timetables (with their courses and custom
//!   entries), friendships, friend requests (and their undelivered events)
//!   and grades are erased, under the
//!   same per-user locks as the writes they could race with; their reviews
//!   stay, anonymous as ever.
//! - `NicknameChanged`: nothing in the database; the timetable service
//!   stores no nicknames. The cache it names friend requests' askers from
//!   drops the user through the token verifier's live stream of the same
//!   events ([`everytime_common::nicknames`]).
//! - `ProfileChanged`: nothing; the timetable service keeps nothing of a
//!   user's own profile.

use everytime_common::events::{Handler, HandlerError};
use everytime_proto::auth::v1::watch_events_response::Event;
use sqlx::PgConnection;

use crate::store::{events, grades, timetables, users};

/// The consumer's name at auth and in `event_positions`.
pub const CONSUMER: &str = "timetable";

/// Applies auth's account events.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountEvents;

#[async_trait::async_trait]
impl Handler for AccountEvents {
    type Event = Event;

    async fn apply(&self, tx: &mut PgConnection, event: &Event) -> Result<(), HandlerError> {
        match event {
            Event::UserDeleted(deleted) => {
                // A create or a grade change of the user still in flight
                // either finishes first or waits and finds nothing left.
                timetables::lock_owner(tx, deleted.user_id).await?;
                grades::lock_user(tx, deleted.user_id).await?;
                let erased = users::erase_user(tx, deleted.user_id).await?
                    + events::erase_user(tx, deleted.user_id).await?;
                tracing::info!(
                    user_id = deleted.user_id,
                    erased,
                    "a deleted user's timetables, friends and grades erased"
                );
                Ok(())
            }
            Event::SessionEnded(_) | Event::NicknameChanged(_) | Event::ProfileChanged(_) => Ok(()),
        }
    }
}
