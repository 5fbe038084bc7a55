//! The course catalog the school is seeded with: sections whose times
//! come from their number, so the bench knows which never clash, imported
//! through `POST /api/v1/admin/courses` for the current semester and the
//! three before it, and the non-clashing course sets the timetables take.

use std::collections::HashMap;

use anyhow::{Context, Result};
use chrono::Datelike;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::api::Api;

/// How many courses each set holds: what the add row puts in a timetable
/// at most.
pub const COURSES_PER_TIMETABLE: usize = 10;

/// Sections in the current semester's catalog, and in each earlier one.
const CURRENT_SECTIONS: usize = 3_000;
const PAST_SECTIONS: usize = 1_000;
/// Courses per import request: each body stays under the 64 KiB limit.
const IMPORT_BATCH: usize = 150;
/// Semesters with a catalog: the current one and the three before it.
pub const SEMESTERS: usize = 4;
/// Distinct non-clashing course sets per semester.
pub const SETS_PER_SEMESTER: usize = 40;

const SUBJECTS: [&str; 20] = [
    "자료구조",
    "알고리즘",
    "운영체제",
    "컴퓨터구조",
    "데이터베이스",
    "미적분학",
    "선형대수학",
    "확률과통계",
    "일반물리학",
    "일반화학",
    "경제원론",
    "회계원리",
    "심리학개론",
    "사회학의이해",
    "한국사",
    "철학개론",
    "대학영어",
    "글쓰기",
    "인공지능",
    "기계학습",
];
const FAMILY: [char; 10] = ['김', '이', '박', '최', '정', '강', '조', '윤', '장', '임'];
const GIVEN: [&str; 8] = [
    "민준", "서연", "지훈", "하은", "도윤", "지우", "서준", "수아",
];
const DEPARTMENTS: [&str; 25] = [
    "CSE", "ECE", "MAT", "PHY", "CHE", "BIO", "ECO", "BUS", "KOR", "ENG", "HIS", "PSY", "SOC",
    "POL", "ART", "MUS", "PED", "GEN", "MEC", "CIV", "ARC", "NUR", "MED", "LAW", "EDU",
];
/// Class periods (minutes from midnight): 09:00–10:15 to 18:00–19:15.
const PERIODS: [(u32, u32); 7] = [
    (540, 615),
    (630, 705),
    (720, 795),
    (810, 885),
    (900, 975),
    (990, 1065),
    (1080, 1155),
];
/// A section meets Mon+Wed, Tue+Thu or Fri in one period: 21 patterns, and
/// two sections clash exactly when their patterns are equal.
const PATTERNS: usize = 3 * PERIODS.len();

/// The current semester as the services compute it: `YYYY-1` from
/// January to June, `YYYY-2` from July, Korean time.
pub fn semesters() -> Vec<String> {
    let korea = chrono::Utc::now() + chrono::Duration::hours(9);
    let (mut year, mut term) = (korea.year(), if korea.month() <= 6 { 1 } else { 2 });
    let mut semesters = Vec::with_capacity(SEMESTERS);
    for _ in 0..SEMESTERS {
        semesters.push(format!("{year}-{term}"));
        (year, term) = if term == 2 { (year, 1) } else { (year - 1, 2) };
    }
    semesters
}

/// The `n`th section of a catalog: its pattern is `n % PATTERNS`.
fn section(n: usize) -> Value {
    let pattern = n % PATTERNS;
    let (start, end) = PERIODS[pattern % PERIODS.len()];
    let days: &[&str] = match pattern / PERIODS.len() {
        0 => &["MON", "WED"],
        1 => &["TUE", "THU"],
        _ => &["FRI"],
    };
    let time = |minutes: u32| format!("{:02}:{:02}", minutes / 60, minutes % 60);
    let room = format!("{}동 {}호", 300 + n % 40, 100 + n % 300);
    let sessions: Vec<Value> = days
        .iter()
        .map(|day| json!({"day": day, "start": time(start), "end": time(end), "room": room}))
        .collect();
    json!({
        "code": code(n),
        "name": SUBJECTS[(n / PATTERNS) % SUBJECTS.len()],
        "professor": format!("{}{}", FAMILY[(n / 7) % FAMILY.len()], GIVEN[(n / 11) % GIVEN.len()]),
        "credits": if days.len() == 2 { 3 } else { 2 },
        "sessions": sessions,
    })
}

/// A section's code: unique per `n`.
fn code(n: usize) -> String {
    format!(
        "{}{:04}-{:02}",
        DEPARTMENTS[n % DEPARTMENTS.len()],
        1000 + n / 4,
        n % 4 + 1
    )
}

/// The `j`th set of a catalog of `sections`: ten sections of ten
/// different patterns, so they never clash.
fn course_set(j: usize, sections: usize) -> Vec<usize> {
    let per_pattern = sections / PATTERNS;
    (0..COURSES_PER_TIMETABLE)
        .map(|i| (j + i) % PATTERNS + PATTERNS * ((j * 3 + i) % per_pattern))
        .collect()
}

/// Every section imported, over all semesters.
pub const SECTIONS: usize = CURRENT_SECTIONS + (SEMESTERS - 1) * PAST_SECTIONS;

/// Imports each semester's catalog with the admin's `token`; returns the
/// course sets (`SETS_PER_SEMESTER` per semester, in the order of
/// `semesters`).
pub async fn import(
    api: &Api,
    pool: &PgPool,
    token: &str,
    semesters: &[String],
) -> Result<Vec<Vec<i64>>> {
    let mut sets = Vec::with_capacity(semesters.len() * SETS_PER_SEMESTER);
    for (index, semester) in semesters.iter().enumerate() {
        let sections = if index == 0 {
            CURRENT_SECTIONS
        } else {
            PAST_SECTIONS
        };
        let catalog: Vec<Value> = (0..sections).map(section).collect();
        for batch in catalog.chunks(IMPORT_BATCH) {
            api.post(
                "/api/v1/admin/courses",
                token,
                &json!({"school_id": 1, "semester": semester, "courses": batch}),
                200,
            )
            .await?;
        }
        let ids: HashMap<String, i64> = sqlx::query_as(
            "select code, id from timetable.courses where school_id = 1 and semester = $1",
        )
        .bind(semester)
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
        for j in 0..SETS_PER_SEMESTER {
            let set = course_set(j, sections)
                .into_iter()
                .map(|n| {
                    ids.get(&code(n))
                        .copied()
                        .with_context(|| format!("course {} of {semester}", code(n)))
                })
                .collect::<Result<Vec<i64>>>()?;
            sets.push(set);
        }
    }
    Ok(sets)
}
