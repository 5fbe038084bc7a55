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
    #[serde(default)]
    pub token_delivery: TokenDelivery,
}

/// Where sign-in and refresh hand the tokens over. The HttpOnly cookies
/// are set either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenDelivery {
    /// In the body too (the default), for apps.
    #[default]
    Body,
    /// In the cookies only: a web client never holds a token in script.
    Cookie,
}

/// A signed-in user and their tokens (in the body unless
/// `token_delivery` is `cookie`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    pub user: UserBody,
    /// A JWT for `Authorization: Bearer`; absent with `token_delivery: cookie`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// An opaque token for `/auth/refresh`, good for one use; absent with
    /// `token_delivery: cookie`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// `Bearer`; absent with `token_delivery: cookie`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Bearer")]
    pub token_type: Option<String>,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// A refresh token; optional when the refresh cookie is sent.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefreshBody {
    pub refresh_token: Option<String>,
    /// Refresh only (sign-out ignores it).
    #[serde(default)]
    pub token_delivery: TokenDelivery,
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
