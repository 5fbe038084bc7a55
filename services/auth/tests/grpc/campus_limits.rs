//! Sign-in limits that fit a campus behind one address: known devices,
//! rising delays instead of lockouts, IPv6 counted by /64, and password
//! checks of change-password counted like sign-in failures.

use std::time::Duration;

use crate::support::{PASSWORD, TestAuth, authed, reason_and_fields};
use everytime_proto::auth::v1 as pb;
use tonic::Code;
use tonic_types::StatusExt;

/// Signs in from `ip`, with `device_token` (empty for none).
async fn sign_in_from(
    auth: &TestAuth,
    username: &str,
    password: &str,
    ip: &str,
    device_token: &str,
) -> Result<pb::SignInResponse, tonic::Status> {
    auth.auth()
        .sign_in(pb::SignInRequest {
            username: username.into(),
            password: password.into(),
            client: Some(pb::ClientInfo {
                user_agent: "campus-test".into(),
                ip_address: ip.into(),
            }),
            device_token: device_token.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn change_password(
    auth: &TestAuth,
    token: &str,
    current: &str,
) -> Result<tonic::Response<pb::ChangePasswordResponse>, tonic::Status> {
    auth.users()
        .change_password(authed(
            pb::ChangePasswordRequest {
                current_password: current.into(),
                new_password: "a brand new passphrase".into(),
            },
            token,
        ))
        .await
}

fn retry_delay(status: &tonic::Status) -> Duration {
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(reason_and_fields(status).0, "too_many_attempts");
    status
        .get_error_details()
        .retry_info()
        .and_then(|retry| retry.retry_delay)
        .expect("a retry delay")
}

#[tokio::test]
async fn a_known_device_signs_in_whatever_the_failures_of_its_username_and_address() {
    let auth = TestAuth::start_with(|config| config.limits.per_client = 5).await;
    auth.sign_up("owner").await;
    let device = sign_in_from(&auth, "owner", PASSWORD, "192.0.2.1", "")
        .await
        .expect("signs in")
        .device_token;
    assert!(device.len() >= 40, "a random token: {device}");

    // A stranger at the same address: over the address's and the
    // username's free failures.
    for _ in 0..5 {
        let status = sign_in_from(&auth, "owner", "guess", "192.0.2.1", "")
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    let new_device = sign_in_from(&auth, "owner", PASSWORD, "192.0.2.1", "")
        .await
        .unwrap_err();
    let elsewhere = sign_in_from(&auth, "owner", PASSWORD, "198.51.100.1", "")
        .await
        .unwrap_err();
    let known = sign_in_from(&auth, "owner", PASSWORD, "192.0.2.1", &device)
        .await
        .expect("a known device signs in");

    assert!(retry_delay(&new_device) >= Duration::from_secs(1));
    assert!(retry_delay(&elsewhere) >= Duration::from_secs(1));
    assert_eq!(known.device_token, device, "a known device keeps its token");
    assert!(known.tokens.is_some());
}

#[tokio::test]
async fn a_device_token_of_another_user_or_of_nobody_is_no_known_device() {
    let auth = TestAuth::start().await;
    auth.sign_up("victim").await;
    auth.sign_up("stranger").await;
    let strangers = auth.sign_in("stranger").await.device_token;
    for _ in 0..5 {
        auth.sign_in_with("victim", "guess").await.unwrap_err();
    }

    for token in [strangers.as_str(), "made-up-device-token"] {
        let status = sign_in_from(&auth, "victim", PASSWORD, "192.0.2.1", token)
            .await
            .unwrap_err();
        retry_delay(&status);
    }
    let fresh = sign_in_from(&auth, "stranger", PASSWORD, "192.0.2.1", "made-up")
        .await
        .expect("signs in");
    assert_ne!(
        fresh.device_token, "made-up",
        "an unknown token is replaced"
    );
    assert_ne!(
        fresh.device_token, strangers,
        "each new device gets its own"
    );
}

#[tokio::test]
async fn failures_slow_down_without_locking_out_and_the_delay_doubles() {
    let auth = TestAuth::start().await;
    auth.sign_up("patient").await;
    for _ in 0..5 {
        let status = auth.sign_in_with("patient", "guess").await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    let first = retry_delay(&auth.sign_in_with("patient", PASSWORD).await.unwrap_err());
    assert_eq!(first, Duration::from_secs(1));

    // The wait runs out: no lockout. One more failure doubles it.
    tokio::time::sleep(first + Duration::from_millis(100)).await;
    let status = auth.sign_in_with("patient", "guess").await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let second = retry_delay(&auth.sign_in_with("patient", PASSWORD).await.unwrap_err());
    assert_eq!(second, Duration::from_secs(2));
    tokio::time::sleep(second + Duration::from_millis(100)).await;
    auth.sign_in("patient").await;
}

#[tokio::test]
async fn addresses_in_one_ipv6_64_share_their_count() {
    let auth = TestAuth::start_with(|config| config.limits.per_client = 3).await;

    for (name, ip) in [
        ("ghost1", "2001:db8:7:7::1"),
        ("ghost2", "2001:db8:7:7::2"),
        ("ghost3", "2001:db8:7:7:abcd::3"),
    ] {
        let status = sign_in_from(&auth, name, "guess", ip, "")
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    let neighbour = sign_in_from(&auth, "ghost4", "guess", "2001:db8:7:7:ffff::9", "")
        .await
        .unwrap_err();
    let next_block = sign_in_from(&auth, "ghost5", "guess", "2001:db8:7:8::1", "")
        .await
        .unwrap_err();

    retry_delay(&neighbour);
    assert_eq!(next_block.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn wrong_current_passwords_count_like_sign_in_failures() {
    let auth = TestAuth::start().await;
    auth.sign_up("changer").await;
    let token = auth
        .sign_in("changer")
        .await
        .tokens
        .expect("tokens")
        .access_token;
    for _ in 0..5 {
        let status = change_password(&auth, &token, "not it").await.unwrap_err();
        assert_eq!(reason_and_fields(&status).0, "wrong_password");
    }
    let right = change_password(&auth, &token, PASSWORD).await.unwrap_err();
    let sign_in = auth.sign_in_with("changer", PASSWORD).await.unwrap_err();

    assert_eq!(retry_delay(&right), Duration::from_secs(1));
    retry_delay(&sign_in);
}
