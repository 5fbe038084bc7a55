//! Rows → protobuf messages of `everytime.auth.v1`, and nothing else.

use everytime_common::{
    grpc::timestamp,
    token::{PublicJwk, Role, TokenSettings},
};
use everytime_proto::auth::v1 as pb;

use crate::store::{
    schools::School,
    sessions::SessionRow,
    users::{Profile, UserRow},
};

/// A school.
pub fn school(school: School) -> pb::School {
    pb::School {
        id: school.id,
        name: school.name,
    }
}

/// The caller's own user, email included (only they see it).
pub fn own_user(row: UserRow) -> pb::User {
    let role = match Role::from_name(&row.role) {
        Role::Admin => pb::Role::Admin,
        Role::User => pb::Role::User,
    };
    pb::User {
        id: row.id,
        username: row.username,
        email: Some(row.email),
        nickname: row.nickname,
        name: row.name,
        school: Some(pb::School {
            id: row.school_id,
            name: row.school_name,
        }),
        role: role.into(),
        create_time: Some(timestamp(row.created_at)),
        nickname_changeable_time: crate::accounts::changeable_at(
            row.nickname_changed_at,
            chrono::Utc::now(),
        )
        .map(timestamp),
    }
}

/// What other users see of a user.
pub fn profile(profile: Profile) -> pb::UserProfile {
    pb::UserProfile {
        id: profile.id,
        nickname: profile.nickname,
        school_id: profile.school_id,
    }
}

/// A session; `current` when it is the caller's own.
pub fn session(session: SessionRow, current_session_id: i64) -> pb::Session {
    pb::Session {
        id: session.id,
        create_time: Some(timestamp(session.created_at)),
        last_use_time: Some(timestamp(session.last_used_at)),
        user_agent: session.user_agent,
        current: session.id == current_session_id,
    }
}

/// A token pair with the lifetimes `settings` give them.
pub fn token_pair(
    settings: &TokenSettings,
    access_token: String,
    refresh_token: String,
) -> pb::TokenPair {
    pb::TokenPair {
        access_token,
        access_token_expires_in: i64::try_from(settings.access_token_ttl.as_secs())
            .unwrap_or(i64::MAX),
        refresh_token,
        refresh_token_expires_in: i64::try_from(settings.refresh_token_ttl.as_secs())
            .unwrap_or(i64::MAX),
    }
}

/// The published keys as a JWK Set.
pub fn jwks(keys: Vec<PublicJwk>) -> pb::GetJwksResponse {
    pb::GetJwksResponse {
        keys: keys.into_iter().map(pb::Jwk::from).collect(),
    }
}
