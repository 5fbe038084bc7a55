//! 공강 찾기: the question (whose time, which part of the day, how long an
//! interval must be) and the interval algebra that answers it.
//!
//! Time is minutes after midnight, every interval `[start, end)`. The busy
//! intervals of everybody are merged per day and the free time is what is
//! left of the window `[from, to)`; an interval shorter than the minimum is
//! dropped. Touching intervals (one ends where the next starts) leave no
//! gap between them.

use everytime_common::validate::{self, FieldError};
use everytime_proto::timetable::v1 as pb;

use super::{
    Day, Semester,
    limits::{
        FREE_TIME_DEFAULT_FROM, FREE_TIME_DEFAULT_MIN_MINUTES, FREE_TIME_DEFAULT_TO,
        FREE_TIME_MIN_MINUTES, FREE_TIME_USERS,
    },
    parse_time,
};

/// The days free time is looked for: Monday to Friday.
pub const WEEKDAYS: [Day; 5] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri];

/// A validated free-time question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeTimeQuery {
    pub semester: Semester,
    /// The friends, distinct, without the caller; 1–10.
    pub friends: Vec<i64>,
    pub min_minutes: i32,
    /// The window of each day, `[from, to)`.
    pub from: i32,
    pub to: i32,
}

impl FreeTimeQuery {
    /// Validates a request by `caller`; every bad field is named.
    pub fn parse(caller: i64, request: &pb::FindFreeTimeRequest) -> Result<Self, Vec<FieldError>> {
        let (semester, friends, min_minutes, from, to) = validate::all((
            Semester::parse_or_current("semester", &request.semester),
            friends(caller, &request.user_ids),
            min_minutes(request.min_minutes),
            request
                .from
                .as_deref()
                .map_or(Ok(FREE_TIME_DEFAULT_FROM), |from| parse_time("from", from)),
            request
                .to
                .as_deref()
                .map_or(Ok(FREE_TIME_DEFAULT_TO), |to| parse_time("to", to)),
        ))?;
        validate::ensure(from < to, "to", "must be after from").map_err(|error| vec![error])?;
        Ok(FreeTimeQuery {
            semester,
            friends,
            min_minutes,
            from,
            to,
        })
    }
}

fn friends(caller: i64, ids: &[i64]) -> Result<Vec<i64>, FieldError> {
    let count = || {
        FieldError::new(
            "user_ids",
            format!(
                "must list {} to {} friends",
                FREE_TIME_USERS.start(),
                FREE_TIME_USERS.end()
            ),
        )
    };
    if ids.len() > *FREE_TIME_USERS.end() {
        return Err(count());
    }
    if ids.iter().any(|id| *id <= 0) {
        return Err(FieldError::new(
            "user_ids",
            "must be positive integers, comma-separated",
        ));
    }
    let mut friends: Vec<i64> = ids.iter().copied().filter(|id| *id != caller).collect();
    friends.sort_unstable();
    friends.dedup();
    if ids.is_empty() {
        return Err(count());
    }
    Ok(friends)
}

fn min_minutes(value: Option<i32>) -> Result<i32, FieldError> {
    let value = value.unwrap_or(FREE_TIME_DEFAULT_MIN_MINUTES);
    validate::ensure(
        FREE_TIME_MIN_MINUTES.contains(&value),
        "min_minutes",
        "must be 10 to 1440",
    )?;
    Ok(value)
}

/// The free intervals of one day: what `busy` (in any order, overlapping
/// or not) leaves of `[from, to)`, each at least `min` minutes long.
pub fn free_intervals(busy: &mut [(i32, i32)], from: i32, to: i32, min: i32) -> Vec<(i32, i32)> {
    busy.sort_unstable();
    let mut free = Vec::new();
    let mut cursor = from;
    for &(start, end) in busy.iter() {
        if end <= cursor {
            continue;
        }
        if start >= to {
            break;
        }
        if start > cursor {
            free.push((cursor, start));
        }
        cursor = cursor.max(end);
    }
    if cursor < to {
        free.push((cursor, to));
    }
    free.retain(|(start, end)| end - start >= min);
    free
}

#[cfg(test)]
mod tests {
    use super::*;

