//! Auth, users and admin through the gateway over real HTTP, with the auth
//! service behind it over real gRPC.

mod support;

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use everytime_common::token::{Role, SigningKey, TokenSettings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{PASSWORD, TestStack, nickname_for, sign_up_body};

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

#[tokio::test]
async fn sign_in_returns_the_token_body_and_httponly_cookies() {
    let stack = TestStack::start().await;
    stack.sign_up_at("cookie", 1).await;

    let reply = stack.sign_in_with("cookie", PASSWORD).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["username"], "cookie");
    assert_eq!(body["user"]["email"], "cookie@example.ac.kr");
    let access = body["access_token"].as_str().expect("access token");
    let refresh = body["refresh_token"].as_str().expect("refresh token");
    assert_eq!(access.split('.').count(), 3, "a JWT");

    let cookies = reply.cookies();
    let access_cookie = cookies
        .iter()
        .find(|c| c.starts_with("access_token="))
        .expect("access cookie");
    let refresh_cookie = cookies
        .iter()
        .find(|c| c.starts_with("refresh_token="))
        .expect("refresh cookie");
    for cookie in [access_cookie, refresh_cookie] {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    }
    assert!(access_cookie.starts_with(&format!("access_token={access};")));
    assert!(refresh_cookie.starts_with(&format!("refresh_token={refresh};")));

    // The cookie alone authenticates a browser.
    let me = stack
        .send(
            stack
                .http
                .get(stack.url("/api/v1/users/me"))
                .header("cookie", format!("access_token={access}")),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "cookie");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_identical_401s() {
    let stack = TestStack::start().await;
    stack.sign_up_at("exists", 1).await;

    let wrong_password = stack.sign_in_with("exists", "not the password").await;
    let unknown_user = stack.sign_in_with("nobody_here", "not the password").await;

    wrong_password.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong_password.status, unknown_user.status);
    assert_eq!(wrong_password.text, unknown_user.text);
    assert_eq!(
        wrong_password.header("content-type"),
        unknown_user.header("content-type")
    );
    // So is a username no user could have: a NUL, or kilobytes of it.
    for impossible in ["exi\u{0}sts".to_owned(), "x".repeat(30_000)] {
        let reply = stack.sign_in_with(&impossible, "not the password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
        assert_eq!(reply.text, wrong_password.text);
    }
}

#[tokio::test]
async fn unknown_usernames_take_about_as_long_as_wrong_passwords() {
    let stack = TestStack::start().await;
    stack.sign_up_at("timing", 1).await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for round in 0..4 {
        let start = Instant::now();
        stack
            .sign_in_with("timing", &format!("wrong password {round}"))
            .await;
        known.push(start.elapsed());
        let start = Instant::now();
        stack
            .sign_in_with(&format!("ghost_{round}"), "wrong password")
            .await;
        unknown.push(start.elapsed());
    }
    known.sort();
    unknown.sort();

    // Both paths hash once: medians within a factor of three, not the
    // orders of magnitude between hashing and not hashing.
    let (known, unknown) = (known[2], unknown[2]);
    assert!(
        unknown * 3 > known && known * 3 > unknown,
        "known {known:?}, unknown {unknown:?}"
    );
}

#[tokio::test]
async fn refresh_rotates_and_a_spent_token_revokes_the_session() {
    let stack = TestStack::start().await;
    let session = stack.user("rotate").await;

    let first = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh}),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let second_refresh = first.body["refresh_token"]
        .as_str()
        .expect("new refresh")
        .to_owned();
    assert_ne!(second_refresh, session.refresh);
    assert!(first.body["access_token"].is_string());
    assert_eq!(first.body["user"]["username"], "rotate");

    let second = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": second_refresh}),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK);
    let newest = second.body["refresh_token"]
        .as_str()
        .expect("newest")
        .to_owned();

    // The spent first token comes back: 401, and the whole session ends.
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh}),
        )
        .await
        .assert_problem(401, "refresh_token_reused");
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": newest}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn refresh_accepts_the_cookie_and_needs_a_token() {
    let stack = TestStack::start().await;
    let session = stack.user("cookierf").await;

    let with_cookie = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/refresh"))
                .header("cookie", format!("refresh_token={}", session.refresh)),
        )
        .await;
    assert_eq!(with_cookie.status, StatusCode::OK, "{}", with_cookie.text);
    assert!(
        with_cookie
            .cookies()
            .iter()
            .any(|c| c.starts_with("refresh_token="))
    );

    let without = stack
        .send(stack.http.post(stack.url("/api/v1/auth/refresh")))
        .await;
    without.assert_problem(400, "invalid_input");
    assert_eq!(without.error_fields(), ["refresh_token"]);
}

