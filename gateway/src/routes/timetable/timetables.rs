//! The caller's timetables, their courses and picture, and the first
//! screen.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use everytime_proto::timetable::v1::{
    self as pb, timetable_service_client::TimetableServiceClient,
};

use super::{
    AddCourseBody, BadTimetableChange, CourseElsewhere, CourseNotAdded, CourseNotInTimetable,
    CreateTimetableBody, MyTimetableBody, NoSuchTimetable, NoSuchTimetableOrCourse,
    NotYourTimetable, SemesterQuery, TimetableBody, TimetableRefused, UpdateTimetableBody,
    named_timetable, problem, timetable_body, visibility_value,
};
use crate::{
    authors::Nicknames,
    error::{ApiResult, required},
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    model::Items,
    openapi::BadSemester,
    state::{AppState, authed, call},
};

/// The caller's own timetables: of one semester, or of every semester (newest first).
#[utoipa::path(get, path = "/api/v1/timetables", tag = "timetable", params(SemesterQuery),
    responses(
        (status = 200, description = "The caller's timetables", body = Items<TimetableBody>),
        BadSemester,
    ))]
pub async fn list_timetables(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SemesterQuery>,
) -> ApiResult<Json<Items<TimetableBody>>> {
    let timetables = call(
        &state.clients.timetables,
        authed(
            pb::ListTimetablesRequest {
                semester: query.semester,
            },
            &auth,
        ),
        TimetableServiceClient::list_timetables,
    )
    .await?
    .timetables;
    let names = Nicknames::fetch(&state, &auth, [auth.caller.user_id]).await?;
    Ok(Json(Items {
        items: timetables
            .into_iter()
            .map(|timetable| timetable_body(timetable, &names))
            .collect(),
    }))
}

/// Creates a timetable; the first of a semester is primary. New timetables are visible to friends.
#[utoipa::path(post, path = "/api/v1/timetables", tag = "timetable", request_body = CreateTimetableBody,
    responses(
        (status = 201, description = "The new timetable", body = TimetableBody),
        TimetableRefused,
    ))]
pub async fn create_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateTimetableBody>,
) -> ApiResult<(StatusCode, Json<TimetableBody>)> {
    let created = call(
        &state.clients.timetables,
        authed(
            pb::CreateTimetableRequest {
                semester: body.semester,
                name: body.name,
            },
            &auth,
        ),
        TimetableServiceClient::create_timetable,
    )
    .await?
    .timetable;
    let timetable = required(created, "CreateTimetable")?;
    Ok((
        StatusCode::CREATED,
        Json(named_timetable(&state, &auth, timetable).await?),
    ))
}

/// A timetable: the caller's own, a friend's when `friends` or `public`, anyone's of the school when `public`.
#[utoipa::path(get, path = "/api/v1/timetables/{id}", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 200, description = "The timetable", body = TimetableBody),
        NoSuchTimetable,
    ))]
pub async fn get_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TimetableBody>> {
    let found = call(
        &state.clients.timetables,
        authed(pb::GetTimetableRequest { timetable_id: id }, &auth),
        TimetableServiceClient::get_timetable,
    )
    .await?
    .timetable;
    let timetable = required(found, "GetTimetable")?;
    Ok(Json(named_timetable(&state, &auth, timetable).await?))
}

/// Renames a timetable, makes it primary, or changes its visibility.
#[utoipa::path(patch, path = "/api/v1/timetables/{id}", tag = "timetable", request_body = UpdateTimetableBody,
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 200, description = "The updated timetable", body = TimetableBody),
        BadTimetableChange,
        NotYourTimetable,
        NoSuchTimetable,
    ))]
pub async fn update_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateTimetableBody>,
) -> ApiResult<Json<TimetableBody>> {
    let updated = call(
        &state.clients.timetables,
        authed(
            pb::UpdateTimetableRequest {
                timetable_id: id,
                name: body.name,
                is_primary: body.is_primary,
                visibility: body.visibility.as_deref().map(visibility_value),
            },
            &auth,
        ),
        TimetableServiceClient::update_timetable,
    )
    .await?
    .timetable;
    let timetable = required(updated, "UpdateTimetable")?;
    Ok(Json(named_timetable(&state, &auth, timetable).await?))
}

