//! The course catalog, timetables, their picture and friends through the
//! gateway over real HTTP, with auth and the timetable service behind it
//! over real gRPC.

mod support;

use std::time::Duration;

use everytime_timetable::{catalog, demo, domain::Semester};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Reply, Session, TestStack, nickname_for};

const SEMESTER: &str = "2026-2";
/// The demo catalog the timetable service loads when told to.
const DEMO_CATALOG: &str = demo::CATALOG;

// ---------------------------------------------------------------- helpers

/// A stack with an administrator; returns it and the admin's token.
async fn stack_with_admin() -> (TestStack, String) {
    let stack = TestStack::start_with(|config| {
        config.auth.admin = Some(everytime_auth::AdminAccount {
            username: "admin".into(),
            password: "admin password".into(),
            email: "admin@localhost".into(),
            nickname: "관리자".into(),
        });
    })
    .await;
    let signed_in = stack.sign_in_with("admin", "admin password").await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    let token = signed_in.body["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    (stack, token)
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

// ---------------------------------------------------------------- catalog

#[tokio::test]
async fn admins_import_courses_and_everyone_else_is_refused() {
    let (stack, admin) = stack_with_admin().await;
    let student = stack.user("student").await;

    let refused = import(&stack, &student.token, 1, SEMESTER, catalog_courses()).await;
    let imported = import(&stack, &admin, 1, SEMESTER, catalog_courses()).await;

    refused.assert_problem(403, "admin_only");
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    assert_eq!(imported.body, json!({"imported": 5}));
    let page = search(&stack, &student.token, "").await;
    assert_eq!(codes(&page.body).len(), 5);
    let first = &page.body["items"][0];
    assert_course_shape(first);
    assert_eq!(first["semester"], SEMESTER);
    assert_eq!(
        first["sessions"][0],
        json!({"day": "MON", "start": "09:00", "end": "10:15", "room": "301동 101호"})
    );
}

#[tokio::test]
async fn each_bad_import_field_is_400_naming_it_and_imports_nothing() {
    let (stack, admin) = stack_with_admin().await;
    let student = stack.user("student").await;
    type Breaker = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "semester",
            Box::new(|body| body["semester"] = json!("2026-3")),
        ),
        (
            "school_id",
            Box::new(|body| body["school_id"] = json!(4242)),
        ),
        ("courses", Box::new(|body| body["courses"] = json!([]))),
        (
            "courses[1].code",
            Box::new(|body| body["courses"][1]["code"] = json!("  ")),
        ),
        (
            "courses[1].code",
            Box::new(|body| body["courses"][1]["code"] = json!("CSE2010-01")),
        ),
        (
            "courses[2].name",
            Box::new(|body| body["courses"][2]["name"] = json!("가".repeat(101))),
        ),
        (
            "courses[2].professor",
            Box::new(|body| body["courses"][2]["professor"] = json!("가".repeat(51))),
        ),
        (
            "courses[3].credits",
            Box::new(|body| body["courses"][3]["credits"] = json!(31)),
        ),
        (
            "courses[3].credits",
            Box::new(|body| body["courses"][3]["credits"] = json!("three")),
        ),
        (
            "courses[0].sessions",
            Box::new(|body| body["courses"][0]["sessions"] = json!([])),
        ),
        (
            "courses[3].sessions[1].day",
            Box::new(|body| body["courses"][3]["sessions"][1]["day"] = json!("Thursday")),
        ),
        (
            "courses[3].sessions[0].start",
            Box::new(|body| body["courses"][3]["sessions"][0]["start"] = json!("1:00")),
        ),
        (
            "courses[3].sessions[0].end",
            Box::new(|body| body["courses"][3]["sessions"][0]["end"] = json!("24:30")),
        ),
        (
            "courses[3].sessions[0].end",
            Box::new(|body| body["courses"][3]["sessions"][0]["end"] = json!("12:00")),
        ),
        (
            "courses[4].sessions[0].room",
            Box::new(|body| body["courses"][4]["sessions"][0]["room"] = json!("호".repeat(51))),
        ),
        (
            "courses[0].sessions[1]",
            Box::new(|body| {
                body["courses"][0]["sessions"][1] =
                    json!({"day": "MON", "start": "10:00", "end": "11:00", "room": ""})
            }),
        ),
    ];
    for (field, break_it) in cases {
        let mut body = json!({"school_id": 1, "semester": SEMESTER, "courses": catalog_courses()});
        break_it(&mut body);

        let reply = stack
            .post("/api/v1/admin/courses", Some(&admin), body)
            .await;

        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{field}: {}",
            reply.text
        );
        assert_eq!(reply.error_fields(), [field], "{}", reply.text);
    }
    assert!(
        codes(&search(&stack, &student.token, "").await.body).is_empty(),
        "a bad batch imports nothing"
    );
}

#[tokio::test]
async fn the_first_bad_course_in_order_is_named_whatever_is_wrong_with_it() {
    let (stack, admin) = stack_with_admin().await;
    let student = stack.user("student").await;
    let with = |changes: &[(usize, &str, Value)]| {
        let mut courses = catalog_courses();
        for (index, field, value) in changes {
            courses[*index][*field] = value.clone();
        }
        courses
    };
    let cases = [
        // A rule broken early, a wrong type later: the early one.
        (
            SEMESTER,
            with(&[(1, "credits", json!(31)), (3, "credits", json!("three"))]),
            vec!["courses[1].credits"],
        ),
        // A wrong type early, a rule broken later: the early one, every
        // field of it with the wrong shape.
        (
            SEMESTER,
            with(&[
                (1, "credits", json!("three")),
                (1, "sessions", json!({})),
                (3, "name", json!("")),
            ]),
            vec!["courses[1].credits", "courses[1].sessions"],
        ),
        (
            SEMESTER,
            with(&[(0, "professor", json!(null)), (2, "code", json!(""))]),
            vec!["courses[0].professor"],
        ),
        // The batch's own fields come first.
        (
            "2026-3",
            with(&[(0, "credits", json!("three"))]),
            vec!["semester"],
        ),
    ];
    for (semester, courses, expected) in cases {
        let reply = import(&stack, &admin, 1, semester, courses).await;

        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), expected, "{}", reply.text);
    }
    let shaped = import(
        &stack,
        &admin,
        1,
        SEMESTER,
        with(&[(1, "credits", json!("three"))]),
    )
    .await;
    assert_eq!(shaped.body["errors"][0]["message"], "must be an integer");
    assert!(
        codes(&search(&stack, &student.token, "").await.body).is_empty(),
        "a bad batch imports nothing"
    );
}

