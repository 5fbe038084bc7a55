//! Courses in a timetable: credits, clashes, wrong semesters or schools, and racing adds.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    SEMESTER, add, assert_course_shape, codes, course, course_id, create_timetable, import,
    stack_with_admin, stack_with_catalog,
};

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
