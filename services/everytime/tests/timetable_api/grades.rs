//! 학점계산기 through the gateway: replacing a semester, the exact averages
//! (half up at the boundaries), P/NP/F and missing grades, the record and
//! its target, filling a semester from the primary timetable, and every
//! refusal.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestStack;
use crate::{SEMESTER, add, course_id, create_timetable, stack_with_catalog};

fn c(name: &str, credits: f64, grade: Option<&str>, major: bool) -> Value {
    json!({"name": name, "credits": credits, "grade": grade, "major": major})
}

async fn put_semester(
    stack: &TestStack,
    token: &str,
    semester: &str,
    courses: Vec<Value>,
) -> crate::support::Reply {
    stack
        .put(
            &format!("/api/v1/me/grades/{semester}"),
            Some(token),
            Some(json!({"courses": courses})),
        )
        .await
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

#[tokio::test]
async fn a_semester_is_replaced_and_averaged_by_credits_rounding_half_up() {
    let stack = TestStack::start().await;
    let me = stack.user("student").await;

    // A+ 3 credits (major), B0 1 credit: (13.5 + 3) / 4 = 4.125, the boundary → 4.13.
    let put = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![
            c(" 자료구조 ", 3.0, Some("A+"), true),
            c("교양영어", 1.0, Some("B0"), false),
        ],
    )
    .await;

    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["semester"], "2026-1");
    assert_eq!(put.body["courses"][0]["name"], "자료구조");
    assert_eq!(put.body["courses"][0]["grade"], "A+");
    assert_eq!(put.body["courses"][0]["major"], true);
    assert_eq!(number(&put.body["gpa"]), Some(4.13));
    assert!(put.text.contains("\"gpa\":4.13"), "{}", put.text);
    assert_eq!(number(&put.body["major_gpa"]), Some(4.5));
    assert_eq!(number(&put.body["credits"]), Some(4.0));
    assert_eq!(number(&put.body["earned_credits"]), Some(4.0));

    // Replaced whole: A0 3, B+ 3, C+ 2 = 27.5 / 8 = 3.4375 → 3.44; 0.5-credit steps are exact.
    let put = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![
            c("운영체제", 3.0, Some("A0"), false),
            c("알고리즘", 3.0, Some("B+"), false),
            c("글쓰기", 2.0, Some("C+"), false),
            c("체육", 0.5, Some("P"), false),
        ],
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["courses"].as_array().map(Vec::len), Some(4));
    assert_eq!(number(&put.body["gpa"]), Some(3.44));
    assert_eq!(put.body["major_gpa"], Value::Null);
    assert_eq!(number(&put.body["credits"]), Some(8.5));
    assert_eq!(number(&put.body["courses"][3]["credits"]), Some(0.5));
    // A0, A0, B+ one credit each: 3.8333… rounds down to 3.83.
    let put = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![
            c("가", 1.0, Some("A0"), false),
            c("나", 1.0, Some("A0"), false),
            c("다", 1.0, Some("B+"), false),
        ],
    )
    .await;
    assert_eq!(number(&put.body["gpa"]), Some(3.83), "{}", put.text);
    let put = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![
            c("가", 1.0, Some("A+"), false),
            c("나", 1.0, Some("B0"), false),
            c("다", 1.0, Some("B0"), false),
        ],
    )
    .await;
    // A+, B0, B0: (4.5 + 3 + 3) / 3 = 3.5 exactly.
    assert_eq!(number(&put.body["gpa"]), Some(3.5), "{}", put.text);
    let put = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![
            c("가", 1.0, Some("A+"), false),
            c("나", 2.0, Some("B+"), false),
        ],
    )
    .await;
    // A+ 1, B+ 2: (4.5 + 7) / 3 = 3.8333… → 3.83.
    assert_eq!(number(&put.body["gpa"]), Some(3.83), "{}", put.text);
    let put = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![
            c("가", 2.0, Some("A+"), false),
            c("나", 1.0, Some("B+"), false),
        ],
    )
    .await;
    // A+ 2, B+ 1: (9 + 3.5) / 3 = 4.1666… rounds up to 4.17.
    assert_eq!(number(&put.body["gpa"]), Some(4.17), "{}", put.text);

    let record = stack.get("/api/v1/me/grades", Some(&me.token)).await;
    assert_eq!(record.body["semesters"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        record.body["semesters"][0]["courses"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn pass_no_pass_f_and_missing_grades_count_as_the_rules_say() {
    let stack = TestStack::start().await;
    let me = stack.user("student").await;

    let put = put_semester(
        &stack,
        &me.token,
        "2026-2",
        vec![
            c("자료구조", 3.0, Some("A+"), true),
            c("채플", 2.0, Some("P"), true),
            c("봉사", 1.0, Some("NP"), false),
            c("물리학", 3.0, Some("F"), false),
            c("미정", 3.0, None, true),
        ],
    )
    .await;

    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    // P, NP and the missing grade in no average; F as 0: 13.5 / 6 = 2.25.
    assert_eq!(number(&put.body["gpa"]), Some(2.25));
    assert_eq!(number(&put.body["major_gpa"]), Some(4.5));
    // Every graded course 3 + 2 + 1 + 3; earned without F and NP: 3 + 2.
    assert_eq!(number(&put.body["credits"]), Some(9.0));
    assert_eq!(number(&put.body["earned_credits"]), Some(5.0));
    assert_eq!(put.body["courses"][4]["grade"], Value::Null);

    let only_pass = put_semester(
        &stack,
        &me.token,
        "2026-2",
        vec![
            c("채플", 2.0, Some("P"), false),
            c("미정", 3.0, None, false),
        ],
    )
    .await;
    assert_eq!(only_pass.body["gpa"], Value::Null, "{}", only_pass.text);
    assert_eq!(only_pass.body["major_gpa"], Value::Null);
    assert_eq!(number(&only_pass.body["earned_credits"]), Some(2.0));
}

#[tokio::test]
async fn the_record_is_oldest_first_with_totals_a_target_and_empty_semesters_gone() {
    let stack = TestStack::start().await;
    let me = stack.user("student").await;
    let other = stack.user("another").await;

    let empty = stack.get("/api/v1/me/grades", Some(&me.token)).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(
        empty.body,
        json!({"semesters": [], "gpa": null, "major_gpa": null, "credits": 0.0, "earned_credits": 0.0, "target_credits": null})
    );

    for (semester, grade) in [
        ("2026-2", "B0"),
        ("2025-2", "A+"),
        ("2026-S", "A0"),
        ("2026-1", "C0"),
    ] {
        let put = put_semester(
            &stack,
            &me.token,
            semester,
            vec![c("과목", 3.0, Some(grade), true)],
        )
        .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    }
    let record = stack.get("/api/v1/me/grades", Some(&me.token)).await;
    let semesters: Vec<&str> = record.body["semesters"]
        .as_array()
        .expect("semesters")
        .iter()
        .filter_map(|s| s["semester"].as_str())
        .collect();
    assert_eq!(semesters, ["2025-2", "2026-1", "2026-S", "2026-2"]);
    // Weighted over every course: (4.5 + 2 + 4 + 3) / 4 = 3.375 → 3.38.
    assert_eq!(number(&record.body["gpa"]), Some(3.38), "{}", record.text);
    assert_eq!(number(&record.body["major_gpa"]), Some(3.38));
    assert_eq!(number(&record.body["credits"]), Some(12.0));
    assert_eq!(number(&record.body["semesters"][1]["gpa"]), Some(2.0));

    // The target: /me/grades/target is not taken for a semester.
    let target = stack
        .put(
            "/api/v1/me/grades/target",
            Some(&me.token),
            Some(json!({"target_credits": 130})),
        )
        .await;
    assert_eq!(target.status, StatusCode::OK, "{}", target.text);
    assert_eq!(target.body["target_credits"], 130);
    assert_eq!(target.body["semesters"].as_array().map(Vec::len), Some(4));
    for bad in [json!({"target_credits": 0}), json!({"target_credits": 301})] {
        let refused = stack
            .put("/api/v1/me/grades/target", Some(&me.token), Some(bad))
            .await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.error_fields(), ["target_credits"]);
    }
    for edge in [1, 300] {
        let set = stack
            .put(
                "/api/v1/me/grades/target",
                Some(&me.token),
                Some(json!({"target_credits": edge})),
            )
            .await;
        assert_eq!(set.body["target_credits"], edge, "{}", set.text);
    }

    // No courses: the semester is not kept.
    let cleared = put_semester(&stack, &me.token, "2026-S", vec![]).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    assert_eq!(cleared.body["courses"], json!([]));
    assert_eq!(cleared.body["gpa"], Value::Null);
    let record = stack.get("/api/v1/me/grades", Some(&me.token)).await;
    assert_eq!(record.body["semesters"].as_array().map(Vec::len), Some(3));
    assert_eq!(record.body["target_credits"], 300);

    // Each user's own.
    let theirs = stack.get("/api/v1/me/grades", Some(&other.token)).await;
    assert_eq!(theirs.body["semesters"], json!([]));
    assert_eq!(theirs.body["target_credits"], Value::Null);
    stack
        .get("/api/v1/me/grades", None)
        .await
        .assert_problem(401, "missing_token");
}

#[tokio::test]
async fn bad_grade_input_is_a_400_naming_the_field_and_changes_nothing() {
    let stack = TestStack::start().await;
    let me = stack.user("student").await;
    let kept = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![c("자료구조", 3.0, Some("A+"), false)],
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text);
    let before = stack.get("/api/v1/me/grades", Some(&me.token)).await.body;

    for semester in ["2026-3", "2026", "26-1", "target2"] {
        let refused =
            put_semester(&stack, &me.token, semester, vec![c("가", 3.0, None, false)]).await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.error_fields(), ["semester"], "{semester}");
    }
    let long = "가".repeat(41);
    for (course, field) in [
        (c("", 3.0, None, false), "courses[0].name"),
        (c("   ", 3.0, None, false), "courses[0].name"),
        (c(&long, 3.0, None, false), "courses[0].name"),
        (c("가", 0.0, None, false), "courses[0].credits"),
        (c("가", 0.25, None, false), "courses[0].credits"),
        (c("가", 1.2, None, false), "courses[0].credits"),
        (c("가", 10.5, None, false), "courses[0].credits"),
        (c("가", -1.0, None, false), "courses[0].credits"),
        (c("가", 3.0, Some("A"), false), "courses[0].grade"),
        (c("가", 3.0, Some("a+"), false), "courses[0].grade"),
        (c("가", 3.0, Some("E"), false), "courses[0].grade"),
    ] {
        let refused = put_semester(&stack, &me.token, "2026-1", vec![course.clone()]).await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.error_fields(), [field], "{course}");
    }
    // Several at once, each named.
    let refused = put_semester(
        &stack,
        &me.token,
        "2026-1",
        vec![c("가", 3.0, None, false), c("", 11.0, Some("Z"), false)],
    )
    .await;
    assert_eq!(
        refused.error_fields(),
        ["courses[1].name", "courses[1].credits", "courses[1].grade"]
    );
    let too_many: Vec<Value> = (0..31)
        .map(|i| c(&format!("과목{i}"), 1.0, None, false))
        .collect();
    let refused = put_semester(&stack, &me.token, "2026-1", too_many).await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(refused.error_fields(), ["courses"]);
    // Not JSON numbers or no courses at all.
    for body in [
        json!({}),
        json!({"courses": [{"name": "가", "credits": "3"}]}),
        json!({"courses": "x"}),
    ] {
        let refused = stack
            .put("/api/v1/me/grades/2026-1", Some(&me.token), Some(body))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    }
    let target = stack
        .put(
            "/api/v1/me/grades/target",
            Some(&me.token),
            Some(json!({"target_credits": "many"})),
        )
        .await;
    assert_eq!(target.status, StatusCode::BAD_REQUEST, "{}", target.text);

    assert_eq!(
        stack.get("/api/v1/me/grades", Some(&me.token)).await.body,
        before
    );

    // The edges are fine: 30 courses, 40 characters, 0.5 and 10 credits.
    let mut edges: Vec<Value> = (0..28)
        .map(|i| c(&format!("과목{i}"), 1.0, None, false))
        .collect();
    edges.push(c(&"가".repeat(40), 0.5, Some("NP"), false));
    edges.push(c("졸업논문", 10.0, Some("A+"), true));
    let put = put_semester(&stack, &me.token, "2026-W", edges).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["courses"].as_array().map(Vec::len), Some(30));
    assert_eq!(number(&put.body["gpa"]), Some(4.5));
    assert_eq!(number(&put.body["credits"]), Some(10.5));
    assert_eq!(number(&put.body["earned_credits"]), Some(10.0));
}

