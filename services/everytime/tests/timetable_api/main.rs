//! The course catalog, timetables, their picture and friends through the
//! gateway over real HTTP, with auth and the timetable service behind it
//! over real gRPC.
//!
//! One test binary; its modules hold the tests by use case. This file holds
//! the helpers several of them share: an admin, a small catalog to import,
//! searching it, building timetables and befriending.

#[path = "../support/mod.rs"]
mod support;

mod catalog_import;
mod catalog_search;
mod copy;
mod custom_entries;
mod demo;
mod entries;
mod free_time;
mod friends;
mod grades;
mod openapi;
mod picture;
mod reviews;
mod timetables;
mod visibility;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Reply, Session, TestStack};

const SEMESTER: &str = "2026-2";

/// A stack with an administrator; returns it and the admin's token.
async fn stack_with_admin() -> (TestStack, String) {
    TestStack::start_with_admin().await
}

fn course(
    code: &str,
    name: &str,
    professor: &str,
    credits: i64,
    sessions: &[(&str, &str, &str, &str)],
) -> Value {
    json!({
        "code": code,
        "name": name,
        "professor": professor,
        "credits": credits,
        "sessions": sessions
            .iter()
            .map(|(day, start, end, room)| json!({"day": day, "start": start, "end": end, "room": room}))
            .collect::<Vec<_>>(),
    })
}

/// 자료구조 MON/WED 09:00–10:15; 운영체제 right after it; 알고리즘 WED
/// 10:00–11:00 (clashing with both); 미적분학 TUE/THU; 물리학실험 SAT.
fn catalog_courses() -> Vec<Value> {
    vec![
        course(
            "CSE2010-01",
            "자료구조",
            "김민준",
            3,
            &[
                ("MON", "09:00", "10:15", "301동 101호"),
                ("WED", "09:00", "10:15", "301동 101호"),
            ],
        ),
        course(
            "CSE3020-01",
            "운영체제",
            "이서연",
            3,
            &[
                ("MON", "10:15", "11:30", "302동 208호"),
                ("WED", "10:15", "11:30", "302동 208호"),
            ],
        ),
        course(
            "CSE3030-01",
            "알고리즘",
            "Park Jisoo",
            3,
            &[("WED", "10:00", "11:00", "301동 118호")],
        ),
        course(
            "MAT1010-02",
            "미적분학",
            "최지우",
            3,
            &[
                ("TUE", "13:00", "14:15", "27동 220호"),
                ("THU", "13:00", "14:15", "27동 220호"),
            ],
        ),
        course(
            "PHY1020-01",
            "물리학실험",
            "정하늘",
            1,
            &[("SAT", "09:00", "11:50", "56동 실험실")],
        ),
    ]
}

async fn import(
    stack: &TestStack,
    token: &str,
    school_id: i64,
    semester: &str,
    courses: Vec<Value>,
) -> Reply {
    stack
        .post(
            "/api/v1/admin/courses",
            Some(token),
            json!({"school_id": school_id, "semester": semester, "courses": courses}),
        )
        .await
}

/// A stack whose school 1 has [`catalog_courses`] for [`SEMESTER`].
async fn stack_with_catalog() -> (TestStack, String) {
    let (stack, admin) = stack_with_admin().await;
    let reply = import(&stack, &admin, 1, SEMESTER, catalog_courses()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (stack, admin)
}

async fn search(stack: &TestStack, token: &str, query: &str) -> Reply {
    stack
        .get(
            &format!("/api/v1/courses?semester={SEMESTER}&limit=100{query}"),
            Some(token),
        )
        .await
}

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn course_id(stack: &TestStack, token: &str, code: &str) -> i64 {
    let reply = search(stack, token, &format!("&q={code}")).await;
    reply.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|item| item["code"] == code))
        .and_then(|item| item["id"].as_i64())
        .unwrap_or_else(|| panic!("no course {code}: {}", reply.text))
}

async fn create_timetable(stack: &TestStack, token: &str, body: Value) -> Value {
    let reply = stack.post("/api/v1/timetables", Some(token), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body
}

async fn add(stack: &TestStack, token: &str, timetable_id: i64, course_id: i64) -> Reply {
    stack
        .post(
            &format!("/api/v1/timetables/{timetable_id}/courses"),
            Some(token),
            json!({"course_id": course_id}),
        )
        .await
}

/// `a` asks `b` (by username) and `b` accepts.
async fn befriend(stack: &TestStack, a: &Session, b: &Session) {
    let username = b.user["username"].as_str().expect("a username");
    let sent = stack
        .post(
            "/api/v1/friends/requests",
            Some(&a.token),
            json!({"username": username}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let id = sent.body["id"].as_i64().expect("an id");
    let accepted = stack
        .post(
            &format!("/api/v1/friends/requests/{id}/accept"),
            Some(&b.token),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
}

fn assert_course_shape(course: &Value) {
    let keys: Vec<&str> = course
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "code",
            "credits",
            "id",
            "name",
            "professor",
            "semester",
            "sessions"
        ],
        "{course}"
    );
    for session in course["sessions"].as_array().expect("sessions") {
        let mut keys: Vec<&str> = session
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["day", "end", "room", "start"]);
    }
}
