//! Sign-out over gRPC: public, so a refresh token alone ends its session
//! (an idle client whose access token has expired still signs out), while
//! a bearer token, when sent, must be valid.

use everytime_proto::auth::v1 as pb;
use tonic::Code;

use crate::support::{TestAuth, authed, reason_and_fields};

fn sign_out_with(refresh_token: Option<&str>) -> pb::SignOutRequest {
    pb::SignOutRequest {
        refresh_token: refresh_token.map(str::to_owned),
    }
}

async fn refresh(auth: &TestAuth, refresh_token: &str) -> Result<pb::TokenPair, tonic::Status> {
    auth.auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: refresh_token.to_owned(),
            client: None,
        })
        .await
        .map(|response| response.into_inner().tokens.expect("tokens"))
}

#[tokio::test]
async fn a_refresh_token_alone_ends_its_session() {
    let auth = TestAuth::start().await;
    auth.sign_up("idleone").await;
    let tokens = auth.sign_in("idleone").await.tokens.expect("tokens");
    let other = auth.sign_in("idleone").await.tokens.expect("tokens");

    auth.auth()
        .sign_out(sign_out_with(Some(&tokens.refresh_token)))
        .await
        .expect("signs out without a bearer token");

    let status = refresh(&auth, &tokens.refresh_token).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    // Only that session: the user's other device goes on.
    refresh(&auth, &other.refresh_token)
        .await
        .expect("the other session refreshes");
}

#[tokio::test]
async fn a_spent_refresh_token_still_ends_its_session() {
    let auth = TestAuth::start().await;
    auth.sign_up("spentout").await;
    let first = auth.sign_in("spentout").await.tokens.expect("tokens");
    let next = refresh(&auth, &first.refresh_token)
        .await
        .expect("refreshes");

    auth.auth()
        .sign_out(sign_out_with(Some(&first.refresh_token)))
        .await
        .expect("signs out with the spent token");

    let status = refresh(&auth, &next.refresh_token).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn without_a_bearer_token_an_unknown_or_missing_refresh_token_is_refused() {
    let auth = TestAuth::start().await;

    let unknown = auth
        .auth()
        .sign_out(sign_out_with(Some("not-a-refresh-token")))
        .await
        .unwrap_err();
    let blank = auth
        .auth()
        .sign_out(sign_out_with(Some("  ")))
        .await
        .unwrap_err();
    let none = auth.auth().sign_out(sign_out_with(None)).await.unwrap_err();

    assert_eq!(unknown.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&unknown).0, "invalid_refresh_token");
    for status in [blank, none] {
        assert_eq!(status.code(), Code::Unauthenticated);
        assert_eq!(reason_and_fields(&status).0, "missing_token");
    }
}

#[tokio::test]
async fn a_bearer_token_sent_must_be_valid() {
    let auth = TestAuth::start().await;
    auth.sign_up("forger").await;
    let tokens = auth.sign_in("forger").await.tokens.expect("tokens");

    let status = auth
        .auth()
        .sign_out(authed(
            sign_out_with(Some(&tokens.refresh_token)),
            "not.a.jwt",
        ))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&status).0, "invalid_token");
    refresh(&auth, &tokens.refresh_token)
        .await
        .expect("nothing was signed out");
}

#[tokio::test]
async fn the_bearer_token_and_the_refresh_token_each_end_their_session() {
    let auth = TestAuth::start().await;
    auth.sign_up("bothways").await;
    let phone = auth.sign_in("bothways").await.tokens.expect("tokens");
    let laptop = auth.sign_in("bothways").await.tokens.expect("tokens");

    auth.auth()
        .sign_out(authed(
            sign_out_with(Some(&laptop.refresh_token)),
            &phone.access_token,
        ))
        .await
        .expect("signs out");

    for refresh_token in [&phone.refresh_token, &laptop.refresh_token] {
        let status = refresh(&auth, refresh_token).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
}
