//! 강의평가 through the gateway: reviewing a lecture (across its sections
//! and semesters), every refusal, the summary, paging, likes, deleting, the
//! caller's own list, and that no reply tells anyone who wrote a review.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Reply, Session, TestStack};
use crate::{SEMESTER, course, course_id, import, stack_with_admin, stack_with_catalog};

fn review(rating: i64, assignment: &str, attendance: &str) -> Value {
    json!({
        "rating": rating,
        "assignment": assignment,
        "team_project": "none",
        "grading": "generous",
        "attendance": attendance,
        "exams": 2,
        "content": "설명이 친절하고 과제가 실력에 도움이 되는 수업입니다.",
        "semester": "2026-1",
    })
}

async fn write(stack: &TestStack, user: &Session, course: i64, body: Value) -> Reply {
    stack
        .post(
            &format!("/api/v1/courses/{course}/reviews"),
            Some(&user.token),
            body,
        )
        .await
}

async fn page(stack: &TestStack, user: &Session, course: i64, query: &str) -> Reply {
    stack
        .get(
            &format!("/api/v1/courses/{course}/reviews{query}"),
            Some(&user.token),
        )
        .await
}

async fn users(stack: &TestStack, prefix: &str, count: usize) -> Vec<Session> {
    let mut users = Vec::with_capacity(count);
    for index in 0..count {
        users.push(stack.user(&format!("{prefix}_{index}")).await);
    }
    users
}

/// Other sections and semesters of 자료구조 (김민준), and 자료구조 of another
/// professor, beside the shared catalog.
async fn import_lectures(stack: &TestStack, admin: &str) {
    let section = |code: &str, professor: &str| {
        course(
            code,
            "자료구조",
            professor,
            3,
            &[("FRI", "09:00", "10:15", "")],
        )
    };
    let imported = import(
        stack,
        admin,
        1,
        SEMESTER,
        vec![
            section("CSE2010-02", "김민준"),
            section("CSE2010-03", "박서준"),
        ],
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    let imported = import(
        stack,
        admin,
        1,
        "2027-1",
        vec![section("CSE2010-01", "김민준")],
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
}

#[tokio::test]
async fn a_review_is_of_the_lecture_across_sections_and_semesters() {
    let (stack, admin) = stack_with_catalog().await;
    import_lectures(&stack, &admin).await;
    let student = stack.user("reviewer").await;
    let reader = stack.user("reader").await;
    let first = course_id(&stack, &student.token, "CSE2010-01").await;
    let second = course_id(&stack, &student.token, "CSE2010-02").await;
    let other_professor = course_id(&stack, &student.token, "CSE2010-03").await;
    let next_year = stack
        .get(
            "/api/v1/courses?semester=2027-1&q=CSE2010-01",
            Some(&student.token),
        )
        .await
        .body["items"][0]["id"]
        .as_i64()
        .expect("the 2027-1 section");

    let written = write(&stack, &student, first, review(4, "normal", "electronic")).await;

    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    let mut keys: Vec<&str> = written
        .body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "assignment",
            "attendance",
            "content",
            "created_at",
            "exams",
            "grading",
            "id",
            "is_mine",
            "like_count",
            "rating",
            "semester",
            "team_project"
        ]
    );
    assert_eq!(written.body["is_mine"], true);
    assert_eq!(written.body["like_count"], 0);
    assert_eq!(written.body["attendance"], "electronic");
    assert_eq!(written.body["semester"], "2026-1");

    // The same lecture through another section or semester: no second review.
    for course in [second, next_year] {
        write(&stack, &student, course, review(5, "many", "none"))
            .await
            .assert_problem(409, "already_reviewed");
        let shown = page(&stack, &reader, course, "").await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
        assert_eq!(shown.body["items"][0]["id"], written.body["id"]);
        assert_eq!(shown.body["items"][0]["is_mine"], false);
    }
    // Another professor's 자료구조 is another lecture.
    let empty = page(&stack, &reader, other_professor, "").await;
    assert_eq!(
        empty.body,
        json!({
            "summary": {"count": 0, "rating_average": null, "assignment": null,
                        "team_project": null, "grading": null, "attendance": null},
            "items": [], "next_cursor": null,
        })
    );
    let written = write(&stack, &student, other_professor, review(3, "many", "none")).await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);

    // My reviews, newest first, each naming its lecture.
    let mine = stack.get("/api/v1/me/reviews", Some(&student.token)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    let courses: Vec<&Value> = mine.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| &item["course"])
        .collect();
    assert_eq!(
        courses,
        [
            &json!({"name": "자료구조", "professor": "박서준"}),
            &json!({"name": "자료구조", "professor": "김민준"}),
        ]
    );
    assert_eq!(mine.body["items"][0]["is_mine"], true);
    assert_eq!(mine.body["next_cursor"], Value::Null);
    let none = stack.get("/api/v1/me/reviews", Some(&reader.token)).await;
    assert_eq!(none.body, json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn bad_reviews_are_refused_naming_every_field() {
    let (stack, _admin) = stack_with_catalog().await;
    let student = stack.user("careless").await;
    let outsider = stack.user_at("outsider", 2).await;
    let course = course_id(&stack, &student.token, "CSE2010-01").await;
    let cases = [
        (
            json!({"rating": 0, "assignment": "lots", "team_project": "", "grading": "easy",
                   "attendance": "always", "exams": 5, "content": "짧아요", "semester": "2026-3"}),
            vec![
                "rating",
                "assignment",
                "team_project",
                "grading",
                "attendance",
                "exams",
                "content",
                "semester",
            ],
        ),
        (
            {
                let mut body = review(6, "many", "none");
                body["exams"] = json!(-1);
                body
            },
            vec!["rating", "exams"],
        ),
        (
            {
                let mut body = review(5, "many", "none");
                body["content"] = json!("가".repeat(1001));
                body
            },
            vec!["content"],
        ),
        (
            {
                let mut body = review(5, "many", "none");
                body["content"] = json!(format!("  {}  ", " ".repeat(30)));
                body
            },
            vec!["content"],
        ),
    ];
    for (body, fields) in cases {
        let refused = write(&stack, &student, course, body.clone()).await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.error_fields(), fields, "{body}");
    }
    // A missing answer is a 400 too.
    let mut partial = review(5, "many", "none");
    partial.as_object_mut().map(|body| body.remove("grading"));
    let refused = write(&stack, &student, course, partial).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    // Courses that do not exist, or are another school's, are not found.
    write(&stack, &student, 999_999, review(5, "many", "none"))
        .await
        .assert_problem(404, "course_not_found");
    write(&stack, &outsider, course, review(5, "many", "none"))
        .await
        .assert_problem(404, "course_not_found");
    page(&stack, &outsider, course, "")
        .await
        .assert_problem(404, "course_not_found");
    // Nothing was written; exactly 20 characters is enough.
    let shown = page(&stack, &student, course, "").await;
    assert_eq!(shown.body["summary"]["count"], 0);
    let mut exact = review(5, "many", "none");
    exact["content"] = json!(format!(" {} ", "가".repeat(20)));
    let written = write(&stack, &student, course, exact).await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    assert_eq!(written.body["content"], "가".repeat(20));
}

