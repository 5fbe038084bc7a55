//! Latency of course search and timetable reads and writes, through the
//! gateway over HTTP, with every service behind it over gRPC.
//!
//! ```text
//! cargo bench -p everytime --bench timetable
//! ```
//!
//! It starts the whole stack on a private Postgres (or `DATABASE_URL`),
//! imports a catalog of 10,000 sections for one school's semester through
//! `POST /api/v1/admin/courses`, then times each operation one request at a
//! time and prints the median and 99th percentile. It also seeds ten friends
//! with full timetables for 공강 찾기 and fifty reviews of one lecture for
//! its 강의평가 page. It is a measurement, not
//! a test: nothing fails on a slow figure. `BENCH_ITERATIONS` (default 300)
//! sets the samples per operation.

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use everytime::{Stack, StackConfig};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const SEMESTER: &str = "2026-2";
const SECTIONS: usize = 10_000;
/// Courses per import request: each body stays well under the 64 KiB limit.
const BATCH: usize = 150;
const PASSWORD: &str = "correct horse battery";

const SUBJECTS: [&str; 40] = [
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
    "생명과학",
    "경제원론",
    "회계원리",
    "마케팅",
    "재무관리",
    "심리학개론",
    "사회학의이해",
    "정치학개론",
    "국제관계론",
    "한국사",
    "서양사",
    "철학개론",
    "논리학",
    "대학영어",
    "글쓰기",
    "중국어",
    "일본어",
    "독일어",
    "프랑스어",
    "전자회로",
    "신호및시스템",
    "제어공학",
    "열역학",
    "유체역학",
    "재료과학",
    "인공지능",
    "기계학습",
    "컴퓨터그래픽스",
    "네트워크",
    "정보보호",
];
const LEVELS: [&str; 5] = ["", "1", "2", "특강", "세미나"];
const FAMILY: [char; 20] = [
    '김', '이', '박', '최', '정', '강', '조', '윤', '장', '임', '한', '오', '서', '신', '권', '황',
    '안', '송', '류', '홍',
];
const GIVEN: [&str; 12] = [
    "민준", "서연", "지훈", "하은", "도윤", "지우", "서준", "수아", "현우", "채원", "건우", "다은",
];
const DEPARTMENTS: [&str; 25] = [
    "CSE", "ECE", "MAT", "PHY", "CHE", "BIO", "ECO", "BUS", "KOR", "ENG", "HIS", "PSY", "SOC",
    "POL", "ART", "MUS", "PED", "GEN", "MEC", "CIV", "ARC", "NUR", "MED", "LAW", "EDU",
];
const DAYS: [&str; 5] = ["MON", "TUE", "WED", "THU", "FRI"];

/// The `n`th synthetic section: a department, a subject, a professor, and
/// one or two weekly sessions spread over the week.
fn section(n: usize) -> Value {
    let department = DEPARTMENTS[n % DEPARTMENTS.len()];
    let subject = SUBJECTS[(n / 7) % SUBJECTS.len()];
    let level = LEVELS[(n / 3) % LEVELS.len()];
    let professor = format!(
        "{}{}",
        FAMILY[(n / 11) % FAMILY.len()],
        GIVEN[(n / 13) % GIVEN.len()]
    );
    let start = 9 * 60 + (n % 10) * 60;
    let end = start + 75;
    let time = |minutes: usize| format!("{:02}:{:02}", minutes / 60, minutes % 60);
    let first = DAYS[n % DAYS.len()];
    let mut sessions = vec![
        json!({"day": first, "start": time(start), "end": time(end), "room": format!("{}동 {}호", 300 + n % 40, 100 + n % 300)}),
    ];
    if !n.is_multiple_of(3) {
        let second = DAYS[(n + 2) % DAYS.len()];
        sessions.push(json!({"day": second, "start": time(start), "end": time(end), "room": format!("{}동 {}호", 300 + n % 40, 100 + n % 300)}));
    }
    json!({
        "code": format!("{department}{:04}-{:02}", 1000 + n / 4, n % 4 + 1),
        "name": format!("{subject}{level}"),
        "professor": professor,
        "credits": 1 + n % 3,
        "sessions": sessions,
    })
}

