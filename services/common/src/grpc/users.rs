//! Nicknames from auth for a service that needs to name users in what it
//! writes or answers (community: named 쪽지 counterparts; timetable: the
//! asker of a friend request, in its event). The lookup is auth's
//! `BatchGetUsers` with the caller's own token, so auth answers for the
//! caller's schoolmates only, once per answer.

use std::collections::{BTreeSet, HashMap};

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

/// Looks nicknames up in auth.
#[derive(Debug, Clone)]
pub struct Nicknames(pub UserServiceClient<Channel>);

impl Nicknames {
    /// The nicknames of `ids` auth knows (schoolmates of the caller who
    /// have not left), in one call; none when `ids` is empty.
    pub async fn of(
        &self,
        token: &Token,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<HashMap<i64, String>, Status> {
        let ids: Vec<i64> = ids
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut request = Request::new(BatchGetUsersRequest { user_ids: ids });
        if let Some(value) = &token.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        let reply = self.0.clone().batch_get_users(request).await?;
        Ok(reply
            .into_inner()
            .users
            .into_iter()
            .map(|user| (user.id, user.nickname))
            .collect())
    }
}
