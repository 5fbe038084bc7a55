//! Accounts over gRPC: schools, sign-up, the caller's user and profile,
//! password changes, public profiles and the bootstrap administrator.

use crate::support::{PASSWORD, TestAuth, authed, reason_and_fields, sign_up_request};
use everytime_proto::auth::v1 as pb;
use tonic::Code;

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
    same_nickname.nickname = crate::support::nickname_for("taken");
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
async fn get_school_returns_a_known_school_without_a_token() {
    let auth = TestAuth::start().await;
    let listed = auth
        .auth()
        .list_schools(pb::ListSchoolsRequest {})
        .await
        .expect("lists")
        .into_inner()
        .schools;
    let seoul = listed
        .iter()
        .find(|school| school.name == "서울대학교")
        .expect("a seeded school");

    let school = auth
        .auth()
        .get_school(pb::GetSchoolRequest { id: seoul.id })
        .await
        .expect("gets the school without a token")
        .into_inner()
        .school
        .expect("a school");

    assert_eq!(&school, seoul);
}

#[tokio::test]
async fn get_school_of_an_unknown_id_is_not_found_unknown_school() {
    let auth = TestAuth::start().await;

    let status = auth
        .auth()
        .get_school(pb::GetSchoolRequest { id: 999_999 })
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(
        reason_and_fields(&status),
        ("unknown_school".into(), vec![])
    );
}

#[tokio::test]
async fn get_school_of_id_zero_or_below_is_not_found_unknown_school() {
    let auth = TestAuth::start().await;

    for id in [0, -1, i64::MIN] {
        let status = auth
            .auth()
            .get_school(pb::GetSchoolRequest { id })
            .await
            .unwrap_err();

        assert_eq!(status.code(), Code::NotFound, "{id}");
        assert_eq!(reason_and_fields(&status).0, "unknown_school", "{id}");
    }
}

#[tokio::test]
async fn a_bootstrap_admin_whose_nickname_another_user_has_stops_start_up_naming_the_setting() {
    let first = TestAuth::start().await;
    let mut request = sign_up_request("ordinary", 1);
    request.nickname = "학생지원팀".into();
    first.auth().sign_up(request).await.expect("signs up");
    let url = first.database_url.clone();
    first.stop().await;

    let mut config = everytime_auth::Config::new(url);
    config.admin = Some(everytime_auth::AdminAccount {
        username: "root_admin".into(),
        password: "admin password".into(),
        email: "root@snu.ac.kr".into(),
        nickname: "학생지원팀".into(),
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

    // A taken nickname first: after a change, the 30-day rule comes first.
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
