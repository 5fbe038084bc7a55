//! Timetables: creating, renaming, sharing and deleting them, the one
//! primary timetable of each semester, adding and removing courses, and the
//! picture.
//!
//! A timetable never holds two courses that clash: an add occupies the
//! course's sessions in `timetable_slots`, whose exclusion constraint
//! refuses an overlap even against a concurrent add; the loser learns which
//! courses are in the way (`time_conflict`). Reading someone else's
//! timetable follows its visibility, and what the caller may not see is
//! `NOT_FOUND`, exactly like what does not exist.

use std::collections::HashMap;

use everytime_common::{db, token::Caller, validate};
use everytime_proto::timetable::v1 as pb;
use sqlx::PgConnection;

use crate::{
    State, custom_entries,
    domain::{
        CustomEntryInput, Semester, TimetableName, Viewer, Visibility,
        limits::{ADD_ATTEMPTS, MAX_ENTRIES_PER_TIMETABLE, MAX_TIMETABLES_PER_SEMESTER},
    },
    error::{Error, Result, lost_race},
    render,
    store::{
        courses as course_store,
        custom_entries::{self as entry_store, Times},
        friends as friend_store,
        timetables::{self as store, SLOTS_NO_OVERLAP, TimetableRow},
    },
    wire,
};

/// `ListTimetables`: the caller's own, of one semester or of all.
pub async fn list_timetables(
    state: &State,
    caller: &Caller,
    request: pb::ListTimetablesRequest,
) -> Result<pb::ListTimetablesResponse> {
    let semester = match request.semester.as_deref().map(str::trim) {
        Some(semester) if !semester.is_empty() => Some(Semester::parse("semester", semester)?),
        _ => None,
    };
    let mut db = state.pool.acquire().await?;
    let rows = store::timetables_of_owner(
        &mut *db,
        caller.user_id,
        semester.as_ref().map(Semester::as_str),
    )
    .await?;
    Ok(pb::ListTimetablesResponse {
        timetables: load_timetables(&mut db, rows).await?,
    })
}

/// `CreateTimetable`: the first of a semester is its primary; without a
/// name it is the first free `시간표 n`.
pub async fn create_timetable(
    state: &State,
    caller: &Caller,
    request: pb::CreateTimetableRequest,
) -> Result<pb::CreateTimetableResponse> {
    let (semester, name) = validate::all((
        Semester::parse("semester", &request.semester),
        request
            .name
            .as_deref()
            .map(TimetableName::parse)
            .transpose(),
    ))?;
    let mut tx = state.pool.begin().await?;
    let row = insert_new(&mut tx, caller, &semester, name).await?;
    let timetable = load_timetable(&mut tx, row).await?;
    tx.commit().await?;
    Ok(pb::CreateTimetableResponse {
        timetable: Some(timetable),
    })
}

/// `CopyTimetable`: a new timetable of the caller's with the courses and
/// custom entries of one they may read (their own or someone else's),
/// same semester.
pub async fn copy_timetable(
    state: &State,
    caller: &Caller,
    request: pb::CopyTimetableRequest,
) -> Result<pb::CopyTimetableResponse> {
    let name = request
        .name
        .as_deref()
        .map(TimetableName::parse)
        .transpose()?;
    let source = readable(
        &mut *state.pool.acquire().await?,
        caller,
        request.timetable_id,
    )
    .await?;
    let semester = Semester::parse("semester", &source.semester)?;
    let mut tx = state.pool.begin().await?;
    let row = insert_new(&mut tx, caller, &semester, name).await?;
    // After the caller's own lock: the source's share lock waits for adds
    // to it, which take no owner lock, so the two locks never wait in a circle.
    if !entry_store::share_timetable(&mut tx, source.id).await? {
        return Err(Error::NotFound("timetable"));
    }
    entry_store::copy_courses(&mut tx, source.id, row.id).await?;
    let entries = entry_store::entries_of_timetables(&mut *tx, &[source.id]).await?;
    // Bounded by the entries a timetable may hold.
    for (entry, slots) in entries {
        let times: Times = slots
            .iter()
            .map(|slot| (slot.day, slot.start_minute, slot.end_minute))
            .collect();
        let entry_id =
            entry_store::insert_entry(&mut tx, row.id, &entry.name, &entry.place, &entry.memo)
                .await?;
        entry_store::insert_entry_slots(&mut tx, row.id, entry_id, &times).await?;
    }
    let timetable = load_timetable(&mut tx, row).await?;
    tx.commit().await?;
    Ok(pb::CopyTimetableResponse {
        timetable: Some(timetable),
    })
}

