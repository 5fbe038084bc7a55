//! 공강 찾기 through the gateway: the intervals where the caller and the
//! listed friends are all free, window and minimum, who may be listed
//! (friends whose primary timetable is visible; none counts as free), and
//! every refusal. Never course names.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Session, TestStack};
use crate::{SEMESTER, add, befriend, course_id, create_timetable, stack_with_catalog};

/// A primary timetable of [`SEMESTER`] holding `codes`; returns its id.
async fn timetable_with(stack: &TestStack, user: &Session, codes: &[&str]) -> i64 {
    let timetable = create_timetable(stack, &user.token, json!({"semester": SEMESTER})).await;
    let id = timetable["id"].as_i64().expect("an id");
    for code in codes {
        let course = course_id(stack, &user.token, code).await;
        let added = add(stack, &user.token, id, course).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    }
    id
}

async fn free_time(stack: &TestStack, user: &Session, query: &str) -> crate::support::Reply {
    stack
        .get(
            &format!("/api/v1/free-time?semester={SEMESTER}{query}"),
            Some(&user.token),
        )
        .await
}

fn intervals(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(start, end)| json!({"start": start, "end": end}))
            .collect(),
    )
}

#[tokio::test]
async fn free_time_is_where_the_caller_and_every_friend_are_free() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("me_user").await;
    let friend = stack.user("friend").await;
    befriend(&stack, &me, &friend).await;
    // Me: 자료구조 MON/WED 09:00–10:15 and 물리학실험 on Saturday.
    timetable_with(&stack, &me, &["CSE2010-01", "PHY1020-01"]).await;
    // Friend: 운영체제 MON/WED 10:15–11:30 (back to back with mine), 미적분학 TUE/THU 13:00–14:15.
    timetable_with(&stack, &friend, &["CSE3020-01", "MAT1010-02"]).await;

    let found = free_time(&stack, &me, &format!("&user_ids={}", friend.id)).await;

    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let mon_wed = intervals(&[("11:30", "22:00")]);
    let tue_thu = intervals(&[("09:00", "13:00"), ("14:15", "22:00")]);
    assert_eq!(
        found.body,
        json!({"days": {
            "MON": mon_wed, "TUE": tue_thu, "WED": mon_wed, "THU": tue_thu,
            "FRI": intervals(&[("09:00", "22:00")]),
        }})
    );
    for name in ["자료구조", "운영체제", "미적분학", "물리학실험", "301동"] {
        assert!(!found.text.contains(name), "{name} in {}", found.text);
    }

    // A window and a minimum: 10:00–12:00 leaves MON 11:30–12:00, 30 minutes.
    let window = free_time(
        &stack,
        &me,
        &format!("&user_ids={}&from=10:00&to=12:00", friend.id),
    )
    .await;
    assert_eq!(window.status, StatusCode::OK, "{}", window.text);
    assert_eq!(window.body["days"]["MON"], json!([]));
    assert_eq!(window.body["days"]["TUE"], intervals(&[("10:00", "12:00")]));
    let shorter = free_time(
        &stack,
        &me,
        &format!("&user_ids={}&from=10:00&to=12:00&min_minutes=30", friend.id),
    )
    .await;
    assert_eq!(
        shorter.body["days"]["MON"],
        intervals(&[("11:30", "12:00")])
    );
    // Touching the window's edges: 09:00–13:00 on TUE is exactly 240 minutes.
    let long = free_time(
        &stack,
        &me,
        &format!("&user_ids={}&min_minutes=240", friend.id),
    )
    .await;
    assert_eq!(
        long.body["days"]["TUE"],
        intervals(&[("09:00", "13:00"), ("14:15", "22:00")])
    );
    let longer = free_time(
        &stack,
        &me,
        &format!("&user_ids={}&min_minutes=241", friend.id),
    )
    .await;
    assert_eq!(longer.body["days"]["TUE"], intervals(&[("14:15", "22:00")]));
    // The same friend twice, or the caller listed too, changes nothing.
    let twice = free_time(
        &stack,
        &me,
        &format!("&user_ids={0},{0},{1}", friend.id, me.id),
    )
    .await;
    assert_eq!(twice.body, found.body);
}

