//! 직접 추가 through the gateway: custom entries in a timetable, how they
//! clash with courses and with each other (also when a course add and an
//! entry add race), their limits, who may change them, and where they show
//! (the timetable, its picture, 공강 찾기).

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Reply, Session, TestStack};
use crate::{SEMESTER, add, befriend, course_id, create_timetable, stack_with_catalog};

async fn add_entry(stack: &TestStack, user: &Session, timetable_id: i64, body: Value) -> Reply {
    stack
        .post(
            &format!("/api/v1/timetables/{timetable_id}/custom-entries"),
            Some(&user.token),
            body,
        )
        .await
}

fn entry(name: &str, sessions: &[(&str, &str, &str)]) -> Value {
    json!({
        "name": name,
        "sessions": sessions
            .iter()
            .map(|(day, start, end)| json!({"day": day, "start": start, "end": end}))
            .collect::<Vec<_>>(),
    })
}

async fn new_timetable(stack: &TestStack, user: &Session) -> i64 {
    create_timetable(stack, &user.token, json!({"semester": SEMESTER})).await["id"]
        .as_i64()
        .expect("an id")
}

#[tokio::test]
async fn a_custom_entry_joins_the_timetable_and_clashes_like_a_course() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("entry_owner").await;
    let id = new_timetable(&stack, &me).await;
    let data_structures = course_id(&stack, &me.token, "CSE2010-01").await;
    add(&stack, &me.token, id, data_structures).await;

    // Back to back with 자료구조 (MON 09:00–10:15) is fine.
    let added = add_entry(
        &stack,
        &me,
        id,
        json!({
            "name": " 알고리즘 스터디 ", "place": "중앙도서관", "memo": "3장까지\n풀어 오기",
            "sessions": [
                {"day": "WED", "start": "18:00", "end": "20:00"},
                {"day": "MON", "start": "10:15", "end": "12:00"},
            ],
        }),
    )
    .await;

    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let entries = added.body["custom_entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    let study = &entries[0];
    let mut keys: Vec<&str> = study
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "memo", "name", "place", "sessions"]);
    assert_eq!(study["name"], "알고리즘 스터디");
    assert_eq!(study["place"], "중앙도서관");
    assert_eq!(study["memo"], "3장까지\n풀어 오기");
    assert_eq!(
        study["sessions"],
        json!([
            {"day": "MON", "start": "10:15", "end": "12:00"},
            {"day": "WED", "start": "18:00", "end": "20:00"},
        ])
    );
    // Entries carry no credits.
    assert_eq!(added.body["total_credits"], 3);
    let study_id = study["id"].as_i64().expect("an id");
    let read = stack
        .get(&format!("/api/v1/timetables/{id}"), Some(&me.token))
        .await;
    assert_eq!(read.body["custom_entries"], added.body["custom_entries"]);

    // An entry over the course: 409 naming the course.
    let clash = add_entry(&stack, &me, id, entry("알바", &[("MON", "09:30", "10:00")])).await;
    clash.assert_problem(409, "time_conflict");
    assert_eq!(clash.body["conflicts"].as_array().map(Vec::len), Some(1));
    assert_eq!(clash.body["conflicts"][0]["code"], "CSE2010-01");
    // An entry over the entry: 409 naming the entry, in its own shape.
    let clash = add_entry(&stack, &me, id, entry("알바", &[("WED", "19:00", "21:00")])).await;
    clash.assert_problem(409, "time_conflict");
    assert_eq!(clash.body["conflicts"][0]["id"], study_id);
    assert_eq!(clash.body["conflicts"][0]["place"], "중앙도서관");
    assert!(clash.body["conflicts"][0].get("code").is_none());
    // Over both at once: the course, then the entry.
    let clash = add_entry(&stack, &me, id, entry("알바", &[("MON", "10:00", "10:30")])).await;
    clash.assert_problem(409, "time_conflict");
    let names: Vec<&str> = clash.body["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .filter_map(|conflict| conflict["name"].as_str())
        .collect();
    assert_eq!(names, ["자료구조", "알고리즘 스터디"]);
    // A course over the entry: 운영체제 (MON/WED 10:15–11:30).
    let operating_systems = course_id(&stack, &me.token, "CSE3020-01").await;
    let clash = add(&stack, &me.token, id, operating_systems).await;
    clash.assert_problem(409, "time_conflict");
    assert_eq!(clash.body["conflicts"][0]["name"], "알고리즘 스터디");
    assert_eq!(clash.body["conflicts"][0]["memo"], "3장까지\n풀어 오기");

    // Nothing of the refusals landed.
    let read = stack
        .get(&format!("/api/v1/timetables/{id}"), Some(&me.token))
        .await;
    assert_eq!(
        read.body["custom_entries"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(read.body["courses"].as_array().map(Vec::len), Some(1));

    // Removing the entry frees its time.
    let path = format!("/api/v1/timetables/{id}/custom-entries/{study_id}");
    let removed = stack.delete(&path, Some(&me.token)).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    stack
        .delete(&path, Some(&me.token))
        .await
        .assert_problem(404, "custom_entry_not_found");
    let added = add(&stack, &me.token, id, operating_systems).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.body["custom_entries"], json!([]));
}

#[tokio::test]
async fn bad_custom_entries_are_refused_naming_the_field() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("entry_checker").await;
    let id = new_timetable(&stack, &me).await;
    let monday = json!([{"day": "MON", "start": "09:00", "end": "10:00"}]);
    let cases = [
        (json!({"name": " ", "sessions": monday}), vec!["name"]),
        (
            json!({"name": "가".repeat(41), "sessions": monday}),
            vec!["name"],
        ),
        (
            json!({"name": "a", "place": "가".repeat(41), "memo": "가".repeat(201), "sessions": monday}),
            vec!["place", "memo"],
        ),
        (json!({"name": "a", "sessions": []}), vec!["sessions"]),
        (
            json!({"name": "a", "sessions": (0..11).map(|hour| json!({"day": "TUE", "start": format!("{:02}:00", hour + 8), "end": format!("{:02}:30", hour + 8)})).collect::<Vec<_>>()}),
            vec!["sessions"],
        ),
        (
            json!({"name": "a", "sessions": [{"day": "MONDAY", "start": "10:00", "end": "09:00"}]}),
            vec!["sessions[0].day", "sessions[0].end"],
        ),
        (
            json!({"name": "a", "sessions": [{"day": "MON", "start": "9:00", "end": "24:00"}]}),
            vec!["sessions[0].start", "sessions[0].end"],
        ),
        (
            json!({"name": "a", "sessions": [
                {"day": "FRI", "start": "09:00", "end": "11:00"},
                {"day": "FRI", "start": "10:00", "end": "12:00"},
            ]}),
            vec!["sessions[1]"],
        ),
    ];
    for (body, fields) in cases {
        let refused = add_entry(&stack, &me, id, body.clone()).await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.error_fields(), fields, "{body}");
    }
    // The wrong JSON types are 400 too, and nothing was added.
    let refused = add_entry(&stack, &me, id, json!({"name": 3, "sessions": "MON"})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let read = stack
        .get(&format!("/api/v1/timetables/{id}"), Some(&me.token))
        .await;
    assert_eq!(read.body["custom_entries"], json!([]));

    // A timetable holds at most 30.
    for hour in 0..30 {
        let day = ["MON", "TUE", "WED"][hour / 10];
        let start = format!("{:02}:00", 8 + hour % 10);
        let end = format!("{:02}:30", 8 + hour % 10);
        let added = add_entry(&stack, &me, id, entry("블록", &[(day, &start, &end)])).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    }
    add_entry(
        &stack,
        &me,
        id,
        entry("하나 더", &[("FRI", "09:00", "10:00")]),
    )
    .await
    .assert_problem(400, "too_many_custom_entries");
}

