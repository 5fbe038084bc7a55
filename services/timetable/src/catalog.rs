//! The course catalog: importing sections and searching them.
//!
//! An import (the `ImportCoursesRequest` of an admin, or the demo catalog
//! loader through [`import_in`]) is validated whole by the rules of
//! [`crate::domain::course`] and written in one transaction; a bad course
//! imports nothing. The RPC checks, in order: the admin role, that the
//! courses come one way only (`courses` or `courses_json`), the school
//! (auth's `GetSchool`), then the semester, the count and each course in
//! order. Search pages by section code. [`CatalogFile`] is the JSON form
//! catalogs are kept in (`deploy/demo/`).

use std::collections::{HashMap, HashSet};

use everytime_common::{
    db::{self, PoolOptions},
    page,
    token::Caller,
    validate,
};
use everytime_proto::{auth::v1::GetSchoolRequest, timetable::v1 as pb};
use serde::Deserialize;
use sqlx::{PgConnection, PgExecutor, PgPool};
use tonic::Code;

use crate::{
    State,
    domain::{self, CourseInput, Day, SearchText, Semester},
    error::{Error, Result},
    store::courses::{self as store, CourseRow, SessionRow},
    store::timetables as timetable_store,
    wire,
};

/// `ImportCourses`: an admin's batch for a school auth knows, sent as
/// typed courses or as JSON values; how many courses were imported.
pub async fn import_courses(
    state: &State,
    caller: &Caller,
    request: pb::ImportCoursesRequest,
) -> Result<pb::ImportCoursesResponse> {
    if !caller.is_admin() {
        return Err(Error::AdminOnly);
    }
    let json = request
        .courses_json
        .map(|list| list.values)
        .unwrap_or_default();
    if !json.is_empty() && !request.courses.is_empty() {
        return Err(Error::field(
            "courses_json",
            "must be empty when courses is sent",
        ));
    }
    known_school(state, request.school_id).await?;
    let (semester, courses) = if json.is_empty() {
        domain::parse_import(&request.semester, &request.courses)
    } else {
        domain::parse_json_import(&request.semester, &json)
    }?;
    let mut tx = state.pool.begin().await?;
    let imported = write_import(&mut tx, request.school_id, &semester, courses).await?;
    tx.commit().await?;
    analyze(&state.pool).await;
    Ok(pb::ImportCoursesResponse {
        imported: i32::try_from(imported).unwrap_or(i32::MAX),
    })
}

/// Whether auth knows the school; schools are auth's, so the catalog
/// cannot tell an unknown id on its own.
async fn known_school(state: &State, school_id: i64) -> Result<()> {
    // No school has such an id: no need to ask.
    if school_id <= 0 {
        return Err(Error::UnknownSchool);
    }
    match state
        .auth
        .clone()
        .get_school(GetSchoolRequest { id: school_id })
        .await
    {
        Ok(_) => Ok(()),
        Err(status) if status.code() == Code::NotFound => Err(Error::UnknownSchool),
        Err(status) => Err(Error::AuthUnavailable(status)),
    }
}

/// `SearchCourses`: a page of the caller's school's courses of a
/// semester by code, optionally matching text and meeting on a day.
pub async fn search_courses(
    state: &State,
    caller: &Caller,
    request: pb::SearchCoursesRequest,
) -> Result<pb::SearchCoursesResponse> {
    let (semester, text, day, size) = validate::all((
        Semester::parse("semester", &request.semester),
        SearchText::parse(&request.query),
        request.day.map(|day| Day::from_pb("day", day)).transpose(),
        page::page_size(request.page_size),
    ))?;
    let scope = format!(
        "courses:{}:{}:{}:{}",
        caller.school_id,
        semester,
        text.as_ref().map_or("", SearchText::as_str),
        day.map_or("", Day::code)
    );
    let after: String = state
        .cursors
        .decode_opt(&scope, Some(&request.page_token))?
        .unwrap_or_default();
    let day_mask = day.map(Day::bit);
    let mut rows = match &text {
        None => {
            store::list_courses(
                &state.pool,
                caller.school_id,
                semester.as_str(),
                day_mask,
                &after,
                size + 1,
            )
            .await?
        }
        Some(text) => {
            let grams = domain::query_grams(caller.school_id, &semester, text);
            store::search_courses(
                &state.pool,
                caller.school_id,
                semester.as_str(),
                &grams,
                text.as_str(),
                day_mask,
                &after,
                size + 1,
            )
            .await?
        }
    };
    let next_page_token = page::finish_page(&state.cursors, &scope, &mut rows, size, |row| {
        row.code.clone()
    });
    Ok(pb::SearchCoursesResponse {
        courses: load_courses(&state.pool, rows).await?,
        next_page_token,
    })
}

