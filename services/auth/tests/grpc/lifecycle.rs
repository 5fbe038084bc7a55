//! The account's life: 회원 탈퇴 (erasing the account, ending its sessions,
//! the 24-hour hold on its email, the `UserDeleted` event), the 30-day
//! nickname rule and its `NicknameChanged` event, and pruning the outbox
//! only past every durable consumer.

use std::time::Duration;

use crate::support::{PASSWORD, TestAuth, authed, reason_and_fields, sign_up_request};
use everytime_proto::auth::v1::{
    self as pb, event_service_client::EventServiceClient, watch_events_response::Event,
};
use tonic::Code;

/// Every event after `after` that is stored now (the stream is read until
/// it has been quiet for a moment).
async fn events_after(auth: &TestAuth, after: i64) -> Vec<pb::WatchEventsResponse> {
    let mut stream = EventServiceClient::new(auth.channel.clone())
        .watch_events(pb::WatchEventsRequest {
            after_position: after,
        })
        .await
        .expect("watches")
        .into_inner();
    let mut events = Vec::new();
    while let Ok(Ok(Some(event))) =
        tokio::time::timeout(Duration::from_millis(500), stream.message()).await
    {
        events.push(event);
    }
    events
}

#[tokio::test]
async fn deleting_an_account_erases_it_ends_its_sessions_and_emits_user_deleted() {
    let auth = TestAuth::start().await;
    let (user, token) = auth.user_with_token("leaving").await;
    let second_device = auth
        .sign_in("leaving")
        .await
        .tokens
        .expect("tokens")
        .access_token;
    let before = events_after(&auth, 0)
        .await
        .last()
        .map_or(0, |event| event.position);

    let wrong = auth
        .users()
        .delete_me(authed(
            pb::DeleteMeRequest {
                password: "not my password".into(),
            },
            &token,
        ))
        .await
        .expect_err("a wrong password");
    assert_eq!(wrong.code(), Code::Unauthenticated);
    assert_eq!(
        reason_and_fields(&wrong),
        ("wrong_password".into(), vec!["password".into()])
    );
    // Still there.
    auth.users()
        .get_me(authed(pb::GetMeRequest {}, &token))
        .await
        .expect("the account stays");

    auth.users()
        .delete_me(authed(
            pb::DeleteMeRequest {
                password: PASSWORD.into(),
            },
            &token,
        ))
        .await
        .expect("deleted");

    // Both sessions ended, then the user: in that order, after `before`.
    let events = events_after(&auth, before).await;
    let ended = events
        .iter()
        .filter(
            |event| matches!(&event.event, Some(Event::SessionEnded(e)) if e.user_id == user.id),
        )
        .count();
    assert_eq!(ended, 2, "{events:?}");
    assert!(
        matches!(events.last().and_then(|event| event.event.as_ref()), Some(Event::UserDeleted(d)) if d.user_id == user.id),
        "{events:?}"
    );
    // The account is gone: no sign-in, no profile, no refresh.
    assert!(auth.sign_in_with("leaving", PASSWORD).await.is_err());
    let profiles = auth
        .users()
        .get_user_by_username(authed(
            pb::GetUserByUsernameRequest {
                username: "leaving".into(),
            },
            &second_device,
        ))
        .await;
    assert!(profiles.is_err());
    // The email waits a day; the username and nickname are free at once.
    let again = auth
        .auth()
        .sign_up(sign_up_request("leaving", 1))
        .await
        .expect_err("the email is held");
    assert_eq!(again.code(), Code::AlreadyExists);
    assert_eq!(
        reason_and_fields(&again),
        ("recently_deleted".into(), vec!["email".into()])
    );
    let mut other_email = sign_up_request("leaving", 1);
    other_email.email = "someone.else@example.ac.kr".into();
    let back = auth
        .auth()
        .sign_up(other_email)
        .await
        .expect("username and nickname are free")
        .into_inner()
        .user
        .expect("a user");
    assert_ne!(back.id, user.id);
    assert_eq!(back.nickname, user.nickname);
}

#[tokio::test]
async fn the_email_of_a_deleted_account_is_held_for_a_day_whatever_its_case() {
    let auth = TestAuth::start().await;
    let (_, token) = auth.user_with_token("casey").await;
    auth.users()
        .delete_me(authed(
            pb::DeleteMeRequest {
                password: PASSWORD.into(),
            },
            &token,
        ))
        .await
        .expect("deleted");
    let mut shouting = sign_up_request("casey_two", 1);
    shouting.email = sign_up_request("casey", 1).email.to_uppercase();
    let refused = auth.auth().sign_up(shouting).await.expect_err("held");
    assert_eq!(reason_and_fields(&refused).0, "recently_deleted");
    // A day later it is free again.
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&auth.database_url)
        .await
        .expect("connects");
    sqlx::query("update auth.deleted_accounts set deleted_at = now() - interval '25 hours'")
        .execute(&db)
        .await
        .expect("ages the hold");
    auth.auth()
        .sign_up(sign_up_request("casey", 1))
        .await
        .expect("the day is over");
}

