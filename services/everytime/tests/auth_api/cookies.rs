//! The token cookies: `__Host-` names with `COOKIE_SECURE` on,
//! `token_delivery: cookie` keeping the tokens out of the body, and
//! sign-out with the refresh token alone.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{PASSWORD, Reply, TestStack};

/// The `Set-Cookie` header of `name`.
fn set_cookie(reply: &Reply, name: &str) -> String {
    reply
        .cookies()
        .into_iter()
        .find(|cookie| cookie.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", reply.cookies()))
}

/// The value a `Set-Cookie` header sets.
fn value_of(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=')
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default()
}

/// The body's members, sorted.
fn members(reply: &Reply) -> Vec<String> {
    let mut members: Vec<String> = reply
        .body
        .as_object()
        .map(|body| body.keys().cloned().collect())
        .unwrap_or_default();
    members.sort();
    members
}

async fn post_with_cookie(
    stack: &TestStack,
    path: &str,
    cookie: &str,
    origin: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = stack
        .http
        .post(stack.url(path))
        .header("cookie", cookie.to_owned())
        .header("origin", origin);
    if let Some(body) = body {
        request = request.json(&body);
    }
    stack.send(request).await
}

#[tokio::test]
async fn with_cookie_secure_the_cookies_are_host_prefixed_and_authenticate() {
    let stack = TestStack::start_with(|config| config.gateway.cookie_secure = true).await;
    stack.sign_up_at("secure01", 1).await;
    // The gateway's own origin is https:// + its host with COOKIE_SECURE on.
    let own_origin = stack.base.replacen("http://", "https://", 1);

    let signed_in = stack.sign_in_with("secure01", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    let access = set_cookie(&signed_in, "__Host-access_token");
    let refresh = set_cookie(&signed_in, "__Host-refresh_token");
    for cookie in [&access, &refresh] {
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(
                cookie.split("; ").any(|part| part == attribute),
                "{attribute} in {cookie}"
            );
        }
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    }
    assert!(
        !signed_in
            .cookies()
            .iter()
            .any(|cookie| cookie.starts_with("access_token=")
                || cookie.starts_with("refresh_token=")),
        "{:?}",
        signed_in.cookies()
    );
    let access = value_of(&access);
    let refresh = value_of(&refresh);
    assert_eq!(access, signed_in.body["access_token"]);

    // The prefixed cookie authenticates; the plain name is not read.
    let me = stack
        .send(
            stack
                .http
                .get(stack.url("/api/v1/users/me"))
                .header("cookie", format!("__Host-access_token={access}")),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    stack
        .send(
            stack
                .http
                .get(stack.url("/api/v1/users/me"))
                .header("cookie", format!("access_token={access}")),
        )
        .await
        .assert_problem(401, "missing_token");

    // The http:// origin is not the gateway's own any more.
    post_with_cookie(
        &stack,
        "/api/v1/auth/refresh",
        &format!("__Host-refresh_token={refresh}"),
        &stack.base,
        None,
    )
    .await
    .assert_problem(403, "csrf_rejected");
    let refreshed = post_with_cookie(
        &stack,
        "/api/v1/auth/refresh",
        &format!("__Host-refresh_token={refresh}"),
        &own_origin,
        None,
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let next = value_of(&set_cookie(&refreshed, "__Host-refresh_token"));

    let signed_out = post_with_cookie(
        &stack,
        "/api/v1/auth/sign-out",
        &format!("__Host-refresh_token={next}"),
        &own_origin,
        None,
    )
    .await;
    assert_eq!(
        signed_out.status,
        StatusCode::NO_CONTENT,
        "{}",
        signed_out.text
    );
    for name in ["__Host-access_token", "__Host-refresh_token"] {
        let cleared = set_cookie(&signed_out, name);
        assert!(cleared.starts_with(&format!("{name}=;")), "{cleared}");
        for attribute in ["Max-Age=0", "Secure", "Path=/"] {
            assert!(
                cleared.split("; ").any(|part| part == attribute),
                "{cleared}"
            );
        }
    }
}

#[tokio::test]
async fn token_delivery_cookie_keeps_the_tokens_out_of_the_body() {
    let stack = TestStack::start().await;
    stack.sign_up_at("webonly", 1).await;

    let signed_in = stack
        .post(
            "/api/v1/auth/sign-in",
            None,
            json!({"username": "webonly", "password": PASSWORD, "token_delivery": "cookie"}),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    assert_eq!(
        members(&signed_in),
        ["expires_in", "user"],
        "{}",
        signed_in.text
    );
    assert_eq!(signed_in.body["user"]["username"], "webonly");
    assert!(signed_in.body["expires_in"].as_i64().is_some_and(|s| s > 0));
    let access = value_of(&set_cookie(&signed_in, "access_token"));
    let refresh = value_of(&set_cookie(&signed_in, "refresh_token"));
    assert!(!access.is_empty() && !refresh.is_empty());

    let refreshed = post_with_cookie(
        &stack,
        "/api/v1/auth/refresh",
        &format!("refresh_token={refresh}"),
        &stack.base,
        Some(json!({"token_delivery": "cookie"})),
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    assert_eq!(
        members(&refreshed),
        ["expires_in", "user"],
        "{}",
        refreshed.text
    );
    let next = value_of(&set_cookie(&refreshed, "refresh_token"));
    assert_ne!(next, refresh);

    // Asked for explicitly, the body carries them as by default.
    let in_body = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": next, "token_delivery": "body"}),
        )
        .await;
    assert_eq!(in_body.status, StatusCode::OK, "{}", in_body.text);
    assert!(in_body.body["access_token"].is_string());
    assert!(in_body.body["refresh_token"].is_string());
    assert_eq!(in_body.body["token_type"], "Bearer");

    let unknown = stack
        .post(
            "/api/v1/auth/sign-in",
            None,
            json!({"username": "webonly", "password": PASSWORD, "token_delivery": "script"}),
        )
        .await;
    unknown.assert_problem(400, "invalid_input");
    assert_eq!(unknown.error_fields(), ["token_delivery"]);
}

#[tokio::test]
async fn the_openapi_document_has_token_delivery_and_optional_tokens() {
    let stack = TestStack::start().await;
    let document = stack.get("/api/v1/openapi.json", None).await;
    let schemas = &document.body["components"]["schemas"];

    assert_eq!(
        schemas["TokenBody"]["required"],
        json!(["user", "expires_in"])
    );
    for token in ["access_token", "refresh_token", "token_type"] {
        assert!(
            schemas["TokenBody"]["properties"][token].is_object(),
            "{token}"
        );
    }
    for body in ["SignInBody", "RefreshBody"] {
        assert!(
            schemas[body]["properties"]["token_delivery"].is_object(),
            "{body}: {}",
            schemas[body]
        );
    }
    assert_eq!(schemas["TokenDelivery"]["enum"], json!(["body", "cookie"]));
}

#[tokio::test]
async fn sign_out_with_only_the_refresh_token_ends_the_session() {
    let stack = TestStack::start().await;
    let by_cookie = stack.user("idleweb").await;
    let by_body = stack.sign_in("idleweb").await;
    let with_expired = stack.sign_in("idleweb").await;

    // The refresh cookie alone, no access token.
    let signed_out = post_with_cookie(
        &stack,
        "/api/v1/auth/sign-out",
        &format!("refresh_token={}", by_cookie.refresh),
        &stack.base,
        None,
    )
    .await;
    assert_eq!(
        signed_out.status,
        StatusCode::NO_CONTENT,
        "{}",
        signed_out.text
    );
    assert!(set_cookie(&signed_out, "access_token").contains("Max-Age=0"));
    assert!(set_cookie(&signed_out, "refresh_token").contains("Max-Age=0"));

    // The body's refresh token alone.
    let signed_out = stack
        .post(
            "/api/v1/auth/sign-out",
            None,
            json!({"refresh_token": by_body.refresh}),
        )
        .await;
    assert_eq!(
        signed_out.status,
        StatusCode::NO_CONTENT,
        "{}",
        signed_out.text
    );

    // An access token that no longer verifies does not stand in the way.
    let signed_out = stack
        .post(
            "/api/v1/auth/sign-out",
            Some("not.a.valid.token"),
            json!({"refresh_token": with_expired.refresh}),
        )
        .await;
    assert_eq!(
        signed_out.status,
        StatusCode::NO_CONTENT,
        "{}",
        signed_out.text
    );

    for session in [&by_cookie, &by_body, &with_expired] {
        stack
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": session.refresh}),
            )
            .await
            .assert_problem(401, "invalid_refresh_token");
    }
    // An unknown refresh token alone ends nothing and says so.
    stack
        .post(
            "/api/v1/auth/sign-out",
            None,
            json!({"refresh_token": "not-a-refresh-token"}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
    // An invalid access token alone is refused as before.
    stack
        .post(
            "/api/v1/auth/sign-out",
            Some("not.a.valid.token"),
            json!({}),
        )
        .await
        .assert_problem(401, "invalid_token");
}
