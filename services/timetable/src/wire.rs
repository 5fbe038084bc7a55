//! Rows of the store as the protobuf messages of `everytime.timetable.v1`.
//!
//! Pure conversions: the use cases fetch what a message needs (a course's
//! sessions, a timetable's courses) and these put it together.

use std::collections::HashMap;

use everytime_common::grpc::timestamp;
use everytime_proto::timetable::v1 as pb;

use crate::{
    domain::{Day, Visibility, format_time},
    store::{
        courses::{CourseRow, SessionRow},
        custom_entries::{EntryRow, EntrySlotRow},
        friends::{FriendRow, RequestRow},
        reviews::ReviewRow,
        timetables::TimetableRow,
    },
};

/// A weekly session.
pub fn session(row: SessionRow) -> pb::ClassSession {
    pb::ClassSession {
        day: Day::from_number(row.day)
            .map_or(pb::Day::Unspecified, Day::to_pb)
            .into(),
        start: format_time(row.start_minute),
        end: format_time(row.end_minute),
        room: row.room,
    }
}

/// Courses, in the order of `rows`, each with its sessions (of `sessions`,
/// which may hold those of every course).
pub fn courses(rows: Vec<CourseRow>, sessions: Vec<SessionRow>) -> Vec<pb::Course> {
    let mut by_course: HashMap<i64, Vec<SessionRow>> = HashMap::new();
    for row in sessions {
        by_course.entry(row.course_id).or_default().push(row);
    }
    rows.into_iter()
        .map(|row| {
            let sessions = by_course.remove(&row.id).unwrap_or_default();
            course(row, sessions)
        })
        .collect()
}

/// A course with its sessions, in their order.
pub fn course(row: CourseRow, sessions: Vec<SessionRow>) -> pb::Course {
    pb::Course {
        sessions: sessions.into_iter().map(session).collect(),
        id: row.id,
        semester: row.semester,
        code: row.code,
        name: row.name,
        professor: row.professor,
        credits: row.credits,
    }
}

/// Custom entries, in the order of `rows`, each with its sessions (of
/// `slots`, which may hold those of every entry) and its timetable's id.
pub fn custom_entries(
    rows: Vec<EntryRow>,
    slots: Vec<EntrySlotRow>,
) -> Vec<(i64, pb::CustomEntry)> {
    let mut by_entry: HashMap<i64, Vec<EntrySlotRow>> = HashMap::new();
    for slot in slots {
        by_entry.entry(slot.entry_id).or_default().push(slot);
    }
    rows.into_iter()
        .map(|row| {
            let slots = by_entry.remove(&row.id).unwrap_or_default();
            (row.timetable_id, custom_entry(row, slots))
        })
        .collect()
}

/// A custom entry with its sessions, in their order.
pub fn custom_entry(row: EntryRow, slots: Vec<EntrySlotRow>) -> pb::CustomEntry {
    pb::CustomEntry {
        sessions: slots
            .into_iter()
            .map(|slot| pb::CustomEntrySession {
                day: Day::from_number(slot.day)
                    .map_or(pb::Day::Unspecified, Day::to_pb)
                    .into(),
                start: format_time(slot.start_minute),
                end: format_time(slot.end_minute),
            })
            .collect(),
        id: row.id,
        name: row.name,
        place: row.place,
        memo: row.memo,
    }
}

/// A timetable with its courses and custom entries; its credits are the
/// courses' added up.
pub fn timetable(
    row: TimetableRow,
    courses: Vec<pb::Course>,
    custom_entries: Vec<pb::CustomEntry>,
) -> pb::Timetable {
    pb::Timetable {
        id: row.id,
        semester: row.semester,
        name: row.name,
        is_primary: row.is_primary,
        visibility: Visibility::from_name(&row.visibility).to_pb().into(),
        owner_id: row.owner_id,
        total_credits: courses.iter().map(|course| course.credits).sum(),
        courses,
        custom_entries,
        create_time: Some(timestamp(row.created_at)),
    }
}

/// A pending friend request.
pub fn request(row: RequestRow) -> pb::FriendRequest {
    pb::FriendRequest {
        id: row.id,
        from_user_id: row.from_user_id,
        to_user_id: row.to_user_id,
        create_time: Some(timestamp(row.created_at)),
    }
}

/// A friend and since when.
pub fn friend(row: FriendRow) -> pb::Friend {
    pb::Friend {
        user_id: row.friend_id,
        since_time: Some(timestamp(row.created_at)),
    }
}

/// A semester of the grade calculator, with what it adds up to.
pub fn grade_semester(
    semester: &str,
    courses: &[crate::domain::grade::GradeCourse],
) -> pb::GradeSemester {
    pb::GradeSemester {
        semester: semester.to_owned(),
        courses: courses.iter().map(grade_course).collect(),
        summary: Some(grade_summary(&crate::domain::grade::Tally::of(courses))),
    }
}

/// The grade calculator's whole record: semesters (in order), the totals
/// over every course of them, and the target.
pub fn grade_record(
    semesters: &[(String, Vec<crate::domain::grade::GradeCourse>)],
    target_credits: Option<i32>,
) -> pb::GradeRecord {
    let total =
        crate::domain::grade::Tally::of(semesters.iter().flat_map(|(_, courses)| courses.iter()));
    pb::GradeRecord {
        semesters: semesters
            .iter()
            .map(|(semester, courses)| grade_semester(semester, courses))
            .collect(),
        total: Some(grade_summary(&total)),
        target_credits,
    }
}

fn grade_course(course: &crate::domain::grade::GradeCourse) -> pb::GradeCourse {
    pb::GradeCourse {
        name: course.name.clone(),
        // Half credits are small integers: the halving is exact.
        credits: f64::from(course.half_credits) / 2.0,
        grade: course.grade.map(|grade| grade.code().to_owned()),
        major: course.major,
    }
}

fn grade_summary(tally: &crate::domain::grade::Tally) -> pb::GradeSummary {
    let hundredths = |value: Option<i64>| value.and_then(|value| i32::try_from(value).ok());
    // Sums of at most 48 · 30 · 20 half credits: exact as doubles.
    #[allow(clippy::cast_precision_loss)]
    let credits = |halves: i64| halves as f64 / 2.0;
    pb::GradeSummary {
        gpa_hundredths: hundredths(tally.gpa_hundredths()),
        major_gpa_hundredths: hundredths(tally.major_gpa_hundredths()),
        credits: credits(tally.half_credits),
        earned_credits: credits(tally.earned_half_credits),
    }
}

/// A review, anonymous: `is_mine` for `caller`, never the author; with its
/// lecture when `with_lecture` (the caller's own list).
pub fn review(row: ReviewRow, caller: i64, with_lecture: bool) -> pb::Review {
    use crate::domain::review::{Amount, Answer, Attendance, Grading};
    fn wire<A: Answer>(name: &str) -> i32 {
        A::from_name(name).map_or(0, Answer::to_pb)
    }
    pb::Review {
        id: row.id,
        answers: Some(pb::ReviewAnswers {
            rating: i32::from(row.rating),
            assignment: wire::<Amount>(&row.assignment),
            team_project: wire::<Amount>(&row.team_project),
            grading: wire::<Grading>(&row.grading),
            attendance: wire::<Attendance>(&row.attendance),
            exams: i32::from(row.exams),
            content: row.content,
            semester: row.semester,
        }),
        is_mine: row.author_id == caller,
        like_count: row.like_count,
        create_time: Some(timestamp(row.created_at)),
        lecture: with_lecture.then_some(pb::Lecture {
            name: row.lecture_name,
            professor: row.professor,
        }),
    }
}
