//! Timetables themselves: created, listed, renamed, made primary, limited and deleted.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::nickname_for;
use crate::{SEMESTER, create_timetable, stack_with_catalog};

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
            "custom_entries",
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