#[tokio::test]
async fn an_import_holds_at_most_500_courses_and_a_body_over_64_kib_is_413() {
    let (stack, admin) = stack_with_admin().await;
    let student = stack.user("student").await;
    // As short as a course gets, so 501 of them still fit in 64 KiB.
    let short = |count: usize| -> Vec<Value> {
        (0..count)
            .map(|n| {
                course(
                    &format!("C{n}"),
                    "n",
                    "",
                    1,
                    &[("MON", "09:00", "10:00", "")],
                )
            })
            .collect()
    };
    let body =
        |courses: Vec<Value>| json!({"school_id": 1, "semester": SEMESTER, "courses": courses});
    let size = |courses: Vec<Value>| serde_json::to_vec(&body(courses)).expect("JSON").len();
    assert!(size(short(501)) < 64 * 1024, "{} bytes", size(short(501)));

    let over = import(&stack, &admin, 1, SEMESTER, short(501)).await;
    over.assert_problem(400, "invalid_input");
    assert_eq!(over.error_fields(), ["courses"]);
    assert!(codes(&search(&stack, &student.token, "").await.body).is_empty());

    let most = import(&stack, &admin, 1, SEMESTER, short(500)).await;
    assert_eq!(most.status, StatusCode::OK, "{}", most.text);
    assert_eq!(most.body, json!({"imported": 500}));

    // Courses of typical length: 300 of them are well over the body limit.
    let typical: Vec<Value> = (0..300)
        .map(|n| {
            course(
                &format!("KOR{n:04}-01"),
                "한국현대문학의이해와감상",
                "김민준",
                3,
                &[
                    ("MON", "09:00", "10:15", "인문대학 301동 101호"),
                    ("WED", "09:00", "10:15", "인문대학 301동 101호"),
                ],
            )
        })
        .collect();
    assert!(size(typical.clone()) > 64 * 1024);
    let too_big = import(&stack, &admin, 1, SEMESTER, typical).await;
    too_big.assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn importing_again_updates_courses_by_code() {
    let (stack, admin) = stack_with_catalog().await;
    let student = stack.user("student").await;
    let id = course_id(&stack, &student.token, "CSE2010-01").await;
    let mut courses = catalog_courses();
    courses[0]["name"] = json!("자료구조및실습");
    courses[0]["professor"] = json!("");
    courses[0]["sessions"] =
        json!([{"day": "FRI", "start": "15:00", "end": "17:45", "room": "302동 310호"}]);
    courses.push(course(
        "NEW1000-01",
        "새과목",
        "홍길동",
        2,
        &[("FRI", "09:00", "10:50", "")],
    ));

    let reply = import(&stack, &admin, 1, SEMESTER, courses).await;

    assert_eq!(reply.body, json!({"imported": 6}));
    let page = search(&stack, &student.token, "").await;
    assert_eq!(codes(&page.body).len(), 6);
    let updated = &page.body["items"][0];
    assert_eq!(updated["id"], id, "the same course");
    assert_eq!(updated["name"], "자료구조및실습");
    assert_eq!(updated["professor"], "");
    assert_eq!(
        updated["sessions"],
        json!([{"day": "FRI", "start": "15:00", "end": "17:45", "room": "302동 310호"}])
    );
}

#[tokio::test]
async fn course_search_needs_a_semester_and_matches_korean_substrings() {
    let (stack, admin) = stack_with_catalog().await;
    let student = stack.user("student").await;
    let other_school = stack.user_at("visitor", 2).await;
    import(
        &stack,
        &admin,
        2,
        SEMESTER,
        vec![course(
            "CSE2010-01",
            "자료구조",
            "타교수",
            3,
            &[("FRI", "09:00", "10:00", "")],
        )],
    )
    .await;

    stack
        .get("/api/v1/courses", Some(&student.token))
        .await
        .assert_problem(400, "invalid_input");
    let missing = stack
        .get("/api/v1/courses?q=구조", Some(&student.token))
        .await;
    assert_eq!(missing.error_fields(), ["semester"]);
    let malformed = stack
        .get("/api/v1/courses?semester=2026-fall", Some(&student.token))
        .await;
    assert_eq!(malformed.error_fields(), ["semester"]);

    assert_eq!(
        codes(&search(&stack, &student.token, "&q=구조").await.body),
        ["CSE2010-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=%EC%9E%90").await.body),
        ["CSE2010-01"],
        "one syllable: 자"
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=이서연").await.body),
        ["CSE3020-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=PARK").await.body),
        ["CSE3030-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=cse30").await.body),
        ["CSE3020-01", "CSE3030-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&day=SAT").await.body),
        ["PHY1020-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&day=WED&q=cse").await.body),
        ["CSE2010-01", "CSE3020-01", "CSE3030-01"]
    );
    let other = search(&stack, &other_school.token, "&q=구조").await;
    assert_eq!(
        other.body["items"][0]["professor"], "타교수",
        "each school sees its own catalog"
    );
    assert_eq!(codes(&other.body).len(), 1);

    let bad_day = search(&stack, &student.token, "&day=MONDAY").await;
    bad_day.assert_problem(400, "invalid_input");
    assert_eq!(bad_day.error_fields(), ["day"]);
    let long_query = search(&stack, &student.token, &format!("&q={}", "가".repeat(51))).await;
    assert_eq!(long_query.error_fields(), ["q"]);
}

