//! The course catalog, timetables and their picture, and the app's first
//! screen (`/me/timetable`).
//!
//! The timetable service owns every rule; these routes turn JSON into its
//! messages and back, add owners' and friends' nicknames (see
//! [`crate::authors`]), and fill a clash's `conflicts` from the
//! `TimeConflict` status detail. Day and visibility names they do not know
//! are passed on as "unspecified", so the service's one validation names
//! the field.

mod catalog;
mod entries;
mod free_time;
mod free_time_json;
mod grades;
mod grades_json;
mod json;
mod reviews;
mod reviews_json;
mod timetables;

use everytime_proto::timetable::v1 as pb;
use prost::{Message, Name};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::{free_time_json::*, grades_json::*, json::*, reviews_json::*};
use crate::{
    authors::Nicknames,
    error::{ApiError, ApiResult},
    extract::Auth,
    openapi::problems,
    state::AppState,
};

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog::search_courses))
        .routes(routes!(
            timetables::list_timetables,
            timetables::create_timetable
        ))
        .routes(routes!(
            timetables::get_timetable,
            timetables::update_timetable,
            timetables::delete_timetable
        ))
        .routes(routes!(timetables::add_course))
        .routes(routes!(timetables::remove_course))
        .routes(routes!(entries::add_custom_entry))
        .routes(routes!(entries::remove_custom_entry))
        .routes(routes!(entries::copy_timetable))
        .routes(routes!(timetables::timetable_image))
        .routes(routes!(timetables::my_timetable))
        .routes(routes!(grades::get_grades))
        .routes(routes!(grades::set_target))
        .routes(routes!(grades::put_grade_semester))
        .routes(routes!(grades::fill_from_timetable))
        .routes(routes!(free_time::free_time))
        .routes(routes!(reviews::create_review, reviews::course_reviews))
        .routes(routes!(reviews::delete_review))
        .routes(routes!(reviews::like_review))
        .routes(routes!(reviews::my_reviews))
}

problems! {
    BadCourseSearch = (400, "A bad semester, q, day, limit or cursor");
    TimetableRefused = (400, "A bad semester or name, or 20 timetables in the semester already");
    NoSuchTimetable = (404, "No such timetable, or not visible to the caller");
    BadTimetableChange = (400, "A bad name or visibility");
    NotYourTimetable = (403, "Visible to the caller but not theirs");
    CourseElsewhere = (400, "A course of another semester or school");
    NoSuchTimetableOrCourse = (404, "No such timetable or course");
    CourseNotAdded = (409, "`time_conflict` (with `conflicts`: the courses and custom entries in the way, never empty), `already_added`, or `add_contended` (the timetable kept changing during the add; try again)");
    CourseNotInTimetable = (404, "No such timetable, or the course is not in it");
}

/// One timetable's JSON, with its owner's nickname.
pub async fn named_timetable(
    state: &AppState,
    auth: &Auth,
    timetable: pb::Timetable,
) -> ApiResult<TimetableBody> {
    let names = Nicknames::fetch(state, auth, [timetable.owner_id]).await?;
    Ok(timetable_body(timetable, &names))
}

/// The problem of a timetable-service status; a clash gets `conflicts`.
fn problem(status: tonic::Status) -> ApiError {
    let conflicts = tonic_types::pb::Status::decode(status.details())
        .ok()
        .and_then(|details| {
            details
                .details
                .into_iter()
                .find(|any| any.type_url == pb::TimeConflict::type_url())
        })
        .and_then(|any| pb::TimeConflict::decode(any.value.as_slice()).ok());
    let error = ApiError::from(status);
    match conflicts {
        Some(detail) => error.with_extra(
            "conflicts",
            serde_json::to_value(ConflictBody::all(detail)).unwrap_or_default(),
        ),
        None => error,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn a_clash_status_becomes_a_problem_with_conflicts() {
        use everytime_common::grpc::ERROR_DOMAIN;
        let course = pb::Course {
            id: 3,
            semester: "2026-2".into(),
            code: "CSE2010-01".into(),
            name: "자료구조".into(),
            professor: "김민준".into(),
            credits: 3,
            sessions: vec![pb::ClassSession {
                day: pb::Day::Monday.into(),
                start: "09:00".into(),
                end: "10:15".into(),
                room: "301동".into(),
            }],
        };
        let info = tonic_types::pb::ErrorInfo {
            reason: "time_conflict".into(),
            domain: ERROR_DOMAIN.into(),
            metadata: HashMap::new(),
        };
        let details = tonic_types::pb::Status {
            code: tonic::Code::AlreadyExists as i32,
            message: "clash".into(),
            details: vec![
                prost_types::Any {
                    type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
                    value: info.encode_to_vec(),
                },
                prost_types::Any {
                    type_url: pb::TimeConflict::type_url(),
                    value: pb::TimeConflict {
                        conflicts: vec![course],
                        custom_entries: vec![pb::CustomEntry {
                            id: 8,
                            name: "스터디".into(),
                            place: String::new(),
                            memo: String::new(),
                            sessions: vec![pb::CustomEntrySession {
                                day: pb::Day::Monday.into(),
                                start: "09:30".into(),
                                end: "11:00".into(),
                            }],
                        }],
                    }
                    .encode_to_vec(),
                },
            ],
        };
        let status = tonic::Status::with_details(
            tonic::Code::AlreadyExists,
            "clash",
            details.encode_to_vec().into(),
        );

        let problem = serde_json::to_value(problem(status).problem()).expect("serializes");

        assert_eq!(problem["status"], 409);
        assert_eq!(problem["code"], "time_conflict");
        assert_eq!(problem["conflicts"][0]["code"], "CSE2010-01");
        assert_eq!(problem["conflicts"][0]["sessions"][0]["day"], "MON");
        assert_eq!(problem["conflicts"][1]["memo"], "");
        assert_eq!(problem["conflicts"][1]["name"], "스터디");
        assert_eq!(problem["conflicts"][1]["sessions"][0]["start"], "09:30");
    }
}
