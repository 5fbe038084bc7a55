//! CSRF: a write that a cookie authenticates must come from the gateway's
//! own origin or an allowed one (`Origin`, or without it `Sec-Fetch-Site:
//! same-origin`); otherwise `403 csrf_rejected`, and nothing changes.
//! Requests with `Authorization` and reads are not affected.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Reply, Session, TestStack};

const EVIL: &str = "https://evil.example";

/// Where a request says it comes from.
#[derive(Clone, Copy)]
enum Sent<'a> {
    Origin(&'a str),
    FetchSite(&'a str),
    Nowhere,
}

/// A request authenticated by the `cookie` header alone.
async fn with_cookie(
    stack: &TestStack,
    method: Method,
    path: &str,
    cookie: &str,
    from: Sent<'_>,
    body: Option<Value>,
) -> Reply {
    let mut request = stack
        .http
        .request(method, stack.url(path))
        .header("cookie", cookie.to_owned());
    request = match from {
        Sent::Origin(origin) => request.header("origin", origin),
        Sent::FetchSite(site) => request.header("sec-fetch-site", site),
        Sent::Nowhere => request,
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    stack.send(request).await
}

fn access_cookie(session: &Session) -> String {
    format!("access_token={}", session.token)
}

async fn first_board(stack: &TestStack, session: &Session) -> i64 {
    let boards = stack.get("/api/v1/boards", Some(&session.token)).await;
    boards.body["items"][0]["id"].as_i64().expect("a board")
}

async fn post_count(stack: &TestStack, session: &Session, board: i64) -> usize {
    let posts = stack
        .get(
            &format!("/api/v1/boards/{board}/posts"),
            Some(&session.token),
        )
        .await;
    posts.body["items"].as_array().expect("posts").len()
}

fn a_post() -> Option<Value> {
    Some(json!({"title": "제목", "content": "내용"}))
}

#[tokio::test]
async fn a_friend_accept_by_cookie_from_a_foreign_origin_is_refused_and_changes_nothing() {
    let stack = TestStack::start().await;
    let asker = stack.user("asker01").await;
    let victim = stack.user("victim01").await;
    let asked = stack
        .post(
            "/api/v1/friends/requests",
            Some(&asker.token),
            json!({"username": "victim01"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let accept = format!(
        "/api/v1/friends/requests/{}/accept",
        asked.body["id"].as_i64().expect("an id")
    );

    with_cookie(
        &stack,
        Method::POST,
        &accept,
        &access_cookie(&victim),
        Sent::Origin(EVIL),
        None,
    )
    .await
    .assert_problem(403, "csrf_rejected");
    let friends = stack.get("/api/v1/friends", Some(&victim.token)).await;
    assert_eq!(friends.body["items"], json!([]), "{}", friends.text);
    let requests = stack
        .get("/api/v1/friends/requests", Some(&victim.token))
        .await;
    assert_eq!(requests.body["incoming"].as_array().map(Vec::len), Some(1));

    let accepted = with_cookie(
        &stack,
        Method::POST,
        &accept,
        &access_cookie(&victim),
        Sent::Origin(&stack.base),
        None,
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    let friends = stack.get("/api/v1/friends", Some(&victim.token)).await;
    assert_eq!(friends.body["items"][0]["id"], asker.id);
}

#[tokio::test]
async fn a_post_by_cookie_needs_the_own_origin_or_a_same_origin_fetch() {
    let stack = TestStack::start().await;
    let writer = stack.user("writer01").await;
    let board = first_board(&stack, &writer).await;
    let path = format!("/api/v1/boards/{board}/posts");
    let cookie = access_cookie(&writer);

    // A sibling subdomain is same-site, not same-origin; a request with
    // neither header shows no origin at all.
    for from in [
        Sent::Origin(EVIL),
        Sent::Origin("null"),
        Sent::Origin("https://sub.127.0.0.1"),
        Sent::FetchSite("cross-site"),
        Sent::FetchSite("same-site"),
        Sent::FetchSite("none"),
        Sent::Nowhere,
    ] {
        with_cookie(&stack, Method::POST, &path, &cookie, from, a_post())
            .await
            .assert_problem(403, "csrf_rejected");
    }
    assert_eq!(post_count(&stack, &writer, board).await, 0);

    for from in [Sent::Origin(&stack.base), Sent::FetchSite("same-origin")] {
        let created = with_cookie(&stack, Method::POST, &path, &cookie, from, a_post()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    assert_eq!(post_count(&stack, &writer, board).await, 2);
}

#[tokio::test]
async fn an_origin_of_cors_allowed_origins_passes() {
    let stack = TestStack::start_with(|config| {
        config.gateway.cors_origins = vec!["https://app.example".into()];
    })
    .await;
    let writer = stack.user("writer02").await;
    let board = first_board(&stack, &writer).await;
    let path = format!("/api/v1/boards/{board}/posts");

    let created = with_cookie(
        &stack,
        Method::POST,
        &path,
        &access_cookie(&writer),
        Sent::Origin("https://app.example"),
        a_post(),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    with_cookie(
        &stack,
        Method::POST,
        &path,
        &access_cookie(&writer),
        Sent::Origin(EVIL),
        a_post(),
    )
    .await
    .assert_problem(403, "csrf_rejected");
}

#[tokio::test]
async fn a_public_origin_setting_replaces_the_host() {
    let stack = TestStack::start_with(|config| {
        config.gateway.public_origin = Some("https://everytime.example".into());
    })
    .await;
    let writer = stack.user("writer03").await;
    let board = first_board(&stack, &writer).await;
    let path = format!("/api/v1/boards/{board}/posts");
    let cookie = access_cookie(&writer);

    let created = with_cookie(
        &stack,
        Method::POST,
        &path,
        &cookie,
        Sent::Origin("https://everytime.example"),
        a_post(),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    with_cookie(
        &stack,
        Method::POST,
        &path,
        &cookie,
        Sent::Origin(&stack.base),
        a_post(),
    )
    .await
    .assert_problem(403, "csrf_rejected");
}

#[tokio::test]
async fn refresh_and_sign_out_by_cookie_from_a_foreign_origin_are_refused() {
    let stack = TestStack::start().await;
    let session = stack.user("victim02").await;
    let refresh_cookie = format!("refresh_token={}", session.refresh);
    let both = format!("{}; {refresh_cookie}", access_cookie(&session));

    with_cookie(
        &stack,
        Method::POST,
        "/api/v1/auth/refresh",
        &refresh_cookie,
        Sent::Origin(EVIL),
        None,
    )
    .await
    .assert_problem(403, "csrf_rejected");
    for cookie in [&refresh_cookie, &access_cookie(&session), &both] {
        with_cookie(
            &stack,
            Method::POST,
            "/api/v1/auth/sign-out",
            cookie,
            Sent::FetchSite("cross-site"),
            None,
        )
        .await
        .assert_problem(403, "csrf_rejected");
    }

    // Nothing was spent or ended: the refresh token still works, once.
    let refreshed = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh}),
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let next = refreshed.body["refresh_token"].as_str().expect("a token");

    let signed_out = with_cookie(
        &stack,
        Method::POST,
        "/api/v1/auth/sign-out",
        &format!("refresh_token={next}"),
        Sent::Origin(&stack.base),
        None,
    )
    .await;
    assert_eq!(
        signed_out.status,
        StatusCode::NO_CONTENT,
        "{}",
        signed_out.text
    );
}

#[tokio::test]
async fn bearer_requests_and_reads_are_not_checked() {
    let stack = TestStack::start().await;
    let writer = stack.user("writer04").await;
    let board = first_board(&stack, &writer).await;

    let by_header = stack
        .send(
            stack
                .http
                .post(stack.url(&format!("/api/v1/boards/{board}/posts")))
                .bearer_auth(&writer.token)
                .header("origin", EVIL)
                .header("sec-fetch-site", "cross-site")
                .json(&a_post()),
        )
        .await;
    assert_eq!(by_header.status, StatusCode::CREATED, "{}", by_header.text);

    // The header wins over a cookie sent with it, so nothing is checked.
    let both = stack
        .send(
            stack
                .http
                .post(stack.url(&format!("/api/v1/boards/{board}/posts")))
                .bearer_auth(&writer.token)
                .header("cookie", access_cookie(&writer))
                .header("origin", EVIL)
                .json(&a_post()),
        )
        .await;
    assert_eq!(both.status, StatusCode::CREATED, "{}", both.text);

    let refreshed = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/refresh"))
                .header("origin", EVIL)
                .json(&json!({"refresh_token": writer.refresh})),
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);

    let me = with_cookie(
        &stack,
        Method::GET,
        "/api/v1/users/me",
        &access_cookie(&writer),
        Sent::Origin(EVIL),
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
}