#[tokio::test]
async fn the_summary_averages_to_one_decimal_and_shows_the_most_common_answers() {
    let (stack, _admin) = stack_with_catalog().await;
    let students = users(&stack, "summary", 4).await;
    let course = course_id(&stack, &students[0].token, "CSE2010-01").await;
    // Ratings 5, 5, 3, 4: 4.25, shown 4.3. Assignments: none ×3, many ×1.
    // Attendance ties two to two: the first of the list (every_time) wins.
    for (student, (rating, assignment, attendance)) in students.iter().zip([
        (5, "none", "none"),
        (5, "none", "every_time"),
        (3, "many", "none"),
        (4, "none", "every_time"),
    ]) {
        let written = write(
            &stack,
            student,
            course,
            review(rating, assignment, attendance),
        )
        .await;
        assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    }

    let shown = page(&stack, &students[0], course, "").await;

    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert_eq!(
        shown.body["summary"],
        json!({"count": 4, "rating_average": 4.3, "assignment": "none", "team_project": "none",
               "grading": "generous", "attendance": "every_time"})
    );
    // Newest first, two at a time; a cursor is only good for its lecture.
    let first = page(&stack, &students[0], course, "?limit=3").await;
    let ratings: Vec<i64> = first.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["rating"].as_i64())
        .collect();
    assert_eq!(ratings, [4, 3, 5]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let rest = page(
        &stack,
        &students[0],
        course,
        &format!("?limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.body["next_cursor"], Value::Null);
    assert_eq!(rest.body["summary"]["count"], 4);
    let other = course_id(&stack, &students[0].token, "MAT1010-02").await;
    page(&stack, &students[0], other, &format!("?cursor={cursor}"))
        .await
        .assert_problem(400, "invalid_input");
    let bad = page(&stack, &students[0], course, "?limit=0").await;
    bad.assert_problem(400, "invalid_input");
    assert_eq!(bad.error_fields(), ["limit"]);
}

#[tokio::test]
async fn likes_count_once_per_user_and_never_ones_own() {
    let (stack, _admin) = stack_with_catalog().await;
    let stack = Arc::new(stack);
    let author = stack.user("liked_author").await;
    let likers = users(&stack, "liker", 8).await;
    let course = course_id(&stack, &author.token, "CSE2010-01").await;
    let written = write(&stack, &author, course, review(5, "none", "none")).await;
    let id = written.body["id"].as_i64().expect("an id");
    let like = |user: Session| {
        let stack = stack.clone();
        async move {
            stack
                .put(
                    &format!("/api/v1/reviews/{id}/like"),
                    Some(&user.token),
                    None,
                )
                .await
        }
    };

    // Eight users at once: exactly eight.
    let replies = futures::future::join_all(likers.iter().cloned().map(like)).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["liked"], true);
    }
    // One user many times at once: one like.
    let again = futures::future::join_all((0..5).map(|_| like(likers[0].clone()))).await;
    for reply in again {
        reply.assert_problem(409, "already_liked");
    }
    like(author.clone()).await.assert_problem(403, "own_post");
    let shown = page(&stack, &author, course, "").await;
    assert_eq!(shown.body["items"][0]["like_count"], 8);
    stack
        .put("/api/v1/reviews/999999/like", Some(&author.token), None)
        .await
        .assert_problem(404, "review_not_found");
}

