//! The bootstrap administrator: created when absent, updated when it is an
//! administrator already, and never made out of somebody else's account.

use crate::support::{PASSWORD, TestAuth, sign_up_request};
use everytime_proto::auth::v1 as pb;

fn admin(username: &str, password: &str, nickname: &str) -> everytime_auth::AdminAccount {
    everytime_auth::AdminAccount {
        username: username.into(),
        password: password.into(),
        email: "root@snu.ac.kr".into(),
        nickname: nickname.into(),
    }
}

/// Runs `serve` once on `url` with `config`'s admin, expecting it to refuse.
async fn start_up_error(
    url: &str,
    admin: everytime_auth::AdminAccount,
) -> everytime_auth::StartError {
    let mut config = everytime_auth::Config::new(url);
    config.admin = Some(admin);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    match everytime_auth::serve(config, listener, std::future::pending()).await {
        Ok(()) => panic!("start-up must refuse"),
        Err(error) => error,
    }
}

#[tokio::test]
async fn a_username_registered_before_the_operator_sets_it_stops_start_up_and_stays_a_user() {
    // Someone registers the name the operator is about to configure, and
    // keeps a refresh token.
    let first = TestAuth::start().await;
    first
        .auth()
        .sign_up(sign_up_request("hakgwa_admin", 1))
        .await
        .expect("signs up");
    let refresh = first
        .sign_in("hakgwa_admin")
        .await
        .tokens
        .expect("tokens")
        .refresh_token;
    let url = first.database_url.clone();
    first.stop().await;

    let error = start_up_error(&url, admin("hakgwa_admin", "admin password", "학과사무실")).await;

    let everytime_auth::StartError::Admin(message) = &error else {
        panic!("start-up must refuse the username: {error:?}");
    };
    assert!(message.contains("ADMIN_USERNAME"), "{message}");
    // The account is exactly what it was: a user, with its own password.
    let again = TestAuth::start_on(url, |_| {}).await;
    assert!(
        again
            .sign_in_with("hakgwa_admin", "admin password")
            .await
            .is_err()
    );
    let refreshed = again
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: refresh,
            ..Default::default()
        })
        .await
        .expect("refreshes")
        .into_inner();
    assert_eq!(refreshed.user.expect("user").role(), pb::Role::User);
    let signed_in = again.sign_in_with("hakgwa_admin", PASSWORD).await;
    let user = signed_in.expect("its owner signs in").user.expect("user");
    assert_eq!(user.role(), pb::Role::User);
    assert_eq!(user.email.as_deref(), Some("hakgwa_admin@example.ac.kr"));
}

#[tokio::test]
async fn the_admin_may_have_a_reserved_username_and_restarts_with_its_new_password() {
    let first = TestAuth::start_with(|config| {
        config.admin = Some(admin("admin", "first password", "관리자"));
    })
    .await;
    let created = first
        .sign_in_with("admin", "first password")
        .await
        .expect("the admin signs in")
        .user
        .expect("user");
    let url = first.database_url.clone();
    first.stop().await;

    let second = TestAuth::start_on(url, |config| {
        config.admin = Some(admin("admin", "second password", "운영자"));
    })
    .await;

    assert!(
        second
            .sign_in_with("admin", "first password")
            .await
            .is_err()
    );
    let user = second
        .sign_in_with("admin", "second password")
        .await
        .expect("the new password works")
        .user
        .expect("user");
    assert_eq!(user.id, created.id);
    assert_eq!(user.role(), pb::Role::Admin);
    assert_eq!(user.nickname, "운영자");
}
