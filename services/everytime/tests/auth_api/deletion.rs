//! 회원 탈퇴 through the gateway, reaching every service: the account is
//! erased in auth, its data deleted or anonymised in community and
//! timetable (also when the timetable service was down at the time), and
//! what others see of it changes accordingly. And the 30-day nickname rule.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{PASSWORD, Reply, Session, TestStack};

const SEMESTER: &str = "2026-2";

async fn stack_with_catalog() -> TestStack {
    let (stack, admin) = TestStack::start_with_admin().await;
    let imported = stack
        .post(
            "/api/v1/admin/courses",
            Some(&admin),
            json!({"school_id": 1, "semester": SEMESTER, "courses": [{
                "code": "CSE2010-01", "name": "자료구조", "professor": "김민준", "credits": 3,
                "sessions": [{"day": "MON", "start": "09:00", "end": "10:15", "room": "301동"}],
            }]}),
        )
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    stack
}

/// Polls `check` for up to `within`; panics with the last reply otherwise.
async fn eventually(
    within: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Result<(), String>,
) {
    let started = Instant::now();
    loop {
        match check().await {
            Ok(()) => return,
            Err(last) if started.elapsed() > within => {
                panic!("{what} not within {within:?}: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn befriend(stack: &TestStack, a: &Session, b: &Session) {
    let sent = stack
        .post(
            "/api/v1/friends/requests",
            Some(&a.token),
            json!({"username": b.user["username"]}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let accepted = stack
        .post(
            &format!("/api/v1/friends/requests/{}/accept", sent.body["id"]),
            Some(&b.token),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
}

async fn delete_me(stack: &TestStack, user: &Session, password: &str) -> Reply {
    stack
        .call(
            reqwest::Method::DELETE,
            "/api/v1/users/me",
            Some(&user.token),
            Some(json!({"password": password})),
        )
        .await
}

/// What `leaver` leaves behind, seen by `friend`: returns the ids of their
/// named post, their anonymous post and the friend's post they scrapped,
/// liked and commented on.
async fn leave_traces(
    stack: &TestStack,
    leaver: &Session,
    friend: &Session,
    third: &Session,
) -> (i64, i64, i64) {
    let boards = stack.get("/api/v1/boards", Some(&leaver.token)).await;
    let free = boards.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|board| board["name"] == "자유게시판"))
        .and_then(|board| board["id"].as_i64())
        .expect("자유게시판");
    let write = |user: &Session, title: &str, anonymous: bool| {
        let path = format!("/api/v1/boards/{free}/posts");
        let body = json!({"title": title, "content": "내용입니다", "anonymous": anonymous});
        let token = user.token.clone();
        async move {
            let reply = stack.post(&path, Some(&token), body).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
            reply.body["id"].as_i64().expect("an id")
        }
    };
    let named = write(leaver, "실명 글", false).await;
    let anonymous = write(leaver, "익명 글", true).await;
    let friends_post = write(friend, "친구 글", false).await;
    for (path, expected) in [
        (
            format!("/api/v1/posts/{friends_post}/scrap"),
            StatusCode::OK,
        ),
        (format!("/api/v1/posts/{friends_post}/like"), StatusCode::OK),
    ] {
        let reply = stack.put(&path, Some(&leaver.token), None).await;
        assert_eq!(reply.status, expected, "{}", reply.text);
    }
    let commented = stack
        .post(
            &format!("/api/v1/posts/{friends_post}/comments"),
            Some(&leaver.token),
            json!({"content": "실명 댓글"}),
        )
        .await;
    assert_eq!(commented.status, StatusCode::CREATED, "{}", commented.text);

    // A timetable with a course and a custom entry, a friend, a pending
    // request to a third user, and grades.
    let timetable = stack
        .post(
            "/api/v1/timetables",
            Some(&leaver.token),
            json!({"semester": SEMESTER}),
        )
        .await;
    let timetable_id = timetable.body["id"].as_i64().expect("an id");
    let courses = stack
        .get(
            &format!("/api/v1/courses?semester={SEMESTER}"),
            Some(&leaver.token),
        )
        .await;
    let added = stack
        .post(
            &format!("/api/v1/timetables/{timetable_id}/courses"),
            Some(&leaver.token),
            json!({"course_id": courses.body["items"][0]["id"]}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    befriend(stack, leaver, friend).await;
    let requested = stack
        .post(
            "/api/v1/friends/requests",
            Some(&leaver.token),
            json!({"username": third.user["username"]}),
        )
        .await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
    let graded = stack
        .put(
            "/api/v1/me/grades/2026-1",
            Some(&leaver.token),
            Some(json!({"courses": [{"name": "자료구조", "credits": 3, "grade": "A+", "major": true}]})),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text);
    let seen = stack
        .get(
            &format!(
                "/api/v1/friends/{}/timetable?semester={SEMESTER}",
                leaver.id
            ),
            Some(&friend.token),
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    (named, anonymous, friends_post)
}

/// Asserts the timetable service has erased `leaver` as `friend` and
/// `third` see it; `Err` with what is left otherwise.
async fn timetable_forgot(
    stack: &TestStack,
    leaver: &Session,
    friend: &Session,
    third: &Session,
) -> Result<(), String> {
    let friends = stack.get("/api/v1/friends", Some(&friend.token)).await;
    if friends.body["items"] != json!([]) {
        return Err(friends.text);
    }
    let incoming = stack
        .get("/api/v1/friends/requests", Some(&third.token))
        .await;
    if incoming.body["incoming"] != json!([]) {
        return Err(incoming.text);
    }
    let view = stack
        .get(
            &format!(
                "/api/v1/friends/{}/timetable?semester={SEMESTER}",
                leaver.id
            ),
            Some(&friend.token),
        )
        .await;
    if view.status != StatusCode::NOT_FOUND {
        return Err(view.text);
    }
    Ok(())
}

/// Asserts community shows `leaver` as gone: the named post's author is
/// `(알 수 없음)`, the anonymous one stays 익명, the scrap is gone from the
/// count and the like stays.
async fn community_forgot(
    stack: &TestStack,
    viewer: &Session,
    posts: (i64, i64, i64),
) -> Result<(), String> {
    let (named, anonymous, friends_post) = posts;
    let named = stack
        .get(&format!("/api/v1/posts/{named}"), Some(&viewer.token))
        .await;
    if named.body["author"] != json!({"nickname": "(알 수 없음)", "anonymous": false}) {
        return Err(named.text);
    }
    let anonymous = stack
        .get(&format!("/api/v1/posts/{anonymous}"), Some(&viewer.token))
        .await;
    if anonymous.body["author"] != json!({"nickname": "익명", "anonymous": true}) {
        return Err(anonymous.text);
    }
    let post = stack
        .get(
            &format!("/api/v1/posts/{friends_post}"),
            Some(&viewer.token),
        )
        .await;
    let comment_author = &post.body["comments"][0]["author"];
    if post.body["scrap_count"] != 0
        || post.body["like_count"] != 1
        || *comment_author != json!({"nickname": "(알 수 없음)", "anonymous": false})
    {
        return Err(post.text);
    }
    Ok(())
}

#[tokio::test]
async fn a_deleted_account_is_gone_or_anonymous_in_every_service() {
    let stack = stack_with_catalog().await;
    let leaver = stack.user("leaver").await;
    let friend = stack.user("stayer").await;
    let third = stack.user("third").await;
    let posts = leave_traces(&stack, &leaver, &friend, &third).await;

    // A wrong password changes nothing.
    delete_me(&stack, &leaver, "not the password")
        .await
        .assert_problem(401, "wrong_password");
    let me = stack.get("/api/v1/users/me", Some(&leaver.token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    delete_me(&stack, &leaver, "")
        .await
        .assert_problem(401, "wrong_password");

    let deleted = delete_me(&stack, &leaver, PASSWORD).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let cleared: Vec<String> = deleted.cookies();
    assert!(
        cleared
            .iter()
            .any(|cookie| cookie.starts_with("access_token=;")),
        "{cleared:?}"
    );

    // Every token of the account is refused within 5 seconds.
    eventually(Duration::from_secs(5), "the token refused", async || {
        let me = stack.get("/api/v1/users/me", Some(&leaver.token)).await;
        (me.status == StatusCode::UNAUTHORIZED)
            .then_some(())
            .ok_or(me.text)
    })
    .await;
    let sign_in = stack.sign_in_with("leaver", PASSWORD).await;
    assert_eq!(sign_in.status, StatusCode::UNAUTHORIZED);
    eventually(
        Duration::from_secs(10),
        "the timetable service forgot them",
        async || timetable_forgot(&stack, &leaver, &friend, &third).await,
    )
    .await;
    eventually(
        Duration::from_secs(10),
        "the community service forgot them",
        async || community_forgot(&stack, &friend, posts).await,
    )
    .await;

    // The email waits a day; the username and nickname are free now.
    let again = stack.sign_up_at("leaver", 1).await;
    again.assert_problem(409, "recently_deleted");
    assert_eq!(again.error_fields(), ["email"]);
    let mut body = crate::support::sign_up_body("leaver", 1);
    body["email"] = json!("a.new.address@example.ac.kr");
    let back = stack.post("/api/v1/auth/sign-up", None, body).await;
    assert_eq!(back.status, StatusCode::CREATED, "{}", back.text);
    assert_ne!(back.body["id"], leaver.id);
    // The new account has nothing of the old one.
    let new = stack.sign_in("leaver").await;
    let timetables = stack.get("/api/v1/timetables", Some(&new.token)).await;
    assert_eq!(timetables.body["items"], json!([]));
    let grades = stack.get("/api/v1/me/grades", Some(&new.token)).await;
    assert_eq!(grades.body["semesters"], json!([]));
    let scraps = stack.get("/api/v1/me/scraps", Some(&new.token)).await;
    assert_eq!(scraps.body["items"], json!([]));
}

#[tokio::test]
async fn a_service_that_was_down_erases_the_user_when_it_is_back() {
    let mut stack = stack_with_catalog().await;
    let leaver = stack.user("absent").await;
    let friend = stack.user("waiting").await;
    let third = stack.user("asked").await;
    let posts = leave_traces(&stack, &leaver, &friend, &third).await;

    stack.stack.stop_timetable().await.expect("stops");
    let deleted = delete_me(&stack, &leaver, PASSWORD).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    // Community, which is up, acts at once.
    eventually(
        Duration::from_secs(10),
        "the community service forgot them",
        async || community_forgot(&stack, &friend, posts).await,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    stack.stack.restart_timetable().await.expect("restarts");
    eventually(
        Duration::from_secs(5),
        "the timetable service caught up",
        async || timetable_forgot(&stack, &leaver, &friend, &third).await,
    )
    .await;
}

#[tokio::test]
async fn a_nickname_changes_at_most_once_in_30_days() {
    let stack = TestStack::start().await;
    let user = stack.user("nick_changer").await;
    let other = stack.user("nick_holder").await;
    let me = stack.get("/api/v1/users/me", Some(&user.token)).await;
    assert_eq!(me.body["nickname_changeable_at"], Value::Null);

    let changed = stack
        .patch(
            "/api/v1/users/me",
            Some(&user.token),
            json!({"nickname": "바뀐닉"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let until = changed.body["nickname_changeable_at"]
        .as_str()
        .expect("a date");
    let until = chrono::DateTime::parse_from_rfc3339(until).expect("RFC 3339");
    let days = (until.timestamp() - chrono::Utc::now().timestamp()) as f64 / 86_400.0;
    assert!((29.9..=30.0).contains(&days), "{days}");

    let again = stack
        .patch(
            "/api/v1/users/me",
            Some(&user.token),
            json!({"nickname": "또바뀐닉"}),
        )
        .await;
    again.assert_problem(409, "nickname_recently_changed");
    assert_eq!(again.error_fields(), ["nickname"]);
    // A name alone may change; the nickname is what it was.
    let named = stack
        .patch(
            "/api/v1/users/me",
            Some(&user.token),
            json!({"name": "새이름"}),
        )
        .await;
    assert_eq!(named.status, StatusCode::OK, "{}", named.text);
    assert_eq!(named.body["nickname"], "바뀐닉");
    // Others see the new nickname at once.
    let board = stack.get("/api/v1/boards", Some(&user.token)).await;
    let free = board.body["items"][0]["id"].as_i64().expect("a board");
    let post = stack
        .post(
            &format!("/api/v1/boards/{free}/posts"),
            Some(&user.token),
            json!({"title": "제목", "content": "내용"}),
        )
        .await;
    let seen = stack
        .get(
            &format!("/api/v1/posts/{}", post.body["id"]),
            Some(&other.token),
        )
        .await;
    assert_eq!(seen.body["author"]["nickname"], "바뀐닉");
}
