//! The JSON of changes to the caller's own user.

use serde::Deserialize;
use utoipa::ToSchema;

/// Fields to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMeBody {
    /// 2–10 characters, unique.
    pub nickname: Option<String>,
    /// 1–20 characters.
    pub name: Option<String>,
}

/// The current password and the new one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    pub current_password: String,
    /// 8–128 characters, taken exactly as given.
    pub new_password: String,
}

/// The password that confirms 회원 탈퇴.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteMeBody {
    /// Taken exactly as given.
    pub password: String,
}
