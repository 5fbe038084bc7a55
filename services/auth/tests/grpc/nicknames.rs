//! Names nobody may take, characters nobody may hide in a nickname, and
//! nicknames compared the way people read them.

use crate::support::{TestAuth, authed, reason_and_fields, sign_up_request};
use everytime_proto::auth::v1 as pb;
use tonic::Code;

fn sign_up_as(username: &str, nickname: &str) -> pb::SignUpRequest {
    let mut request = sign_up_request(username, 1);
    request.nickname = nickname.into();
    request
}

#[tokio::test]
async fn reserved_usernames_cannot_be_signed_up() {
    let auth = TestAuth::start().await;

    for username in ["admin", "administrator", "root", "system", "everytime"] {
        let status = auth
            .auth()
            .sign_up(sign_up_request(username, 1))
            .await
            .unwrap_err();

        assert_eq!(status.code(), Code::InvalidArgument, "{username}");
        assert_eq!(
            reason_and_fields(&status),
            ("invalid_input".into(), vec!["username".into()]),
            "{username}"
        );
        assert!(auth.sign_in_with(username, "whatever").await.is_err());
    }
}

#[tokio::test]
async fn reserved_nicknames_cannot_be_signed_up_or_changed_to() {
    let auth = TestAuth::start().await;
    let (_, token) = auth.user_with_token("changer").await;

    for (i, nickname) in [
        "관리자",
        "운영자",
        "익명",
        "익명(글쓴이)",
        "익명7",
        "(알 수 없음)",
    ]
    .into_iter()
    .enumerate()
    {
        let signed_up = auth
            .auth()
            .sign_up(sign_up_as(&format!("reserved{i}"), nickname))
            .await
            .unwrap_err();
        let changed = auth
            .users()
            .update_me(authed(
                pb::UpdateMeRequest {
                    nickname: Some(nickname.into()),
                    name: None,
                },
                &token,
            ))
            .await
            .unwrap_err();

        for status in [signed_up, changed] {
            assert_eq!(status.code(), Code::InvalidArgument, "{nickname}");
            assert_eq!(reason_and_fields(&status).1, ["nickname"], "{nickname}");
        }
    }
}

#[tokio::test]
async fn invisible_and_bidi_characters_in_a_nickname_or_name_are_invalid() {
    let auth = TestAuth::start().await;
    let (_, token) = auth.user_with_token("hider").await;

    for (i, hidden) in ["관리자\u{200B}", "\u{202E}수민", "민\u{2066}수"]
        .into_iter()
        .enumerate()
    {
        let signed_up = auth
            .auth()
            .sign_up(sign_up_as(&format!("hidden{i}"), hidden))
            .await
            .unwrap_err();
        let changed = auth
            .users()
            .update_me(authed(
                pb::UpdateMeRequest {
                    nickname: Some(hidden.into()),
                    name: Some(format!("김{hidden}")),
                },
                &token,
            ))
            .await
            .unwrap_err();

        assert_eq!(signed_up.code(), Code::InvalidArgument, "{hidden:?}");
        assert_eq!(reason_and_fields(&signed_up).1, ["nickname"], "{hidden:?}");
        assert_eq!(changed.code(), Code::InvalidArgument, "{hidden:?}");
        assert_eq!(
            reason_and_fields(&changed).1,
            ["nickname", "name"],
            "{hidden:?}"
        );
    }
}

#[tokio::test]
async fn width_case_and_jamo_variants_are_the_same_nickname() {
    let auth = TestAuth::start().await;
    let minsu = auth
        .auth()
        .sign_up(sign_up_as("minsu", "ｍｉｎｓｕ"))
        .await
        .expect("signs up")
        .into_inner()
        .user
        .expect("user");
    // 민수 spelled as decomposed jamo is stored composed.
    let hangul = auth
        .auth()
        .sign_up(sign_up_as(
            "minsu_kr",
            "\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}",
        ))
        .await
        .expect("signs up")
        .into_inner()
        .user
        .expect("user");
    assert_eq!(minsu.nickname, "minsu");
    assert_eq!(hangul.nickname, "민수");

    for (i, variant) in ["minsu", "MinSu", "ｍｉｎｓｕ", "민수"]
        .into_iter()
        .enumerate()
    {
        let status = auth
            .auth()
            .sign_up(sign_up_as(&format!("copycat{i}"), variant))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::AlreadyExists, "{variant}");
        assert_eq!(
            reason_and_fields(&status),
            ("nickname_taken".into(), vec!["nickname".into()]),
            "{variant}"
        );
    }

    let (_, token) = auth.user_with_token("renamer").await;
    let changed = auth
        .users()
        .update_me(authed(
            pb::UpdateMeRequest {
                nickname: Some("ＭＩＮＳＵ".into()),
                name: None,
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(changed.code(), Code::AlreadyExists);
    assert_eq!(
        reason_and_fields(&changed),
        ("nickname_taken".into(), vec!["nickname".into()])
    );
}

#[tokio::test]
async fn nicknames_of_existing_accounts_are_normalised_and_clashes_renamed_by_the_migration() {
    // A database as the first migration left it, with nicknames the old
    // rules let through: a full-width one and its ASCII and upper-case
    // twins, decomposed jamo and the composed syllables.
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("a test database");
    let before = sqlx::migrate::Migrator {
        migrations: everytime_auth::MIGRATOR.migrations[..1].to_vec().into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    let pool = everytime_common::db::connect_and_migrate(
        &url,
        everytime_auth::SCHEMA,
        &Default::default(),
        &before,
    )
    .await
    .expect("the first migration runs");
    for (username, nickname) in [
        ("fullwidth", "ｍｉｎｓｕ"),
        ("ascii", "minsu"),
        ("upper", "MINSU"),
        ("jamo", "\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}"),
        ("syllables", "민수"),
    ] {
        sqlx::query(
            "insert into users (school_id, username, email, nickname, name, password_hash)
             values (1, $1, $1 || '@example.ac.kr', $2, 'ｋｉｍ', 'not a hash')",
        )
        .bind(username)
        .bind(nickname)
        .execute(&pool)
        .await
        .expect("an old row");
    }
    pool.close().await;

    let auth = TestAuth::start_on(url.clone(), |_| {}).await;

    let pool = everytime_common::db::connect_and_migrate(
        &url,
        everytime_auth::SCHEMA,
        &Default::default(),
        &everytime_auth::MIGRATOR,
    )
    .await
    .expect("connects");
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("select username, nickname, name from users order by id")
            .fetch_all(&pool)
            .await
            .expect("rows");
    let nicknames: Vec<_> = rows
        .iter()
        .map(|(username, nickname, _)| (username.as_str(), nickname.as_str()))
        .collect();
    assert_eq!(
        nicknames,
        [
            ("fullwidth", "minsu"),
            ("ascii", "minsu_2"),
            ("upper", "MINSU_3"),
            ("jamo", "민수"),
            ("syllables", "민수_5"),
        ]
    );
    assert!(rows.iter().all(|(_, _, name)| name == "kim"));
    let status = auth
        .auth()
        .sign_up(sign_up_as("newcomer", "Minsu"))
        .await
        .unwrap_err();
    assert_eq!(
        reason_and_fields(&status),
        ("nickname_taken".into(), vec!["nickname".into()])
    );
}
