//! A semester (`2026-2`) and which one is under way.

use std::fmt;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use everytime_common::validate::FieldError;

use super::limits::SEMESTER_YEARS;

/// A semester: `YYYY-1`, `YYYY-2`, `YYYY-S` (summer) or `YYYY-W` (winter).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Semester(String);

impl Semester {
    /// Validates a semester under `field`.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let invalid = || {
            FieldError::new(
                field,
                "must be YYYY-1, YYYY-2, YYYY-S (summer) or YYYY-W (winter)",
            )
        };
        let (year, term) = value.split_once('-').ok_or_else(invalid)?;
        let year_ok = year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && year
                .parse::<u16>()
                .is_ok_and(|year| SEMESTER_YEARS.contains(&year));
        if !year_ok || !matches!(term, "1" | "2" | "S" | "W") {
            return Err(invalid());
        }
        Ok(Semester(value.to_owned()))
    }

    /// The semester under way at `now`, in Korean time: January to June is
    /// the first (spring) semester, July to December the second (fall). The
    /// vacations count toward the semester being planned, which is what the
    /// app's first screen should show; summer and winter sessions are only
    /// ever asked for explicitly.
    pub fn current(now: DateTime<Utc>) -> Semester {
        // Korea keeps UTC+9 all year.
        let local = now + TimeDelta::hours(9);
        let term = if local.month() <= 6 { 1 } else { 2 };
        Semester(format!("{}-{term}", local.year()))
    }

    /// `semester` when given (and valid), else the current one.
    pub fn parse_or_current(field: &str, value: &str) -> Result<Self, FieldError> {
        if value.trim().is_empty() {
            Ok(Semester::current(Utc::now()))
        } else {
            Semester::parse(field, value)
        }
    }

    /// The semester.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Semester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn semesters_are_a_year_and_1_2_s_or_w() {
        for good in ["2026-1", "2026-2", "2026-S", "2026-W", " 2025-1 "] {
            assert!(Semester::parse("semester", good).is_ok(), "{good}");
        }
        for bad in [
            "2026", "2026-3", "2026-s", "26-1", "20266-1", "2026-12", "", "abcd-1", "2026_1",
            "1800-1",
        ] {
            assert_eq!(
                Semester::parse("semester", bad).unwrap_err().field,
                "semester",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_current_semester_follows_the_korean_calendar() {
        let at = |y, m, d, h| Semester::current(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap());
        assert_eq!(at(2026, 11, 23, 12).as_str(), "2026-2");
        assert_eq!(at(2026, 3, 2, 0).as_str(), "2026-1");
        assert_eq!(at(2026, 1, 5, 0).as_str(), "2026-1");
        assert_eq!(at(2026, 7, 1, 0).as_str(), "2026-2");
        // 2026-06-30 16:00 UTC is already 1 July in Seoul.
        assert_eq!(at(2026, 6, 30, 16).as_str(), "2026-2");
        // 2026-12-31 15:00 UTC is already 2027 in Seoul.
        assert_eq!(at(2026, 12, 31, 15).as_str(), "2027-1");
    }

    #[test]
    fn a_blank_semester_means_the_current_one() {
        assert_eq!(
            Semester::parse_or_current("semester", " ").unwrap(),
            Semester::current(Utc::now())
        );
        assert!(Semester::parse_or_current("semester", "2026-3").is_err());
    }
}
