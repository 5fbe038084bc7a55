//! 직접 추가: blocks of a timetable owner's own (a study group, a part-time
//! job), which clash exactly like courses.
//!
//! An entry's sessions are its rows in `timetable_slots`, beside the
//! courses', so the one exclusion constraint refuses every overlap, also
//! between a course add and an entry add that race: the second insert waits
//! for the first and fails, and the loser learns what is in the way
//! (`time_conflict`, courses and entries both).

use everytime_common::token::Caller;
use everytime_proto::timetable::v1 as pb;
use sqlx::{PgConnection, PgExecutor};

use crate::{
    State, catalog,
    domain::{CustomEntryInput, Slot},
    error::{Error, Result},
    store::{
        courses as course_store,
        custom_entries::{self as store, EntryRow, Times},
    },
    timetables::{Occupant, occupy, owned},
    wire,
};

/// `AddCustomEntry`: an entry that clashes with nothing in the timetable
/// (see [`occupy`]).
pub async fn add_custom_entry(
    state: &State,
    caller: &Caller,
    request: pb::AddCustomEntryRequest,
) -> Result<pb::AddCustomEntryResponse> {
    let entry = CustomEntryInput::parse(&request)?;
    let timetable = owned(state, caller, request.timetable_id).await?;
    Ok(pb::AddCustomEntryResponse {
        timetable: Some(occupy(state, timetable.id, Occupant::Entry(&entry)).await?),
    })
}

/// `RemoveCustomEntry`: frees the entry's time in a timetable the caller owns.
pub async fn remove_custom_entry(
    state: &State,
    caller: &Caller,
    request: pb::RemoveCustomEntryRequest,
) -> Result<pb::RemoveCustomEntryResponse> {
    let timetable = owned(state, caller, request.timetable_id).await?;
    if !store::delete_entry(&state.pool, timetable.id, request.entry_id).await? {
        return Err(Error::NotFound("custom_entry"));
    }
    Ok(pb::RemoveCustomEntryResponse {})
}

/// What of a timetable a new course or entry occupying `times` clashes
/// with, or `None` when nothing does (any more).
pub(crate) async fn conflict_with(
    state: &State,
    timetable_id: i64,
    times: &Times,
) -> Result<Option<pb::TimeConflict>> {
    let (course_ids, entry_ids) = store::clashing(&state.pool, timetable_id, times).await?;
    if course_ids.is_empty() && entry_ids.is_empty() {
        return Ok(None);
    }
    let (courses, entries) = tokio::try_join!(
        course_store::courses(&state.pool, &course_ids),
        load_entries(state, &entry_ids),
    )?;
    Ok(Some(pb::TimeConflict {
        conflicts: catalog::load_courses(&state.pool, courses).await?,
        custom_entries: entries.into_iter().map(|(_, entry)| entry).collect(),
    }))
}

/// Entries by id with their sessions, each with its timetable's id.
async fn load_entries(state: &State, ids: &[i64]) -> Result<Vec<(i64, pb::CustomEntry)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = store::entries(&state.pool, ids).await?;
    with_sessions(&state.pool, rows).await
}

/// The entries of these timetables with their sessions, each with its
/// timetable's id, by timetable and in the order added: one query whatever
/// the count.
pub(crate) async fn entries_of_timetables(
    db: &mut PgConnection,
    timetable_ids: &[i64],
) -> Result<Vec<(i64, pb::CustomEntry)>> {
    let rows = store::entries_of_timetables(db, timetable_ids).await?;
    Ok(rows
        .into_iter()
        .map(|(row, slots)| (row.timetable_id, wire::custom_entry(row, slots)))
        .collect())
}

async fn with_sessions(
    db: impl PgExecutor<'_>,
    rows: Vec<EntryRow>,
) -> Result<Vec<(i64, pb::CustomEntry)>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let slots = store::slots_of(db, &ids).await?;
    Ok(wire::custom_entries(rows, slots))
}

/// Slots as the parallel arrays the queries bind.
pub(crate) fn times_of(slots: &[Slot]) -> Times {
    slots
        .iter()
        .map(|slot| (slot.day.number(), slot.start, slot.end))
        .collect()
}
