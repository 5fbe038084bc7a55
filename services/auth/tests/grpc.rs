//! The auth service over real gRPC, with a fresh database per test.

mod support;

use std::time::Duration;

use everytime_common::token::{AuthJwks, Role, TokenSettings, TokenVerifier};
use everytime_proto::auth::v1 as pb;
use support::{PASSWORD, TestAuth, authed, reason_and_fields, sign_up_request};
use tonic::Code;
use tonic_types::StatusExt;

#[tokio::test]
async fn sign_up_then_sign_in_returns_the_user_and_a_token_pair() {
    let auth = TestAuth::start().await;

    let user = auth.sign_up("minsu").await;
    let signed_in = auth.sign_in("minsu").await;

    assert_eq!(user.username, "minsu");
    assert_eq!(user.email.as_deref(), Some("minsu@example.ac.kr"));
    assert_eq!(user.role(), pb::Role::User);
    assert_eq!(user.school.as_ref().map(|school| school.id), Some(1));
    let tokens = signed_in.tokens.expect("tokens");
    assert_eq!(tokens.access_token_expires_in, 900);
    assert_eq!(tokens.refresh_token_expires_in, 30 * 24 * 3600);
    assert!(!tokens.refresh_token.is_empty());
    assert_eq!(signed_in.user.map(|user| user.id), Some(user.id));
}