/// Creates a timetable of the caller's under their lock: at most
/// [`MAX_TIMETABLES_PER_SEMESTER`] a semester, named the first free
/// `시간표 n` unless named, primary when it is the semester's first.
async fn insert_new(
    tx: &mut sqlx::PgConnection,
    caller: &Caller,
    semester: &Semester,
    name: Option<TimetableName>,
) -> Result<TimetableRow> {
    store::lock_owner(tx, caller.user_id).await?;
    let names = store::timetable_names(tx, caller.user_id, semester.as_str()).await?;
    if i64::try_from(names.len()).unwrap_or(i64::MAX) >= MAX_TIMETABLES_PER_SEMESTER {
        return Err(Error::TooManyTimetables);
    }
    let name = name.unwrap_or_else(|| {
        (1..)
            .map(TimetableName::default_nth)
            .find(|candidate| !names.iter().any(|taken| taken == candidate.as_str()))
            .unwrap_or_else(|| TimetableName::default_nth(names.len() + 1))
    });
    let is_primary = store::primary_timetable(&mut *tx, caller.user_id, semester.as_str())
        .await?
        .is_none();
    store::insert_timetable(
        tx,
        caller.user_id,
        caller.school_id,
        semester.as_str(),
        name.as_str(),
        is_primary,
    )
    .await
}

/// `GetTimetable`: one the caller may read.
pub async fn get_timetable(
    state: &State,
    caller: &Caller,
    request: pb::GetTimetableRequest,
) -> Result<pb::GetTimetableResponse> {
    let mut db = state.pool.acquire().await?;
    let row = readable(&mut db, caller, request.timetable_id).await?;
    Ok(pb::GetTimetableResponse {
        timetable: Some(load_timetable(&mut db, row).await?),
    })
}

/// `UpdateTimetable`: renames, shares, or makes primary one the caller owns.
pub async fn update_timetable(
    state: &State,
    caller: &Caller,
    request: pb::UpdateTimetableRequest,
) -> Result<pb::UpdateTimetableResponse> {
    let (name, visibility) = validate::all((
        request
            .name
            .as_deref()
            .map(TimetableName::parse)
            .transpose(),
        request.visibility.map(Visibility::from_pb).transpose(),
    ))?;

    let (mut tx, row) = owned_under_lock(state, caller, request.timetable_id).await?;
    match request.is_primary {
        Some(false) if row.is_primary => return Err(Error::PrimaryRequired),
        Some(true) if !row.is_primary => {
            store::make_primary(&mut tx, row.id, row.owner_id, &row.semester).await?;
        }
        _ => {}
    }
    if name.is_some() || visibility.is_some() {
        store::update_timetable(
            &mut tx,
            row.id,
            name.as_ref().map(TimetableName::as_str),
            visibility.map(Visibility::as_str),
        )
        .await?;
    }
    let row = store::timetable(&mut *tx, row.id)
        .await?
        .ok_or(Error::NotFound("timetable"))?;
    let timetable = load_timetable(&mut tx, row).await?;
    tx.commit().await?;
    Ok(pb::UpdateTimetableResponse {
        timetable: Some(timetable),
    })
}

