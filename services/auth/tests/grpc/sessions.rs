//! Sessions over gRPC: sign-in and its limits, refresh-token rotation and
//! reuse, sign-out, listing and revoking sessions.

use std::time::Duration;

use crate::support::{PASSWORD, TestAuth, authed, reason_and_fields};
use everytime_proto::auth::v1 as pb;
use tonic::Code;
use tonic_types::StatusExt;

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_status() {
    let auth = TestAuth::start().await;
    auth.sign_up("realone").await;

    let wrong_password = auth
        .sign_in_with("realone", "wrong password")
        .await
        .unwrap_err();
    let unknown_user = auth
        .sign_in_with("nobody", "wrong password")
        .await
        .unwrap_err();

    assert_eq!(wrong_password.code(), Code::Unauthenticated);
    assert_eq!(wrong_password.code(), unknown_user.code());
    assert_eq!(wrong_password.message(), unknown_user.message());
    assert_eq!(wrong_password.details(), unknown_user.details());
    assert_eq!(reason_and_fields(&unknown_user).0, "invalid_credentials");
}

#[tokio::test]
async fn refresh_rotates_and_a_spent_token_revokes_the_whole_session() {
    let auth = TestAuth::start().await;
    auth.sign_up("rotator").await;
    let first = auth
        .sign_in("rotator")
        .await
        .tokens
        .expect("tokens")
        .refresh_token;

    let second = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: first.clone(),
            client: None,
        })
        .await
        .expect("refreshes")
        .into_inner()
        .tokens
        .expect("tokens");
    assert_ne!(second.refresh_token, first);
    let third = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: second.refresh_token.clone(),
            client: None,
        })
        .await
        .expect("refreshes again")
        .into_inner()
        .tokens
        .expect("tokens");

    // The first token was spent: presenting it again is theft or a replay.
    let reused = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: first,
            client: None,
        })
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&reused).0, "refresh_token_reused");

    // ...and the session's newest token stops working too.
    let newest = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: third.refresh_token,
            client: None,
        })
        .await
        .unwrap_err();
    assert_eq!(newest.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&newest).0, "invalid_refresh_token");
}

#[tokio::test]
async fn an_unknown_refresh_token_is_unauthenticated() {
    let auth = TestAuth::start().await;

    let status = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: "made-up".into(),
            client: None,
        })
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn sign_out_revokes_the_sessions_refresh_tokens() {
    let auth = TestAuth::start().await;
    auth.sign_up("leaver").await;
    let tokens = auth.sign_in("leaver").await.tokens.expect("tokens");

    auth.auth()
        .sign_out(authed(
            pb::SignOutRequest {
                refresh_token: None,
            },
            &tokens.access_token,
        ))
        .await
        .expect("signs out");

    let status = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: tokens.refresh_token,
            client: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn sessions_are_listed_newest_first_and_can_be_revoked() {
    let auth = TestAuth::start().await;
    auth.sign_up("twodev").await;
    let phone = auth.sign_in("twodev").await.tokens.expect("tokens");
    let laptop = auth.sign_in("twodev").await.tokens.expect("tokens");

    let sessions = auth
        .auth()
        .list_sessions(authed(pb::ListSessionsRequest {}, &laptop.access_token))
        .await
        .expect("lists")
        .into_inner()
        .sessions;
    assert_eq!(sessions.len(), 2);
    assert!(sessions[0].id > sessions[1].id);
    assert!(sessions[0].current && !sessions[1].current);
    assert_eq!(sessions[1].user_agent, "integration-test");

    auth.auth()
        .revoke_session(authed(
            pb::RevokeSessionRequest {
                session_id: sessions[1].id,
            },
            &laptop.access_token,
        ))
        .await
        .expect("revokes");
    let phone_refresh = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: phone.refresh_token,
            client: None,
        })
        .await;
    assert_eq!(phone_refresh.unwrap_err().code(), Code::Unauthenticated);
    let left = auth
        .auth()
        .list_sessions(authed(pb::ListSessionsRequest {}, &laptop.access_token))
        .await
        .expect("lists")
        .into_inner()
        .sessions;
    assert_eq!(left.len(), 1);
}