struct Bench {
    http: Client,
    base: String,
}

impl Bench {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn expect(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let (got, body) = self.call(method, path, token, body).await;
        assert_eq!(got, status, "{path}: {body}");
        body
    }

    async fn sign_in(&self, username: &str, password: &str) -> String {
        let body = self
            .expect(
                Method::POST,
                "/api/v1/auth/sign-in",
                None,
                Some(json!({"username": username, "password": password})),
                StatusCode::OK,
            )
            .await;
        body["access_token"].as_str().expect("a token").to_owned()
    }
}

/// Signs up and in a user; returns their id and token.
async fn new_user(bench: &Bench, username: &str) -> (i64, String) {
    let user = bench
        .expect(
            Method::POST,
            "/api/v1/auth/sign-up",
            None,
            Some(json!({"username": username, "email": format!("{username}@example.ac.kr"),
                        "password": PASSWORD, "nickname": username, "name": "벤치", "school_id": 1})),
            StatusCode::CREATED,
        )
        .await;
    let id = user["id"].as_i64().expect("an id");
    (id, bench.sign_in(username, PASSWORD).await)
}

/// `count` friends of `user`, each with a primary timetable as full as the
/// catalog's first courses allow (up to 30 that fit) and two custom
/// entries in the evenings.
async fn friends_with_full_timetables(
    bench: &Bench,
    user: &str,
    count: usize,
) -> Vec<(i64, String)> {
    let page = bench
        .expect(
            Method::GET,
            &format!("/api/v1/courses?semester={SEMESTER}&limit=100"),
            Some(user),
            None,
            StatusCode::OK,
        )
        .await;
    let catalog: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|course| course["id"].as_i64())
        .collect();
    let mut friends = Vec::with_capacity(count);
    for index in 0..count {
        let username = format!("friend{index}");
        let (id, token) = new_user(bench, &username).await;
        let request = bench
            .expect(
                Method::POST,
                "/api/v1/friends/requests",
                Some(user),
                Some(json!({"username": username})),
                StatusCode::CREATED,
            )
            .await;
        bench
            .expect(
                Method::POST,
                &format!("/api/v1/friends/requests/{}/accept", request["id"]),
                Some(&token),
                Some(json!({})),
                StatusCode::OK,
            )
            .await;
        let timetable = bench
            .expect(
                Method::POST,
                "/api/v1/timetables",
                Some(&token),
                Some(json!({"semester": SEMESTER})),
                StatusCode::CREATED,
            )
            .await;
        let timetable_id = timetable["id"].as_i64().expect("an id");
        let mut held = 0;
        for course in catalog.iter().skip(index * 3) {
            if held == 30 {
                break;
            }
            let (status, _) = bench
                .call(
                    Method::POST,
                    &format!("/api/v1/timetables/{timetable_id}/courses"),
                    Some(&token),
                    Some(json!({"course_id": course})),
                )
                .await;
            held += usize::from(status == StatusCode::CREATED);
        }
        for day in ["MON", "THU"] {
            bench
                .call(
                    Method::POST,
                    &format!("/api/v1/timetables/{timetable_id}/custom-entries"),
                    Some(&token),
                    Some(json!({"name": "알바", "sessions": [{"day": day, "start": "21:00", "end": "23:00"}]})),
                )
                .await;
        }
        friends.push((id, token));
    }
    friends
}

/// `count` users who can each write a review.
async fn reviewers(bench: &Bench, count: usize) -> Vec<String> {
    let mut tokens = Vec::with_capacity(count);
    for index in 0..count {
        tokens.push(new_user(bench, &format!("reviewer{index}")).await.1);
    }
    tokens
}

