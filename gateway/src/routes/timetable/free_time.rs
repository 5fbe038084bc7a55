//! 공강 찾기: when the caller and some friends are all free. The user ids
//! come comma-separated; one that is not a positive integer is a `400` on
//! `user_ids`, and the service checks the rest.

use axum::{Json, extract::State};
use everytime_proto::timetable::v1::{self as pb, friend_service_client::FriendServiceClient};

use super::{FreeDaysBody, FreeIntervalBody, FreeTimeBody, FreeTimeQuery};
use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiQuery, Auth},
    openapi::problems,
    state::{AppState, authed, call},
};

problems! {
    BadFreeTime = (400, "A bad `semester`, `user_ids` (not 1–10 positive integers), `min_minutes` (not 10–1440), `from` or `to` (not `HH:MM`, or `to` not after `from`)");
    NoVisibleFriendTimetable = (404, "`friend_timetable_not_found`: a listed user is not a friend, or their primary timetable is private (which one is not told)");
}

/// The MON–FRI intervals within `[from, to)` of at least `min_minutes` where the caller and every listed friend are free, by primary timetables (courses and custom entries). Never says what fills the rest.
#[utoipa::path(get, path = "/api/v1/free-time", tag = "friends", params(FreeTimeQuery),
    responses(
        (status = 200, description = "The free intervals of each weekday", body = FreeTimeBody),
        BadFreeTime,
        NoVisibleFriendTimetable,
    ))]
pub async fn free_time(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<FreeTimeQuery>,
) -> ApiResult<Json<FreeTimeBody>> {
    let user_ids = user_ids(query.user_ids.as_deref().unwrap_or_default())?;
    let intervals = call(
        &state.clients.friends,
        authed(
            pb::FindFreeTimeRequest {
                semester: query.semester.unwrap_or_default(),
                user_ids,
                min_minutes: query.min_minutes,
                from: query.from,
                to: query.to,
            },
            &auth,
        ),
        FriendServiceClient::find_free_time,
    )
    .await?
    .intervals;
    let mut days = FreeDaysBody::default();
    for interval in intervals {
        let day = match pb::Day::try_from(interval.day) {
            Ok(pb::Day::Monday) => &mut days.mon,
            Ok(pb::Day::Tuesday) => &mut days.tue,
            Ok(pb::Day::Wednesday) => &mut days.wed,
            Ok(pb::Day::Thursday) => &mut days.thu,
            Ok(pb::Day::Friday) => &mut days.fri,
            _ => continue,
        };
        day.push(FreeIntervalBody {
            start: interval.start,
            end: interval.end,
        });
    }
    Ok(Json(FreeTimeBody { days }))
}

/// `3,7` as ids; blank parts are ignored (`3,` is `3`), anything else that
/// is not a positive integer is refused.
fn user_ids(value: &str) -> Result<Vec<i64>, ApiError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "invalid_input",
                        "user_ids",
                        "must be positive integers, comma-separated",
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_comma_separated_positive_integers() {
        assert_eq!(user_ids("3,7").ok(), Some(vec![3, 7]));
        assert_eq!(user_ids(" 3 , 7 ,").ok(), Some(vec![3, 7]));
        assert_eq!(user_ids("").ok(), Some(vec![]));
        for bad in ["a", "3,x", "0", "-1", "1.5", "99999999999999999999"] {
            let error = user_ids(bad).expect_err(bad);
            assert_eq!(error.status(), axum::http::StatusCode::BAD_REQUEST);
        }
    }
}