#[tokio::test]
async fn sign_out_revokes_the_session_and_clears_the_cookies() {
    let stack = TestStack::start().await;
    let session = stack.user("goodbye").await;

    let reply = stack
        .post("/api/v1/auth/sign-out", Some(&session.token), json!({}))
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let cookies = reply.cookies();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("access_token=;") && c.contains("Max-Age=0")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("refresh_token=;") && c.contains("Max-Age=0")),
        "{cookies:?}"
    );
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
    stack
        .post("/api/v1/auth/sign-out", None, json!({}))
        .await
        .assert_problem(401, "missing_token");
}

/// An unsigned token (`alg: none`).
fn unsigned_jwt(header: &Value, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

fn claims_for(session: &support::Session, exp_offset: i64) -> Value {
    let now = chrono_now();
    let settings = TokenSettings::default();
    json!({
        "sub": session.id.to_string(),
        "sid": "1",
        "school_id": 1,
        "role": "user",
        "iss": settings.issuer,
        "aud": settings.audience,
        "exp": now + exp_offset,
        "iat": now,
        "jti": "test",
    })
}

fn chrono_now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).expect("fits")
}

#[tokio::test]
async fn forged_tampered_and_expired_tokens_are_401() {
    let key = SigningKey::generate();
    let stack = TestStack::start_with({
        let key = key.clone();
        move |config| config.auth.signing_key = Some(key)
    })
    .await;
    let session = stack.user("victim").await;
    let kid = key.kid().to_owned();

    // Control: a token we mint with the real key is accepted, so each case
    // below fails for its own reason.
    let mut good = key
        .sign(&serde_json::from_value(claims_for(&session, 600)).expect("claims"))
        .expect("signs");
    assert_eq!(
        stack.get("/api/v1/users/me", Some(&good)).await.status,
        StatusCode::OK
    );

    let none = unsigned_jwt(
        &json!({"alg": "none", "typ": "JWT", "kid": kid}),
        &claims_for(&session, 600),
    );
    let own_key = SigningKey::generate()
        .sign(&serde_json::from_value(claims_for(&session, 600)).expect("claims"))
        .expect("signs");
    let mut own_key_real_kid = own_key.split('.').map(str::to_owned).collect::<Vec<_>>();
    own_key_real_kid[0] =
        URL_SAFE_NO_PAD.encode(json!({"alg": "EdDSA", "typ": "JWT", "kid": kid}).to_string());
    let own_key_real_kid = own_key_real_kid.join(".");
    let mut tampered_parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut tampered_claims = claims_for(&session, 600);
    tampered_claims["role"] = json!(Role::Admin.as_str());
    tampered_parts[1] = URL_SAFE_NO_PAD.encode(tampered_claims.to_string());
    let tampered = tampered_parts.join(".");
    let expired = key
        .sign(&serde_json::from_value(claims_for(&session, -3600)).expect("claims"))
        .expect("signs");
    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some(kid.clone()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &claims_for(&session, 600),
        &jsonwebtoken::EncodingKey::from_secret(key.public_jwk().x.as_bytes()),
    )
    .expect("signs");

    for (name, token, code) in [
        ("alg none", none, "invalid_token"),
        ("a key of our own", own_key, "invalid_token"),
        (
            "our key under the real kid",
            own_key_real_kid,
            "invalid_token",
        ),
        ("a tampered payload", tampered, "invalid_token"),
        ("HS256 with the public key as secret", hmac, "invalid_token"),
        ("an expired exp", expired, "token_expired"),
        ("garbage", "garbage".to_owned(), "invalid_token"),
    ] {
        let reply = stack.get("/api/v1/users/me", Some(&token)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            reply.text
        );
        reply.assert_problem(401, code);
    }
    stack
        .get("/api/v1/users/me", None)
        .await
        .assert_problem(401, "missing_token");
    good.push('x');
    stack
        .get("/api/v1/users/me", Some(&good))
        .await
        .assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn repeated_sign_in_failures_are_429_with_retry_after() {
    let stack = TestStack::start().await;
    stack.sign_up_at("guarded", 1).await;

    for _ in 0..5 {
        stack
            .sign_in_with("guarded", "wrong password")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let reply = stack.sign_in_with("guarded", PASSWORD).await;

    reply.assert_problem(429, "too_many_attempts");
    let retry_after: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((800..=900).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn the_gateway_limits_auth_requests_per_client() {
    let stack = TestStack::start_with(|config| config.gateway.auth_rate_limit_per_minute = 3).await;

    for _ in 0..3 {
        let reply = stack.sign_in_with("someone", "whatever password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = stack.sign_in_with("someone", "whatever password").await;

    reply.assert_problem(429, "rate_limited");
    assert!(reply.header("retry-after").is_some());
}

#[tokio::test]
async fn only_admins_may_create_schools() {
    let stack = TestStack::start_with(|config| {
        config.auth.admin = Some(everytime_auth::AdminAccount {
            username: "admin".into(),
            password: "admin password".into(),
            email: "admin@localhost".into(),
            nickname: "관리자".into(),
        });
    })
    .await;
    let user = stack.user("student").await;
    let admin = stack.sign_in_with("admin", "admin password").await;
    assert_eq!(admin.body["user"]["role"], "admin");
    let admin_token = admin.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    stack
        .post(
            "/api/v1/admin/schools",
            Some(&user.token),
            json!({"name": "몰래대학교"}),
        )
        .await
        .assert_problem(403, "admin_only");
    let created = stack
        .post(
            "/api/v1/admin/schools",
            Some(&admin_token),
            json!({"name": "새로운대학교"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["name"], "새로운대학교");
    stack
        .post(
            "/api/v1/admin/schools",
            Some(&admin_token),
            json!({"name": "새로운대학교"}),
        )
        .await
        .assert_problem(409, "school_name_taken");
    let nul = stack
        .post(
            "/api/v1/admin/schools",
            Some(&admin_token),
            json!({"name": "널\u{0}대학교"}),
        )
        .await;
    nul.assert_problem(400, "invalid_input");
    assert_eq!(nul.error_fields(), ["name"]);
    let schools = stack.get("/api/v1/schools", None).await;
    assert!(
        schools.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["name"] == "새로운대학교")
    );
    assert!(
        !schools.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["name"] == "몰래대학교")
    );
}

#[tokio::test]
async fn users_me_reads_and_patches_the_caller() {
    let stack = TestStack::start().await;
    let session = stack.user("patcher").await;
    stack.sign_up_at("other", 1).await;

    let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
    assert_eq!(me.body["email"], "patcher@example.ac.kr");

    let patched = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"nickname": " 바뀐닉 ", "name": "박지성"}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["nickname"], "바뀐닉");
    assert_eq!(patched.body["name"], "박지성");

    let only_name = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"name": "손흥민"}),
        )
        .await;
    assert_eq!(only_name.body["nickname"], "바뀐닉");

    let taken = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"nickname": nickname_for("other")}),
        )
        .await;
    taken.assert_problem(409, "nickname_taken");
    assert_eq!(taken.error_fields(), ["nickname"]);
    let invalid = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"nickname": "x"}),
        )
        .await;
    invalid.assert_problem(400, "invalid_input");
    assert_eq!(invalid.error_fields(), ["nickname"]);
    assert_eq!(
        stack
            .get("/api/v1/users/me", Some(&session.token))
            .await
            .body["nickname"],
        "바뀐닉"
    );
}