/// `DeleteTimetable`: deleting the primary promotes the oldest other.
pub async fn delete_timetable(
    state: &State,
    caller: &Caller,
    request: pb::DeleteTimetableRequest,
) -> Result<pb::DeleteTimetableResponse> {
    let (mut tx, row) = owned_under_lock(state, caller, request.timetable_id).await?;
    store::delete_timetable(&mut tx, row.id).await?;
    if row.is_primary {
        store::promote_oldest(&mut tx, row.owner_id, &row.semester).await?;
    }
    tx.commit().await?;
    Ok(pb::DeleteTimetableResponse {})
}

/// `AddCourse`: a course of the timetable's school and semester that
/// clashes with none of its courses. An add that loses a race to a
/// concurrent one tries again, [`ADD_ATTEMPTS`] times in all.
pub async fn add_course(
    state: &State,
    caller: &Caller,
    request: pb::AddCourseRequest,
) -> Result<pb::AddCourseResponse> {
    let timetable = owned(state, caller, request.timetable_id).await?;
    let course = course_store::course(&state.pool, request.course_id)
        .await?
        .ok_or(Error::NotFound("course"))?;
    if course.school_id != timetable.school_id {
        return Err(Error::WrongSchool);
    }
    if course.semester != timetable.semester {
        return Err(Error::WrongSemester);
    }
    Ok(pb::AddCourseResponse {
        timetable: Some(occupy(state, timetable.id, Occupant::Course(course.id)).await?),
    })
}

/// What an add puts in a timetable: a course of the catalog, or a custom
/// entry (직접 추가). Both occupy `timetable_slots`, whose exclusion
/// constraint keeps everything in a timetable apart.
pub(crate) enum Occupant<'a> {
    Course(i64),
    Entry(&'a CustomEntryInput),
}

impl Occupant<'_> {
    /// The weekly times it occupies, for naming what is in the way.
    async fn times(&self, state: &State) -> Result<Times> {
        Ok(match self {
            Occupant::Course(course_id) => course_store::sessions_of(&state.pool, &[*course_id])
                .await?
                .into_iter()
                .map(|session| (session.day, session.start_minute, session.end_minute))
                .collect(),
            Occupant::Entry(entry) => custom_entries::times_of(&entry.slots),
        })
    }

    /// One try's statements in `tx`: `Err` for what ends the add, `Ok` with
    /// the result of occupying the time, which [`occupy`] judges.
    async fn insert(
        &self,
        tx: &mut sqlx::PgConnection,
        timetable_id: i64,
    ) -> Result<Result<(), sqlx::Error>> {
        match self {
            Occupant::Course(course_id) => {
                // The course first: an import changing its sessions then
                // either waits for this add (and re-slots the course here
                // too) or has finished, and the slots copy its new sessions.
                if !course_store::lock_course(tx, *course_id).await? {
                    return Err(Error::NotFound("course"));
                }
                if !store::lock_timetable(tx, timetable_id).await? {
                    return Err(Error::NotFound("timetable"));
                }
                if !store::insert_timetable_course(tx, timetable_id, *course_id).await? {
                    return Err(Error::AlreadyAdded);
                }
                Ok(store::insert_slots(tx, timetable_id, *course_id).await)
            }
            Occupant::Entry(entry) => {
                if !store::lock_timetable(tx, timetable_id).await? {
                    return Err(Error::NotFound("timetable"));
                }
                if entry_store::entry_count(tx, timetable_id).await? >= MAX_ENTRIES_PER_TIMETABLE {
                    return Err(Error::TooManyEntries);
                }
                let entry_id = entry_store::insert_entry(
                    tx,
                    timetable_id,
                    &entry.name,
                    &entry.place,
                    &entry.memo,
                )
                .await?;
                let times = custom_entries::times_of(&entry.slots);
                Ok(entry_store::insert_entry_slots(tx, timetable_id, entry_id, &times).await)
            }
        }
    }
}

