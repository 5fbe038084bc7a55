//! Nicknames from auth for a service that needs to name users in what it
//! writes or answers (community: named 쪽지 counterparts; timetable: the
//! asker of a friend request, in its event). The lookup is auth's
//! `BatchGetUsers` with the caller's own token, so auth answers for the
//! caller's schoolmates only, once per answer, for the names a
//! [`NicknameCache`] does not already hold.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use crate::nicknames::NicknameCache;
use everytime_proto::auth::v1::{BatchGetUsersRequest, user_service_client::UserServiceClient};
use tonic::{
    Request, Status,
    metadata::{AsciiMetadataValue, MetadataMap},
    transport::Channel,
};

/// The caller's `authorization` metadata, passed on to auth.
#[derive(Debug, Clone, Default)]
pub struct Token(Option<AsciiMetadataValue>);

impl Token {
    /// The token of a request's metadata.
    pub fn of(metadata: &MetadataMap) -> Token {
        Token(metadata.get("authorization").cloned())
    }
}

/// Looks nicknames up in auth, through a cache when there is one.
#[derive(Debug, Clone)]
pub struct Nicknames {
    client: UserServiceClient<Channel>,
    cache: Option<Arc<NicknameCache>>,
}

impl Nicknames {
    /// Serves what `cache` holds and asks auth for the rest; asks auth
    /// every time without one. A cache must be following auth's account
    /// changes ([`NicknameCache::following`]).
    pub fn new(client: UserServiceClient<Channel>, cache: Option<Arc<NicknameCache>>) -> Self {
        Nicknames { client, cache }
    }

    /// The nicknames of `ids` auth knows (schoolmates of the caller, of
    /// `school_id`, who have not left): the cached ones, and the others in
    /// one call; none when `ids` is empty.
    pub async fn of(
        &self,
        token: &Token,
        school_id: i64,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<HashMap<i64, String>, Status> {
        let ids: BTreeSet<i64> = ids.into_iter().collect();
        match &self.cache {
            Some(cache) => {
                cache
                    .get_or_fetch(school_id, ids, |ids| self.fetch(token, ids))
                    .await
            }
            None => Ok(self
                .fetch(token, ids.into_iter().collect())
                .await?
                .into_iter()
                .collect()),
        }
    }

    /// Asks auth for `ids` with the caller's token; nothing when empty.
    async fn fetch(&self, token: &Token, ids: Vec<i64>) -> Result<Vec<(i64, String)>, Status> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut request = Request::new(BatchGetUsersRequest { user_ids: ids });
        if let Some(value) = &token.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        let reply = self.client.clone().batch_get_users(request).await?;
        Ok(reply
            .into_inner()
            .users
            .into_iter()
            .map(|user| (user.id, user.nickname))
            .collect())
    }
}
