//! The JSON of courses and timetables, and the names of days and
//! visibilities on the wire.

use everytime_proto::timetable::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    authors::Nicknames,
    model::{UserRef, rfc3339},
};

/// A weekly session of a course.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClassSessionBody {
    /// `MON` ... `SUN`.
    #[schema(example = "MON")]
    pub day: String,
    /// `HH:MM`, 24-hour.
    #[schema(example = "09:00")]
    pub start: String,
    /// `HH:MM`, 24-hour, after `start`.
    #[schema(example = "10:15")]
    pub end: String,
    #[schema(example = "301동 101호")]
    pub room: String,
}

/// A course section of the catalog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseBody {
    pub id: i64,
    #[schema(example = "2026-2")]
    pub semester: String,
    /// The section code, unique per school and semester.
    #[schema(example = "CSE2010-01")]
    pub code: String,
    #[schema(example = "자료구조")]
    pub name: String,
    #[schema(example = "김민준")]
    pub professor: String,
    #[schema(example = 3)]
    pub credits: i32,
    pub sessions: Vec<ClassSessionBody>,
}

/// A timetable.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimetableBody {
    pub id: i64,
    #[schema(example = "2026-2")]
    pub semester: String,
    #[schema(example = "시간표 1")]
    pub name: String,
    /// The semester's timetable that friends see and the first screen shows.
    pub is_primary: bool,
    /// `private`, `friends` or `public`.
    #[schema(example = "friends")]
    pub visibility: String,
    pub owner: UserRef,
    /// By code.
    pub courses: Vec<CourseBody>,
    /// 직접 추가 blocks, in the order they were added.
    pub custom_entries: Vec<CustomEntryBody>,
    /// The courses' credits added up (custom entries carry none).
    pub total_credits: i32,
    #[schema(example = "2026-08-20T09:00:00Z")]
    pub created_at: String,
}

/// When a custom entry meets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EntrySessionBody {
    /// `MON` ... `SUN`.
    #[schema(example = "WED")]
    pub day: String,
    /// `HH:MM`, 24-hour.
    #[schema(example = "18:00")]
    pub start: String,
    /// `HH:MM`, 24-hour, after `start`.
    #[schema(example = "20:00")]
    pub end: String,
}

/// 직접 추가: a block of the owner's own in a timetable.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomEntryBody {
    pub id: i64,
    #[schema(example = "알고리즘 스터디")]
    pub name: String,
    /// Empty when not given.
    #[schema(example = "중앙도서관")]
    pub place: String,
    /// Empty when not given.
    #[schema(example = "3장까지 풀어 오기")]
    pub memo: String,
    /// By day and start time.
    pub sessions: Vec<EntrySessionBody>,
}

/// A new custom entry.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddCustomEntryBody {
    /// 1–40 characters.
    #[schema(example = "알고리즘 스터디")]
    pub name: String,
    /// 0–40 characters.
    pub place: Option<String>,
    /// 0–200 characters.
    pub memo: Option<String>,
    /// 1–10 sessions, none overlapping another.
    pub sessions: Vec<EntrySessionBody>,
}

/// A copy's name.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CopyTimetableBody {
    /// 1–40 characters; the first free `시간표 n` when absent.
    pub name: Option<String>,
}

/// What a new course or custom entry clashes with: a course of the
/// timetable (a `Course`, exactly as the contract's `conflicts: [Course]`
/// has always been) or one of its custom entries (a `CustomEntry`: it has
/// `place` and `memo` where a course has `code` and `professor`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ConflictBody {
    Course(CourseBody),
    CustomEntry(CustomEntryBody),
}

/// A page of courses, by code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoursePage {
    pub items: Vec<CourseBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub(super) fn day_name(day: i32) -> String {
    match pb::Day::try_from(day) {
        Ok(pb::Day::Monday) => "MON",
        Ok(pb::Day::Tuesday) => "TUE",
        Ok(pb::Day::Wednesday) => "WED",
        Ok(pb::Day::Thursday) => "THU",
        Ok(pb::Day::Friday) => "FRI",
        Ok(pb::Day::Saturday) => "SAT",
        Ok(pb::Day::Sunday) => "SUN",
        _ => "",
    }
    .to_owned()
}

/// The wire day of `MON` ... `SUN`; anything else is unspecified, which
/// the service refuses naming the field.
pub(super) fn day_value(name: &str) -> i32 {
    match name.trim() {
        "MON" => pb::Day::Monday,
        "TUE" => pb::Day::Tuesday,
        "WED" => pb::Day::Wednesday,
        "THU" => pb::Day::Thursday,
        "FRI" => pb::Day::Friday,
        "SAT" => pb::Day::Saturday,
        "SUN" => pb::Day::Sunday,
        _ => pb::Day::Unspecified,
    }
    .into()
}