#[tokio::test]
async fn from_timetable_adds_the_primary_timetables_courses_without_grades() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("student").await;
    let timetable = create_timetable(&stack, &me.token, json!({"semester": SEMESTER})).await;
    let id = timetable["id"].as_i64().expect("an id");
    for code in ["CSE2010-01", "MAT1010-02", "PHY1020-01"] {
        let course = course_id(&stack, &me.token, code).await;
        let added = add(&stack, &me.token, id, course).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    }
    // A grade already entered stays.
    let put = put_semester(
        &stack,
        &me.token,
        SEMESTER,
        vec![c("자료구조", 3.0, Some("A+"), true)],
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);

    let path = format!("/api/v1/me/grades/{SEMESTER}/from-timetable");
    let filled = stack.post(&path, Some(&me.token), json!({})).await;

    assert_eq!(filled.status, StatusCode::OK, "{}", filled.text);
    assert_eq!(
        filled.body["courses"],
        json!([
            {"name": "자료구조", "credits": 3.0, "grade": "A+", "major": true},
            {"name": "미적분학", "credits": 3.0, "grade": null, "major": false},
            {"name": "물리학실험", "credits": 1.0, "grade": null, "major": false},
        ])
    );
    // Courses without a grade count nowhere.
    assert_eq!(number(&filled.body["gpa"]), Some(4.5));
    assert_eq!(number(&filled.body["credits"]), Some(3.0));
    // Twice changes nothing.
    let again = stack.post(&path, Some(&me.token), json!({})).await;
    assert_eq!(again.body, filled.body);
    let record = stack.get("/api/v1/me/grades", Some(&me.token)).await;
    assert_eq!(
        record.body["semesters"][0]["courses"],
        filled.body["courses"]
    );

    // No primary timetable of that semester: 404; a bad semester: 400.
    stack
        .post(
            "/api/v1/me/grades/2026-1/from-timetable",
            Some(&me.token),
            json!({}),
        )
        .await
        .assert_problem(404, "timetable_not_found");
    let other = stack.user("another").await;
    stack
        .post(&path, Some(&other.token), json!({}))
        .await
        .assert_problem(404, "timetable_not_found");
    let bad = stack
        .post(
            "/api/v1/me/grades/2026-9/from-timetable",
            Some(&me.token),
            json!({}),
        )
        .await;
    bad.assert_problem(400, "invalid_input");
    assert_eq!(bad.error_fields(), ["semester"]);
}