/// Deletes a timetable; if it was primary, the oldest remaining one of the semester becomes primary.
#[utoipa::path(delete, path = "/api/v1/timetables/{id}", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 204, description = "Deleted"),
        NotYourTimetable,
        NoSuchTimetable,
    ))]
pub async fn delete_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.timetables,
        authed(pb::DeleteTimetableRequest { timetable_id: id }, &auth),
        TimetableServiceClient::delete_timetable,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a course. A clash is `409 time_conflict` with `conflicts`: the courses and custom entries in the way.
#[utoipa::path(post, path = "/api/v1/timetables/{id}/courses", tag = "timetable", request_body = AddCourseBody,
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 201, description = "The timetable with the course", body = TimetableBody),
        CourseElsewhere,
        NoSuchTimetableOrCourse,
        CourseNotAdded,
    ))]
pub async fn add_course(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AddCourseBody>,
) -> ApiResult<(StatusCode, Json<TimetableBody>)> {
    let added = call(
        &state.clients.timetables,
        authed(
            pb::AddCourseRequest {
                timetable_id: id,
                course_id: body.course_id,
            },
            &auth,
        ),
        TimetableServiceClient::add_course,
    )
    .await
    .map_err(problem)?
    .timetable;
    let timetable = required(added, "AddCourse")?;
    Ok((
        StatusCode::CREATED,
        Json(named_timetable(&state, &auth, timetable).await?),
    ))
}

/// Removes a course from a timetable.
#[utoipa::path(delete, path = "/api/v1/timetables/{id}/courses/{course_id}", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable"), ("course_id" = i64, Path, description = "The course")),
    responses(
        (status = 204, description = "Removed"),
        CourseNotInTimetable,
    ))]
pub async fn remove_course(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, course_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.timetables,
        authed(
            pb::RemoveCourseRequest {
                timetable_id: id,
                course_id,
            },
            &auth,
        ),
        TimetableServiceClient::remove_course,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The weekly grid as SVG (days × hours, each course's name and room); same visibility as the timetable.
#[utoipa::path(get, path = "/api/v1/timetables/{id}/image.svg", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 200, description = "The picture", content_type = "image/svg+xml", body = String),
        NoSuchTimetable,
    ))]
pub async fn timetable_image(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let svg = call(
        &state.clients.timetables,
        authed(pb::RenderTimetableRequest { timetable_id: id }, &auth),
        TimetableServiceClient::render_timetable,
    )
    .await?
    .svg;
    let mut response = svg.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    // Who may see it depends on the caller: never share it from a cache.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    // Opened on its own, the picture may not run or fetch anything.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// The caller's primary timetable and friend list in one call; `semester` defaults to the current one
/// (January–June `YYYY-1`, July–December `YYYY-2`, Korean time).
#[utoipa::path(get, path = "/api/v1/me/timetable", tag = "timetable", params(SemesterQuery),
    responses(
        (status = 200, description = "The first screen", body = MyTimetableBody),
        BadSemester,
    ))]
pub async fn my_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SemesterQuery>,
) -> ApiResult<Json<MyTimetableBody>> {
    let request = authed(
        pb::GetMyTimetableRequest {
            semester: query.semester.unwrap_or_default(),
        },
        &auth,
    );
    let mine = call(
        &state.clients.timetables,
        request,
        TimetableServiceClient::get_my_timetable,
    )
    .await?;
    let timetable = mine.timetable;
    let friend_ids: Vec<i64> = mine
        .friends
        .into_iter()
        .map(|friend| friend.user_id)
        .collect();
    let names = Nicknames::fetch(
        &state,
        &auth,
        friend_ids
            .iter()
            .copied()
            .chain(timetable.as_ref().map(|t| t.owner_id)),
    )
    .await?;
    Ok(Json(MyTimetableBody {
        timetable: timetable.map(|timetable| timetable_body(timetable, &names)),
        friends: names.users(friend_ids),
    }))
}
