//! Days of the week, times of day (`HH:MM`) and the slot a session
//! occupies, with the clash rule of two sessions ([`Slot::overlaps`]).

use everytime_common::validate::{FieldError, Violations};
use everytime_proto::timetable::v1 as pb;

/// A day of the week; stored as 1 (Monday) to 7 (Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Day {
    Mon = 1,
    Tue = 2,
    Wed = 3,
    Thu = 4,
    Fri = 5,
    Sat = 6,
    Sun = 7,
}

impl Day {
    /// Every day, Monday first.
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    /// The day of a wire value; `DAY_UNSPECIFIED` and unknown values are a
    /// violation of `field`.
    pub fn from_pb(field: &str, value: i32) -> Result<Day, FieldError> {
        Day::from_number(value).ok_or_else(|| {
            FieldError::new(field, "must be one of MON, TUE, WED, THU, FRI, SAT, SUN")
        })
    }

    /// The day stored as `number` (1..=7).
    pub fn from_number(number: impl Into<i32>) -> Option<Day> {
        let number: i32 = number.into();
        Day::ALL
            .get(usize::try_from(number.checked_sub(1)?).ok()?)
            .copied()
    }

    /// The day named `MON` ... `SUN`.
    pub fn from_code(code: &str) -> Option<Day> {
        Day::ALL.into_iter().find(|day| day.code() == code)
    }

    /// 1 (Monday) to 7 (Sunday), as stored.
    pub fn number(self) -> i16 {
        self as i16
    }

    /// The wire value.
    pub fn to_pb(self) -> pb::Day {
        match self {
            Day::Mon => pb::Day::Monday,
            Day::Tue => pb::Day::Tuesday,
            Day::Wed => pb::Day::Wednesday,
            Day::Thu => pb::Day::Thursday,
            Day::Fri => pb::Day::Friday,
            Day::Sat => pb::Day::Saturday,
            Day::Sun => pb::Day::Sunday,
        }
    }

    /// `MON` ... `SUN`, as the REST API spells days.
    pub fn code(self) -> &'static str {
        match self {
            Day::Mon => "MON",
            Day::Tue => "TUE",
            Day::Wed => "WED",
            Day::Thu => "THU",
            Day::Fri => "FRI",
            Day::Sat => "SAT",
            Day::Sun => "SUN",
        }
    }

    /// The one-syllable Korean name the app puts over each column.
    pub fn korean(self) -> &'static str {
        match self {
            Day::Mon => "월",
            Day::Tue => "화",
            Day::Wed => "수",
            Day::Thu => "목",
            Day::Fri => "금",
            Day::Sat => "토",
            Day::Sun => "일",
        }
    }

    /// This day's bit in a day mask: bit 0 Monday to bit 6 Sunday.
    pub fn bit(self) -> i16 {
        1 << (self.number() - 1)
    }

    /// Saturday and Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(self, Day::Sat | Day::Sun)
    }
}

/// Minutes after midnight of an `HH:MM` time (24-hour, `00:00` to `23:59`).
pub fn parse_time(field: &str, value: &str) -> Result<i32, FieldError> {
    let invalid = || FieldError::new(field, "must be HH:MM, 24-hour (00:00 to 23:59)");
    let value = value.trim();
    let (hours, minutes) = value.split_once(':').ok_or_else(invalid)?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return Err(invalid());
    }
    let hours: i32 = hours.parse().map_err(|_| invalid())?;
    let minutes: i32 = minutes.parse().map_err(|_| invalid())?;
    if hours > 23 || minutes > 59 {
        return Err(invalid());
    }
    Ok(hours * 60 + minutes)
}

/// `HH:MM` for minutes after midnight.
pub fn format_time(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// When a session meets: a day and a `[start, end)` range of minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub day: Day,
    pub start: i32,
    pub end: i32,
}

impl Slot {
    /// Two sessions clash when they share a day and their `[start, end)`
    /// ranges overlap; back-to-back sessions do not.
    pub fn overlaps(&self, other: &Slot) -> bool {
        self.day == other.day && self.start < other.end && other.start < self.end
    }
}

/// A weekly session as a request sends it: a course's (with a room) or a
/// custom entry's.
pub trait WeeklySession {
    /// What the session carries besides its time, once validated.
    type Extra;

    /// The wire day and the `HH:MM` start and end.
    fn times(&self) -> (i32, &str, &str);

    /// Validates what the session carries besides its time; `field` names
    /// the session (`courses[3].sessions[0]`).
    fn extra(&self, field: &str) -> Result<Self::Extra, FieldError>;
}

