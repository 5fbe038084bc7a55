//! Ended sessions: the absolute session lifetime
//! (`SESSION_MAX_AGE_SECONDS`) and the event channel that tells every
//! other service a session ended (`EventService/WatchEvents`): every way a
//! session ends is an event, in order, resumable after a position, and
//! delivered live.

use std::time::Duration;

use crate::support::{PASSWORD, TestAuth, authed, reason_and_fields};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use everytime_proto::auth::v1::{self as pb, event_service_client::EventServiceClient};
use tonic::{Code, Streaming};

/// The `sid` claim of an access token (read, not verified).
fn sid(access_token: &str) -> i64 {
    let payload = access_token.split('.').nth(1).expect("a JWT");
    let claims =
        String::from_utf8(URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("utf-8");
    let (_, rest) = claims.split_once(r#""sid":""#).expect("a sid claim");
    rest.split('"')
        .next()
        .expect("a string")
        .parse()
        .expect("a number")
}

async fn watch(auth: &TestAuth, after_position: i64) -> Streaming<pb::WatchEventsResponse> {
    EventServiceClient::new(auth.channel.clone())
        .watch_events(pb::WatchEventsRequest { after_position })
        .await
        .expect("watches without a token")
        .into_inner()
}

/// The next event of `stream`, within 5 seconds: (position, session id).
async fn next_ended(stream: &mut Streaming<pb::WatchEventsResponse>) -> (i64, i64) {
    let event = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .expect("an event within 5 s")
        .expect("the stream works")
        .expect("the stream goes on");
    match event.event {
        Some(pb::watch_events_response::Event::SessionEnded(ended)) => {
            assert!(ended.user_id > 0);
            (event.position, ended.session_id)
        }
        other => panic!("not a session end: {other:?}"),
    }
}

/// Nothing more on `stream` for a moment.
async fn assert_quiet(stream: &mut Streaming<pb::WatchEventsResponse>) {
    let next = tokio::time::timeout(Duration::from_millis(500), stream.message()).await;
    assert!(next.is_err(), "unexpected event: {next:?}");
}

#[tokio::test]
async fn every_way_a_session_ends_is_an_event_in_order_and_resumable() {
    let auth = TestAuth::start().await;
    auth.sign_up("eventful").await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(auth.sign_in("eventful").await.tokens.expect("tokens"));
    }
    let [signed_out, revoked, reused, changer, other] = tokens.as_slice() else {
        unreachable!()
    };

    auth.auth()
        .sign_out(authed(
            pb::SignOutRequest::default(),
            &signed_out.access_token,
        ))
        .await
        .expect("signs out");
    auth.auth()
        .revoke_session(authed(
            pb::RevokeSessionRequest {
                session_id: sid(&revoked.access_token),
            },
            &changer.access_token,
        ))
        .await
        .expect("revokes");
    let refresh = |token: &str| pb::RefreshTokenRequest {
        refresh_token: token.to_owned(),
        client: None,
    };
    auth.auth()
        .refresh_token(refresh(&reused.refresh_token))
        .await
        .expect("refreshes");
    let replay = auth
        .auth()
        .refresh_token(refresh(&reused.refresh_token))
        .await
        .unwrap_err();
    assert_eq!(reason_and_fields(&replay).0, "refresh_token_reused");
    auth.users()
        .change_password(authed(
            pb::ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password: "a brand new passphrase".into(),
            },
            &changer.access_token,
        ))
        .await
        .expect("changes the password");

    let expected: Vec<i64> = [signed_out, revoked, reused, other]
        .iter()
        .map(|pair| sid(&pair.access_token))
        .collect();
    let mut stream = watch(&auth, 0).await;
    let mut seen = Vec::new();
    for _ in 0..expected.len() {
        seen.push(next_ended(&mut stream).await);
    }
    assert_eq!(
        seen.iter().map(|(_, session)| *session).collect::<Vec<_>>(),
        expected,
        "sign-out, revoke, reuse, then the password change's other session"
    );
    assert!(
        seen.windows(2).all(|pair| pair[0].0 < pair[1].0),
        "positions grow: {seen:?}"
    );
    assert_quiet(&mut stream).await;

    // A consumer that saw the second event resumes after it.
    let mut resumed = watch(&auth, seen[1].0).await;
    assert_eq!(next_ended(&mut resumed).await, seen[2]);
    assert_eq!(next_ended(&mut resumed).await, seen[3]);
    assert_quiet(&mut resumed).await;
}

#[tokio::test]
async fn a_session_that_ends_while_a_stream_is_open_arrives_live() {
    let auth = TestAuth::start().await;
    auth.sign_up("livewire").await;
    let tokens = auth.sign_in("livewire").await.tokens.expect("tokens");
    let mut stream = watch(&auth, 0).await;
    assert_quiet(&mut stream).await;

    auth.auth()
        .sign_out(authed(pb::SignOutRequest::default(), &tokens.access_token))
        .await
        .expect("signs out");

    let started = std::time::Instant::now();
    let (_, session) = next_ended(&mut stream).await;
    assert_eq!(session, sid(&tokens.access_token));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "woken by the notification, not the poll: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_refresh_after_the_session_lifetime_is_refused_and_ends_the_session() {
    let auth = TestAuth::start_with(|config| {
        config.tokens.session_max_age = Duration::from_secs(2);
    })
    .await;
    auth.sign_up("oldtimer").await;
    let tokens = auth.sign_in("oldtimer").await.tokens.expect("tokens");

    // Within the lifetime, refreshing works and rotates as usual.
    let next = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: tokens.refresh_token,
            client: None,
        })
        .await
        .expect("refreshes within the lifetime")
        .into_inner()
        .tokens
        .expect("tokens");

    tokio::time::sleep(Duration::from_millis(2200)).await;
    let late = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: next.refresh_token.clone(),
            client: None,
        })
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&late).0, "invalid_refresh_token");

    // The session is over, not just this refresh: its access token, still
    // unexpired, is refused as an ended session within 5 seconds.
    let mut refused = None;
    for _ in 0..50 {
        match auth
            .auth()
            .list_sessions(authed(pb::ListSessionsRequest {}, &next.access_token))
            .await
        {
            Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(status) => {
                refused = Some(status);
                break;
            }
        }
    }
    let refused = refused.expect("the ended session's token is refused within 5 s");
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&refused).0, "session_revoked");

    // ...and its end is an event like any other.
    let (_, session) = next_ended(&mut watch(&auth, 0).await).await;
    assert_eq!(session, sid(&next.access_token));
}
