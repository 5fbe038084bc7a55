//! The JSON of sign-up, sign-in, tokens and sessions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::UserBody;

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUpBody {
    /// 4–20 of `[a-z0-9_]`, unique.
    #[schema(example = "minsu_01")]
    pub username: String,
    /// Unique, compared case-insensitively.
    #[schema(example = "minsu@snu.ac.kr")]
    pub email: String,
    /// 8–128 characters, taken exactly as given.
    #[schema(example = "correct horse battery")]
    pub password: String,
    /// 2–10 characters, unique.
    #[schema(example = "새내기")]
    pub nickname: String,
    /// 1–20 characters.
    #[schema(example = "김민수")]
    pub name: String,
    #[schema(example = 1)]
    pub school_id: i64,
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInBody {
    #[schema(example = "minsu_01")]
    pub username: String,
    #[schema(example = "correct horse battery")]
    pub password: String,
}

/// A signed-in user and their tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    pub user: UserBody,
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// An opaque token for `/auth/refresh`, good for one use.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// A refresh token; optional when the `refresh_token` cookie is sent.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefreshBody {
    pub refresh_token: Option<String>,
}

/// A signed-in device.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    pub id: i64,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
    #[schema(example = "2026-03-02T09:15:00Z")]
    pub last_used_at: String,
    #[schema(example = "Everytime/5.0 (iPhone; iOS 18.0)")]
    pub user_agent: String,
    /// True for the session of the token making this request.
    pub current: bool,
}