/// The sessions of the list field `list` (`courses[3].sessions`), by day and start time: 1 to `max`
/// of them, each valid, none overlapping an earlier one. Every bad session
/// is named; too many sessions is one violation, not one per session.
pub fn parse_weekly<S: WeeklySession>(
    list: &str,
    sessions: &[S],
    max: usize,
) -> Result<Vec<(Slot, S::Extra)>, Vec<FieldError>> {
    if sessions.is_empty() {
        return Err(vec![FieldError::new(
            list,
            "must hold at least one session",
        )]);
    }
    if sessions.len() > max {
        return Err(vec![FieldError::new(
            list,
            format!("must hold at most {max} sessions"),
        )]);
    }
    // How many sessions there are is known only at run time: `Violations`.
    let mut violations = Violations::new();
    let mut parsed: Vec<(usize, Slot, S::Extra)> = Vec::with_capacity(sessions.len());
    for (index, session) in sessions.iter().enumerate() {
        let at = format!("{list}[{index}]");
        let field = |name: &str| format!("{at}.{name}");
        let (day, start, end) = session.times();
        let day = violations.check(Day::from_pb(&field("day"), day));
        let start = violations.check(parse_time(&field("start"), start));
        let end = violations.check(parse_time(&field("end"), end));
        let extra = violations.check(session.extra(&at));
        if let (Some(start), Some(end)) = (start, end)
            && start >= end
        {
            violations.push(FieldError::new(field("end"), "must be after start"));
            continue;
        }
        if let (Some(day), Some(start), Some(end), Some(extra)) = (day, start, end, extra) {
            let slot = Slot { day, start, end };
            if let Some((other, _, _)) = parsed
                .iter()
                .find(|(_, earlier, _)| earlier.overlaps(&slot))
            {
                violations.push(FieldError::new(
                    at.clone(),
                    format!("overlaps {list}[{other}]"),
                ));
                continue;
            }
            parsed.push((index, slot, extra));
        }
    }
    violations.finish()?;
    let mut sessions: Vec<(Slot, S::Extra)> = parsed
        .into_iter()
        .map(|(_, slot, extra)| (slot, extra))
        .collect();
    // Sessions never overlap, so no two share a slot: the order is total.
    sessions.sort_by_key(|(slot, _)| *slot);
    Ok(sessions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_between_codes_numbers_and_the_wire() {
        for day in Day::ALL {
            assert_eq!(Day::from_code(day.code()), Some(day));
            assert_eq!(Day::from_number(day.number()), Some(day));
            assert_eq!(Day::from_pb("day", day.to_pb().into()), Ok(day));
        }
        assert_eq!(Day::from_code("mon"), None);
        assert_eq!(Day::from_pb("d", 0).unwrap_err().field, "d");
        assert!(Day::from_pb("d", 8).is_err());
        assert!(Day::from_pb("d", -1).is_err());
    }

    #[test]
    fn times_are_24_hour_hh_mm() {
        assert_eq!(parse_time("start", "00:00"), Ok(0));
        assert_eq!(parse_time("start", "09:30"), Ok(570));
        assert_eq!(parse_time("start", "23:59"), Ok(1439));
        for bad in [
            "24:00", "9:30", "09:60", "0930", "09:3", "aa:bb", "", "09:30:00", "-1:00", "+9:00",
        ] {
            assert_eq!(
                parse_time("start", bad).unwrap_err().field,
                "start",
                "{bad}"
            );
        }
        assert_eq!(format_time(570), "09:30");
        assert_eq!(format_time(0), "00:00");
    }

    #[test]
    fn back_to_back_sessions_do_not_overlap() {
        let nine = Slot {
            day: Day::Mon,
            start: 540,
            end: 615,
        };
        let after = Slot {
            day: Day::Mon,
            start: 615,
            end: 690,
        };
        let inside = Slot {
            day: Day::Mon,
            start: 600,
            end: 610,
        };
        let other_day = Slot {
            day: Day::Tue,
            start: 540,
            end: 615,
        };
        let around = Slot {
            day: Day::Mon,
            start: 500,
            end: 700,
        };
        assert!(!nine.overlaps(&after));
        assert!(!after.overlaps(&nine));
        assert!(nine.overlaps(&inside));
        assert!(inside.overlaps(&nine));
        assert!(!nine.overlaps(&other_day));
        assert!(nine.overlaps(&around) && around.overlaps(&nine));
        assert!(nine.overlaps(&nine));
    }
}
