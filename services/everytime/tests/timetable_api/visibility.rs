//! Visibility: who sees a timetable, its picture and the friend view.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::nickname_for;
use crate::{SEMESTER, add, befriend, course_id, create_timetable, stack_with_catalog};

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
