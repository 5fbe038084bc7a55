//! Copying a timetable through the gateway: one's own, a friend's shared
//! one, a public one of the school; never one the caller may not see; the
//! copy is the caller's own and independent of its source.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Reply, Session, TestStack};
use crate::{SEMESTER, add, befriend, course_id, create_timetable, stack_with_catalog};

async fn copy(stack: &TestStack, user: &Session, id: i64, body: serde_json::Value) -> Reply {
    stack
        .post(
            &format!("/api/v1/timetables/{id}/copy"),
            Some(&user.token),
            body,
        )
        .await
}

/// A timetable of `user` with 자료구조, 미적분학 and a custom entry; its id.
async fn full_timetable(stack: &TestStack, user: &Session) -> i64 {
    let id = create_timetable(stack, &user.token, json!({"semester": SEMESTER})).await["id"]
        .as_i64()
        .expect("an id");
    for code in ["CSE2010-01", "MAT1010-02"] {
        let course = course_id(stack, &user.token, code).await;
        let added = add(stack, &user.token, id, course).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    }
    let added = stack
        .post(
            &format!("/api/v1/timetables/{id}/custom-entries"),
            Some(&user.token),
            json!({"name": "스터디", "place": "도서관", "memo": "매주",
                   "sessions": [{"day": "FRI", "start": "15:00", "end": "17:00"}]}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    id
}

async fn set_visibility(stack: &TestStack, user: &Session, id: i64, visibility: &str) {
    let patched = stack
        .patch(
            &format!("/api/v1/timetables/{id}"),
            Some(&user.token),
            json!({"visibility": visibility}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
}

#[tokio::test]
async fn a_copy_of_ones_own_timetable_holds_the_same_courses_and_entries() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("copier").await;
    let source = full_timetable(&stack, &me).await;
    let original = stack
        .get(&format!("/api/v1/timetables/{source}"), Some(&me.token))
        .await;

    let copied = copy(&stack, &me, source, json!({})).await;

    assert_eq!(copied.status, StatusCode::CREATED, "{}", copied.text);
    let id = copied.body["id"].as_i64().expect("an id");
    assert_ne!(id, source);
    assert_eq!(copied.body["name"], "시간표 2");
    assert_eq!(copied.body["is_primary"], false);
    assert_eq!(copied.body["semester"], SEMESTER);
    assert_eq!(copied.body["owner"]["id"], me.id);
    assert_eq!(copied.body["courses"], original.body["courses"]);
    assert_eq!(copied.body["total_credits"], 6);
    let entries = copied.body["custom_entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    assert_ne!(entries[0]["id"], original.body["custom_entries"][0]["id"]);
    assert_eq!(entries[0]["name"], "스터디");
    assert_eq!(entries[0]["memo"], "매주");
    assert_eq!(
        entries[0]["sessions"],
        original.body["custom_entries"][0]["sessions"]
    );

    // The copy is its own: what changes in one stays there, and the copy
    // clashes like any timetable.
    let calculus = course_id(&stack, &me.token, "MAT1010-02").await;
    let removed = stack
        .delete(
            &format!("/api/v1/timetables/{source}/courses/{calculus}"),
            Some(&me.token),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let read = stack
        .get(&format!("/api/v1/timetables/{id}"), Some(&me.token))
        .await;
    assert_eq!(read.body["courses"].as_array().map(Vec::len), Some(2));
    let algorithms = course_id(&stack, &me.token, "CSE3030-01").await;
    add(&stack, &me.token, id, algorithms)
        .await
        .assert_problem(409, "time_conflict");

    // A name of one's own, or a bad one.
    let named = copy(&stack, &me, source, json!({"name": " 플랜 B "})).await;
    assert_eq!(named.status, StatusCode::CREATED, "{}", named.text);
    assert_eq!(named.body["name"], "플랜 B");
    let refused = copy(&stack, &me, source, json!({"name": ""})).await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(refused.error_fields(), ["name"]);
    // No body at all is the same as `{}`.
    let bare = stack
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/timetables/{source}/copy"),
            Some(&me.token),
            None,
        )
        .await;
    assert_eq!(bare.status, StatusCode::CREATED, "{}", bare.text);
    stack
        .post("/api/v1/timetables/999999/copy", Some(&me.token), json!({}))
        .await
        .assert_problem(404, "timetable_not_found");
}

#[tokio::test]
async fn anyone_may_copy_only_what_they_may_see() {
    let (stack, _admin) = stack_with_catalog().await;
    let owner = stack.user("shared_owner").await;
    let friend = stack.user("copy_friend").await;
    let schoolmate = stack.user("copy_mate").await;
    let outsider = stack.user_at("copy_outsider", 2).await;
    befriend(&stack, &owner, &friend).await;
    let source = full_timetable(&stack, &owner).await;

    for (visibility, may_copy) in [
        ("private", [false, false, false]),
        ("friends", [true, false, false]),
        ("public", [true, true, false]),
    ] {
        set_visibility(&stack, &owner, source, visibility).await;
        for (viewer, may) in [&friend, &schoolmate, &outsider].into_iter().zip(may_copy) {
            let copied = copy(&stack, viewer, source, json!({})).await;
            if may {
                assert_eq!(
                    copied.status,
                    StatusCode::CREATED,
                    "{visibility}: {}",
                    copied.text
                );
                // The copy is the viewer's, private to nobody else's
                // rules, and the first of their semester is primary.
                assert_eq!(copied.body["owner"]["id"], viewer.id);
                assert_eq!(copied.body["courses"].as_array().map(Vec::len), Some(2));
                assert_eq!(copied.body["custom_entries"][0]["name"], "스터디");
                let theirs = stack
                    .get(
                        &format!("/api/v1/timetables?semester={SEMESTER}"),
                        Some(&viewer.token),
                    )
                    .await;
                let primaries = theirs.body["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter(|item| item["is_primary"] == true)
                    .count();
                assert_eq!(primaries, 1);
            } else {
                copied.assert_problem(404, "timetable_not_found");
            }
        }
    }
    // The owner's timetable is untouched by every copy.
    let mine = stack
        .get(
            &format!("/api/v1/timetables?semester={SEMESTER}"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
}
