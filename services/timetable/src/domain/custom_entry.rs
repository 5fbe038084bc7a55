//! 직접 추가: a custom entry as the owner sends it, validated. Its sessions
//! follow the rules of a course's ([`parse_weekly`]) but carry no room: the
//! place is the entry's.

use everytime_common::validate::{self, FieldError};
use everytime_proto::timetable::v1 as pb;

use super::{
    day::{Slot, WeeklySession, parse_weekly},
    limits::{ENTRY_MEMO_MAX, ENTRY_NAME_MAX, ENTRY_PLACE_MAX, ENTRY_SESSIONS_MAX},
};

/// A validated custom entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEntryInput {
    /// 1–40 characters, trimmed.
    pub name: String,
    /// 0–40 characters, trimmed.
    pub place: String,
    /// 0–200 characters, trimmed; may span lines.
    pub memo: String,
    /// 1–10, by day and start time, none overlapping another.
    pub slots: Vec<Slot>,
}

impl CustomEntryInput {
    /// Validates a request; every bad field is named (`sessions[1].end`).
    pub fn parse(request: &pb::AddCustomEntryRequest) -> Result<Self, Vec<FieldError>> {
        let (name, place, memo, sessions) = validate::all((
            validate::line("name", &request.name, 1, ENTRY_NAME_MAX),
            validate::line("place", &request.place, 0, ENTRY_PLACE_MAX),
            validate::text("memo", &request.memo, 0, ENTRY_MEMO_MAX),
            parse_weekly("sessions", &request.sessions, ENTRY_SESSIONS_MAX),
        ))?;
        Ok(CustomEntryInput {
            name,
            place,
            memo,
            slots: sessions.into_iter().map(|(slot, ())| slot).collect(),
        })
    }
}

impl WeeklySession for pb::CustomEntrySession {
    type Extra = ();

    fn times(&self) -> (i32, &str, &str) {
        (self.day, &self.start, &self.end)
    }

    fn extra(&self, _field: &str) -> Result<(), FieldError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Day;

    fn session(day: pb::Day, start: &str, end: &str) -> pb::CustomEntrySession {
        pb::CustomEntrySession {
            day: day.into(),
            start: start.into(),
            end: end.into(),
        }
    }

    fn request() -> pb::AddCustomEntryRequest {
        pb::AddCustomEntryRequest {
            timetable_id: 1,
            name: " 스터디 ".into(),
            place: "도서관".into(),
            memo: "알고리즘\n3장까지".into(),
            sessions: vec![
                session(pb::Day::Wednesday, "18:00", "20:00"),
                session(pb::Day::Monday, "18:00", "20:00"),
            ],
        }
    }

    fn fields(request: &pb::AddCustomEntryRequest) -> Vec<String> {
        CustomEntryInput::parse(request)
            .expect_err("invalid")
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn an_entry_is_trimmed_and_its_sessions_sorted() {
        let entry = CustomEntryInput::parse(&request()).expect("valid");
        assert_eq!(entry.name, "스터디");
        assert_eq!(entry.memo, "알고리즘\n3장까지");
        assert_eq!(entry.slots[0].day, Day::Mon);
        assert_eq!(entry.slots[1].day, Day::Wed);
        assert_eq!((entry.slots[0].start, entry.slots[0].end), (1080, 1200));
    }

    #[test]
    fn place_and_memo_may_be_empty() {
        let mut request = request();
        request.place = "  ".into();
        request.memo = String::new();
        let entry = CustomEntryInput::parse(&request).expect("valid");
        assert_eq!((entry.place.as_str(), entry.memo.as_str()), ("", ""));
    }

    #[test]
    fn every_limit_is_a_named_field() {
        let mut bad = request();
        bad.name = "   ".into();
        assert_eq!(fields(&bad), ["name"]);
        bad = request();
        bad.name = "가".repeat(41);
        assert_eq!(fields(&bad), ["name"]);
        bad = request();
        bad.name = "가".repeat(40);
        assert!(CustomEntryInput::parse(&bad).is_ok());
        bad.place = "가".repeat(41);
        bad.memo = "가".repeat(201);
        assert_eq!(fields(&bad), ["place", "memo"]);
        bad = request();
        bad.place = "a\u{0}b".into();
        assert_eq!(fields(&bad), ["place"]);
    }

    #[test]
    fn sessions_are_one_to_ten_and_never_overlap_each_other() {
        let mut bad = request();
        bad.sessions.clear();
        assert_eq!(fields(&bad), ["sessions"]);
        bad.sessions = (0..11)
            .map(|hour| {
                session(
                    pb::Day::Monday,
                    &format!("{:02}:00", hour + 8),
                    &format!("{:02}:30", hour + 8),
                )
            })
            .collect();
        assert_eq!(fields(&bad), ["sessions"]);
        bad.sessions.pop();
        assert!(CustomEntryInput::parse(&bad).is_ok());
        bad = request();
        bad.sessions[1] = session(pb::Day::Wednesday, "19:00", "21:00");
        assert_eq!(fields(&bad), ["sessions[1]"]);
        bad.sessions[1] = session(pb::Day::Unspecified, "21:00", "20:00");
        assert_eq!(fields(&bad), ["sessions[1].day", "sessions[1].end"]);
        bad.sessions[1] = session(pb::Day::Friday, "9:00", "24:00");
        assert_eq!(fields(&bad), ["sessions[1].start", "sessions[1].end"]);
    }
}
