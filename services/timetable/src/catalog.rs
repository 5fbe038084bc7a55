//! The course catalog: importing sections (the `ImportCourses` RPC and the
//! demo catalog loader share [`import_in`]) and the JSON form catalogs are
//! kept in (`deploy/demo/`).

use std::collections::{HashMap, HashSet};

use everytime_common::db::{self, PoolOptions};
use everytime_proto::timetable::v1 as pb;
use serde::Deserialize;
use sqlx::{PgConnection, PgPool};

use crate::{
    domain::{self, Day},
    error::{Error, Result},
    store::{self, SessionRow},
};

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
    let (semester, mut courses) = domain::parse_import(semester, courses)?;
    // One order for every import, so two overlapping imports lock rows in
    // the same order and never deadlock.
    courses.sort_by(|a, b| a.code.cmp(&b.code));
    let keys: Vec<String> = courses
        .iter()
        .map(|course| domain::search_key(&course.name, &course.professor, &course.code))
        .collect();
    let grams: Vec<String> = keys
        .iter()
        .map(|key| domain::index_grams(school_id, &semester, key).join("\u{1f}"))
        .collect();

    let upserted =
        store::upsert_courses(&mut *tx, school_id, &semester, &courses, &keys, &grams).await?;
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
        store::lock_timetables_holding(&mut *tx, &retimed).await?;
        for (timetable_id, course_id) in store::reslot_courses(&mut *tx, &retimed).await? {
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
