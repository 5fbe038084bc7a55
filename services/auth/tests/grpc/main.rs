//! The auth service over real gRPC, with a fresh database per test: one
//! test binary, one module per use case ([`accounts`], [`sessions`],
//! [`keys`]); what concerns the server as a whole is here.

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod bootstrap;
mod campus_limits;
mod ended_sessions;
mod keys;
mod lifecycle;
mod nicknames;
mod sessions;
mod sign_out;

use everytime_proto::auth::v1 as pb;
use support::{TestAuth, authed, reason_and_fields};
use tonic::Code;

#[tokio::test]
async fn protected_rpcs_without_a_token_are_unauthenticated() {
    let auth = TestAuth::start().await;

    let get_me = auth.users().get_me(pb::GetMeRequest {}).await.unwrap_err();
    let sessions = auth
        .auth()
        .list_sessions(pb::ListSessionsRequest {})
        .await
        .unwrap_err();
    let garbage = auth
        .users()
        .get_me(authed(pb::GetMeRequest {}, "not.a.jwt"))
        .await
        .unwrap_err();

    assert_eq!(get_me.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&get_me).0, "missing_token");
    assert_eq!(sessions.code(), Code::Unauthenticated);
    assert_eq!(garbage.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&garbage).0, "invalid_token");
}

#[tokio::test]
async fn health_and_reflection_need_no_token() {
    let auth = TestAuth::start().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(auth.channel.clone());

    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "everytime.auth.v1.AuthService".into(),
        })
        .await
        .expect("health answers")
        .into_inner()
        .status();

    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
}
