//! Names nobody may take and nicknames compared as people read them,
//! through the gateway: reserved usernames and nicknames, invisible and
//! bidi characters, and width variants of one nickname.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestStack, sign_up_body};

#[tokio::test]
async fn reserved_usernames_are_400_on_username() {
    let stack = TestStack::start().await;

    for username in ["admin", "administrator", "root", "system", "everytime"] {
        let reply = stack
            .post("/api/v1/auth/sign-up", None, sign_up_body(username, 1))
            .await;

        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), ["username"], "{username}");
    }
}

#[tokio::test]
async fn reserved_nicknames_are_400_on_nickname_at_sign_up_and_on_a_change() {
    let stack = TestStack::start().await;
    let session = stack.user("renamer").await;

    for (i, nickname) in [
        "관리자",
        "운영자",
        "익명",
        "익명(글쓴이)",
        "익명12",
        "(알 수 없음)",
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = sign_up_body(&format!("staffish{i}"), 1);
        body["nickname"] = json!(nickname);
        let signed_up = stack.post("/api/v1/auth/sign-up", None, body).await;
        let changed = stack
            .patch(
                "/api/v1/users/me",
                Some(&session.token),
                json!({"nickname": nickname}),
            )
            .await;

        for reply in [signed_up, changed] {
            reply.assert_problem(400, "invalid_input");
            assert_eq!(reply.error_fields(), ["nickname"], "{nickname}");
        }
    }
}

#[tokio::test]
async fn zero_width_and_bidi_override_characters_in_a_nickname_are_400() {
    let stack = TestStack::start().await;
    let session = stack.user("hider").await;

    for (i, nickname) in ["관리자\u{200B}", "\u{202E}수민"].into_iter().enumerate() {
        let mut body = sign_up_body(&format!("hidden{i}"), 1);
        body["nickname"] = json!(nickname);
        let signed_up = stack.post("/api/v1/auth/sign-up", None, body).await;
        let changed = stack
            .patch(
                "/api/v1/users/me",
                Some(&session.token),
                json!({"nickname": nickname}),
            )
            .await;

        for reply in [signed_up, changed] {
            reply.assert_problem(400, "invalid_input");
            assert_eq!(reply.error_fields(), ["nickname"], "{nickname:?}");
        }
    }
}

#[tokio::test]
async fn width_variants_and_decomposed_hangul_are_one_nickname_409_nickname_taken() {
    let stack = TestStack::start().await;
    let mut minsu = sign_up_body("minsu", 1);
    minsu["nickname"] = json!("ｍｉｎｓｕ");
    let created = stack.post("/api/v1/auth/sign-up", None, minsu).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["nickname"], "minsu");
    let mut hangul = sign_up_body("minsu_kr", 1);
    hangul["nickname"] = json!("\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}");
    let created = stack.post("/api/v1/auth/sign-up", None, hangul).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["nickname"], "민수");

    for (i, variant) in ["minsu", "ＭＩＮＳＵ", "민수"].into_iter().enumerate() {
        let mut body = sign_up_body(&format!("copycat{i}"), 1);
        body["nickname"] = json!(variant);
        let reply = stack.post("/api/v1/auth/sign-up", None, body).await;

        reply.assert_problem(409, "nickname_taken");
        assert_eq!(reply.error_fields(), ["nickname"], "{variant}");
    }
    let session = stack.user("latecomer").await;
    let changed = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"nickname": "ｍｉｎｓｕ"}),
        )
        .await;
    changed.assert_problem(409, "nickname_taken");
    assert_eq!(changed.error_fields(), ["nickname"]);
}
