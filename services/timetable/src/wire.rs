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
        friends::{FriendRow, RequestRow},
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
    let mut by_course: HashMap<i64, Vec<pb::ClassSession>> = HashMap::new();
    for row in sessions {
        by_course
            .entry(row.course_id)
            .or_default()
            .push(session(row));
    }
    rows.into_iter()
        .map(|row| pb::Course {
            sessions: by_course.remove(&row.id).unwrap_or_default(),
            id: row.id,
            semester: row.semester,
            code: row.code,
            name: row.name,
            professor: row.professor,
            credits: row.credits,
        })
        .collect()
}

/// A timetable with its courses; its credits are theirs added up.
pub fn timetable(row: TimetableRow, courses: Vec<pb::Course>) -> pb::Timetable {
    pb::Timetable {
        id: row.id,
        semester: row.semester,
        name: row.name,
        is_primary: row.is_primary,
        visibility: Visibility::from_name(&row.visibility).to_pb().into(),
        owner_id: row.owner_id,
        total_credits: courses.iter().map(|course| course.credits).sum(),
        courses,
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