/// Puts `occupant` in a timetable and answers with the timetable. A clash
/// is `time_conflict` naming the courses and entries in the way; an add
/// that loses a race to a concurrent one tries again, [`ADD_ATTEMPTS`]
/// times in all.
pub(crate) async fn occupy(
    state: &State,
    timetable_id: i64,
    occupant: Occupant<'_>,
) -> Result<pb::Timetable> {
    for _ in 0..ADD_ATTEMPTS {
        let mut tx = state.pool.begin().await?;
        match occupant.insert(&mut tx, timetable_id).await? {
            Ok(()) => {
                let row = store::timetable(&mut *tx, timetable_id)
                    .await?
                    .ok_or(Error::NotFound("timetable"))?;
                let timetable = load_timetable(&mut tx, row).await?;
                tx.commit().await?;
                return Ok(timetable);
            }
            Err(error) if db::constraint(&error) == Some(SLOTS_NO_OVERLAP) => {
                tx.rollback().await?;
                let times = occupant.times(state).await?;
                if let Some(conflict) =
                    custom_entries::conflict_with(state, timetable_id, &times).await?
                {
                    return Err(Error::TimeConflict(conflict));
                }
                // What was in the way left again before we looked: try once more.
            }
            Err(error) if lost_race(&error) => {
                tx.rollback().await?;
                tracing::debug!(%error, "an add lost a race; trying again");
            }
            Err(error) => return Err(error.into()),
        }
    }
    tracing::warn!(
        timetable_id,
        "an add lost every race; the client is asked to try again"
    );
    Err(Error::AddContended)
}

/// `RemoveCourse`: frees the course's time in a timetable the caller owns.
pub async fn remove_course(
    state: &State,
    caller: &Caller,
    request: pb::RemoveCourseRequest,
) -> Result<pb::RemoveCourseResponse> {
    let timetable = owned(state, caller, request.timetable_id).await?;
    if !store::delete_timetable_course(&state.pool, timetable.id, request.course_id).await? {
        return Err(Error::NotFound("course"));
    }
    Ok(pb::RemoveCourseResponse {})
}

/// `RenderTimetable`: the picture of one the caller may read.
pub async fn render_timetable(
    state: &State,
    caller: &Caller,
    request: pb::RenderTimetableRequest,
) -> Result<pb::RenderTimetableResponse> {
    let mut db = state.pool.acquire().await?;
    let row = readable(&mut db, caller, request.timetable_id).await?;
    let added = store::course_ids_by_addition(&mut *db, row.id).await?;
    let timetable = load_timetable(&mut db, row).await?;
    Ok(pb::RenderTimetableResponse {
        svg: render::svg(&timetable, &added),
    })
}

/// `GetPrimaryTimetable`: the caller's, of a semester (the current one
/// when none is given); absent until there is one.
pub async fn get_primary_timetable(
    state: &State,
    caller: &Caller,
    request: pb::GetPrimaryTimetableRequest,
) -> Result<pb::GetPrimaryTimetableResponse> {
    let semester = Semester::parse_or_current("semester", &request.semester)?;
    let mut db = state.pool.acquire().await?;
    Ok(pb::GetPrimaryTimetableResponse {
        timetable: primary(&mut db, caller.user_id, &semester).await?,
    })
}

/// `GetMyTimetable`: the caller's first screen, their primary timetable
/// of a semester (if any) and their friends, on one connection: one
/// statement finds both, then the timetable's courses and entries are
/// loaded (three statements in all).
pub async fn get_my_timetable(
    state: &State,
    caller: &Caller,
    request: pb::GetMyTimetableRequest,
) -> Result<pb::GetMyTimetableResponse> {
    let semester = Semester::parse_or_current("semester", &request.semester)?;
    let mut db = state.pool.acquire().await?;
    let (row, friends) =
        store::primary_timetable_and_friends(&mut *db, caller.user_id, semester.as_str()).await?;
    let timetable = match row {
        Some(row) => Some(load_timetable(&mut db, row).await?),
        None => None,
    };
    Ok(pb::GetMyTimetableResponse {
        timetable,
        friends: friends.into_iter().map(wire::friend).collect(),
    })
}