pub(super) fn visibility_name(visibility: i32) -> String {
    match pb::Visibility::try_from(visibility) {
        Ok(pb::Visibility::Public) => "public",
        Ok(pb::Visibility::Friends) => "friends",
        _ => "private",
    }
    .to_owned()
}

pub(super) fn visibility_value(name: &str) -> i32 {
    match name.trim() {
        "private" => pb::Visibility::Private,
        "friends" => pb::Visibility::Friends,
        "public" => pb::Visibility::Public,
        _ => pb::Visibility::Unspecified,
    }
    .into()
}

impl From<pb::Course> for CourseBody {
    fn from(course: pb::Course) -> Self {
        CourseBody {
            id: course.id,
            semester: course.semester,
            code: course.code,
            name: course.name,
            professor: course.professor,
            credits: course.credits,
            sessions: course
                .sessions
                .into_iter()
                .map(|session| ClassSessionBody {
                    day: day_name(session.day),
                    start: session.start,
                    end: session.end,
                    room: session.room,
                })
                .collect(),
        }
    }
}

impl From<pb::CustomEntry> for CustomEntryBody {
    fn from(entry: pb::CustomEntry) -> Self {
        CustomEntryBody {
            id: entry.id,
            name: entry.name,
            place: entry.place,
            memo: entry.memo,
            sessions: entry
                .sessions
                .into_iter()
                .map(|session| EntrySessionBody {
                    day: day_name(session.day),
                    start: session.start,
                    end: session.end,
                })
                .collect(),
        }
    }
}

impl ConflictBody {
    /// Every course, then every entry, of a clash.
    pub fn all(conflict: pb::TimeConflict) -> Vec<ConflictBody> {
        conflict
            .conflicts
            .into_iter()
            .map(|course| ConflictBody::Course(course.into()))
            .chain(
                conflict
                    .custom_entries
                    .into_iter()
                    .map(|entry| ConflictBody::CustomEntry(entry.into())),
            )
            .collect()
    }
}

/// The JSON of a timetable, its owner named from `nicknames`.
pub fn timetable_body(timetable: pb::Timetable, nicknames: &Nicknames) -> TimetableBody {
    TimetableBody {
        owner: nicknames.user(timetable.owner_id),
        id: timetable.id,
        semester: timetable.semester,
        name: timetable.name,
        is_primary: timetable.is_primary,
        visibility: visibility_name(timetable.visibility),
        courses: timetable
            .courses
            .into_iter()
            .map(CourseBody::from)
            .collect(),
        custom_entries: timetable
            .custom_entries
            .into_iter()
            .map(CustomEntryBody::from)
            .collect(),
        total_credits: timetable.total_credits,
        created_at: rfc3339(timetable.create_time.as_ref()),
    }
}

/// The course search's query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CoursesQuery {
    /// `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W` (required).
    pub semester: Option<String>,
    /// Text the name, professor or code contains (case-insensitive, 1–50 characters).
    pub q: Option<String>,
    /// Only courses meeting on this day (`MON` ... `SUN`).
    pub day: Option<String>,
    /// 1..100, default 20.
    pub limit: Option<i32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An optional semester.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SemesterQuery {
    /// `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`.
    pub semester: Option<String>,
}

/// A new timetable.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTimetableBody {
    #[schema(example = "2026-2")]
    pub semester: String,
    /// 1–40 characters; `시간표 1`, `시간표 2`, … when absent.
    pub name: Option<String>,
}

/// Changes to a timetable; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTimetableBody {
    /// 1–40 characters.
    pub name: Option<String>,
    /// `true` makes it the semester's primary (the others stop being); `false` on the primary is `400`.
    pub is_primary: Option<bool>,
    /// `private`, `friends` or `public`.
    pub visibility: Option<String>,
}

/// A course to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddCourseBody {
    pub course_id: i64,
}

/// The app's first screen.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTimetableBody {
    /// The caller's primary timetable of the semester; `null` when they have none.
    pub timetable: Option<TimetableBody>,
    /// The caller's friends, newest friendship first.
    pub friends: Vec<UserRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_visibilities_round_trip_and_unknown_ones_are_unspecified() {
        for name in ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] {
            assert_eq!(day_name(day_value(name)), name);
        }
        assert_eq!(day_value("mon"), 0);
        for name in ["private", "friends", "public"] {
            assert_eq!(visibility_name(visibility_value(name)), name);
        }
        assert_eq!(visibility_value("everyone"), 0);
    }
}
