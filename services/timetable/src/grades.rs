//! 학점계산기: each user's courses and grades per semester, what they add
//! up to, and the credits the user aims at.
//!
//! A semester is replaced whole (`PutGradeSemester`, 0–30 courses); one
//! without courses is not kept, so it disappears from the record. The
//! arithmetic is exact ([`crate::domain::grade`]). Filling a semester from
//! the primary timetable adds the timetable's courses the semester does not
//! list yet (by name), without grades, so doing it twice changes nothing
//! and grades already entered stay; custom entries are not courses and
//! are skipped, as are courses of 0 or more than 10 credits, which the
//! calculator cannot hold. Every change runs under the user's lock.

use everytime_common::token::Caller;
use everytime_proto::timetable::v1 as pb;

use crate::{
    State,
    domain::{
        Semester,
        grade::{self, Grade, GradeCourse},
        limits::{GRADE_COURSES_MAX, GRADE_HALF_CREDITS, MAX_GRADE_SEMESTERS},
    },
    error::{Error, Result},
    store::grades::{self as store, GradeCourseRow},
    wire,
};

/// `GetGrades`: the caller's whole record.
pub async fn get_grades(
    state: &State,
    caller: &Caller,
    _request: pb::GetGradesRequest,
) -> Result<pb::GetGradesResponse> {
    Ok(pb::GetGradesResponse {
        record: Some(record(state, caller.user_id).await?),
    })
}

/// `PutGradeSemester`: replaces one semester's courses.
pub async fn put_grade_semester(
    state: &State,
    caller: &Caller,
    request: pb::PutGradeSemesterRequest,
) -> Result<pb::PutGradeSemesterResponse> {
    let (semester, courses) = everytime_common::validate::all((
        Semester::parse("semester", &request.semester),
        GradeCourse::parse_all(&request.courses),
    ))?;
    let mut tx = state.pool.begin().await?;
    store::lock_user(&mut tx, caller.user_id).await?;
    replace(&mut tx, caller.user_id, &semester, &courses).await?;
    tx.commit().await?;
    Ok(pb::PutGradeSemesterResponse {
        semester: Some(wire::grade_semester(semester.as_str(), &courses)),
    })
}

/// `SetTargetCredits`: the credits the caller aims at.
pub async fn set_target_credits(
    state: &State,
    caller: &Caller,
    request: pb::SetTargetCreditsRequest,
) -> Result<pb::SetTargetCreditsResponse> {
    let target = grade::target_credits(request.target_credits)?;
    store::set_target(&state.pool, caller.user_id, target).await?;
    Ok(pb::SetTargetCreditsResponse {
        record: Some(record(state, caller.user_id).await?),
    })
}

/// `FillGradesFromTimetable`: adds the primary timetable's courses the
/// semester does not list yet.
pub async fn fill_grades_from_timetable(
    state: &State,
    caller: &Caller,
    request: pb::FillGradesFromTimetableRequest,
) -> Result<pb::FillGradesFromTimetableResponse> {
    let semester = Semester::parse("semester", &request.semester)?;
    let mut tx = state.pool.begin().await?;
    store::lock_user(&mut tx, caller.user_id).await?;
    let from_timetable =
        store::primary_timetable_courses(&mut tx, caller.user_id, semester.as_str())
            .await?
            .ok_or(Error::NotFound("timetable"))?;
    let mut courses = courses_of_rows(
        store::courses_of(&mut *tx, caller.user_id, Some(semester.as_str())).await?,
    );
    let before = courses.len();
    for row in from_timetable {
        let half_credits = row.credits.saturating_mul(2);
        let listed = courses.iter().any(|course| course.name == row.name);
        if listed || !GRADE_HALF_CREDITS.contains(&half_credits) {
            continue;
        }
        courses.push(GradeCourse {
            name: row
                .name
                .chars()
                .take(crate::domain::limits::GRADE_COURSE_NAME_MAX)
                .collect(),
            half_credits,
            grade: None,
            major: false,
        });
    }
    if courses.len() > GRADE_COURSES_MAX {
        return Err(Error::field(
            "courses",
            format!("the semester would hold more than {GRADE_COURSES_MAX} courses"),
        ));
    }
    if courses.len() != before {
        replace(&mut tx, caller.user_id, &semester, &courses).await?;
        tx.commit().await?;
    }
    Ok(pb::FillGradesFromTimetableResponse {
        semester: Some(wire::grade_semester(semester.as_str(), &courses)),
    })
}

/// Replaces the semester's courses; a semester that would be one too many
/// is refused.
async fn replace(
    tx: &mut sqlx::PgConnection,
    user_id: i64,
    semester: &Semester,
    courses: &[GradeCourse],
) -> Result<()> {
    if !courses.is_empty()
        && store::other_semester_count(tx, user_id, semester.as_str()).await? >= MAX_GRADE_SEMESTERS
    {
        return Err(Error::TooManySemesters);
    }
    store::delete_semester(tx, user_id, semester.as_str()).await?;
    if courses.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = courses.iter().map(|course| course.name.clone()).collect();
    let halves: Vec<i16> = courses
        .iter()
        .map(|course| i16::try_from(course.half_credits).unwrap_or(i16::MAX))
        .collect();
    let grades: Vec<Option<String>> = courses
        .iter()
        .map(|course| course.grade.map(|grade| grade.code().to_owned()))
        .collect();
    let majors: Vec<bool> = courses.iter().map(|course| course.major).collect();
    store::insert_courses(
        tx,
        user_id,
        semester.as_str(),
        &names,
        &halves,
        &grades,
        &majors,
    )
    .await
}

/// The record of a user: semesters oldest first, totals and target.
async fn record(state: &State, user_id: i64) -> Result<pb::GradeRecord> {
    let (rows, target) = tokio::try_join!(
        store::courses_of(&state.pool, user_id, None),
        store::target(&state.pool, user_id),
    )?;
    let mut semesters: Vec<(String, Vec<GradeCourse>)> = Vec::new();
    for row in rows {
        let semester = row.semester.clone();
        let course = course_of_row(row);
        match semesters.last_mut() {
            Some((last, courses)) if *last == semester => courses.extend(course),
            _ => semesters.push((semester, course.into_iter().collect())),
        }
    }
    semesters.sort_by_key(|(semester, _)| grade::semester_order(semester));
    Ok(wire::grade_record(&semesters, target))
}

fn courses_of_rows(rows: Vec<GradeCourseRow>) -> Vec<GradeCourse> {
    rows.into_iter().filter_map(course_of_row).collect()
}

/// A stored course; the schema's checks make every row valid, so `None`
/// (never expected) only drops a row the calculator could not count.
fn course_of_row(row: GradeCourseRow) -> Option<GradeCourse> {
    let grade = match row.grade.as_deref() {
        Some(code) => Some(Grade::from_code(code)?),
        None => None,
    };
    Some(GradeCourse {
        name: row.name,
        half_credits: i32::from(row.half_credits),
        grade,
        major: row.major,
    })
}