/// Times `iterations` runs of `operation` after a few unmeasured ones.
async fn measure<F, Fut>(iterations: usize, mut operation: F) -> Vec<Duration>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for i in 0..iterations.min(20) {
        operation(i).await;
    }
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let started = Instant::now();
        operation(i).await;
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    samples
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index.min(samples.len() - 1)]
}

fn millis(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(300);
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("a database");
    let mut config = StackConfig::new(&url);
    config.gateway.auth_rate_limit_per_minute = 100_000;
    config.community.write_limits = everytime_community::domain::WriteLimits::off();
    config.auth.admin = Some(everytime_auth::AdminAccount {
        username: "admin".into(),
        password: "admin password".into(),
        email: "admin@localhost".into(),
        nickname: "관리자".into(),
    });
    let stack = Stack::start(config).await.expect("the stack starts");
    let bench = Bench {
        http: Client::new(),
        base: stack.gateway_url(),
    };
    let admin = bench.sign_in("admin", "admin password").await;
    bench
        .expect(
            Method::POST,
            "/api/v1/auth/sign-up",
            None,
            Some(json!({"username": "bench", "email": "bench@example.ac.kr", "password": PASSWORD, "nickname": "벤치", "name": "김벤치", "school_id": 1})),
            StatusCode::CREATED,
        )
        .await;
    let user = bench.sign_in("bench", PASSWORD).await;

    let seeding = Instant::now();
    let sections: Vec<Value> = (0..SECTIONS).map(section).collect();
    for batch in sections.chunks(BATCH) {
        bench
            .expect(
                Method::POST,
                "/api/v1/admin/courses",
                Some(&admin),
                Some(json!({"school_id": 1, "semester": SEMESTER, "courses": batch})),
                StatusCode::OK,
            )
            .await;
    }
    let seeded = seeding.elapsed();

    // A timetable holding six courses that do not clash, and a seventh to add and remove.
    let timetable = bench
        .expect(
            Method::POST,
            "/api/v1/timetables",
            Some(&user),
            Some(json!({"semester": SEMESTER})),
            StatusCode::CREATED,
        )
        .await;
    let timetable_id = timetable["id"].as_i64().expect("an id");
    let mut course_ids = Vec::new();
    let mut cursor = String::new();
    while course_ids.len() < 7 {
        let page = bench
            .expect(
                Method::GET,
                &format!("/api/v1/courses?semester={SEMESTER}&limit=100{cursor}"),
                Some(&user),
                None,
                StatusCode::OK,
            )
            .await;
        for course in page["items"].as_array().expect("items") {
            if course_ids.len() == 7 {
                break;
            }
            let id = course["id"].as_i64().expect("an id");
            let (status, _) = bench
                .call(
                    Method::POST,
                    &format!("/api/v1/timetables/{timetable_id}/courses"),
                    Some(&user),
                    Some(json!({"course_id": id})),
                )
                .await;
            if status == StatusCode::CREATED {
                course_ids.push(id);
            }
        }
        cursor = format!(
            "&cursor={}",
            page["next_cursor"].as_str().expect("more pages")
        );
    }
    let spare = course_ids[6];
    bench
        .expect(
            Method::DELETE,
            &format!("/api/v1/timetables/{timetable_id}/courses/{spare}"),
            Some(&user),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;

    let searches = [
        (
            "search: first page, no filter",
            format!("/api/v1/courses?semester={SEMESTER}"),
        ),
        (
            "search: q=자료 (2 Hangul)",
            format!("/api/v1/courses?semester={SEMESTER}&q=%EC%9E%90%EB%A3%8C"),
        ),
        (
            "search: q=김 (1 Hangul)",
            format!("/api/v1/courses?semester={SEMESTER}&q=%EA%B9%80"),
        ),
        (
            "search: q=기계학습 (name)",
            format!("/api/v1/courses?semester={SEMESTER}&q=%EA%B8%B0%EA%B3%84%ED%95%99%EC%8A%B5"),
        ),
        (
            "search: q=cse12 (code)",
            format!("/api/v1/courses?semester={SEMESTER}&q=cse12"),
        ),
        (
            "search: q=박서연 (professor)",
            format!("/api/v1/courses?semester={SEMESTER}&q=%EB%B0%95%EC%84%9C%EC%97%B0"),
        ),
        (
            "search: day=WED&q=학",
            format!("/api/v1/courses?semester={SEMESTER}&day=WED&q=%ED%95%99"),
        ),
    ];
    let mut rows: Vec<(String, usize, Vec<Duration>)> = Vec::new();
    for (name, path) in &searches {
        let (_, page) = bench.call(Method::GET, path, Some(&user), None).await;
        let found = page["items"].as_array().map_or(0, Vec::len);
        let samples = measure(iterations, |_| async {
            bench
                .expect(Method::GET, path, Some(&user), None, StatusCode::OK)
                .await;
        })
        .await;
        rows.push(((*name).to_owned(), found, samples));
    }
    let add_path = format!("/api/v1/timetables/{timetable_id}/courses");
    let remove_path = format!("/api/v1/timetables/{timetable_id}/courses/{spare}");
    let mut adds = Vec::with_capacity(iterations);
    for i in 0..iterations + 20 {
        let started = Instant::now();
        bench
            .expect(
                Method::POST,
                &add_path,
                Some(&user),
                Some(json!({"course_id": spare})),
                StatusCode::CREATED,
            )
            .await;
        if i >= 20 {
            adds.push(started.elapsed());
        }
        bench
            .expect(
                Method::DELETE,
                &remove_path,
                Some(&user),
                None,
                StatusCode::NO_CONTENT,
            )
            .await;
    }
    adds.sort_unstable();
    rows.push(("timetable: add a course (201)".to_owned(), 7, adds));
    // A course not in the timetable whose time overlaps one that is: the
    // add is refused after the clash check, with the courses in the way.
    let held = bench
        .expect(
            Method::GET,
            &format!("/api/v1/timetables/{timetable_id}"),
            Some(&user),
            None,
            StatusCode::OK,
        )
        .await;
    let held_sessions: Vec<Value> = held["courses"]
        .as_array()
        .expect("courses")
        .iter()
        .flat_map(|course| course["sessions"].as_array().cloned().unwrap_or_default())
        .collect();
    let overlaps = |a: &Value, b: &Value| {
        a["day"] == b["day"]
            && a["start"].as_str() < b["end"].as_str()
            && b["start"].as_str() < a["end"].as_str()
    };
    let mut clashing = None;
    let mut cursor = String::new();
    while clashing.is_none() {
        let page = bench
            .expect(
                Method::GET,
                &format!("/api/v1/courses?semester={SEMESTER}&limit=100{cursor}"),
                Some(&user),
                None,
                StatusCode::OK,
            )
            .await;
        clashing = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|course| {
                let id = course["id"].as_i64().expect("an id");
                !course_ids[..6].contains(&id)
                    && course["sessions"].as_array().is_some_and(|sessions| {
                        sessions
                            .iter()
                            .any(|session| held_sessions.iter().any(|h| overlaps(session, h)))
                    })
            })
            .and_then(|course| course["id"].as_i64());
        cursor = format!(
            "&cursor={}",
            page["next_cursor"].as_str().expect("more pages")
        );
    }
    let clashing = clashing.expect("a clashing course");
    let clash = measure(iterations, |_| async {
        let refused = bench
            .expect(
                Method::POST,
                &add_path,
                Some(&user),
                Some(json!({"course_id": clashing})),
                StatusCode::CONFLICT,
            )
            .await;
        assert_eq!(refused["code"], "time_conflict", "{refused}");
        assert!(
            refused["conflicts"]
                .as_array()
                .is_some_and(|c| !c.is_empty()),
            "{refused}"
        );
    })
    .await;
    rows.push(("timetable: add clashing (409)".to_owned(), 6, clash));
    for (name, path) in [
        (
            "timetable: GET /timetables/{id}",
            format!("/api/v1/timetables/{timetable_id}"),
        ),
        (
            "timetable: GET /me/timetable",
            format!("/api/v1/me/timetable?semester={SEMESTER}"),
        ),
        (
            "timetable: GET image.svg",
            format!("/api/v1/timetables/{timetable_id}/image.svg"),
        ),
    ] {
        let samples = measure(iterations, |_| async {
            let (status, _) = bench.call(Method::GET, &path, Some(&user), None).await;
            assert_eq!(status, StatusCode::OK);
        })
        .await;
        rows.push((name.to_owned(), 6, samples));
    }
    // 학점계산기: eight semesters of ten courses each, read whole.
    for semester in [
        "2023-1", "2023-2", "2024-1", "2024-2", "2025-1", "2025-2", "2026-1", "2026-2",
    ] {
        let courses: Vec<Value> = (0..10)
            .map(|i| json!({"name": format!("과목 {i}"), "credits": 3, "grade": "A0", "major": i % 2 == 0}))
            .collect();
        bench
            .expect(
                Method::PUT,
                &format!("/api/v1/me/grades/{semester}"),
                Some(&user),
                Some(json!({"courses": courses})),
                StatusCode::OK,
            )
            .await;
    }
    let grades = measure(iterations, |_| async {
        let (status, _) = bench
            .call(Method::GET, "/api/v1/me/grades", Some(&user), None)
            .await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
    rows.push(("grades: GET /me/grades".to_owned(), 80, grades));

    // 공강 찾기 with 10 friends, each with a full primary timetable (the
    // first 30 courses of the catalog that fit, and two custom entries),
    // and 강의평가: 50 reviews of one lecture, read as its first page.
    let friends = friends_with_full_timetables(&bench, &user, 10).await;
    let ids: Vec<String> = friends.iter().map(|(id, _)| id.to_string()).collect();
    let free_path = format!(
        "/api/v1/free-time?semester={SEMESTER}&user_ids={}",
        ids.join(",")
    );
    let free = measure(iterations, |_| async {
        let (status, body) = bench.call(Method::GET, &free_path, Some(&user), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    })
    .await;
    rows.push(("free time: 10 friends, full (GET)".to_owned(), 11, free));
    let reviewed = course_ids[0];
    let reviewers = reviewers(&bench, 50).await;
    for (index, token) in reviewers.iter().enumerate() {
        let amount = ["many", "normal", "none"][index % 3];
        let grading = ["generous", "normal", "strict"][index % 3];
        bench
            .expect(
                Method::POST,
                &format!("/api/v1/courses/{reviewed}/reviews"),
                Some(token),
                Some(json!({
                    "rating": 1 + index % 5, "assignment": amount,
                    "team_project": "none", "grading": grading,
                    "attendance": "electronic", "exams": index % 5,
                    "content": format!("리뷰 {index}: 설명이 친절하고 과제가 실력에 도움이 되는 수업입니다."),
                    "semester": "2026-1",
                })),
                StatusCode::CREATED,
            )
            .await;
    }
    let review_path = format!("/api/v1/courses/{reviewed}/reviews");
    let review_page = measure(iterations, |_| async {
        let (status, body) = bench
            .call(Method::GET, &review_path, Some(&user), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    })
    .await;
    rows.push((
        "reviews: course page (50 reviews)".to_owned(),
        20,
        review_page,
    ));

    println!();
    println!(
        "{SECTIONS} sections imported in {:.1} s ({} requests of {BATCH})",
        seeded.as_secs_f64(),
        SECTIONS.div_ceil(BATCH)
    );
    println!("{iterations} sequential requests per row, through the gateway over HTTP");
    println!();
    println!("| operation                          | items | median ms | p99 ms |");
    println!("|------------------------------------|------:|----------:|-------:|");
    for (name, items, samples) in &rows {
        println!(
            "| {name:<34} | {items:>5} | {:>9} | {:>6} |",
            millis(percentile(samples, 0.5)),
            millis(percentile(samples, 0.99))
        );
    }
    println!();
    stack.shutdown().await;
}