#[tokio::test]
async fn sign_up_names_every_invalid_field_and_creates_nothing() {
    let auth = TestAuth::start().await;

    let status = auth
        .auth()
        .sign_up(pb::SignUpRequest {
            username: "No".into(),
            email: "not-an-email".into(),
            password: "short".into(),
            nickname: "가나다라마바사아자차카".into(),
            name: "   ".into(),
            school_id: 1,
        })
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    let (reason, fields) = reason_and_fields(&status);
    assert_eq!(reason, "invalid_input");
    assert_eq!(
        fields,
        ["username", "email", "password", "nickname", "name"]
    );
    assert_eq!(
        auth.sign_in_with("No", "short").await.unwrap_err().code(),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn sign_up_trims_fields_but_not_the_password() {
    let auth = TestAuth::start().await;
    let mut request = sign_up_request("jiwoo", 1);
    request.username = "  jiwoo ".into();
    request.nickname = "  지우 ".into();
    request.password = " spaced password ".into();

    let user = auth
        .auth()
        .sign_up(request)
        .await
        .expect("signs up")
        .into_inner()
        .user
        .expect("user");

    assert_eq!(user.username, "jiwoo");
    assert_eq!(user.nickname, "지우");
    assert!(
        auth.sign_in_with("jiwoo", " spaced password ")
            .await
            .is_ok()
    );
    assert!(auth.sign_in_with("jiwoo", "spaced password").await.is_err());
}

#[tokio::test]
async fn duplicate_username_email_and_nickname_are_already_exists_naming_each_field() {
    let auth = TestAuth::start().await;
    auth.sign_up("taken").await;

    let mut same_username = sign_up_request("taken", 1);
    same_username.email = "other@example.ac.kr".into();
    same_username.nickname = "다른닉".into();
    let mut same_email_other_case = sign_up_request("fresh1", 1);
    same_email_other_case.email = "TAKEN@Example.AC.KR".into();
    let mut same_nickname = sign_up_request("fresh2", 1);
    same_nickname.nickname = support::nickname_for("taken");
    let everything = sign_up_request("taken", 1);

    for (request, code, fields) in [
        (same_username, "username_taken", vec!["username"]),
        (same_email_other_case, "email_taken", vec!["email"]),
        (same_nickname, "nickname_taken", vec!["nickname"]),
        (
            everything,
            "username_taken",
            vec!["username", "email", "nickname"],
        ),
    ] {
        let status = auth.auth().sign_up(request).await.unwrap_err();
        assert_eq!(status.code(), Code::AlreadyExists);
        assert_eq!(
            reason_and_fields(&status),
            (
                code.to_owned(),
                fields.iter().map(|f| f.to_string()).collect()
            )
        );
    }
}

#[tokio::test]
async fn racing_sign_ups_for_one_username_create_exactly_one_user() {
    let auth = TestAuth::start().await;
    let attempts = (0..8).map(|i| {
        let mut client = auth.auth();
        let mut request = sign_up_request("racer", 1);
        request.email = format!("racer{i}@example.ac.kr");
        request.nickname = format!("레이서{i}");
        async move { client.sign_up(request).await }
    });

    let results = futures::future::join_all(attempts).await;

    let created = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(created, 1);
    for status in results.iter().filter_map(|result| result.as_ref().err()) {
        assert_eq!(status.code(), Code::AlreadyExists);
        assert_eq!(reason_and_fields(status).1, ["username"]);
    }
}

#[tokio::test]
async fn an_unknown_school_is_invalid_argument_on_school_id() {
    let auth = TestAuth::start().await;

    let status = auth
        .auth()
        .sign_up(sign_up_request("nowhere", 9999))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        reason_and_fields(&status),
        ("unknown_school".into(), vec!["school_id".into()])
    );
}

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
async fn get_me_returns_the_callers_own_user_with_email() {
    let auth = TestAuth::start().await;
    let (user, token) = auth.user_with_token("hana").await;

    let me = auth
        .users()
        .get_me(authed(pb::GetMeRequest {}, &token))
        .await
        .expect("me")
        .into_inner()
        .user
        .expect("user");

    assert_eq!(me.id, user.id);
    assert_eq!(me.email.as_deref(), Some("hana@example.ac.kr"));
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
async fn changing_the_password_revokes_every_other_session() {
    let auth = TestAuth::start().await;
    auth.sign_up("changer").await;
    let other = auth.sign_in("changer").await.tokens.expect("tokens");
    let current = auth.sign_in("changer").await.tokens.expect("tokens");

    let wrong = auth
        .users()
        .change_password(authed(
            pb::ChangePasswordRequest {
                current_password: "not it at all".into(),
                new_password: "a new password".into(),
            },
            &current.access_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    assert_eq!(reason_and_fields(&wrong).0, "wrong_password");

    let too_short = auth
        .users()
        .change_password(authed(
            pb::ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password: "short".into(),
            },
            &current.access_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        reason_and_fields(&too_short),
        ("invalid_input".into(), vec!["new_password".into()])
    );

    auth.users()
        .change_password(authed(
            pb::ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password: "a new password".into(),
            },
            &current.access_token,
        ))
        .await
        .expect("changes");

    assert!(auth.sign_in_with("changer", PASSWORD).await.is_err());
    assert!(auth.sign_in_with("changer", "a new password").await.is_ok());
    let other_refresh = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: other.refresh_token,
            client: None,
        })
        .await;
    assert_eq!(other_refresh.unwrap_err().code(), Code::Unauthenticated);
    let current_refresh = auth
        .auth()
        .refresh_token(pb::RefreshTokenRequest {
            refresh_token: current.refresh_token,
            client: None,
        })
        .await;
    assert!(current_refresh.is_ok());
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
    assert!(
        delay > Duration::from_secs(800) && delay <= Duration::from_secs(900),
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
async fn control_characters_in_sign_up_are_invalid_naming_the_field() {
    let auth = TestAuth::start().await;
    let mut request = sign_up_request("nuluser", 1);
    request.nickname = "닉\0네임".into();
    request.name = "김\n철수".into();

    let status = auth.auth().sign_up(request).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    let (reason, fields) = reason_and_fields(&status);
    assert_eq!(reason, "invalid_input");
    assert_eq!(fields, ["nickname", "name"]);
    // Nothing was created: the username is still free.
    auth.sign_up("nuluser").await;
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

#[tokio::test]
async fn a_username_that_cannot_exist_is_not_found() {
    let auth = TestAuth::start().await;
    let (_, token) = auth.user_with_token("looker").await;

    for username in ["a\0b", "", "UPPER", &"z".repeat(5000)] {
        let status = auth
            .users()
            .get_user_by_username(authed(
                pb::GetUserByUsernameRequest {
                    username: username.to_owned(),
                },
                &token,
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{:.20}", username);
    }
}

#[tokio::test]
async fn the_bootstrap_admin_may_create_schools_and_users_may_not() {
    let auth = TestAuth::start_with(|config| {
        config.admin = Some(everytime_auth::AdminAccount {
            username: "root_admin".into(),
            password: "admin password".into(),
            email: "admin@localhost".into(),
            nickname: "관리자".into(),
        });
    })
    .await;
    let (_, user_token) = auth.user_with_token("plain").await;
    let admin = auth
        .sign_in_with("root_admin", "admin password")
        .await
        .expect("admin signs in");
    let admin_user = admin.user.expect("user");
    let admin_token = admin.tokens.expect("tokens").access_token;
    assert_eq!(admin_user.role(), pb::Role::Admin);
    assert_eq!(admin_user.school.map(|school| school.id), Some(1));

    let denied = auth
        .auth()
        .create_school(authed(
            pb::CreateSchoolRequest {
                name: "가짜대학교".into(),
            },
            &user_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let created = auth
        .auth()
        .create_school(authed(
            pb::CreateSchoolRequest {
                name: "  새대학교 ".into(),
            },
            &admin_token,
        ))
        .await
        .expect("creates")
        .into_inner()
        .school
        .expect("school");
    assert_eq!(created.name, "새대학교");

    let duplicate = auth
        .auth()
        .create_school(authed(
            pb::CreateSchoolRequest {
                name: "새대학교".into(),
            },
            &admin_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);
    assert_eq!(
        reason_and_fields(&duplicate),
        ("school_name_taken".into(), vec!["name".into()])
    );
}

#[tokio::test]
async fn schools_are_seeded_and_listed_by_name() {
    let auth = TestAuth::start().await;

    let schools = auth
        .auth()
        .list_schools(pb::ListSchoolsRequest {})
        .await
        .expect("lists")
        .into_inner()
        .schools;

    assert!(schools.len() >= 10);
    let names: Vec<_> = schools.iter().map(|school| school.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.contains(&"서울대학교".to_owned()));
}

#[tokio::test]
async fn access_tokens_verify_against_the_published_jwk_set() {
    let auth = TestAuth::start().await;
    let (user, token) = auth.user_with_token("verify").await;
    let verifier = TokenVerifier::new(
        &TokenSettings::default().issuer,
        &TokenSettings::default().audience,
        std::sync::Arc::new(AuthJwks::new(auth.channel.clone())),
    );

    let caller = verifier.verify(&token).await.expect("verifies");

    assert_eq!(caller.user_id, user.id);
    assert_eq!(caller.school_id, 1);
    assert_eq!(caller.role, Role::User);
    let header = jsonwebtoken::decode_header(&token).expect("a header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    let jwks = auth
        .auth()
        .get_jwks(pb::GetJwksRequest {})
        .await
        .expect("jwks")
        .into_inner()
        .keys;
    assert!(jwks.iter().any(|key| Some(&key.kid) == header.kid.as_ref()));
}

#[tokio::test]
async fn a_restart_keeps_the_signing_key() {
    let url = everytime_common::postgres::test_database()
        .await
        .expect("db");
    let kid_of = |auth: &TestAuth| {
        let mut client = auth.auth();
        async move {
            client
                .get_jwks(pb::GetJwksRequest {})
                .await
                .expect("jwks")
                .into_inner()
                .keys
        }
    };
    let first = TestAuth::start_with({
        let url = url.clone();
        move |config| config.database_url = url
    })
    .await;
    let before = kid_of(&first).await;
    first.stop().await;
    let second = TestAuth::start_with(move |config| config.database_url = url).await;
    let after = kid_of(&second).await;

    assert_eq!(before.len(), 1);
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_bootstrap_admin_whose_nickname_another_user_has_stops_start_up_naming_the_setting() {
    let first = TestAuth::start().await;
    let mut request = sign_up_request("ordinary", 1);
    request.nickname = "관리자".into();
    first.auth().sign_up(request).await.expect("signs up");
    let url = first.database_url.clone();
    first.stop().await;

    let mut config = everytime_auth::Config::new(url);
    config.admin = Some(everytime_auth::AdminAccount {
        username: "root_admin".into(),
        password: "admin password".into(),
        email: "root@snu.ac.kr".into(),
        nickname: "관리자".into(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let started = everytime_auth::serve(config, listener, std::future::pending()).await;

    let Err(everytime_auth::StartError::Admin(message)) = started else {
        panic!("start-up must refuse the clash: {started:?}");
    };
    assert!(message.contains("ADMIN_NICKNAME"), "{message}");
    assert!(!message.contains("ADMIN_EMAIL"), "{message}");
}

#[tokio::test]
async fn the_bootstrap_admin_is_updated_on_the_next_start() {
    let admin = |password: &str, nickname: &str| everytime_auth::AdminAccount {
        username: "root_admin".into(),
        password: password.into(),
        email: "root@snu.ac.kr".into(),
        nickname: nickname.into(),
    };
    let first =
        TestAuth::start_with(|config| config.admin = Some(admin("first password", "관리자"))).await;
    let url = first.database_url.clone();
    first.stop().await;

    let second = TestAuth::start_on(url, |config| {
        config.admin = Some(admin("second password", "운영자"));
    })
    .await;

    assert!(
        second
            .sign_in_with("root_admin", "first password")
            .await
            .is_err()
    );
    let signed_in = second
        .sign_in_with("root_admin", "second password")
        .await
        .expect("the new password works");
    let user = signed_in.user.expect("a user");
    assert_eq!(user.nickname, "운영자");
    assert_eq!(user.role(), pb::Role::Admin);
}

#[tokio::test]
async fn profiles_are_visible_only_within_the_callers_school() {
    let auth = TestAuth::start().await;
    let (me, token) = auth.user_with_token("local").await;
    let neighbour = auth.sign_up_at("neighbr", 1).await;
    let stranger = auth.sign_up_at("faraway", 2).await;

    let profiles = auth
        .users()
        .batch_get_users(authed(
            pb::BatchGetUsersRequest {
                user_ids: vec![me.id, neighbour.id, stranger.id, 424242],
            },
            &token,
        ))
        .await
        .expect("batch")
        .into_inner()
        .users;
    let ids: Vec<_> = profiles.iter().map(|profile| profile.id).collect();
    assert_eq!(ids, [me.id, neighbour.id]);

    let found = auth
        .users()
        .get_user_by_username(authed(
            pb::GetUserByUsernameRequest {
                username: "neighbr".into(),
            },
            &token,
        ))
        .await
        .expect("found")
        .into_inner()
        .user
        .expect("profile");
    assert_eq!(found.nickname, neighbour.nickname);
    let hidden = auth
        .users()
        .get_user_by_username(authed(
            pb::GetUserByUsernameRequest {
                username: "faraway".into(),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
}

#[tokio::test]
async fn batches_over_the_limit_are_invalid() {
    let auth = TestAuth::start().await;
    let (_, token) = auth.user_with_token("batcher").await;

    let batch = |size: i64| {
        let mut users = auth.users();
        let token = token.clone();
        async move {
            users
                .batch_get_users(authed(
                    pb::BatchGetUsersRequest {
                        user_ids: (1..=size).collect(),
                    },
                    &token,
                ))
                .await
        }
    };

    // A whole thread's authors fit in one call...
    let found = batch(1024).await.expect("1024 ids are one batch");
    assert_eq!(found.into_inner().users.len(), 1);
    // ...and one more id is refused.
    let status = batch(1025).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(reason_and_fields(&status).1, ["user_ids"]);
}

#[tokio::test]
async fn update_me_changes_nickname_and_name_and_refuses_a_taken_nickname() {
    let auth = TestAuth::start().await;
    let (_, token) = auth.user_with_token("editor").await;
    let other = auth.sign_up("other").await;

    let updated = auth
        .users()
        .update_me(authed(
            pb::UpdateMeRequest {
                nickname: Some(" 새닉네임 ".into()),
                name: Some("이영희".into()),
            },
            &token,
        ))
        .await
        .expect("updates")
        .into_inner()
        .user
        .expect("user");
    assert_eq!(updated.nickname, "새닉네임");
    assert_eq!(updated.name, "이영희");

    let taken = auth
        .users()
        .update_me(authed(
            pb::UpdateMeRequest {
                nickname: Some(other.nickname),
                name: None,
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Code::AlreadyExists);
    assert_eq!(
        reason_and_fields(&taken),
        ("nickname_taken".into(), vec!["nickname".into()])
    );

    let invalid = auth
        .users()
        .update_me(authed(
            pb::UpdateMeRequest {
                nickname: Some("x".into()),
                name: Some(String::new()),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(reason_and_fields(&invalid).1, ["nickname", "name"]);
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
