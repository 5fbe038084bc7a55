//! Importing the course catalog: who may, what is refused and named, and updates by code.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    SEMESTER, assert_course_shape, catalog_courses, codes, course, course_id, import, search,
    stack_with_admin, stack_with_catalog,
};

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
