//! The JSON of 공강 찾기.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The question.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FreeTimeQuery {
    /// `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`; the current one when absent.
    pub semester: Option<String>,
    /// 1–10 friends' user ids, comma-separated (`3,7`).
    pub user_ids: Option<String>,
    /// The shortest interval worth listing, 10–1440; default 60.
    pub min_minutes: Option<i32>,
    /// `HH:MM`; default `09:00`.
    pub from: Option<String>,
    /// `HH:MM`, after `from`; default `22:00`.
    pub to: Option<String>,
}

/// A free interval, `[start, end)`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreeIntervalBody {
    #[schema(example = "11:30")]
    pub start: String,
    #[schema(example = "13:00")]
    pub end: String,
}

/// The free intervals of each weekday, by start (a day with none is `[]`).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct FreeDaysBody {
    #[serde(rename = "MON")]
    pub mon: Vec<FreeIntervalBody>,
    #[serde(rename = "TUE")]
    pub tue: Vec<FreeIntervalBody>,
    #[serde(rename = "WED")]
    pub wed: Vec<FreeIntervalBody>,
    #[serde(rename = "THU")]
    pub thu: Vec<FreeIntervalBody>,
    #[serde(rename = "FRI")]
    pub fri: Vec<FreeIntervalBody>,
}

/// Where everybody is free.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreeTimeBody {
    pub days: FreeDaysBody,
}