#[tokio::test]
async fn only_the_owner_changes_custom_entries() {
    let (stack, _admin) = stack_with_catalog().await;
    let owner = stack.user("entry_owner").await;
    let friend = stack.user("entry_friend").await;
    let stranger = stack.user("entry_stranger").await;
    befriend(&stack, &owner, &friend).await;
    let id = new_timetable(&stack, &owner).await;
    let added = add_entry(
        &stack,
        &owner,
        id,
        entry("동아리", &[("THU", "18:00", "20:00")]),
    )
    .await;
    let entry_id = added.body["custom_entries"][0]["id"]
        .as_i64()
        .expect("an id");
    let block = entry("남의 것", &[("FRI", "09:00", "10:00")]);

    // The friend sees the timetable (friends by default) but may not change it.
    add_entry(&stack, &friend, id, block.clone())
        .await
        .assert_problem(403, "not_owner");
    let path = format!("/api/v1/timetables/{id}/custom-entries/{entry_id}");
    stack
        .delete(&path, Some(&friend.token))
        .await
        .assert_problem(403, "not_owner");
    // A schoolmate who is no friend does not even see it.
    add_entry(&stack, &stranger, id, block)
        .await
        .assert_problem(404, "timetable_not_found");
    stack
        .delete(&path, Some(&stranger.token))
        .await
        .assert_problem(404, "timetable_not_found");
    // An entry of another timetable is not this one's.
    let other = new_timetable(&stack, &owner).await;
    stack
        .delete(
            &format!("/api/v1/timetables/{other}/custom-entries/{entry_id}"),
            Some(&owner.token),
        )
        .await
        .assert_problem(404, "custom_entry_not_found");
    // The friend sees the entry with the timetable.
    let seen = stack
        .get(&format!("/api/v1/timetables/{id}"), Some(&friend.token))
        .await;
    assert_eq!(seen.body["custom_entries"][0]["name"], "동아리");
    // Bad path ids are 400 naming the parameter.
    let bad = stack
        .delete(
            &format!("/api/v1/timetables/{id}/custom-entries/x"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}

#[tokio::test]
async fn a_racing_course_add_and_entry_add_never_both_land() {
    let (stack, _admin) = stack_with_catalog().await;
    let stack = Arc::new(stack);
    let me = stack.user("racer").await;
    // 자료구조 meets MON/WED 09:00–10:15; the entry wants MON 10:00–11:00.
    let course = course_id(&stack, &me.token, "CSE2010-01").await;
    for round in 0..12 {
        let id = new_timetable(&stack, &me).await;
        let course_add = {
            let (stack, token) = (stack.clone(), me.token.clone());
            tokio::spawn(async move { add(&stack, &token, id, course).await })
        };
        let entry_add = {
            let (stack, me) = (stack.clone(), me.clone());
            tokio::spawn(async move {
                add_entry(&stack, &me, id, entry("경쟁", &[("MON", "10:00", "11:00")])).await
            })
        };
        let course_add = course_add.await.expect("the course add");
        let entry_add = entry_add.await.expect("the entry add");
        let landed = [&course_add, &entry_add]
            .iter()
            .filter(|reply| reply.status == StatusCode::CREATED)
            .count();
        assert_eq!(
            landed, 1,
            "round {round}: {} / {}",
            course_add.text, entry_add.text
        );
        let loser = if course_add.status == StatusCode::CREATED {
            &entry_add
        } else {
            &course_add
        };
        loser.assert_problem(409, "time_conflict");
        let read = stack
            .get(&format!("/api/v1/timetables/{id}"), Some(&me.token))
            .await;
        let held = read.body["courses"].as_array().map_or(0, Vec::len)
            + read.body["custom_entries"].as_array().map_or(0, Vec::len);
        assert_eq!(held, 1, "round {round}: {}", read.text);
        // Keep under the 20 timetables a semester allows.
        stack
            .delete(&format!("/api/v1/timetables/{id}"), Some(&me.token))
            .await;
    }
}

#[tokio::test]
async fn custom_entries_are_drawn_and_count_as_busy_in_free_time() {
    let (stack, _admin) = stack_with_catalog().await;
    let me = stack.user("entry_drawer").await;
    let friend = stack.user("entry_free").await;
    befriend(&stack, &me, &friend).await;
    let id = new_timetable(&stack, &me).await;
    let added = add_entry(
        &stack,
        &me,
        id,
        json!({"name": "편의점 알바", "place": "정문 앞", "memo": "사장님 번호",
               "sessions": [{"day": "TUE", "start": "13:00", "end": "17:00"}]}),
    )
    .await;
    let entry_id = added.body["custom_entries"][0]["id"]
        .as_i64()
        .expect("an id");

    let image = stack
        .get(
            &format!("/api/v1/timetables/{id}/image.svg"),
            Some(&me.token),
        )
        .await;
    assert_eq!(image.status, StatusCode::OK);
    assert!(
        image
            .text
            .contains(&format!(r#"class="entry" data-entry-id="{entry_id}" data-day="TUE" data-start="13:00" data-end="17:00""#)),
        "{}",
        image.text
    );
    assert!(image.text.contains("편의점 알바") && image.text.contains("정문 앞"));

    let free = stack
        .get(
            &format!(
                "/api/v1/free-time?semester={SEMESTER}&user_ids={}",
                friend.id
            ),
            Some(&friend.token),
        )
        .await;
    assert_eq!(free.status, StatusCode::OK, "{}", free.text);
    // The friend asking about me: my entry's time is busy, its name unsaid.
    let free = stack
        .get(
            &format!("/api/v1/free-time?semester={SEMESTER}&user_ids={}", me.id),
            Some(&friend.token),
        )
        .await;
    assert_eq!(free.status, StatusCode::OK, "{}", free.text);
    assert_eq!(
        free.body["days"]["TUE"],
        json!([{"start": "09:00", "end": "13:00"}, {"start": "17:00", "end": "22:00"}])
    );
    assert!(!free.text.contains("알바"));
}