#[tokio::test]
async fn a_review_is_deleted_by_its_author_or_an_administrator() {
    let (stack, admin) = stack_with_admin().await;
    let imported = import(&stack, &admin, 1, SEMESTER, crate::catalog_courses()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    let author = stack.user("deleting").await;
    let other = stack.user("bystander").await;
    let outsider = stack.user_at("far_away", 2).await;
    let course = course_id(&stack, &author.token, "CSE2010-01").await;
    let first = write(&stack, &author, course, review(2, "many", "none")).await;
    let id = first.body["id"].as_i64().expect("an id");
    let path = format!("/api/v1/reviews/{id}");

    stack
        .delete(&path, Some(&other.token))
        .await
        .assert_problem(403, "not_author");
    stack
        .delete(&path, Some(&outsider.token))
        .await
        .assert_problem(404, "review_not_found");
    let deleted = stack.delete(&path, Some(&author.token)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    stack
        .delete(&path, Some(&author.token))
        .await
        .assert_problem(404, "review_not_found");
    // Deleted, the author may review the lecture again; an admin removes it.
    let second = write(&stack, &author, course, review(5, "none", "none")).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    let removed = stack
        .delete(
            &format!("/api/v1/reviews/{}", second.body["id"]),
            Some(&admin),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let shown = page(&stack, &other, course, "").await;
    assert_eq!(shown.body["summary"]["count"], 0);
    let bad = stack
        .delete("/api/v1/reviews/abc", Some(&author.token))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}

#[tokio::test]
async fn no_reply_tells_anyone_who_wrote_a_review() {
    let mut auth_url = String::new();
    let (stack, admin) =
        TestStack::start_with_admin_and(|config| auth_url = config.auth.database_url.clone()).await;
    let imported = import(&stack, &admin, 1, SEMESTER, crate::catalog_courses()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    // The writer's id is one no count, id or time in a reply can pass for.
    const WRITER_ID: i64 = 73_400_320_017;
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&auth_url)
        .await
        .expect("connects");
    sqlx::query(&format!(
        "alter table auth.users alter column id restart with {WRITER_ID}"
    ))
    .execute(&db)
    .await
    .expect("restarts the ids");
    let writer = stack.user("secretr").await;
    assert_eq!(writer.id, WRITER_ID);
    let viewer = stack.user("viewer").await;
    let course = course_id(&stack, &viewer.token, "CSE2010-01").await;

    let written = write(&stack, &writer, course, review(4, "normal", "sometimes")).await;
    let id = written.body["id"].as_i64().expect("an id");
    let replies = [
        ("the writer's create", written),
        ("the viewer's page", page(&stack, &viewer, course, "").await),
        ("the writer's page", page(&stack, &writer, course, "").await),
        (
            "the viewer's like",
            stack
                .put(
                    &format!("/api/v1/reviews/{id}/like"),
                    Some(&viewer.token),
                    None,
                )
                .await,
        ),
        (
            "the writer's list",
            stack.get("/api/v1/me/reviews", Some(&writer.token)).await,
        ),
        (
            "the viewer's refused delete",
            stack
                .delete(&format!("/api/v1/reviews/{id}"), Some(&viewer.token))
                .await,
        ),
    ];
    let username = writer.user["username"].as_str().expect("a username");
    let nickname = writer.user["nickname"].as_str().expect("a nickname");
    for (what, reply) in replies {
        assert!(
            reply.status.is_success() || reply.status == StatusCode::FORBIDDEN,
            "{what}: {}",
            reply.text
        );
        for secret in [
            username,
            nickname,
            &WRITER_ID.to_string(),
            "\"author",
            "\"user_id\"",
        ] {
            assert!(
                !reply.text.contains(secret),
                "{what} reveals {secret}: {}",
                reply.text
            );
        }
    }
}