    const NINE: i32 = 9 * 60;
    const TEN_PM: i32 = 22 * 60;

    fn request(ids: &[i64]) -> pb::FindFreeTimeRequest {
        pb::FindFreeTimeRequest {
            semester: "2026-2".into(),
            user_ids: ids.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_day_is_free_from_from_to_to() {
        assert_eq!(free_intervals(&mut [], NINE, TEN_PM, 60), [(NINE, TEN_PM)]);
        // Shorter than the minimum: nothing.
        assert!(free_intervals(&mut [], NINE, NINE + 30, 60).is_empty());
        // Exactly the minimum counts.
        assert_eq!(
            free_intervals(&mut [], NINE, NINE + 60, 60),
            [(NINE, NINE + 60)]
        );
    }

    #[test]
    fn busy_time_of_everybody_is_merged() {
        // Unsorted, overlapping, one inside another.
        let mut busy = [(780, 855), (540, 615), (600, 690), (620, 650)];
        assert_eq!(
            free_intervals(&mut busy, NINE, TEN_PM, 60),
            [(690, 780), (855, TEN_PM)]
        );
    }

    #[test]
    fn back_to_back_classes_leave_no_gap() {
        let mut busy = [(540, 615), (615, 690), (750, 810)];
        assert_eq!(
            free_intervals(&mut busy, NINE, TEN_PM, 10),
            [(690, 750), (810, TEN_PM)]
        );
    }

    #[test]
    fn classes_touching_or_crossing_the_window_are_cut_to_it() {
        // Ends exactly at from, starts exactly at to: the whole window is free.
        let mut touching = [(480, NINE), (TEN_PM, 1380)];
        assert_eq!(
            free_intervals(&mut touching, NINE, TEN_PM, 60),
            [(NINE, TEN_PM)]
        );
        // Crossing both edges.
        let mut crossing = [(500, 600), (1260, 1400)];
        assert_eq!(
            free_intervals(&mut crossing, NINE, TEN_PM, 60),
            [(600, 1260)]
        );
        // Covering it all.
        let mut all = [(0, 1440)];
        assert!(free_intervals(&mut all, NINE, TEN_PM, 10).is_empty());
        // Gaps shorter than the minimum are dropped, longer kept.
        let mut gaps = [(540, 600), (659, 700), (760, TEN_PM)];
        assert_eq!(free_intervals(&mut gaps, NINE, TEN_PM, 60), [(700, 760)]);
    }

    #[test]
    fn a_query_has_defaults_and_names_its_bad_fields() {
        let query = FreeTimeQuery::parse(1, &request(&[3, 2, 3, 1])).expect("valid");
        assert_eq!(query.friends, [2, 3]);
        assert_eq!(
            (query.min_minutes, query.from, query.to),
            (60, NINE, TEN_PM)
        );

        let field = |request: pb::FindFreeTimeRequest| {
            FreeTimeQuery::parse(1, &request).unwrap_err()[0]
                .field
                .clone()
        };
        assert_eq!(field(request(&[])), "user_ids");
        assert_eq!(field(request(&(2..=12).collect::<Vec<_>>())), "user_ids");
        assert!(FreeTimeQuery::parse(1, &request(&(2..=11).collect::<Vec<_>>())).is_ok());
        assert_eq!(field(request(&[0])), "user_ids");
        assert_eq!(
            field(pb::FindFreeTimeRequest {
                semester: "2026-3".into(),
                ..request(&[2])
            }),
            "semester"
        );
        for (minutes, ok) in [(9, false), (10, true), (1440, true), (1441, false)] {
            let parsed = FreeTimeQuery::parse(
                1,
                &pb::FindFreeTimeRequest {
                    min_minutes: Some(minutes),
                    ..request(&[2])
                },
            );
            assert_eq!(parsed.is_ok(), ok, "{minutes}");
        }
        assert_eq!(
            field(pb::FindFreeTimeRequest {
                from: Some("9시".into()),
                ..request(&[2])
            }),
            "from"
        );
        assert_eq!(
            field(pb::FindFreeTimeRequest {
                from: Some("12:00".into()),
                to: Some("12:00".into()),
                ..request(&[2])
            }),
            "to"
        );
    }
}
