//! Named counterparts of 쪽지: community keeps no nicknames, so it asks
//! auth (`BatchGetUsers`) with the caller's own token, once per answer and
//! only for conversations that are not anonymous. The gateway composes
//! nothing for 쪽지: user ids of the other side never leave this service.

use std::collections::{BTreeSet, HashMap};

use everytime_proto::auth::v1::{BatchGetUsersRequest, user_service_client::UserServiceClient};
use tonic::{
    Request,
    metadata::{AsciiMetadataValue, MetadataMap},
    transport::Channel,
};

use crate::error::{Error, Result};

/// The caller's `authorization` metadata, passed on to auth.
#[derive(Debug, Clone)]
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
    /// The nicknames of `ids` auth knows (schoolmates who have not left),
    /// in one call; none when `ids` is empty.
    pub async fn of(
        &self,
        token: &Token,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<HashMap<i64, String>> {
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
        let reply = self
            .0
            .clone()
            .batch_get_users(request)
            .await
            .map_err(|status| Error::Unavailable("auth", status))?;
        Ok(reply
            .into_inner()
            .users
            .into_iter()
            .map(|user| (user.id, user.nickname))
            .collect())
    }
}