#[tokio::test]
async fn friends_are_listed_only_with_a_visible_primary_timetable_and_none_is_free() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("me_user").await;
    let friend = stack.user("friend").await;
    let idle = stack.user("idle").await;
    let stranger = stack.user("stranger").await;
    befriend(&stack, &me, &friend).await;
    befriend(&stack, &me, &idle).await;
    let mine = timetable_with(&stack, &me, &["CSE2010-01"]).await;
    let theirs = timetable_with(&stack, &friend, &["MAT1010-02"]).await;
    timetable_with(&stack, &stranger, &["CSE3020-01"]).await;

    // No timetable this semester: free all week, so only mine counts.
    let with_idle = free_time(&stack, &me, &format!("&user_ids={}", idle.id)).await;
    assert_eq!(with_idle.status, StatusCode::OK, "{}", with_idle.text);
    assert_eq!(
        with_idle.body["days"]["MON"],
        intervals(&[("10:15", "22:00")])
    );
    assert_eq!(
        with_idle.body["days"]["TUE"],
        intervals(&[("09:00", "22:00")])
    );

    // My own private timetable still counts for me.
    let private = stack
        .patch(
            &format!("/api/v1/timetables/{mine}"),
            Some(&me.token),
            json!({"visibility": "private"}),
        )
        .await;
    assert_eq!(private.status, StatusCode::OK, "{}", private.text);
    let both = free_time(&stack, &me, &format!("&user_ids={},{}", friend.id, idle.id)).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.text);
    assert_eq!(both.body["days"]["MON"], intervals(&[("10:15", "22:00")]));
    assert_eq!(
        both.body["days"]["TUE"],
        intervals(&[("09:00", "13:00"), ("14:15", "22:00")])
    );

    // A friend's public timetable counts; a private one is 404, like a stranger,
    // with the same answer whichever of several users it is.
    for (visibility, status) in [("public", 200), ("friends", 200), ("private", 404)] {
        let patched = stack
            .patch(
                &format!("/api/v1/timetables/{theirs}"),
                Some(&friend.token),
                json!({"visibility": visibility}),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
        let reply = free_time(&stack, &me, &format!("&user_ids={},{}", idle.id, friend.id)).await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{visibility}: {}",
            reply.text
        );
    }
    let hidden = free_time(&stack, &me, &format!("&user_ids={},{}", idle.id, friend.id)).await;
    hidden.assert_problem(404, "friend_timetable_not_found");
    let not_friend = free_time(
        &stack,
        &me,
        &format!("&user_ids={},{}", idle.id, stranger.id),
    )
    .await;
    not_friend.assert_problem(404, "friend_timetable_not_found");
    assert_eq!(hidden.body["detail"], not_friend.body["detail"]);
    free_time(&stack, &me, "&user_ids=999999")
        .await
        .assert_problem(404, "friend_timetable_not_found");
    // Friendship is not one-way: the stranger cannot list me either.
    free_time(&stack, &stranger, &format!("&user_ids={}", me.id))
        .await
        .assert_problem(404, "friend_timetable_not_found");
    // Another semester: nobody has a timetable, everybody is free.
    let other = stack
        .get(
            &format!("/api/v1/free-time?semester=2027-1&user_ids={}", idle.id),
            Some(&me.token),
        )
        .await;
    assert_eq!(
        other.body["days"]["WED"],
        intervals(&[("09:00", "22:00")]),
        "{}",
        other.text
    );
}

#[tokio::test]
async fn bad_free_time_questions_are_400s_naming_the_field() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("me_user").await;
    let friend = stack.user("friend").await;
    befriend(&stack, &me, &friend).await;
    let f = friend.id;
    let eleven: Vec<String> = (0..11).map(|i| (f + i * 1000).to_string()).collect();
    for (query, field) in [
        (String::new(), "user_ids"),
        ("&user_ids=".to_owned(), "user_ids"),
        ("&user_ids=abc".to_owned(), "user_ids"),
        (format!("&user_ids={f},x"), "user_ids"),
        ("&user_ids=0".to_owned(), "user_ids"),
        ("&user_ids=-3".to_owned(), "user_ids"),
        (format!("&user_ids={}", eleven.join(",")), "user_ids"),
        (format!("&user_ids={f}&min_minutes=9"), "min_minutes"),
        (format!("&user_ids={f}&min_minutes=1441"), "min_minutes"),
        (format!("&user_ids={f}&min_minutes=abc"), "min_minutes"),
        (format!("&user_ids={f}&from=25:00"), "from"),
        (format!("&user_ids={f}&from=9:00"), "from"),
        (format!("&user_ids={f}&to=22:60"), "to"),
        (format!("&user_ids={f}&from=12:00&to=12:00"), "to"),
        (format!("&user_ids={f}&from=13:00&to=12:00"), "to"),
    ] {
        let refused = free_time(&stack, &me, &query).await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.error_fields(), [field], "{query}");
    }
    let bad_semester = stack
        .get(
            &format!("/api/v1/free-time?semester=2026-3&user_ids={f}"),
            Some(&me.token),
        )
        .await;
    bad_semester.assert_problem(400, "invalid_input");
    assert_eq!(bad_semester.error_fields(), ["semester"]);
    // The edges are fine.
    for query in [
        format!("&user_ids={f}&min_minutes=10"),
        format!("&user_ids={f}&min_minutes=1440"),
        format!("&user_ids={f}&from=00:00&to=23:59"),
    ] {
        let reply = free_time(&stack, &me, &query).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    }
    stack
        .get(&format!("/api/v1/free-time?user_ids={f}"), None)
        .await
        .assert_problem(401, "missing_token");
}
