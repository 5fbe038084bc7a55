//! The committed demo catalog and the loader that imports it when the flag is on.

use std::time::Duration;

use everytime_timetable::{catalog, demo, domain::Semester};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::TestStack;
use crate::{SEMESTER, codes, import, stack_with_admin};

/// The demo catalog the timetable service loads when told to.
const DEMO_CATALOG: &str = demo::CATALOG;

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
    let url = everytime_devkit::postgres::test_database()
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
    let url = everytime_devkit::postgres::test_database()
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