/// `owner_id`'s primary timetable of `semester`, loaded, if there is one.
async fn primary(
    db: &mut PgConnection,
    owner_id: i64,
    semester: &Semester,
) -> Result<Option<pb::Timetable>> {
    match store::primary_timetable(&mut *db, owner_id, semester.as_str()).await? {
        Some(row) => Ok(Some(load_timetable(db, row).await?)),
        None => Ok(None),
    }
}

/// Timetables with their courses and custom entries: at most three
/// queries whatever the count, one after another on `db` (a connection
/// taken from the pool once costs less than a round trip to take and
/// give back each of three).
pub(crate) async fn load_timetables(
    db: &mut PgConnection,
    rows: Vec<TimetableRow>,
) -> Result<Vec<pb::Timetable>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let held = store::courses_of_timetables(&mut *db, &ids).await?;
    let entries = custom_entries::entries_of_timetables(db, &ids).await?;
    let mut by_timetable: HashMap<i64, (Vec<pb::Course>, Vec<pb::CustomEntry>)> = HashMap::new();
    for row in held {
        let course = wire::course(row.course, row.sessions);
        by_timetable
            .entry(row.timetable_id)
            .or_default()
            .0
            .push(course);
    }
    for (timetable_id, entry) in entries {
        by_timetable.entry(timetable_id).or_default().1.push(entry);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let (courses, entries) = by_timetable.remove(&row.id).unwrap_or_default();
            wire::timetable(row, courses, entries)
        })
        .collect())
}

/// One timetable with its courses.
pub(crate) async fn load_timetable(
    db: &mut PgConnection,
    row: TimetableRow,
) -> Result<pb::Timetable> {
    load_timetables(db, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound("timetable"))
}

/// Whether `caller` may read `row`.
async fn may_read(db: &mut PgConnection, caller: &Caller, row: &TimetableRow) -> Result<bool> {
    let visibility = Visibility::from_name(&row.visibility);
    let mut viewer = Viewer {
        is_owner: row.owner_id == caller.user_id,
        is_friend: false,
        same_school: row.school_id == caller.school_id,
    };
    if visibility.allows(viewer) {
        return Ok(true);
    }
    if visibility == Visibility::Private {
        return Ok(false);
    }
    viewer.is_friend = friend_store::are_friends(db, caller.user_id, row.owner_id).await?;
    Ok(visibility.allows(viewer))
}

/// A timetable the caller may read; `NOT_FOUND` otherwise.
async fn readable(db: &mut PgConnection, caller: &Caller, id: i64) -> Result<TimetableRow> {
    let row = store::timetable(&mut *db, id)
        .await?
        .ok_or(Error::NotFound("timetable"))?;
    if may_read(db, caller, &row).await? {
        Ok(row)
    } else {
        Err(Error::NotFound("timetable"))
    }
}

/// A timetable the caller owns: `NOT_FOUND` when they may not even read
/// it, `PERMISSION_DENIED` when they may read but not change it.
pub(crate) async fn owned(state: &State, caller: &Caller, id: i64) -> Result<TimetableRow> {
    let row = readable(&mut *state.pool.acquire().await?, caller, id).await?;
    if row.owner_id == caller.user_id {
        Ok(row)
    } else {
        Err(Error::NotOwner)
    }
}

/// [`owned`], then read again in a transaction holding the owner's lock:
/// a concurrent change may have moved the primary meanwhile.
async fn owned_under_lock(
    state: &State,
    caller: &Caller,
    id: i64,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, TimetableRow)> {
    let found = owned(state, caller, id).await?;
    let mut tx = state.pool.begin().await?;
    store::lock_owner(&mut tx, caller.user_id).await?;
    let row = store::timetable(&mut *tx, found.id)
        .await?
        .ok_or(Error::NotFound("timetable"))?;
    Ok((tx, row))
}
