//! The one nickname fan-out: every response that names users (authors of
//! posts and comments, timetable owners, friends) looks their nicknames up
//! here, in one `BatchGetUsers` per response, never one per item.
//!
//! Auth answers only for users of the caller's school; a user it does not
//! know (a deleted account) is shown as [`UNKNOWN_NICKNAME`]. Who is
//! anonymous is not decided here: the community service sends a display
//! name for anonymous authors and no user id, and that is what is shown.
//!
//! Nicknames seen recently are served from a bounded cache
//! ([`NicknameCache`], shared with the services that name users) and only
//! the others are asked for. A nickname change or an account deletion
//! drops the user's entry: auth's event channel says so
//! (`NicknameChanged`, `UserDeleted`, through the stream the token
//! verifier follows anyway), within the stream's latency; the gateway's
//! own `PATCH /users/me` drops the caller's entry at once, so whoever
//! renames themselves sees it on their next request. An entry is served
//! only to callers of the user's own school (auth's rule), and lives at
//! most [`everytime_common::nicknames::NICKNAME_TTL`] in case an event was
//! missed.

use std::collections::{BTreeSet, HashMap};

pub use everytime_common::nicknames::NicknameCache;
use everytime_proto::auth::v1::{self as auth_pb, user_service_client::UserServiceClient};

use crate::{
    error::ApiResult,
    extract::Auth,
    model::UserRef,
    state::{AppState, authed, call},
};

/// The nickname shown for a named user auth no longer knows (a deleted
/// account).
pub const UNKNOWN_NICKNAME: &str = "(알 수 없음)";

/// `BatchGetUsers` takes at most this many ids per call (auth's limit).
/// No response reaches it today (a thread is at most 1,000 comments, a page
/// at most 100 posts), so one call covers every response; past it the ids
/// would go in concurrent calls of this size rather than be refused.
pub const MAX_BATCH: usize = 1024;

/// Nicknames by user id, looked up once per response.
#[derive(Debug, Default)]
pub struct Nicknames(HashMap<i64, String>);

impl Nicknames {
    /// Looks up `ids` (repeats and all): those cached for the caller's
    /// school from the cache, the others with the caller's token in one
    /// `BatchGetUsers` per [`MAX_BATCH`] distinct ids, none when all are
    /// cached.
    pub async fn fetch(
        state: &AppState,
        auth: &Auth,
        ids: impl IntoIterator<Item = i64>,
    ) -> ApiResult<Nicknames> {
        let ids: BTreeSet<i64> = ids.into_iter().collect();
        let found = state
            .nicknames
            .get_or_fetch(auth.caller.school_id, ids, |ids| async move {
                let calls = ids.chunks(MAX_BATCH).map(|chunk| {
                    let request = authed(
                        auth_pb::BatchGetUsersRequest {
                            user_ids: chunk.to_vec(),
                        },
                        auth,
                    );
                    call(
                        &state.clients.users,
                        request,
                        UserServiceClient::batch_get_users,
                    )
                });
                let replies = futures::future::try_join_all(calls).await?;
                Ok::<_, tonic::Status>(
                    replies
                        .into_iter()
                        .flat_map(|reply| reply.users)
                        .map(|user| (user.id, user.nickname))
                        .collect::<Vec<_>>(),
                )
            })
            .await?;
        Ok(Nicknames(found))
    }

    /// The nickname of `id`, or [`UNKNOWN_NICKNAME`].
    pub fn nickname(&self, id: i64) -> String {
        self.0
            .get(&id)
            .cloned()
            .unwrap_or_else(|| UNKNOWN_NICKNAME.to_owned())
    }

    /// `id` as others see them.
    pub fn user(&self, id: i64) -> UserRef {
        UserRef {
            id,
            nickname: self.nickname(id),
        }
    }

    /// `ids` as others see them, in the order given.
    pub fn users(&self, ids: impl IntoIterator<Item = i64>) -> Vec<UserRef> {
        ids.into_iter().map(|id| self.user(id)).collect()
    }
}

impl FromIterator<(i64, String)> for Nicknames {
    fn from_iter<I: IntoIterator<Item = (i64, String)>>(pairs: I) -> Self {
        Nicknames(pairs.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_keep_the_order_given_and_unknown_ones_get_a_placeholder() {
        let names: Nicknames = [
            (1, "다은".to_owned()),
            (2, "가영".to_owned()),
            (3, "나래".to_owned()),
        ]
        .into_iter()
        .collect();

        let users = names.users([3, 1, 4, 2]);

        let listed: Vec<(i64, &str)> = users
            .iter()
            .map(|user| (user.id, user.nickname.as_str()))
            .collect();
        assert_eq!(
            listed,
            [(3, "나래"), (1, "다은"), (4, UNKNOWN_NICKNAME), (2, "가영")]
        );
    }
}
