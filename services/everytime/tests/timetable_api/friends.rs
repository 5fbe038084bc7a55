//! Friends: requests by username, accepting, declining, cancelling, removing, and the first screen.

use everytime_timetable::domain::Semester;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Session, TestStack, nickname_for};
use crate::{SEMESTER, add, befriend, course_id, create_timetable, stack_with_catalog};

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