#[tokio::test]
async fn a_nickname_changes_at_most_once_in_30_days_and_each_change_is_an_event() {
    let auth = TestAuth::start().await;
    let (user, token) = auth.user_with_token("renamer").await;
    assert_eq!(user.nickname_changeable_time, None, "never changed yet");
    let before = events_after(&auth, 0)
        .await
        .last()
        .map_or(0, |event| event.position);
    let change = |nickname: &str, name: Option<&str>| {
        let mut users = auth.users();
        let request = authed(
            pb::UpdateMeRequest {
                nickname: Some(nickname.into()),
                name: name.map(Into::into),
            },
            &token,
        );
        async move { users.update_me(request).await }
    };

    let changed = change("새이름", None)
        .await
        .expect("the first change")
        .into_inner()
        .user
        .expect("a user");
    assert_eq!(changed.nickname, "새이름");
    let until = changed.nickname_changeable_time.expect("a wait");
    let in_days = (until.seconds - chrono::Utc::now().timestamp()) as f64 / 86_400.0;
    assert!((29.9..=30.0).contains(&in_days), "{in_days} days");

    let refused = change("또바꿈", None).await.expect_err("too soon");
    assert_eq!(refused.code(), Code::AlreadyExists);
    assert_eq!(
        reason_and_fields(&refused),
        ("nickname_recently_changed".into(), vec!["nickname".into()])
    );
    // The same nickname again is no change, and the name may change.
    let same = change("새이름", Some("김새이"))
        .await
        .expect("no change of nickname")
        .into_inner()
        .user
        .expect("a user");
    assert_eq!(same.name, "김새이");
    // One event: the one change.
    let events = events_after(&auth, before).await;
    let changes: Vec<i64> = events
        .iter()
        .filter_map(|event| match &event.event {
            Some(Event::NicknameChanged(changed)) => Some(changed.user_id),
            _ => None,
        })
        .collect();
    assert_eq!(changes, [user.id]);

    // 30 days later it may change again.
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&auth.database_url)
        .await
        .expect("connects");
    sqlx::query("update auth.users set nickname_changed_at = now() - interval '30 days 1 minute' where id = $1")
        .bind(user.id)
        .execute(&db)
        .await
        .expect("ages the change");
    let me = auth
        .users()
        .get_me(authed(pb::GetMeRequest {}, &token))
        .await
        .expect("me")
        .into_inner()
        .user
        .expect("a user");
    assert_eq!(me.nickname_changeable_time, None);
    change("또바꿈", None).await.expect("a month later");
}

#[tokio::test]
async fn account_events_are_pruned_only_past_every_consumer() {
    let auth = TestAuth::start().await;
    let (a, a_token) = auth.user_with_token("prune_a").await;
    let (b, b_token) = auth.user_with_token("prune_b").await;
    for token in [&a_token, &b_token] {
        auth.users()
            .delete_me(authed(
                pb::DeleteMeRequest {
                    password: PASSWORD.into(),
                },
                token,
            ))
            .await
            .expect("deleted");
    }
    let deleted: Vec<i64> = events_after(&auth, 0)
        .await
        .into_iter()
        .filter(|event| matches!(event.event, Some(Event::UserDeleted(_))))
        .map(|event| event.position)
        .collect();
    assert_eq!(deleted.len(), 2);
    // On auth's schema, as auth's own pool is.
    let options: sqlx::postgres::PgConnectOptions =
        auth.database_url.parse().expect("a database URL");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.options([("search_path", "auth")]))
        .await
        .expect("connects");
    let user_events = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "select user_id from auth.events where kind = 'user_deleted' order by position",
        )
        .fetch_all(&pool)
        .await
        .expect("reads")
    };
    let mut events = EventServiceClient::new(auth.channel.clone());
    let acknowledge = |consumer: &str, position: i64| pb::AcknowledgeEventsRequest {
        consumer: consumer.into(),
        position,
    };

    // No consumer known yet: nothing of the accounts is pruned, even old.
    everytime_auth::events::prune_once(&pool, Duration::ZERO)
        .await
        .expect("prunes");
    assert_eq!(user_events(pool.clone()).await, [a.id, b.id]);
    // The ended sessions (old enough) went.
    let sessions: i64 =
        sqlx::query_scalar("select count(*) from auth.events where kind = 'session_ended'")
            .fetch_one(&pool)
            .await
            .expect("counts");
    assert_eq!(sessions, 0);

    // One consumer past both, one past the first only: the first goes.
    events
        .acknowledge_events(acknowledge("timetable", deleted[1]))
        .await
        .expect("acknowledged");
    events
        .acknowledge_events(acknowledge("community", deleted[0]))
        .await
        .expect("acknowledged");
    // A consumer never goes back.
    events
        .acknowledge_events(acknowledge("timetable", 1))
        .await
        .expect("acknowledged");
    everytime_auth::events::prune_once(&pool, Duration::ZERO)
        .await
        .expect("prunes");
    assert_eq!(user_events(pool.clone()).await, [b.id]);
    // Young events stay whoever passed them.
    events
        .acknowledge_events(acknowledge("community", deleted[1]))
        .await
        .expect("acknowledged");
    everytime_auth::events::prune_once(&pool, Duration::from_secs(3600))
        .await
        .expect("prunes");
    assert_eq!(user_events(pool.clone()).await, [b.id]);
    everytime_auth::events::prune_once(&pool, Duration::ZERO)
        .await
        .expect("prunes");
    assert_eq!(user_events(pool.clone()).await, Vec::<i64>::new());
    // A consumer silent for 30 days stops holding events back.
    sqlx::query("update auth.event_consumers set seen_at = now() - interval '31 days' where name = 'community'")
        .execute(&pool)
        .await
        .expect("ages");
    everytime_auth::events::prune_once(&pool, Duration::ZERO)
        .await
        .expect("prunes");
    let consumers: Vec<String> =
        sqlx::query_scalar("select name from auth.event_consumers order by name")
            .fetch_all(&pool)
            .await
            .expect("reads");
    assert_eq!(consumers, ["timetable"]);
    // Bad consumer names are refused.
    let bad = events
        .acknowledge_events(acknowledge("Not A Name", 1))
        .await
        .expect_err("refused");
    assert_eq!(bad.code(), Code::InvalidArgument);
}