#[tokio::test]
async fn changing_the_password_revokes_the_other_sessions() {
    let stack = TestStack::start().await;
    let phone = stack.user("mover").await;
    let laptop = stack.sign_in_with("mover", PASSWORD).await;
    let laptop_token = laptop.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let laptop_refresh = laptop.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    stack
        .put(
            "/api/v1/users/me/password",
            Some(&laptop_token),
            Some(json!({"current_password": "wrong one!", "new_password": "new password 1"})),
        )
        .await
        .assert_problem(401, "wrong_password");
    let changed = stack
        .put(
            "/api/v1/users/me/password",
            Some(&laptop_token),
            Some(json!({"current_password": PASSWORD, "new_password": "new password 1"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);

    stack
        .sign_in_with("mover", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    assert_eq!(
        stack.sign_in_with("mover", "new password 1").await.status,
        StatusCode::OK
    );
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": phone.refresh}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
    let kept = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": laptop_refresh}),
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_and_others_are_404() {
    let stack = TestStack::start().await;
    let first = stack.user("devices").await;
    let second = stack.sign_in("devices").await;
    let stranger = stack.user("stranger").await;

    let list = stack
        .get("/api/v1/auth/sessions", Some(&second.token))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["current"], true);
    assert_eq!(items[1]["current"], false);
    for item in &items {
        assert!(
            item["id"].is_i64()
                && item["created_at"].is_string()
                && item["last_used_at"].is_string()
        );
        assert!(item["user_agent"].is_string());
    }
    let older = items[1]["id"].as_i64().expect("id");

    stack
        .delete(
            &format!("/api/v1/auth/sessions/{older}"),
            Some(&stranger.token),
        )
        .await
        .assert_problem(404, "session_not_found");
    let revoked = stack
        .delete(
            &format!("/api/v1/auth/sessions/{older}"),
            Some(&second.token),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
    let after = stack
        .get("/api/v1/auth/sessions", Some(&second.token))
        .await;
    assert_eq!(after.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn errors_are_problem_json_for_400_401_404_405_413_415() {
    let stack = TestStack::start().await;
    let session = stack.user("probe").await;

    let malformed = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/sign-in"))
                .header("content-type", "application/json")
                .body("{\"username\": "),
        )
        .await;
    malformed.assert_problem(400, "malformed_json");

    let missing_field = stack
        .post("/api/v1/auth/sign-in", None, json!({"username": "probe"}))
        .await;
    missing_field.assert_problem(400, "invalid_input");
    assert_eq!(missing_field.error_fields(), ["password"]);

    let wrong_type = stack.post("/api/v1/auth/sign-up", None, json!({"username": "x", "email": "e@x.kr", "password": PASSWORD, "nickname": "닉네임", "name": "이름", "school_id": "one"})).await;
    wrong_type.assert_problem(400, "invalid_input");
    assert_eq!(wrong_type.error_fields(), ["school_id"]);

    stack
        .get("/api/v1/users/me", None)
        .await
        .assert_problem(401, "missing_token");
    stack
        .get("/api/v1/no/such/route", None)
        .await
        .assert_problem(404, "not_found");
    stack
        .get("/nothing-here", None)
        .await
        .assert_problem(404, "not_found");
    stack
        .delete("/api/v1/schools", None)
        .await
        .assert_problem(405, "method_not_allowed");

    let huge = json!({"username": "probe", "password": "x".repeat(70 * 1024)});
    stack
        .post("/api/v1/auth/sign-in", None, huge)
        .await
        .assert_problem(413, "payload_too_large");

    let form = stack
        .send(
            stack
                .http
                .patch(stack.url("/api/v1/users/me"))
                .bearer_auth(&session.token)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("nickname=hello"),
        )
        .await;
    form.assert_problem(415, "unsupported_media_type");

    let bad_id = stack
        .delete("/api/v1/auth/sessions/abc", Some(&session.token))
        .await;
    bad_id.assert_problem(400, "invalid_input");
    assert_eq!(bad_id.error_fields(), ["id"]);
}

#[tokio::test]
async fn health_openapi_and_jwks_are_public() {
    let stack = TestStack::start().await;

    let health = stack.get("/healthz", None).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );

    let ready = stack.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["services"]["auth"], "serving");

    let openapi = stack.get("/api/v1/openapi.json", None).await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(
        openapi.body["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.1")
    );
    let paths = openapi.body["paths"].as_object().expect("paths");
    // Every endpoint of API.md, with its method.
    let endpoints = [
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/.well-known/jwks.json"),
        ("get", "/api/v1/schools"),
        ("post", "/api/v1/auth/sign-up"),
        ("post", "/api/v1/auth/sign-in"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/sign-out"),
        ("get", "/api/v1/users/me"),
        ("patch", "/api/v1/users/me"),
        ("put", "/api/v1/users/me/password"),
        ("get", "/api/v1/auth/sessions"),
        ("delete", "/api/v1/auth/sessions/{id}"),
        ("post", "/api/v1/admin/schools"),
        ("post", "/api/v1/admin/courses"),
        ("get", "/api/v1/boards"),
        ("post", "/api/v1/boards"),
        ("get", "/api/v1/boards/{board_id}/posts"),
        ("post", "/api/v1/boards/{board_id}/posts"),
        ("get", "/api/v1/posts/{post_id}"),
        ("patch", "/api/v1/posts/{post_id}"),
        ("delete", "/api/v1/posts/{post_id}"),
        ("post", "/api/v1/posts/{post_id}/comments"),
        ("delete", "/api/v1/comments/{comment_id}"),
        ("put", "/api/v1/posts/{post_id}/like"),
        ("put", "/api/v1/comments/{comment_id}/like"),
        ("put", "/api/v1/posts/{post_id}/scrap"),
        ("delete", "/api/v1/posts/{post_id}/scrap"),
        ("get", "/api/v1/posts/hot"),
        ("get", "/api/v1/posts/best"),
        ("get", "/api/v1/posts/search"),
        ("get", "/api/v1/me/posts"),
        ("get", "/api/v1/me/comments"),
        ("get", "/api/v1/me/scraps"),
        ("get", "/api/v1/courses"),
        ("get", "/api/v1/timetables"),
        ("post", "/api/v1/timetables"),
        ("get", "/api/v1/timetables/{id}"),
        ("patch", "/api/v1/timetables/{id}"),
        ("delete", "/api/v1/timetables/{id}"),
        ("post", "/api/v1/timetables/{id}/courses"),
        ("delete", "/api/v1/timetables/{id}/courses/{course_id}"),
        ("get", "/api/v1/timetables/{id}/image.svg"),
        ("get", "/api/v1/me/timetable"),
        ("post", "/api/v1/friends/requests"),
        ("get", "/api/v1/friends/requests"),
        ("post", "/api/v1/friends/requests/{id}/accept"),
        ("delete", "/api/v1/friends/requests/{id}"),
        ("get", "/api/v1/friends"),
        ("delete", "/api/v1/friends/{user_id}"),
        ("get", "/api/v1/friends/{user_id}/timetable"),
    ];
    for (method, path) in endpoints {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path} is documented; documented paths: {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }

    let jwks = stack.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, StatusCode::OK);
    let key = &jwks.body["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let session = stack.user("jwks").await;
    let header = jsonwebtoken::decode_header(&session.token).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
}

#[tokio::test]
async fn with_auth_down_the_gateway_answers_503_quickly_and_recovers() {
    let mut stack = TestStack::start().await;
    let session = stack.user("resilient").await;
    assert_eq!(stack.get("/readyz", None).await.status, StatusCode::OK);

    stack.stack.stop_auth().await.expect("auth stops");

    let ready = stack.get("/readyz", None).await;
    ready.assert_problem(503, "not_ready");
    assert_eq!(ready.body["failing"], json!(["auth"]));
    let started = Instant::now();
    let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
    me.assert_problem(503, "service_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered within the deadline"
    );
    stack
        .get("/api/v1/schools", None)
        .await
        .assert_problem(503, "service_unavailable");

    stack.stack.restart_auth().await.expect("auth restarts");

    let mut ready = stack.get("/readyz", None).await;
    for _ in 0..50 {
        if ready.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = stack.get("/readyz", None).await;
    }
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
}

#[tokio::test]
async fn a_backend_that_accepts_but_never_answers_is_a_504_within_the_deadline() {
    // A "backend" that takes connections and reads whatever comes, but never
    // writes a byte: a stalled process, a full pool, a paused container.
    let stalled = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let stalled_addr = stalled.local_addr().expect("an address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = stalled.accept().await {
            held.push(stream);
        }
    });
    let mut config = everytime_gateway::Config::new();
    config.auth_url = format!("http://{stalled_addr}");
    config.grpc_timeout = Duration::from_millis(500);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let gateway = listener.local_addr().expect("an address");
    tokio::spawn(everytime_gateway::serve(
        config,
        listener,
        std::future::pending(),
    ));

    let started = Instant::now();
    let response = reqwest::get(format!("http://{gateway}/api/v1/schools"))
        .await
        .expect("the gateway answers");
    let elapsed = started.elapsed();

    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("a problem");
    assert_eq!(body["code"], "backend_timeout");
    assert_eq!(body["status"], 504);
    assert!(
        elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(3),
        "answered at the deadline, not before and not long after: {elapsed:?}"
    );
}
