//! JSON types shared by several routes. They are the public contract of
//! `API.md`, written out on their own rather than serialized protos, so a
//! proto change never moves the JSON.

use chrono::{DateTime, SecondsFormat};
use everytime_proto::auth::v1 as auth_pb;
use serde::Serialize;
use utoipa::ToSchema;

/// RFC 3339 in UTC, to the second (`2026-03-02T09:00:00Z`).
pub fn rfc3339(timestamp: Option<&prost_types::Timestamp>) -> String {
    timestamp
        .and_then(|ts| DateTime::from_timestamp(ts.seconds, u32::try_from(ts.nanos).unwrap_or(0)))
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A school.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolBody {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "서울대학교")]
    pub name: String,
}

impl From<auth_pb::School> for SchoolBody {
    fn from(school: auth_pb::School) -> Self {
        SchoolBody {
            id: school.id,
            name: school.name,
        }
    }
}

/// A user. `email` appears only on the caller's own user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserBody {
    pub id: i64,
    #[schema(example = "minsu_01")]
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "minsu@snu.ac.kr")]
    pub email: Option<String>,
    #[schema(example = "새내기")]
    pub nickname: String,
    #[schema(example = "김민수")]
    pub name: String,
    pub school: SchoolBody,
    /// `user` or `admin`.
    #[schema(example = "user")]
    pub role: String,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
    /// When the nickname may change again (30 days after the last change),
    /// or `null` when it may now.
    #[schema(example = json!(null))]
    pub nickname_changeable_at: Option<String>,
    /// On `/users/me` (GET and PATCH): until when the caller may not post,
    /// comment or send 쪽지 (3 of their items blinded within 30 days), or
    /// `null` when they may. The community service decides it; the member
    /// is left out when community cannot be asked, and of the other
    /// responses that carry the caller's user (sign-up, sign-in, refresh).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = json!(null))]
    pub restricted_until: Option<Option<String>>,
}

impl From<auth_pb::User> for UserBody {
    fn from(user: auth_pb::User) -> Self {
        let role = match user.role() {
            auth_pb::Role::Admin => "admin",
            _ => "user",
        };
        UserBody {
            id: user.id,
            username: user.username,
            email: user.email,
            nickname: user.nickname,
            name: user.name,
            school: user.school.map(SchoolBody::from).unwrap_or(SchoolBody {
                id: 0,
                name: String::new(),
            }),
            role: role.to_owned(),
            created_at: rfc3339(user.create_time.as_ref()),
            nickname_changeable_at: user
                .nickname_changeable_time
                .as_ref()
                .map(|time| rfc3339(Some(time))),
            restricted_until: None,
        }
    }
}

/// `{"items": [...]}` for lists that are not paginated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A user as others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserRef {
    pub id: i64,
    #[schema(example = "새내기")]
    pub nickname: String,
}
