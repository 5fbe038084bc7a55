//! 직접 추가 (custom entries) and copying a timetable.

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::timetable::v1::{
    self as pb, timetable_service_client::TimetableServiceClient,
};

use super::{
    AddCustomEntryBody, CopyTimetableBody, NoSuchTimetable, NotYourTimetable, TimetableBody,
    day_value, named_timetable, problem,
};
use crate::{
    error::{ApiResult, required},
    extract::{ApiJson, ApiPath, Auth, OptionalJson},
    openapi::problems,
    state::{AppState, authed, call},
};

problems! {
    BadCustomEntry = (400, "A bad `name` (1–40), `place` (0–40), `memo` (0–200) or `sessions` (1–10, each a valid `day`, `start` and `end`, none overlapping another), or `too_many_custom_entries` (30 in the timetable)");
    EntryNotAdded = (409, "`time_conflict` (with `conflicts`: the courses and custom entries in the way, never empty), or `add_contended` (the timetable kept changing during the add; try again)");
    EntryNotInTimetable = (404, "No such timetable, or the custom entry is not in it");
    CopyRefused = (400, "A bad name, or 20 timetables in the semester already");
}

/// 직접 추가: a block of the caller's own. It clashes like a course: `409 time_conflict` with `conflicts` listing the courses and custom entries in the way.
#[utoipa::path(post, path = "/api/v1/timetables/{id}/custom-entries", tag = "timetable", request_body = AddCustomEntryBody,
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 201, description = "The timetable with the entry", body = TimetableBody),
        BadCustomEntry,
        NotYourTimetable,
        NoSuchTimetable,
        EntryNotAdded,
    ))]
pub async fn add_custom_entry(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AddCustomEntryBody>,
) -> ApiResult<(StatusCode, Json<TimetableBody>)> {
    let added = call(
        &state.clients.timetables,
        authed(
            pb::AddCustomEntryRequest {
                timetable_id: id,
                name: body.name,
                place: body.place.unwrap_or_default(),
                memo: body.memo.unwrap_or_default(),
                sessions: body
                    .sessions
                    .into_iter()
                    .map(|session| pb::CustomEntrySession {
                        day: day_value(&session.day),
                        start: session.start,
                        end: session.end,
                    })
                    .collect(),
            },
            &auth,
        ),
        TimetableServiceClient::add_custom_entry,
    )
    .await
    .map_err(problem)?
    .timetable;
    let timetable = required(added, "AddCustomEntry")?;
    Ok((
        StatusCode::CREATED,
        Json(named_timetable(&state, &auth, timetable).await?),
    ))
}

/// Removes a custom entry.
#[utoipa::path(delete, path = "/api/v1/timetables/{id}/custom-entries/{entry_id}", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable"), ("entry_id" = i64, Path, description = "The custom entry")),
    responses(
        (status = 204, description = "Removed"),
        NotYourTimetable,
        EntryNotInTimetable,
    ))]
pub async fn remove_custom_entry(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, entry_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.timetables,
        authed(
            pb::RemoveCustomEntryRequest {
                timetable_id: id,
                entry_id,
            },
            &auth,
        ),
        TimetableServiceClient::remove_custom_entry,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copies a timetable the caller may see (their own, a friend's shared one, or a public one of their school) into a new timetable of theirs: same semester, courses and custom entries. It is primary when it is the semester's first.
#[utoipa::path(post, path = "/api/v1/timetables/{id}/copy", tag = "timetable", request_body = Option<CopyTimetableBody>,
    params(("id" = i64, Path, description = "The timetable to copy")),
    responses(
        (status = 201, description = "The caller's new timetable", body = TimetableBody),
        CopyRefused,
        NoSuchTimetable,
    ))]
pub async fn copy_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    OptionalJson(body): OptionalJson<CopyTimetableBody>,
) -> ApiResult<(StatusCode, Json<TimetableBody>)> {
    let copied = call(
        &state.clients.timetables,
        authed(
            pb::CopyTimetableRequest {
                timetable_id: id,
                name: body.unwrap_or_default().name,
            },
            &auth,
        ),
        TimetableServiceClient::copy_timetable,
    )
    .await?
    .timetable;
    let timetable = required(copied, "CopyTimetable")?;
    Ok((
        StatusCode::CREATED,
        Json(named_timetable(&state, &auth, timetable).await?),
    ))
}