/// Courses with their sessions: two queries whatever the count.
pub(crate) async fn load_courses(
    db: impl PgExecutor<'_>,
    rows: Vec<CourseRow>,
) -> Result<Vec<pb::Course>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let sessions = store::sessions_of(db, &ids).await?;
    Ok(wire::courses(rows, sessions))
}

/// Validates and upserts `courses` by (school, semester, code) in one
/// transaction; a bad course imports nothing. Returns how many courses were
/// imported.
///
/// A course that changes its sessions keeps its id; every timetable holding
/// it occupies the new times, and a timetable where the new times would
/// clash with another of its courses loses the changed course (a timetable
/// never holds a clash). Such removals are logged.
pub async fn import(
    pool: &PgPool,
    school_id: i64,
    semester: &str,
    courses: &[pb::CourseInput],
) -> Result<usize> {
    let mut tx = pool.begin().await?;
    let imported = import_in(&mut tx, school_id, semester, courses).await?;
    tx.commit().await?;
    analyze(pool).await;
    Ok(imported)
}

/// [`import`] inside the caller's transaction, which must commit it (and
/// should [`analyze`] afterwards).
///
/// Locks are taken in one order: the courses (by the upsert, by code),
/// then the timetables holding courses whose times changed (by id). Adds
/// take a course and then its timetable, so an add and an import never wait
/// on each other in a circle; an add racing an import either finishes
/// before the import touches its course, or waits and then copies the new
/// sessions.
pub async fn import_in(
    tx: &mut PgConnection,
    school_id: i64,
    semester: &str,
    courses: &[pb::CourseInput],
) -> Result<usize> {
    if school_id <= 0 {
        return Err(Error::field("school_id", "must be a school id"));
    }
    let (semester, courses) = domain::parse_import(semester, courses)?;
    write_import(tx, school_id, &semester, courses).await
}

/// Writes a validated batch (see [`import_in`] for the order of locks).
async fn write_import(
    tx: &mut PgConnection,
    school_id: i64,
    semester: &Semester,
    mut courses: Vec<CourseInput>,
) -> Result<usize> {
    // One order for every import, so two overlapping imports lock rows in
    // the same order and never deadlock.
    courses.sort_by(|a, b| a.code.cmp(&b.code));
    let keys: Vec<String> = courses
        .iter()
        .map(|course| domain::search_key(&course.name, &course.professor, &course.code))
        .collect();
    let grams: Vec<String> = keys
        .iter()
        .map(|key| domain::index_grams(school_id, semester, key).join("\u{1f}"))
        .collect();

    let upserted =
        store::upsert_courses(&mut *tx, school_id, semester, &courses, &keys, &grams).await?;
    let ids: HashMap<&str, (i64, bool)> = upserted
        .iter()
        .map(|row| (row.code.as_str(), (row.id, row.inserted)))
        .collect();

    let wanted: Vec<SessionRow> = courses
        .iter()
        .filter_map(|course| ids.get(course.code.as_str()).map(|(id, _)| (*id, course)))
        .flat_map(|(id, course)| {
            course.sessions.iter().map(move |session| SessionRow {
                course_id: id,
                day: session.slot.day.number(),
                start_minute: session.slot.start,
                end_minute: session.slot.end,
                room: session.room.clone(),
            })
        })
        .collect();
    let existing_ids: Vec<i64> = upserted
        .iter()
        .filter(|row| !row.inserted)
        .map(|row| row.id)
        .collect();
    let existing = store::sessions_of(&mut *tx, &existing_ids).await?;
    let by_course = |rows: &[SessionRow]| {
        let mut map: HashMap<i64, Vec<SessionRow>> = HashMap::new();
        for row in rows {
            map.entry(row.course_id).or_default().push(row.clone());
        }
        map
    };
    let (wanted_by_course, existing_by_course) = (by_course(&wanted), by_course(&existing));
    let changed: HashSet<i64> = upserted
        .iter()
        .filter(|row| {
            row.inserted || wanted_by_course.get(&row.id) != existing_by_course.get(&row.id)
        })
        .map(|row| row.id)
        .collect();
    let changed_ids: Vec<i64> = changed.iter().copied().collect();
    let changed_sessions: Vec<SessionRow> = wanted
        .into_iter()
        .filter(|row| changed.contains(&row.course_id))
        .collect();
    store::replace_sessions(&mut *tx, &changed_ids, &changed_sessions).await?;
    let retimed: Vec<i64> = upserted
        .iter()
        .filter(|row| !row.inserted && changed.contains(&row.id))
        .map(|row| row.id)
        .collect();
    if !retimed.is_empty() {
        // No add can put a retimed course into another timetable now (we
        // hold the course rows), and with the timetables locked no add can
        // write slots into them until we commit.
        timetable_store::lock_timetables_holding(&mut *tx, &retimed).await?;
        for (timetable_id, course_id) in timetable_store::reslot_courses(&mut *tx, &retimed).await?
        {
            tracing::warn!(
                timetable_id,
                course_id,
                "the course's new times clash in this timetable; it was taken out"
            );
        }
    }
    tracing::info!(school_id, semester = %semester, courses = courses.len(), changed = changed.len(), "courses imported");
    Ok(courses.len())
}

