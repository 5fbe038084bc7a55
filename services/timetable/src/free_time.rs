//! 공강 찾기: the weekday intervals where the caller and some friends are
//! all free, by their primary timetables.
//!
//! Every listed user must be a friend whose primary timetable of the
//! semester is visible to friends (`friends` or `public`); a friend without
//! one is free all week. Anything else is `NOT_FOUND`, the same for every
//! reason and every user, so the answer does not tell which friend hides
//! their timetable. The time occupied (courses and custom entries alike:
//! both are `timetable_slots`) is read for everybody in one query and
//! merged here; the answer holds only intervals, never what fills the rest.

use std::collections::HashSet;

use everytime_common::token::Caller;
use everytime_proto::timetable::v1 as pb;

use crate::{
    State,
    domain::{
        Day, Visibility, format_time,
        free_time::{FreeTimeQuery, WEEKDAYS, free_intervals},
    },
    error::{Error, Result},
    store::free_time as store,
};

/// `FindFreeTime`.
pub async fn find_free_time(
    state: &State,
    caller: &Caller,
    request: pb::FindFreeTimeRequest,
) -> Result<pb::FindFreeTimeResponse> {
    let query = FreeTimeQuery::parse(caller.user_id, &request)?;
    let hidden = || Error::NotFound("friend_timetable");
    if !query.friends.is_empty() {
        let friends: HashSet<i64> =
            store::friends_among(&state.pool, caller.user_id, &query.friends)
                .await?
                .into_iter()
                .collect();
        if query.friends.iter().any(|id| !friends.contains(id)) {
            return Err(hidden());
        }
    }
    let mut users = query.friends.clone();
    users.push(caller.user_id);
    let rows = store::primary_slots(&state.pool, &users, query.semester.as_str()).await?;
    let mut busy: [Vec<(i32, i32)>; 5] = Default::default();
    for row in rows {
        if row.owner_id != caller.user_id
            && Visibility::from_name(&row.visibility) == Visibility::Private
        {
            return Err(hidden());
        }
        let (Some(day), Some(start), Some(end)) = (row.day, row.start_minute, row.end_minute)
        else {
            continue;
        };
        if let Some(index) =
            Day::from_number(day).and_then(|day| WEEKDAYS.iter().position(|d| *d == day))
        {
            busy[index].push((start, end));
        }
    }
    let intervals = WEEKDAYS
        .iter()
        .zip(busy.iter_mut())
        .flat_map(|(day, busy)| {
            free_intervals(busy, query.from, query.to, query.min_minutes)
                .into_iter()
                .map(|(start, end)| pb::FreeInterval {
                    day: day.to_pb().into(),
                    start: format_time(start),
                    end: format_time(end),
                })
        })
        .collect();
    Ok(pb::FindFreeTimeResponse { intervals })
}
