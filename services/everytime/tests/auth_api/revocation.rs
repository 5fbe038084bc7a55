//! Ended sessions end at once: within 5 seconds of sign-out, revocation,
//! a password change or refresh-token reuse, the session's access token is
//! `401 session_revoked` at the gateway and `UNAUTHENTICATED` on every
//! service's gRPC port; a gateway started afterwards still refuses it (it
//! catches up); with auth gone longer than the grace, tokens are `503`.

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use everytime_devkit::status::{authed, reason_and_fields};
use everytime_proto::{
    auth::v1::{self as auth_pb, user_service_client::UserServiceClient},
    community::v1::{self as community_pb, community_service_client::CommunityServiceClient},
    timetable::v1::{self as timetable_pb, timetable_service_client::TimetableServiceClient},
};
use reqwest::StatusCode;
use serde_json::json;
use tonic::transport::Channel;

use crate::support::{PASSWORD, Session, TestStack};

/// The `sid` claim of an access token (read, not verified).
fn sid(token: &str) -> i64 {
    let payload = token.split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json");
    claims["sid"]
        .as_str()
        .expect("sid")
        .parse()
        .expect("a number")
}

/// Polls the gateway with `token` until it is `401 session_revoked`,
/// failing after 5 seconds.
async fn assert_revoked_at_the_gateway(stack: &TestStack, token: &str, how: &str) {
    let started = Instant::now();
    loop {
        let reply = stack.get("/api/v1/boards", Some(token)).await;
        if reply.status == StatusCode::UNAUTHORIZED {
            reply.assert_problem(401, "session_revoked");
            return;
        }
        assert_eq!(reply.status, StatusCode::OK, "{how}: {}", reply.text);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{how}: still accepted after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn channel(addr: std::net::SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .expect("a URL")
        .connect_lazy()
}

/// Calls a protected RPC on auth's, community's and timetable's ports
/// with `token` until each is `UNAUTHENTICATED session_revoked`, failing
/// after 5 seconds.
async fn assert_revoked_on_every_grpc_port(stack: &TestStack, token: &str) {
    let ports = [
        ("auth", stack.stack.auth.addr),
        ("community", stack.stack.community.addr),
        ("timetable", stack.stack.timetable.addr),
    ];
    for (name, addr) in ports {
        let channel = channel(addr);
        let started = Instant::now();
        loop {
            let answer = match name {
                "auth" => UserServiceClient::new(channel.clone())
                    .get_me(authed(auth_pb::GetMeRequest {}, token))
                    .await
                    .map(drop),
                "community" => CommunityServiceClient::new(channel.clone())
                    .list_boards(authed(community_pb::ListBoardsRequest {}, token))
                    .await
                    .map(drop),
                _ => TimetableServiceClient::new(channel.clone())
                    .list_timetables(authed(
                        timetable_pb::ListTimetablesRequest { semester: None },
                        token,
                    ))
                    .await
                    .map(drop),
            };
            match answer {
                Err(status) if status.code() == tonic::Code::Unauthenticated => {
                    assert_eq!(reason_and_fields(&status).0, "session_revoked", "{name}");
                    break;
                }
                Err(status) => panic!("{name}: {status:?}"),
                Ok(()) => {
                    assert!(
                        started.elapsed() < Duration::from_secs(5),
                        "{name}: still accepted after 5 s"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

#[tokio::test]
async fn every_way_a_session_ends_refuses_its_access_token_everywhere_within_5_s() {
    let stack = TestStack::start().await;
    let first = stack.user("revokee").await;
    let mut sessions: Vec<Session> = vec![first];
    for _ in 0..4 {
        sessions.push(stack.sign_in("revokee").await);
    }
    for session in &sessions {
        let reply = stack.get("/api/v1/boards", Some(&session.token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let [signed_out, revoked, reused, changer, other] = sessions.as_slice() else {
        unreachable!()
    };

    let reply = stack
        .post("/api/v1/auth/sign-out", Some(&signed_out.token), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_revoked_at_the_gateway(&stack, &signed_out.token, "sign-out").await;
    assert_revoked_on_every_grpc_port(&stack, &signed_out.token).await;

    let reply = stack
        .delete(
            &format!("/api/v1/auth/sessions/{}", sid(&revoked.token)),
            Some(&changer.token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_revoked_at_the_gateway(&stack, &revoked.token, "revoke").await;
    assert_revoked_on_every_grpc_port(&stack, &revoked.token).await;

    for expected in [StatusCode::OK, StatusCode::UNAUTHORIZED] {
        let reply = stack
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": reused.refresh}),
            )
            .await;
        assert_eq!(reply.status, expected, "{}", reply.text);
    }
    assert_revoked_at_the_gateway(&stack, &reused.token, "refresh-token reuse").await;
    assert_revoked_on_every_grpc_port(&stack, &reused.token).await;

    let reply = stack
        .put(
            "/api/v1/users/me/password",
            Some(&changer.token),
            Some(json!({"current_password": PASSWORD, "new_password": "a whole new passphrase"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_revoked_at_the_gateway(&stack, &other.token, "password change").await;
    assert_revoked_on_every_grpc_port(&stack, &other.token).await;

    // The session that changed the password goes on.
    let reply = stack.get("/api/v1/boards", Some(&changer.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn a_gateway_started_after_the_sign_out_still_refuses_the_token() {
    let stack = TestStack::start().await;
    let session = stack.user("latecomer").await;
    let reply = stack
        .post("/api/v1/auth/sign-out", Some(&session.token), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);

    let mut config = everytime_gateway::Config::new();
    config.auth_url = format!("http://{}", stack.stack.auth.addr);
    config.community_url = format!("http://{}", stack.stack.community.addr);
    config.timetable_url = format!("http://{}", stack.stack.timetable.addr);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let late = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(everytime_gateway::serve(
        config,
        listener,
        std::future::pending(),
    ));

    // It caught up from auth's events: refused from its first answer on
    // (allowing it a moment to connect).
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let response = http
            .get(format!("{late}/api/v1/boards"))
            .bearer_auth(&session.token)
            .send()
            .await;
        if let Ok(response) = response {
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            assert_ne!(status, StatusCode::OK, "a late gateway let it through");
            if status == StatusCode::UNAUTHORIZED {
                assert_eq!(body["code"], "session_revoked");
                return;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5), "no answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn with_auth_gone_longer_than_the_grace_tokens_are_refused_as_unavailable() {
    let mut stack = TestStack::start().await;
    let session = stack.user("failclosed").await;
    let reply = stack.get("/api/v1/boards", Some(&session.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    stack.stack.stop_auth().await.expect("auth stops");
    // Within the grace, a blip of auth signs no one out.
    let reply = stack.get("/api/v1/boards", Some(&session.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    tokio::time::sleep(everytime_common::token::revoked::GRACE + Duration::from_secs(1)).await;
    stack
        .get("/api/v1/boards", Some(&session.token))
        .await
        .assert_problem(503, "service_unavailable");

    stack.stack.restart_auth().await.expect("auth restarts");
    let started = Instant::now();
    loop {
        let reply = stack.get("/api/v1/boards", Some(&session.token)).await;
        if reply.status == StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not back: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