#[tokio::test]
async fn another_users_session_is_not_found() {
    let auth = TestAuth::start().await;
    let (_, alice) = auth.user_with_token("alice").await;
    let (_, bob) = auth.user_with_token("bob_").await;
    let bobs_session = auth
        .auth()
        .list_sessions(authed(pb::ListSessionsRequest {}, &bob))
        .await
        .expect("lists")
        .into_inner()
        .sessions[0]
        .id;

    let status = auth
        .auth()
        .revoke_session(authed(
            pb::RevokeSessionRequest {
                session_id: bobs_session,
            },
            &alice,
        ))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn repeated_failures_for_one_username_are_rate_limited_with_a_retry_delay() {
    let auth = TestAuth::start().await;
    auth.sign_up("target").await;

    for _ in 0..5 {
        let status = auth
            .sign_in_with("target", "wrong password")
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    // Now even the right password waits.
    let status = auth.sign_in_with("target", PASSWORD).await.unwrap_err();

    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(reason_and_fields(&status).0, "too_many_attempts");
    let delay = status
        .get_error_details()
        .retry_info()
        .and_then(|retry| retry.retry_delay)
        .expect("a retry delay");
    // The first wait of the rising delay (no lockout until a window ends).
    assert!(
        delay > Duration::ZERO && delay <= Duration::from_secs(1),
        "{delay:?}"
    );
}

#[tokio::test]
async fn repeated_failures_from_one_client_are_rate_limited_across_usernames() {
    let auth = TestAuth::start_with(|config| config.limits.per_client = 3).await;

    for name in ["ghost1", "ghost2", "ghost3"] {
        let status = auth.sign_in_with(name, "wrong password").await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    let status = auth
        .sign_in_with("ghost4", "wrong password")
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::ResourceExhausted);
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_past_the_username_limit() {
    let auth = TestAuth::start().await;
    auth.sign_up("target").await;

    // Twelve wrong passwords at once: the limit (5) is counted before any
    // password is checked, so no more than five are ever verified.
    let guesses = (0..12).map(|_| auth.sign_in_with("target", "wrong password"));
    let statuses: Vec<_> = futures::future::join_all(guesses)
        .await
        .into_iter()
        .map(|result| result.unwrap_err().code())
        .collect();

    let verified = statuses
        .iter()
        .filter(|code| **code == Code::Unauthenticated)
        .count();
    let refused = statuses
        .iter()
        .filter(|code| **code == Code::ResourceExhausted)
        .count();
    assert_eq!((verified, refused), (5, 7), "{statuses:?}");
    let right = auth.sign_in_with("target", PASSWORD).await.unwrap_err();
    assert_eq!(right.code(), Code::ResourceExhausted);
}

#[tokio::test]
async fn successful_sign_ins_do_not_count_against_the_client() {
    let auth = TestAuth::start_with(|config| config.limits.per_client = 3).await;
    auth.sign_up("regular").await;

    for _ in 0..5 {
        auth.sign_in("regular").await;
    }
    let status = auth
        .sign_in_with("nobody", "wrong password")
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn a_sign_in_with_an_impossible_username_is_the_same_401() {
    let auth = TestAuth::start().await;
    auth.sign_up("realone").await;
    let wrong_password = auth
        .sign_in_with("realone", "wrong password")
        .await
        .unwrap_err();

    // Neither a NUL (which Postgres cannot store) nor a username far past
    // any limit reaches a query: both are simply unknown users.
    let long = "x".repeat(20_000);
    for username in ["real\0one", long.as_str(), "Real One"] {
        let status = auth
            .sign_in_with(username, "wrong password")
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{:.20}", username);
        assert_eq!(status.message(), wrong_password.message());
        assert_eq!(status.details(), wrong_password.details());
    }
}

#[tokio::test]
async fn a_session_keeps_a_printable_user_agent() {
    let auth = TestAuth::start().await;
    let user = auth.sign_up("agent").await;
    let signed_in = auth
        .auth()
        .sign_in(pb::SignInRequest {
            username: "agent".into(),
            password: PASSWORD.into(),
            client: Some(pb::ClientInfo {
                user_agent: "Everytime/\u{0}7.1\n (iPhone)".into(),
                ip_address: "192.0.2.1".into(),
            }),
            device_token: String::new(),
        })
        .await
        .expect("signs in despite a NUL in the user agent")
        .into_inner();
    let token = signed_in.tokens.expect("tokens").access_token;

    let sessions = auth
        .auth()
        .list_sessions(authed(pb::ListSessionsRequest {}, &token))
        .await
        .expect("lists")
        .into_inner()
        .sessions;

    assert_eq!(user.username, "agent");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].user_agent, "Everytime/7.1 (iPhone)");
}