#[tokio::test]
async fn course_search_pages_by_code_with_a_cursor() {
    let (stack, _admin) = stack_with_catalog().await;
    let student = stack.user("student").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;

    loop {
        let path = match &cursor {
            None => format!("/api/v1/courses?semester={SEMESTER}&limit=2"),
            Some(cursor) => format!("/api/v1/courses?semester={SEMESTER}&limit=2&cursor={cursor}"),
        };
        let page = stack.get(&path, Some(&student.token)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(codes(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert!(page.body["next_cursor"].is_null());
                break;
            }
        }
    }

    assert_eq!(
        seen,
        [
            "CSE2010-01",
            "CSE3020-01",
            "CSE3030-01",
            "MAT1010-02",
            "PHY1020-01"
        ]
    );
    let tampered = stack
        .get(
            &format!("/api/v1/courses?semester={SEMESTER}&cursor=abc.def"),
            Some(&student.token),
        )
        .await;
    tampered.assert_problem(400, "invalid_input");
    assert_eq!(tampered.error_fields(), ["cursor"]);
    for limit in ["0", "101", "ten"] {
        let reply = stack
            .get(
                &format!("/api/v1/courses?semester={SEMESTER}&limit={limit}"),
                Some(&student.token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{limit}");
        assert_eq!(reply.error_fields(), ["limit"]);
    }
}

#[tokio::test]
async fn the_committed_demo_catalog_parses_has_300_sections_and_imports_cleanly() {
    let file = catalog::CatalogFile::from_json(DEMO_CATALOG).expect("the demo catalog parses");
    let courses = file.courses();
    assert!(courses.len() >= 300, "{} sections", courses.len());
    assert!(
        courses.iter().any(|course| course.sessions.len() == 2),
        "two-day courses"
    );
    assert!(
        courses
            .iter()
            .any(|course| course.name.contains("실험") || course.name.contains("실습")),
        "labs"
    );
    assert!(
        courses
            .iter()
            .flat_map(|course| &course.sessions)
            .any(|session| session.day == i32::from(everytime_proto::timetable::v1::Day::Saturday)),
        "a Saturday lab"
    );
    let url = everytime_common::postgres::test_database()
        .await
        .expect("a test database");
    let pool = catalog::connect(&url).await.expect("connects and migrates");

    let imported = catalog::import(&pool, 1, &file.semester, &courses)
        .await
        .expect("imports cleanly");

    assert_eq!(imported, courses.len());
    assert_eq!(
        catalog::course_count(&pool, 1, &file.semester)
            .await
            .expect("counts"),
        i64::try_from(courses.len()).unwrap()
    );
    // Through the API too, in bodies under the 64 KiB limit.
    let (stack, admin) = stack_with_admin().await;
    let raw: Value = serde_json::from_str(DEMO_CATALOG).expect("JSON");
    let mut total = 0;
    for chunk in raw["courses"].as_array().expect("courses").chunks(100) {
        let reply = import(&stack, &admin, 1, SEMESTER, chunk.to_vec()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        total += reply.body["imported"].as_i64().expect("a count");
    }
    assert_eq!(total, i64::try_from(courses.len()).unwrap());
}

/// How many demo courses the current semester shows `token` (school 1,
/// 서울대학교), asking until there are some or `wait` is over.
async fn demo_courses_seen(stack: &TestStack, token: &str, wait: Duration) -> usize {
    let semester = Semester::parse_or_current("semester", "").expect("a semester");
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let page = stack
            .get(
                &format!("/api/v1/courses?semester={semester}&limit=100"),
                Some(token),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let seen = codes(&page.body).len();
        if seen > 0 || tokio::time::Instant::now() >= deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn with_the_demo_flag_on_a_new_user_soon_sees_the_demo_catalog() {
    let stack = TestStack::start_with(|config| config.timetable.load_demo_catalog = true).await;
    let student = stack.user("student").await;

    let seen = demo_courses_seen(&stack, &student.token, Duration::from_secs(60)).await;

    assert_eq!(seen, 100, "a full first page of the demo catalog");
    let file = catalog::CatalogFile::from_json(DEMO_CATALOG).expect("parses");
    let first = file
        .courses
        .iter()
        .map(|course| course.code.as_str())
        .min()
        .expect("courses");
    let semester = Semester::parse_or_current("semester", "").expect("a semester");
    let current = stack
        .get(
            &format!("/api/v1/courses?semester={semester}&limit=1"),
            Some(&student.token),
        )
        .await;
    assert_eq!(current.body["items"][0]["code"], first);
}

#[tokio::test]
async fn with_the_demo_flag_off_no_catalog_appears() {
    let stack = TestStack::start().await;
    let student = stack.user("student").await;

    // Long enough for a load that was wrongly started to show.
    let seen = demo_courses_seen(&stack, &student.token, Duration::from_secs(5)).await;

    assert_eq!(seen, 0);
}

#[tokio::test]
async fn the_demo_loader_waits_for_auth_and_loads_once_into_an_empty_semester() {
    let url = everytime_common::postgres::test_database()
        .await
        .expect("a test database");
    // Auth's address, not served yet: calls to it are refused until it starts.
    let auth_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let auth_url = format!("http://{auth_addr}");
    let mut config = everytime_timetable::Config::new(url.clone(), auth_url.clone());
    config.load_demo_catalog = true;
    config.demo_retry = demo::Retry {
        attempts: 100,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    };
    let mut timetable = everytime::Running::spawn(
        tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds"),
        move |listener, shutdown| everytime_timetable::serve(config, listener, shutdown),
    )
    .expect("spawns");
    let mut health = tonic_health::pb::health_client::HealthClient::new(
        everytime_common::grpc::channel(
            &format!("http://{}", timetable.addr),
            Duration::from_secs(5),
        )
        .expect("a channel"),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .is_err()
    {
        assert!(tokio::time::Instant::now() < deadline, "timetable is ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Ready while auth is still down: the load does not hold start-up up.
    let pool = catalog::connect(&url).await.expect("connects");
    let semester = Semester::parse_or_current("semester", "").expect("a semester");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        catalog::course_count(&pool, 1, semester.as_str())
            .await
            .expect("counts"),
        0
    );

    let mut auth = everytime::Running::spawn(
        tokio::net::TcpListener::bind(auth_addr)
            .await
            .expect("binds auth's address"),
        move |listener, shutdown| {
            everytime_auth::serve(everytime_auth::Config::new(url), listener, shutdown)
        },
    )
    .expect("spawns");

    let expected = catalog::CatalogFile::from_json(DEMO_CATALOG)
        .expect("parses")
        .courses
        .len();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut count = 0;
    while tokio::time::Instant::now() < deadline {
        count = catalog::course_count(&pool, 1, semester.as_str())
            .await
            .expect("counts");
        if count > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One transaction: all of it at once.
    assert_eq!(count, i64::try_from(expected).unwrap());

    // Once there are courses it leaves the semester alone.
    let client = everytime_proto::auth::v1::auth_service_client::AuthServiceClient::new(
        everytime_common::grpc::channel(&auth_url, Duration::from_secs(5)).expect("a channel"),
    );
    let again = demo::load(&pool, client, demo::Retry::default())
        .await
        .expect("loads");
    assert_eq!(again, demo::Loaded::AlreadyLoaded);
    pool.close().await;
    timetable.stop().await.expect("timetable stops");
    auth.stop().await.expect("auth stops");
}

// ---------------------------------------------------------------- timetables

#[tokio::test]
async fn timetables_are_created_listed_renamed_and_made_primary() {
    let (stack, _admin) = stack_with_catalog().await;
    let minsu = stack.user("minsu").await;

    let first = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let second = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let named = create_timetable(
        &stack,
        &minsu.token,
        json!({"semester": SEMESTER, "name": " 플랜 B "}),
    )
    .await;
    let spring = create_timetable(&stack, &minsu.token, json!({"semester": "2027-1"})).await;

    let mut keys: Vec<&str> = first
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "courses",
            "created_at",
            "id",
            "is_primary",
            "name",
            "owner",
            "semester",
            "total_credits",
            "visibility"
        ]
    );
    assert_eq!(first["name"], "시간표 1");
    assert_eq!(second["name"], "시간표 2");
    assert_eq!(named["name"], "플랜 B");
    assert_eq!(
        (
            first["is_primary"].as_bool(),
            second["is_primary"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(spring["is_primary"], true, "the first of its semester");
    assert_eq!(
        first["owner"],
        json!({"id": minsu.id, "nickname": nickname_for("minsu")})
    );
    assert_eq!(first["visibility"], "friends");
    assert_eq!(first["courses"], json!([]));
    assert_eq!(first["total_credits"], 0);
    assert!(
        first["created_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z') && at.len() == 20)
    );

    let listed = stack
        .get(
            &format!("/api/v1/timetables?semester={SEMESTER}"),
            Some(&minsu.token),
        )
        .await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(3));
    let everything = stack.get("/api/v1/timetables", Some(&minsu.token)).await;
    assert_eq!(everything.body["items"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        everything.body["items"][0]["semester"], "2027-1",
        "newest semester first"
    );

    let second_id = second["id"].as_i64().expect("an id");
    let patched = stack
        .patch(
            &format!("/api/v1/timetables/{second_id}"),
            Some(&minsu.token),
            json!({"name": "최종", "is_primary": true, "visibility": "public"}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(
        (
            &patched.body["name"],
            &patched.body["is_primary"],
            &patched.body["visibility"]
        ),
        (&json!("최종"), &json!(true), &json!("public"))
    );
    let first_now = stack
        .get(
            &format!("/api/v1/timetables/{}", first["id"]),
            Some(&minsu.token),
        )
        .await;
    assert_eq!(
        first_now.body["is_primary"], false,
        "one primary per semester"
    );
    let unset = stack
        .patch(
            &format!("/api/v1/timetables/{second_id}"),
            Some(&minsu.token),
            json!({"is_primary": false}),
        )
        .await;
    unset.assert_problem(400, "primary_required");
}

#[tokio::test]
async fn timetable_limits_are_400_naming_the_field() {
    let (stack, _admin) = stack_with_catalog().await;
    let minsu = stack.user("minsu").await;
    let timetable = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let id = timetable["id"].as_i64().expect("an id");

    for (body, field) in [
        (json!({"semester": "2026"}), "semester"),
        (
            json!({"semester": SEMESTER, "name": "가".repeat(41)}),
            "name",
        ),
        (json!({"semester": SEMESTER, "name": "   "}), "name"),
        (json!({"name": "x"}), "semester"),
    ] {
        let reply = stack
            .post("/api/v1/timetables", Some(&minsu.token), body)
            .await;
        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), [field]);
    }
    for (body, field) in [
        (json!({"name": "가".repeat(41)}), "name"),
        (json!({"visibility": "everyone"}), "visibility"),
        (json!({"is_primary": "yes"}), "is_primary"),
    ] {
        let reply = stack
            .patch(
                &format!("/api/v1/timetables/{id}"),
                Some(&minsu.token),
                body,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(reply.error_fields(), [field]);
    }
    assert_eq!(
        stack
            .post(
                "/api/v1/timetables",
                Some(&minsu.token),
                json!({"semester": SEMESTER, "name": "가".repeat(40)})
            )
            .await
            .status,
        StatusCode::CREATED,
        "40 Hangul characters are within the limit"
    );
    stack
        .get("/api/v1/timetables/not-a-number", Some(&minsu.token))
        .await
        .assert_problem(400, "invalid_input");
    stack
        .get("/api/v1/timetables/987654", Some(&minsu.token))
        .await
        .assert_problem(404, "timetable_not_found");
    stack
        .get("/api/v1/timetables", None)
        .await
        .assert_problem(401, "missing_token");
}

#[tokio::test]
async fn deleting_the_primary_hands_it_to_the_oldest_remaining() {
    let (stack, _admin) = stack_with_catalog().await;
    let minsu = stack.user("minsu").await;
    let first = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let second = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let third = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;

    let deleted = stack
        .delete(
            &format!("/api/v1/timetables/{}", first["id"]),
            Some(&minsu.token),
        )
        .await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let listed = stack
        .get(
            &format!("/api/v1/timetables?semester={SEMESTER}"),
            Some(&minsu.token),
        )
        .await;
    let items = listed.body["items"].as_array().expect("items");
    let primary: Vec<&Value> = items
        .iter()
        .filter(|t| t["is_primary"] == true)
        .map(|t| &t["id"])
        .collect();
    assert_eq!(primary, [&second["id"]]);
    assert!(items.iter().any(|t| t["id"] == third["id"]));
    stack
        .get(
            &format!("/api/v1/timetables/{}", first["id"]),
            Some(&minsu.token),
        )
        .await
        .assert_problem(404, "timetable_not_found");
    stack
        .delete(
            &format!("/api/v1/timetables/{}", first["id"]),
            Some(&minsu.token),
        )
        .await
        .assert_problem(404, "timetable_not_found");
}

#[tokio::test]
async fn adding_courses_counts_credits_and_a_clash_lists_the_courses_in_the_way() {
    let (stack, _admin) = stack_with_catalog().await;
    let minsu = stack.user("minsu").await;
    let timetable = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let id = timetable["id"].as_i64().expect("an id");
    let data_structures = course_id(&stack, &minsu.token, "CSE2010-01").await;
    let os = course_id(&stack, &minsu.token, "CSE3020-01").await;
    let algorithms = course_id(&stack, &minsu.token, "CSE3030-01").await;

    let first = add(&stack, &minsu.token, id, data_structures).await;
    let back_to_back = add(&stack, &minsu.token, id, os).await;
    let clash = add(&stack, &minsu.token, id, algorithms).await;
    let again = add(&stack, &minsu.token, id, os).await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["total_credits"], 3);
    assert_eq!(
        back_to_back.status,
        StatusCode::CREATED,
        "10:15 end and 10:15 start do not clash: {}",
        back_to_back.text
    );
    assert_eq!(back_to_back.body["total_credits"], 6);
    assert_course_shape(&back_to_back.body["courses"][0]);
    clash.assert_problem(409, "time_conflict");
    let conflicts = clash.body["conflicts"].as_array().expect("conflicts");
    let clashing: Vec<&str> = conflicts
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(clashing, ["CSE2010-01", "CSE3020-01"]);
    assert_course_shape(&conflicts[0]);
    again.assert_problem(409, "already_added");

    let removed = stack
        .delete(
            &format!("/api/v1/timetables/{id}/courses/{os}"),
            Some(&minsu.token),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    stack
        .delete(
            &format!("/api/v1/timetables/{id}/courses/{os}"),
            Some(&minsu.token),
        )
        .await
        .assert_problem(404, "course_not_found");
    let read = stack
        .get(&format!("/api/v1/timetables/{id}"), Some(&minsu.token))
        .await;
    assert_eq!(
        codes(&json!({"items": read.body["courses"]})),
        ["CSE2010-01"]
    );
    assert_eq!(read.body["total_credits"], 3);
}

#[tokio::test]
async fn courses_of_another_semester_or_school_are_400_and_unknown_ids_404() {
    let (stack, admin) = stack_with_catalog().await;
    import(
        &stack,
        &admin,
        1,
        "2027-1",
        vec![course(
            "NEXT-01",
            "다음학기",
            "교수",
            3,
            &[("FRI", "09:00", "10:00", "")],
        )],
    )
    .await;
    import(
        &stack,
        &admin,
        2,
        SEMESTER,
        vec![course(
            "ELSE-01",
            "남의학교",
            "교수",
            3,
            &[("FRI", "09:00", "10:00", "")],
        )],
    )
    .await;
    let minsu = stack.user("minsu").await;
    let visitor = stack.user_at("visitor", 2).await;
    let timetable = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let id = timetable["id"].as_i64().expect("an id");
    let next = stack
        .get("/api/v1/courses?semester=2027-1", Some(&minsu.token))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .expect("an id");
    let elsewhere = course_id(&stack, &visitor.token, "ELSE-01").await;

    let semester = add(&stack, &minsu.token, id, next).await;
    let school = add(&stack, &minsu.token, id, elsewhere).await;

    assert_eq!(semester.status, StatusCode::BAD_REQUEST);
    assert_eq!(semester.error_fields(), ["course_id"]);
    assert_eq!(school.status, StatusCode::BAD_REQUEST);
    assert_eq!(school.error_fields(), ["course_id"]);
    add(&stack, &minsu.token, id, 987_654)
        .await
        .assert_problem(404, "course_not_found");
    add(&stack, &minsu.token, 987_654, next)
        .await
        .assert_problem(404, "timetable_not_found");
    let missing = stack
        .post(
            &format!("/api/v1/timetables/{id}/courses"),
            Some(&minsu.token),
            json!({}),
        )
        .await;
    assert_eq!(missing.error_fields(), ["course_id"]);
}

#[tokio::test]
async fn racing_conflicting_adds_accept_exactly_one_every_time() {
    let (stack, admin) = stack_with_admin().await;
    import(
        &stack,
        &admin,
        1,
        SEMESTER,
        vec![
            course(
                "RACE-A",
                "경쟁A",
                "교수",
                3,
                &[("MON", "09:00", "10:30", "")],
            ),
            course(
                "RACE-B",
                "경쟁B",
                "교수",
                3,
                &[("FRI", "13:00", "14:00", ""), ("MON", "10:00", "11:00", "")],
            ),
        ],
    )
    .await;
    let minsu = stack.user("minsu").await;
    let a = course_id(&stack, &minsu.token, "RACE-A").await;
    let b = course_id(&stack, &minsu.token, "RACE-B").await;

    for round in 0..30 {
        let timetable = create_timetable(
            &stack,
            &minsu.token,
            json!({"semester": SEMESTER, "name": format!("경쟁 {round}")}),
        )
        .await;
        let id = timetable["id"].as_i64().expect("an id");

        let (first, second) = tokio::join!(
            add(&stack, &minsu.token, id, a),
            add(&stack, &minsu.token, id, b)
        );

        let statuses = [first.status.as_u16(), second.status.as_u16()];
        assert_eq!(
            statuses.iter().filter(|status| **status == 201).count(),
            1,
            "round {round}: {statuses:?}"
        );
        let refused = if first.status == StatusCode::CREATED {
            &second
        } else {
            &first
        };
        refused.assert_problem(409, "time_conflict");
        assert_eq!(
            refused.body["conflicts"].as_array().map(Vec::len),
            Some(1),
            "round {round}: {}",
            refused.text
        );
        let held = stack
            .get(&format!("/api/v1/timetables/{id}"), Some(&minsu.token))
            .await;
        assert_eq!(
            held.body["courses"].as_array().map(Vec::len),
            Some(1),
            "round {round}"
        );
        stack
            .delete(&format!("/api/v1/timetables/{id}"), Some(&minsu.token))
            .await;
    }
}

#[tokio::test]
async fn the_image_is_an_svg_grid_with_a_block_per_session() {
    let (stack, _admin) = stack_with_catalog().await;
    let minsu = stack.user("minsu").await;
    let timetable = create_timetable(
        &stack,
        &minsu.token,
        json!({"semester": SEMESTER, "name": "R&D <계획>"}),
    )
    .await;
    let id = timetable["id"].as_i64().expect("an id");
    for code in ["CSE2010-01", "MAT1010-02"] {
        let course = course_id(&stack, &minsu.token, code).await;
        add(&stack, &minsu.token, id, course).await;
    }
    let image = |stack: &TestStack| {
        let request = stack
            .http
            .get(stack.url(&format!("/api/v1/timetables/{id}/image.svg")))
            .bearer_auth(&minsu.token);
        async move { request.send().await.expect("answers") }
    };

    let weekday = image(&stack).await;
    assert_eq!(weekday.status(), StatusCode::OK);
    assert_eq!(weekday.headers()["content-type"], "image/svg+xml");
    let svg = weekday.text().await.expect("a body");
    let document = roxmltree::Document::parse(&svg).expect("valid XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let font = root.attribute("font-family").expect("a font stack");
    assert!(
        font.contains("Apple SD Gothic Neo")
            && font.contains("Noto Sans KR")
            && font.contains("Malgun Gothic")
    );
    let class_count = |class: &str| {
        root.descendants()
            .filter(|node| node.attribute("class") == Some(class))
            .count()
    };
    assert_eq!(class_count("session"), 4, "two two-day courses");
    let days: Vec<&str> = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("day"))
        .filter_map(|node| node.attribute("data-day"))
        .collect();
    assert_eq!(
        days,
        ["MON", "TUE", "WED", "THU", "FRI"],
        "no weekend when none is used"
    );
    let text: String = root.descendants().filter_map(|node| node.text()).collect();
    for expected in [
        "자료구조",
        "미적분학",
        "301동 101호",
        "27동 220호",
        "R&D <계획>",
    ] {
        assert!(text.contains(expected), "{expected} in {svg}");
    }

    let lab = course_id(&stack, &minsu.token, "PHY1020-01").await;
    add(&stack, &minsu.token, id, lab).await;
    let svg = image(&stack).await.text().await.expect("a body");
    let document = roxmltree::Document::parse(&svg).expect("valid XML");
    let days: Vec<&str> = document
        .descendants()
        .filter(|node| node.attribute("class") == Some("day"))
        .filter_map(|node| node.attribute("data-day"))
        .collect();
    assert_eq!(days, ["MON", "TUE", "WED", "THU", "FRI", "SAT"]);
    assert_eq!(
        document
            .descendants()
            .filter(|node| node.attribute("class") == Some("session"))
            .count(),
        5
    );
    // One colour per course, a different one for each.
    let mut fills: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    for block in document
        .descendants()
        .filter(|node| node.attribute("class") == Some("course"))
    {
        let fill = block
            .children()
            .find(|node| node.attribute("class") == Some("session"))
            .and_then(|rect| rect.attribute("fill"))
            .expect("a filled block");
        fills
            .entry(block.attribute("data-course-id").expect("a course id"))
            .or_default()
            .insert(fill);
    }
    assert_eq!(fills.len(), 3, "{fills:?}");
    assert!(
        fills.values().all(|colours| colours.len() == 1),
        "{fills:?}"
    );
    let distinct: std::collections::BTreeSet<&str> = fills.values().flatten().copied().collect();
    assert_eq!(distinct.len(), 3, "{fills:?}");
    // Every block shows its room.
    let rooms: Vec<&str> = document
        .descendants()
        .filter(|node| node.attribute("class") == Some("room"))
        .filter_map(|node| node.text())
        .collect();
    assert_eq!(
        rooms,
        [
            "301동 101호",
            "301동 101호",
            "27동 220호",
            "27동 220호",
            "56동 실험실"
        ]
    );
}

#[tokio::test]
async fn visibility_decides_who_sees_a_timetable_its_image_and_the_friend_view() {
    let (stack, _admin) = stack_with_catalog().await;
    let owner = stack.user("owner").await;
    let friend = stack.user("friend").await;
    let schoolmate = stack.user("schoolmate").await;
    let outsider = stack.user_at("outsider", 2).await;
    befriend(&stack, &owner, &friend).await;
    let timetable = create_timetable(&stack, &owner.token, json!({"semester": SEMESTER})).await;
    let id = timetable["id"].as_i64().expect("an id");

    for (visibility, timetable_seen, friend_view_seen) in [
        (
            "private",
            [true, false, false, false],
            [false, false, false, false],
        ),
        (
            "friends",
            [true, true, false, false],
            [false, true, false, false],
        ),
        (
            "public",
            [true, true, true, false],
            [false, true, false, false],
        ),
    ] {
        let patched = stack
            .patch(
                &format!("/api/v1/timetables/{id}"),
                Some(&owner.token),
                json!({"visibility": visibility}),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
        for ((viewer, sees), sees_friend_view) in [&owner, &friend, &schoolmate, &outsider]
            .into_iter()
            .zip(timetable_seen)
            .zip(friend_view_seen)
        {
            let who = viewer.user["username"].as_str().unwrap_or_default();
            let read = stack
                .get(&format!("/api/v1/timetables/{id}"), Some(&viewer.token))
                .await;
            let image = stack
                .get(
                    &format!("/api/v1/timetables/{id}/image.svg"),
                    Some(&viewer.token),
                )
                .await;
            let friend_view = stack
                .get(
                    &format!("/api/v1/friends/{}/timetable?semester={SEMESTER}", owner.id),
                    Some(&viewer.token),
                )
                .await;
            if sees {
                assert_eq!(
                    read.status,
                    StatusCode::OK,
                    "{visibility} {who}: {}",
                    read.text
                );
                assert_eq!(
                    read.body["owner"],
                    json!({"id": owner.id, "nickname": nickname_for("owner")})
                );
                assert_eq!(image.status, StatusCode::OK, "{visibility} {who}");
            } else {
                read.assert_problem(404, "timetable_not_found");
                image.assert_problem(404, "timetable_not_found");
            }
            if sees_friend_view {
                assert_eq!(
                    friend_view.status,
                    StatusCode::OK,
                    "{visibility} {who}: {}",
                    friend_view.text
                );
                assert_eq!(friend_view.body["id"], id);
            } else {
                friend_view.assert_problem(404, "timetable_not_found");
            }
        }
    }
    // Seeing is not owning.
    let course = course_id(&stack, &owner.token, "CSE2010-01").await;
    add(&stack, &friend.token, id, course)
        .await
        .assert_problem(403, "not_owner");
    stack
        .delete(&format!("/api/v1/timetables/{id}"), Some(&schoolmate.token))
        .await
        .assert_problem(403, "not_owner");
    stack
        .delete(&format!("/api/v1/timetables/{id}"), Some(&outsider.token))
        .await
        .assert_problem(404, "timetable_not_found");
}

// ---------------------------------------------------------------- friends

#[tokio::test]
async fn a_friend_request_is_sent_by_username_listed_and_accepted_by_its_recipient_only() {
    let stack = TestStack::start().await;
    let minsu = stack.user("minsu").await;
    let jiwoo = stack.user("jiwoo").await;
    let third = stack.user("third").await;
    stack.user_at("faraway", 2).await;
    let minsu_ref = json!({"id": minsu.id, "nickname": nickname_for("minsu")});
    let jiwoo_ref = json!({"id": jiwoo.id, "nickname": nickname_for("jiwoo")});

    let sent = stack
        .post(
            "/api/v1/friends/requests",
            Some(&minsu.token),
            json!({"username": "jiwoo"}),
        )
        .await;

    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    assert_eq!(sent.body["from"], minsu_ref);
    assert_eq!(sent.body["to"], jiwoo_ref);
    assert_eq!(sent.body["accepted"], false);
    assert!(
        sent.body["created_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    let id = sent.body["id"].as_i64().expect("an id");
    stack
        .post(
            "/api/v1/friends/requests",
            Some(&minsu.token),
            json!({"username": "jiwoo"}),
        )
        .await
        .assert_problem(409, "already_requested");
    stack
        .post(
            "/api/v1/friends/requests",
            Some(&minsu.token),
            json!({"username": "nobody"}),
        )
        .await
        .assert_problem(404, "user_not_found");
    stack
        .post(
            "/api/v1/friends/requests",
            Some(&minsu.token),
            json!({"username": "faraway"}),
        )
        .await
        .assert_problem(404, "user_not_found");
    let yourself = stack
        .post(
            "/api/v1/friends/requests",
            Some(&minsu.token),
            json!({"username": "minsu"}),
        )
        .await;
    yourself.assert_problem(400, "cannot_befriend_self");
    assert_eq!(yourself.error_fields(), ["username"]);

    let incoming = stack
        .get("/api/v1/friends/requests", Some(&jiwoo.token))
        .await;
    assert_eq!(incoming.body["incoming"][0]["from"], minsu_ref);
    assert_eq!(incoming.body["incoming"][0]["to"], jiwoo_ref);
    assert!(incoming.body["incoming"][0].get("accepted").is_none());
    assert_eq!(incoming.body["outgoing"], json!([]));
    let outgoing = stack
        .get("/api/v1/friends/requests", Some(&minsu.token))
        .await;
    assert_eq!(outgoing.body["outgoing"][0]["id"], id);

    let accept = |session: &Session| {
        let path = format!("/api/v1/friends/requests/{id}/accept");
        let token = session.token.clone();
        let stack = &stack;
        async move { stack.post(&path, Some(&token), json!({})).await }
    };
    accept(&minsu).await.assert_problem(403, "not_recipient");
    accept(&third)
        .await
        .assert_problem(404, "friend_request_not_found");
    let accepted = accept(&jiwoo).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(accepted.body, json!({"friend": minsu_ref}));
    accept(&jiwoo)
        .await
        .assert_problem(404, "friend_request_not_found");
    stack
        .post(
            "/api/v1/friends/requests",
            Some(&jiwoo.token),
            json!({"username": "minsu"}),
        )
        .await
        .assert_problem(409, "already_friends");

    let friends = stack.get("/api/v1/friends", Some(&minsu.token)).await;
    assert_eq!(friends.body, json!({"items": [jiwoo_ref]}));
    let requests = stack
        .get("/api/v1/friends/requests", Some(&jiwoo.token))
        .await;
    assert_eq!(requests.body, json!({"incoming": [], "outgoing": []}));
}

#[tokio::test]
async fn asking_someone_who_already_asked_you_makes_you_friends() {
    let stack = TestStack::start().await;
    let minsu = stack.user("minsu").await;
    let jiwoo = stack.user("jiwoo").await;
    let first = stack
        .post(
            "/api/v1/friends/requests",
            Some(&minsu.token),
            json!({"username": "jiwoo"}),
        )
        .await;

    let second = stack
        .post(
            "/api/v1/friends/requests",
            Some(&jiwoo.token),
            json!({"username": "minsu"}),
        )
        .await;

    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert_eq!(second.body["accepted"], true);
    assert_eq!(
        second.body["id"], first.body["id"],
        "the request that was waiting"
    );
    let friends = stack.get("/api/v1/friends", Some(&jiwoo.token)).await;
    assert_eq!(friends.body["items"][0]["id"], minsu.id);
}

#[tokio::test]
async fn requests_are_declined_or_cancelled_and_friends_removed_on_both_sides() {
    let stack = TestStack::start().await;
    let minsu = stack.user("minsu").await;
    let jiwoo = stack.user("jiwoo").await;
    let third = stack.user("third").await;
    let send = || {
        stack.post(
            "/api/v1/friends/requests",
            Some(&minsu.token),
            json!({"username": "jiwoo"}),
        )
    };

    let declined = send().await.body["id"].as_i64().expect("an id");
    stack
        .delete(
            &format!("/api/v1/friends/requests/{declined}"),
            Some(&third.token),
        )
        .await
        .assert_problem(404, "friend_request_not_found");
    assert_eq!(
        stack
            .delete(
                &format!("/api/v1/friends/requests/{declined}"),
                Some(&jiwoo.token)
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let cancelled = send().await.body["id"].as_i64().expect("an id");
    assert_eq!(
        stack
            .delete(
                &format!("/api/v1/friends/requests/{cancelled}"),
                Some(&minsu.token)
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        stack
            .get("/api/v1/friends/requests", Some(&jiwoo.token))
            .await
            .body["incoming"],
        json!([])
    );

    befriend(&stack, &minsu, &jiwoo).await;
    let removed = stack
        .delete(&format!("/api/v1/friends/{}", jiwoo.id), Some(&minsu.token))
        .await;

    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        stack.get("/api/v1/friends", Some(&minsu.token)).await.body,
        json!({"items": []})
    );
    assert_eq!(
        stack.get("/api/v1/friends", Some(&jiwoo.token)).await.body,
        json!({"items": []})
    );
    stack
        .delete(&format!("/api/v1/friends/{}", jiwoo.id), Some(&minsu.token))
        .await
        .assert_problem(404, "friend_not_found");
}

#[tokio::test]
async fn the_first_screen_shows_the_primary_timetable_and_the_friends_newest_first() {
    let (stack, _admin) = stack_with_catalog().await;
    let minsu = stack.user("minsu").await;
    let dana = stack.user("dana").await;
    let bora = stack.user("bora").await;
    let chan = stack.user("chan").await;
    // Newest first is neither the nicknames' order nor the ids'.
    befriend(&stack, &minsu, &bora).await;
    befriend(&stack, &chan, &minsu).await;
    befriend(&stack, &minsu, &dana).await;
    let newest_first = json!([
        {"id": dana.id, "nickname": nickname_for("dana")},
        {"id": chan.id, "nickname": nickname_for("chan")},
        {"id": bora.id, "nickname": nickname_for("bora")},
    ]);

    let empty = stack
        .get(
            &format!("/api/v1/me/timetable?semester={SEMESTER}"),
            Some(&minsu.token),
        )
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert!(empty.body["timetable"].is_null());
    assert_eq!(empty.body["friends"], newest_first);
    let friends = stack.get("/api/v1/friends", Some(&minsu.token)).await;
    assert_eq!(friends.body, json!({"items": newest_first}));

    let timetable = create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    create_timetable(&stack, &minsu.token, json!({"semester": SEMESTER})).await;
    let course = course_id(&stack, &minsu.token, "MAT1010-02").await;
    add(
        &stack,
        &minsu.token,
        timetable["id"].as_i64().expect("an id"),
        course,
    )
    .await;
    let home = stack
        .get(
            &format!("/api/v1/me/timetable?semester={SEMESTER}"),
            Some(&minsu.token),
        )
        .await;
    assert_eq!(home.body["timetable"]["id"], timetable["id"]);
    assert_eq!(
        home.body["timetable"]["owner"]["nickname"],
        nickname_for("minsu")
    );
    assert_eq!(home.body["timetable"]["courses"][0]["code"], "MAT1010-02");
    assert_eq!(home.body["friends"], newest_first);

    // Without a semester: the current one.
    let current = Semester::parse_or_current("semester", "").expect("a semester");
    let now = create_timetable(&stack, &minsu.token, json!({"semester": current.as_str()})).await;
    let default = stack.get("/api/v1/me/timetable", Some(&minsu.token)).await;
    assert_eq!(default.body["timetable"]["semester"], current.as_str());
    if current.as_str() != SEMESTER {
        assert_eq!(default.body["timetable"]["id"], now["id"]);
    }
    stack
        .get("/api/v1/me/timetable?semester=2026-9", Some(&minsu.token))
        .await
        .assert_problem(400, "invalid_input");
}

#[tokio::test]
async fn every_timetable_and_friends_path_is_in_the_openapi_document() {
    let stack = TestStack::start().await;

    let document = stack.get("/api/v1/openapi.json", None).await;

    let paths = document.body["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/courses", "get"),
        ("/api/v1/admin/courses", "post"),
        ("/api/v1/timetables", "get"),
        ("/api/v1/timetables", "post"),
        ("/api/v1/timetables/{id}", "get"),
        ("/api/v1/timetables/{id}", "patch"),
        ("/api/v1/timetables/{id}", "delete"),
        ("/api/v1/timetables/{id}/courses", "post"),
        ("/api/v1/timetables/{id}/courses/{course_id}", "delete"),
        ("/api/v1/timetables/{id}/image.svg", "get"),
        ("/api/v1/me/timetable", "get"),
        ("/api/v1/friends/requests", "post"),
        ("/api/v1/friends/requests", "get"),
        ("/api/v1/friends/requests/{id}/accept", "post"),
        ("/api/v1/friends/requests/{id}", "delete"),
        ("/api/v1/friends", "get"),
        ("/api/v1/friends/{user_id}", "delete"),
        ("/api/v1/friends/{user_id}/timetable", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path}"
        );
    }
}