/// Refreshes the planner's statistics after an import, so it knows which
/// search grams are rare and answers a rare one from the GIN index instead
/// of walking the semester by code. Imports are rare; this costs tens of
/// milliseconds. A failure is only logged.
pub async fn analyze(pool: &PgPool) {
    if let Err(error) = store::analyze_courses(pool).await {
        tracing::warn!(%error, "cannot analyze courses after an import");
    }
}

/// A pool on the timetable schema of `database_url`, migrated: for callers
/// outside the service (tests that import a catalog file directly).
pub async fn connect(database_url: &str) -> Result<PgPool, sqlx::Error> {
    let options = PoolOptions {
        max_connections: 2,
        ..PoolOptions::default()
    };
    db::connect_and_migrate(database_url, crate::SCHEMA, &options, &crate::MIGRATOR).await
}

/// How many courses a school has for a semester.
pub async fn course_count(pool: &PgPool, school_id: i64, semester: &str) -> Result<i64> {
    store::count_courses(pool, school_id, semester).await
}

/// A catalog file: the body of `POST /api/v1/admin/courses`, with the
/// school named rather than numbered (ids belong to auth and differ from
/// one database to the next).
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogFile {
    /// The school's name, e.g. `서울대학교`.
    pub school: String,
    /// The semester it was written for.
    pub semester: String,
    /// The sections.
    pub courses: Vec<CourseJson>,
}

/// A `CourseInput` of the REST API.
#[derive(Debug, Clone, Deserialize)]
pub struct CourseJson {
    pub code: String,
    pub name: String,
    pub professor: String,
    pub credits: i32,
    pub sessions: Vec<SessionJson>,
}

/// A session of a `CourseInput`: `day` is `MON` ... `SUN`.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionJson {
    pub day: String,
    pub start: String,
    pub end: String,
    pub room: String,
}

impl CatalogFile {
    /// Parses a catalog file.
    pub fn from_json(json: &str) -> Result<CatalogFile, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The courses as [`import`] takes them. An unknown day becomes
    /// `DAY_UNSPECIFIED`, which the import refuses naming the field.
    pub fn courses(&self) -> Vec<pb::CourseInput> {
        self.courses
            .iter()
            .map(|course| pb::CourseInput {
                code: course.code.clone(),
                name: course.name.clone(),
                professor: course.professor.clone(),
                credits: course.credits,
                sessions: course
                    .sessions
                    .iter()
                    .map(|session| pb::ClassSession {
                        day: Day::from_code(&session.day)
                            .map_or(pb::Day::Unspecified, Day::to_pb)
                            .into(),
                        start: session.start.clone(),
                        end: session.end.clone(),
                        room: session.room.clone(),
                    })
                    .collect(),
            })
            .collect()
    }
}
