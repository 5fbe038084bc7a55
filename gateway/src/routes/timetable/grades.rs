//! 학점계산기: the caller's grades per semester, the averages and credits
//! they add up to, and the target. `/me/grades/target` is a static segment,
//! which the router matches before `/me/grades/{semester}`.

use axum::{Json, extract::State};
use everytime_proto::timetable::v1::{self as pb, grade_service_client::GradeServiceClient};

use super::{GradeSemesterBody, GradesBody, PutGradeSemesterBody, TargetCreditsBody};
use crate::{
    error::{ApiResult, required},
    extract::{ApiJson, ApiPath, Auth},
    openapi::problems,
    state::{AppState, authed, call},
};

problems! {
    BadGradeSemester = (400, "A bad `semester` (path), more than 30 `courses`, a course breaking a limit (`courses[i].name` 1–40, `courses[i].credits` 0.5–10 in steps of 0.5, `courses[i].grade`), or `too_many_semesters` (48)");
    BadTargetCredits = (400, "`target_credits` not 1–300");
    BadFillSemester = (400, "A bad `semester` (path), more than 30 courses afterwards, or `too_many_semesters`");
    NoPrimaryTimetable = (404, "`timetable_not_found`: no primary timetable of the semester");
}

/// The caller's grades: every semester with courses, oldest first, and the totals over all of them.
#[utoipa::path(get, path = "/api/v1/me/grades", tag = "grades",
    responses((status = 200, description = "The caller's record", body = GradesBody)))]
pub async fn get_grades(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<GradesBody>> {
    let record = call(
        &state.clients.grades,
        authed(pb::GetGradesRequest {}, &auth),
        GradeServiceClient::get_grades,
    )
    .await?
    .record;
    Ok(Json(required(record, "GetGrades")?.into()))
}

/// Replaces a semester's courses (0–30). A semester without courses is not kept.
#[utoipa::path(put, path = "/api/v1/me/grades/{semester}", tag = "grades", request_body = PutGradeSemesterBody,
    params(("semester" = String, Path, description = "`YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`")),
    responses(
        (status = 200, description = "The semester as stored", body = GradeSemesterBody),
        BadGradeSemester,
    ))]
pub async fn put_grade_semester(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(semester): ApiPath<String>,
    ApiJson(body): ApiJson<PutGradeSemesterBody>,
) -> ApiResult<Json<GradeSemesterBody>> {
    let stored = call(
        &state.clients.grades,
        authed(
            pb::PutGradeSemesterRequest {
                semester,
                courses: body.courses.into_iter().map(Into::into).collect(),
            },
            &auth,
        ),
        GradeServiceClient::put_grade_semester,
    )
    .await?
    .semester;
    Ok(Json(required(stored, "PutGradeSemester")?.into()))
}

/// Sets the credits the caller aims at.
#[utoipa::path(put, path = "/api/v1/me/grades/target", tag = "grades", request_body = TargetCreditsBody,
    responses(
        (status = 200, description = "The caller's record with the new target", body = GradesBody),
        BadTargetCredits,
    ))]
pub async fn set_target(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<TargetCreditsBody>,
) -> ApiResult<Json<GradesBody>> {
    let record = call(
        &state.clients.grades,
        authed(
            pb::SetTargetCreditsRequest {
                target_credits: body.target_credits,
            },
            &auth,
        ),
        GradeServiceClient::set_target_credits,
    )
    .await?
    .record;
    Ok(Json(required(record, "SetTargetCredits")?.into()))
}

/// Adds the courses of the caller's primary timetable of the semester that it does not list yet (by name), with credits and without grades. Custom entries, and courses of 0 or more than 10 credits, are skipped.
#[utoipa::path(post, path = "/api/v1/me/grades/{semester}/from-timetable", tag = "grades",
    params(("semester" = String, Path, description = "`YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`")),
    responses(
        (status = 200, description = "The semester as stored afterwards", body = GradeSemesterBody),
        BadFillSemester,
        NoPrimaryTimetable,
    ))]
pub async fn fill_from_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(semester): ApiPath<String>,
) -> ApiResult<Json<GradeSemesterBody>> {
    let stored = call(
        &state.clients.grades,
        authed(pb::FillGradesFromTimetableRequest { semester }, &auth),
        GradeServiceClient::fill_grades_from_timetable,
    )
    .await?
    .semester;
    Ok(Json(required(stored, "FillGradesFromTimetable")?.into()))
}
