//! Signing up: the created user, field limits, duplicates and unknown schools.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestStack, nickname_for, sign_up_body};

#[tokio::test]
async fn sign_up_returns_201_with_the_user_and_korean_text_round_trips() {
    let stack = TestStack::start().await;

    let reply = stack
        .post(
            "/api/v1/auth/sign-up",
            None,
            json!({
                "username": "  minsu_01 ",
                "email": "Minsu@SNU.ac.kr",
                "password": PASSWORD,
                "nickname": " 새내기 ",
                "name": "김민수",
                "school_id": 1
            }),
        )
        .await;

    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let user = &reply.body;
    assert_eq!(user["username"], "minsu_01");
    assert_eq!(user["email"], "Minsu@SNU.ac.kr");
    assert_eq!(user["nickname"], "새내기");
    assert_eq!(user["name"], "김민수");
    assert_eq!(user["school"], json!({"id": 1, "name": "서울대학교"}));
    assert_eq!(user["role"], "user");
    assert!(user["id"].is_i64());
    let created_at = user["created_at"].as_str().expect("a timestamp");
    assert!(
        created_at.ends_with('Z') && created_at.len() == 20,
        "{created_at}"
    );
}

#[tokio::test]
async fn sign_up_limits_are_400_naming_each_field() {
    let stack = TestStack::start().await;
    let cases: Vec<(&str, Value)> = vec![
        ("username", json!("abc")),
        ("username", json!("a".repeat(21))),
        ("username", json!("Upper_Case")),
        ("username", json!("한글아이디")),
        ("email", json!("no-at-sign")),
        ("password", json!("seven77")),
        ("password", json!("x".repeat(129))),
        ("nickname", json!("한")),
        ("nickname", json!("가나다라마바사아자차카")),
        ("nickname", json!("   ")),
        ("name", json!("")),
        ("name", json!("가".repeat(21))),
        // Postgres cannot store a NUL; no other control character belongs
        // in a name either.
        ("nickname", json!("닉\u{0}네임")),
        ("name", json!("김\n민수")),
        ("email", json!("a\u{0}@snu.ac.kr")),
        ("username", json!("mins\u{0}u")),
    ];
    for (field, value) in cases {
        let mut body = sign_up_body("valid_user", 1);
        body[field] = value.clone();

        let reply = stack.post("/api/v1/auth/sign-up", None, body).await;

        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), [field], "{field} = {value}");
    }
    // Nothing was created along the way.
    stack
        .sign_in_with("valid_user", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    assert_eq!(
        stack.sign_up_at("valid_user", 1).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn limits_count_characters_not_bytes() {
    let stack = TestStack::start().await;
    let mut body = sign_up_body("hangul", 1);
    body["nickname"] = json!("가나다라마바사아자차");
    body["name"] = json!("가".repeat(20));
    body["password"] = json!("비밀번호비밀번호");

    let reply = stack.post("/api/v1/auth/sign-up", None, body).await;

    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(
        stack
            .sign_in_with("hangul", "비밀번호비밀번호")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn duplicate_username_email_and_nickname_are_409_naming_the_field() {
    let stack = TestStack::start().await;
    stack.sign_up_at("original", 1).await;

    let mut same_username = sign_up_body("original", 1);
    same_username["email"] = json!("new@example.ac.kr");
    same_username["nickname"] = json!("새닉");
    let mut same_email = sign_up_body("another", 1);
    same_email["email"] = json!("ORIGINAL@example.ac.kr");
    let mut same_nickname = sign_up_body("third", 1);
    same_nickname["nickname"] = json!(nickname_for("original"));

    for (body, code, field) in [
        (same_username, "username_taken", "username"),
        (same_email, "email_taken", "email"),
        (same_nickname, "nickname_taken", "nickname"),
    ] {
        let reply = stack.post("/api/v1/auth/sign-up", None, body).await;
        reply.assert_problem(409, code);
        assert_eq!(reply.error_fields(), [field]);
    }
}

#[tokio::test]
async fn an_unknown_school_is_400_on_school_id() {
    let stack = TestStack::start().await;

    let reply = stack.sign_up_at("lost", 4242).await;

    reply.assert_problem(400, "unknown_school");
    assert_eq!(reply.error_fields(), ["school_id"]);
}
