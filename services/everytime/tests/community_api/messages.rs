//! 쪽지 through the gateway: conversations start from a post or comment,
//! never a user id; an anonymous origin keeps both sides anonymous in every
//! reply of both sides; one conversation per sender, recipient and origin;
//! per-side delete; block for good; exact unread counts under concurrency;
//! every refusal; the author who left; the write limit.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::anonymity::{WRITER_ID, revealed};
use crate::support::{Reply, Session, TestStack};
use crate::{Community, id, keys, pool, rfc3339_utc, stack_with_database};

async fn start(stack: &TestStack, token: &str, origin: Value, content: &str) -> Reply {
    let mut body = origin;
    body["content"] = json!(content);
    stack.post("/api/v1/messages", Some(token), body).await
}

async fn send(stack: &TestStack, token: &str, conversation: i64, content: &str) -> Reply {
    stack
        .post(
            &format!("/api/v1/messages/{conversation}"),
            Some(token),
            json!({"content": content}),
        )
        .await
}

async fn unread(stack: &TestStack, token: &str) -> i64 {
    let reply = stack
        .get("/api/v1/messages/unread-count", Some(token))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["count"]);
    reply.body["count"].as_i64().expect("a count")
}

/// The conversations of `token`'s list.
async fn inbox(stack: &TestStack, token: &str) -> Vec<Value> {
    let (items, _) = stack.walk("/api/v1/messages?limit=2", token).await;
    items
}

#[track_caller]
fn assert_conversation_shape(conversation: &Value) {
    assert_eq!(
        keys(conversation),
        [
            "blocked",
            "counterpart",
            "id",
            "last_message",
            "origin",
            "unread_count",
            "updated_at"
        ]
    );
    assert_eq!(
        keys(&conversation["counterpart"]),
        ["anonymous", "nickname"]
    );
    assert_eq!(keys(&conversation["origin"]), ["board", "post_id", "title"]);
    assert_eq!(keys(&conversation["origin"]["board"]), ["id", "name"]);
    assert_eq!(
        keys(&conversation["last_message"]),
        ["content", "created_at", "mine"]
    );
    assert!(rfc3339_utc(&conversation["updated_at"]));
}

#[tokio::test]
async fn an_anonymous_author_stays_anonymous_to_the_sender_and_the_sender_to_them() {
    let (stack, url) = stack_with_database().await;
    let db = pool(&url).await;
    sqlx::query(&format!(
        "alter table auth.users alter column id restart with {WRITER_ID}"
    ))
    .execute(&db)
    .await
    .unwrap();
    let writer = stack.user("secretw").await;
    assert_eq!(writer.id, WRITER_ID);
    let sender = stack.user("curious").await;
    let free = stack.board(&writer.token, "자유게시판").await;
    let post = id(&stack
        .write(&writer.token, free, "익명 질문", "누구게", true)
        .await);
    let comment = id(&stack
        .comment(&writer.token, post, "익명 댓글", true, None)
        .await
        .body);

    let mut replies: Vec<(String, Reply, &Session)> = Vec::new();
    let started = start(
        &stack,
        &sender.token,
        json!({"post_id": post}),
        "안녕하세요",
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    assert_eq!(keys(&started.body), ["conversation", "message"]);
    let conversation = &started.body["conversation"];
    assert_conversation_shape(conversation);
    assert_eq!(
        conversation["counterpart"],
        json!({"nickname": "익명", "anonymous": true})
    );
    assert_eq!(conversation["origin"]["post_id"], post);
    assert_eq!(conversation["origin"]["title"], "익명 질문");
    assert_eq!(
        conversation["origin"]["board"],
        json!({"id": free, "name": "자유게시판"})
    );
    assert_eq!(conversation["unread_count"], 0);
    assert_eq!(conversation["blocked"], false);
    assert_eq!(conversation["last_message"]["mine"], true);
    assert_eq!(
        keys(&started.body["message"]),
        ["content", "created_at", "id", "mine"]
    );
    assert_eq!(started.body["message"]["content"], "안녕하세요");
    assert_eq!(started.body["message"]["mine"], true);
    let conversation_id = id(conversation);
    replies.push(("start".into(), started, &writer));

    // The same sender, recipient and origin: the same conversation.
    let again = start(&stack, &sender.token, json!({"post_id": post}), "또 보내요").await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(id(&again.body["conversation"]), conversation_id);
    replies.push(("start again".into(), again, &writer));
    // From the comment: another conversation, anonymous too.
    let from_comment = start(
        &stack,
        &sender.token,
        json!({"comment_id": comment}),
        "댓글 보고 왔어요",
    )
    .await;
    assert_eq!(
        from_comment.status,
        StatusCode::CREATED,
        "{}",
        from_comment.text
    );
    assert_ne!(id(&from_comment.body["conversation"]), conversation_id);
    assert_eq!(
        from_comment.body["conversation"]["counterpart"],
        json!({"nickname": "익명", "anonymous": true})
    );
    replies.push(("start from comment".into(), from_comment, &writer));

    // The writer's side: the sender is 익명 too, two unread in one.
    assert_eq!(unread(&stack, &writer.token).await, 3);
    let list = stack.get("/api/v1/messages", Some(&writer.token)).await;
    let items = list.body["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 2, "{}", list.text);
    let theirs = items
        .iter()
        .find(|item| id(item) == conversation_id)
        .expect("the conversation");
    assert_eq!(
        theirs["counterpart"],
        json!({"nickname": "익명", "anonymous": true})
    );
    assert_eq!(theirs["unread_count"], 2);
    assert_eq!(theirs["last_message"]["content"], "또 보내요");
    assert_eq!(theirs["last_message"]["mine"], false);
    replies.push(("the writer's list".into(), list, &sender));
    let read = stack
        .get(
            &format!("/api/v1/messages/{conversation_id}"),
            Some(&writer.token),
        )
        .await;
    let contents: Vec<&str> = read.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|message| message["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["또 보내요", "안녕하세요"], "newest first");
    assert!(
        read.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["mine"] == false)
    );
    replies.push(("the writer reads".into(), read, &sender));
    assert_eq!(
        unread(&stack, &writer.token).await,
        1,
        "reading marks it read"
    );

    let answer = send(&stack, &writer.token, conversation_id, "네 말씀하세요").await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.body["mine"], true);
    replies.push(("the writer answers".into(), answer, &sender));
    assert_eq!(unread(&stack, &sender.token).await, 1);
    let senders = stack.get("/api/v1/messages", Some(&sender.token)).await;
    replies.push(("the sender's list".into(), senders, &writer));
    let thread = stack
        .get(
            &format!("/api/v1/messages/{conversation_id}"),
            Some(&sender.token),
        )
        .await;
    assert_eq!(thread.body["items"][0]["content"], "네 말씀하세요");
    assert_eq!(thread.body["items"][0]["mine"], false);
    assert_eq!(thread.body["items"][1]["mine"], true);
    replies.push(("the sender reads".into(), thread, &writer));

    // No reply to either side tells who the other is.
    for (what, reply, hidden) in &replies {
        assert!(reply.status.is_success(), "{what}: {}", reply.text);
        if hidden.id == WRITER_ID {
            if let Some(leak) = revealed(&reply.text, &reply.body, hidden) {
                panic!("{what} reveals {leak}");
            }
        } else {
            // The sender's id is small enough to pass for a count: look for
            // their names and for id-carrying keys.
            for secret in [
                hidden.user["username"].as_str().unwrap(),
                hidden.user["nickname"].as_str().unwrap(),
                "\"user_id\"",
                "\"author_id\"",
                "\"sender_id\"",
            ] {
                assert!(!reply.text.contains(secret), "{what} reveals {secret}");
            }
        }
    }
}

#[tokio::test]
async fn named_authors_see_each_others_nicknames_kept_while_auth_is_away_until_a_rename() {
    let mut stack = TestStack::start().await;
    let author = stack.user("named").await;
    let sender = stack.user("asker").await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, free, "실명 글", "내용", false)
        .await);
    let started = start(
        &stack,
        &sender.token,
        json!({"post_id": post}),
        "질문 있어요",
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    assert_eq!(
        started.body["conversation"]["counterpart"],
        json!({"nickname": author.user["nickname"], "anonymous": false})
    );
    let named = json!({"nickname": sender.user["nickname"], "anonymous": false});
    let list = inbox(&stack, &author.token).await;
    assert_eq!(list[0]["counterpart"], named);
    // Named, yet no id of either side: the shape has none.
    assert_conversation_shape(&started.body["conversation"]);
    assert_conversation_shape(&list[0]);

    // Community named the sender a moment ago: it does so again without
    // asking auth, which is away.
    stack.stack.stop_auth().await.expect("auth stops");
    assert_eq!(inbox(&stack, &author.token).await[0]["counterpart"], named);
    stack.stack.restart_auth().await.expect("auth restarts");

    let renamed = stack
        .patch(
            "/api/v1/users/me",
            Some(&sender.token),
            json!({"nickname": "바뀐이름"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    // auth's NicknameChanged reaches community's cache within moments.
    let renamed_at = std::time::Instant::now();
    loop {
        let counterpart = inbox(&stack, &author.token).await[0]["counterpart"].clone();
        if counterpart == json!({"nickname": "바뀐이름", "anonymous": false}) {
            break;
        }
        assert_eq!(counterpart, named, "the old name or the new one");
        assert!(
            renamed_at.elapsed() < std::time::Duration::from_secs(5),
            "still the old name"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn refusals_name_their_cause_and_change_nothing() {
    let stack = TestStack::start().await;
    let author = stack.user("owner").await;
    let sender = stack.user("sender").await;
    let third = stack.user("third").await;
    let outsider = stack.user_at("faraway", 2).await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack.write(&author.token, free, "글", "내용", false).await);
    let comment = id(&stack
        .comment(&author.token, post, "댓글", false, None)
        .await
        .body);

    let own = start(&stack, &author.token, json!({"post_id": post}), "나에게").await;
    own.assert_problem(400, "message_to_self");
    assert_eq!(own.error_fields(), ["post_id"]);
    start(
        &stack,
        &author.token,
        json!({"comment_id": comment}),
        "나에게",
    )
    .await
    .assert_problem(400, "message_to_self");
    let both = start(
        &stack,
        &sender.token,
        json!({"post_id": post, "comment_id": comment}),
        "둘 다",
    )
    .await;
    both.assert_problem(400, "invalid_input");
    assert_eq!(both.error_fields(), ["post_id"]);
    start(&stack, &sender.token, json!({}), "아무것도")
        .await
        .assert_problem(400, "invalid_input");
    for bad in ["", "   ", &"가".repeat(1001)] {
        let reply = start(&stack, &sender.token, json!({"post_id": post}), bad).await;
        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), ["content"]);
    }
    start(
        &stack,
        &sender.token,
        json!({"post_id": 987_654_321}),
        "없는 글",
    )
    .await
    .assert_problem(404, "post_not_found");
    start(
        &stack,
        &outsider.token,
        json!({"post_id": post}),
        "다른 학교",
    )
    .await
    .assert_problem(404, "post_not_found");
    start(
        &stack,
        &sender.token,
        json!({"comment_id": 987_654_321}),
        "없는 댓글",
    )
    .await
    .assert_problem(404, "comment_not_found");
    assert!(
        inbox(&stack, &sender.token).await.is_empty(),
        "nothing started"
    );
    assert_eq!(unread(&stack, &author.token).await, 0);

    let started = start(&stack, &sender.token, json!({"post_id": post}), "안녕").await;
    let conversation = id(&started.body["conversation"]);
    // Only its two sides see or touch it.
    for token in [&third.token, &outsider.token] {
        stack
            .get(&format!("/api/v1/messages/{conversation}"), Some(token))
            .await
            .assert_problem(404, "conversation_not_found");
        send(&stack, token, conversation, "끼어들기")
            .await
            .assert_problem(404, "conversation_not_found");
        stack
            .delete(&format!("/api/v1/messages/{conversation}"), Some(token))
            .await
            .assert_problem(404, "conversation_not_found");
        stack
            .post(
                &format!("/api/v1/messages/{conversation}/block"),
                Some(token),
                json!({}),
            )
            .await
            .assert_problem(404, "conversation_not_found");
    }
    let long = send(&stack, &author.token, conversation, &"가".repeat(1001)).await;
    long.assert_problem(400, "invalid_input");
    assert_eq!(long.error_fields(), ["content"]);
    let bad_id = stack.get("/api/v1/messages/abc", Some(&author.token)).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST, "{}", bad_id.text);
    stack
        .get("/api/v1/messages?cursor=forged", Some(&author.token))
        .await
        .assert_problem(400, "invalid_input");
    stack
        .get("/api/v1/messages", None)
        .await
        .assert_problem(401, "missing_token");
    assert_eq!(unread(&stack, &author.token).await, 1, "only the one sent");
}

#[tokio::test]
async fn deleting_is_one_sides_and_a_later_message_brings_back_only_what_follows() {
    let stack = TestStack::start().await;
    let author = stack.user("keeper").await;
    let sender = stack.user("deleter").await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack.write(&author.token, free, "글", "내용", true).await);
    let started = start(&stack, &sender.token, json!({"post_id": post}), "첫 쪽지").await;
    let conversation = id(&started.body["conversation"]);
    send(&stack, &author.token, conversation, "답장").await;

    let deleted = stack
        .delete(
            &format!("/api/v1/messages/{conversation}"),
            Some(&sender.token),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert!(inbox(&stack, &sender.token).await.is_empty());
    assert_eq!(
        unread(&stack, &sender.token).await,
        0,
        "its unread went with it"
    );
    stack
        .get(
            &format!("/api/v1/messages/{conversation}"),
            Some(&sender.token),
        )
        .await
        .assert_problem(404, "conversation_not_found");
    stack
        .delete(
            &format!("/api/v1/messages/{conversation}"),
            Some(&sender.token),
        )
        .await
        .assert_problem(404, "conversation_not_found");
    // The other side keeps theirs, whole.
    let kept = stack
        .get(
            &format!("/api/v1/messages/{conversation}"),
            Some(&author.token),
        )
        .await;
    assert_eq!(
        kept.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        kept.text
    );

    send(&stack, &author.token, conversation, "다시 왔어요").await;
    let back = inbox(&stack, &sender.token).await;
    assert_eq!(back.len(), 1);
    assert_eq!(id(&back[0]), conversation);
    assert_eq!(back[0]["unread_count"], 1);
    let after = stack
        .get(
            &format!("/api/v1/messages/{conversation}"),
            Some(&sender.token),
        )
        .await;
    let contents: Vec<&str> = after.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["다시 왔어요"], "only what came after the delete");
    // Writing again from the same post reaches the same conversation.
    let again = start(&stack, &sender.token, json!({"post_id": post}), "또").await;
    assert_eq!(id(&again.body["conversation"]), conversation);
}

#[tokio::test]
async fn a_block_stops_messages_either_way_for_good() {
    let stack = TestStack::start().await;
    let author = stack.user("blocker").await;
    let sender = stack.user("pest").await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack.write(&author.token, free, "글", "내용", false).await);
    let started = start(&stack, &sender.token, json!({"post_id": post}), "안녕").await;
    let conversation = id(&started.body["conversation"]);

    let blocked = stack
        .post(
            &format!("/api/v1/messages/{conversation}/block"),
            Some(&author.token),
            json!({}),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::NO_CONTENT, "{}", blocked.text);
    for token in [&sender.token, &author.token] {
        send(&stack, token, conversation, "계속")
            .await
            .assert_problem(403, "blocked");
    }
    start(&stack, &sender.token, json!({"post_id": post}), "새로 시작")
        .await
        .assert_problem(403, "blocked");
    for token in [&sender.token, &author.token] {
        let list = inbox(&stack, token).await;
        assert_eq!(list[0]["blocked"], true);
        assert_eq!(list[0]["last_message"]["content"], "안녕");
    }
    // Blocking again changes nothing; deleting does not unblock.
    let again = stack
        .post(
            &format!("/api/v1/messages/{conversation}/block"),
            Some(&sender.token),
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    stack
        .delete(
            &format!("/api/v1/messages/{conversation}"),
            Some(&author.token),
        )
        .await;
    start(
        &stack,
        &sender.token,
        json!({"post_id": post}),
        "지웠으니 될까",
    )
    .await
    .assert_problem(403, "blocked");
    assert_eq!(unread(&stack, &author.token).await, 0);
}

#[tokio::test]
async fn unread_counts_are_exact_when_messages_race() {
    let stack = TestStack::start().await;
    let author = stack.user("popular").await;
    let senders = stack.users("fan", 6).await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, free, "인기글", "내용", true)
        .await);
    // Six senders start at once, then each sends five more at once.
    let started = futures::future::join_all(
        senders
            .iter()
            .map(|sender| start(&stack, &sender.token, json!({"post_id": post}), "첫")),
    )
    .await;
    let conversations: Vec<i64> = started
        .iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
            id(&reply.body["conversation"])
        })
        .collect();
    let sends = senders
        .iter()
        .zip(&conversations)
        .flat_map(|(sender, conversation)| {
            (0..5).map(|i| {
                send(
                    &stack,
                    &sender.token,
                    *conversation,
                    if i % 2 == 0 { "짝" } else { "홀" },
                )
            })
        });
    for reply in futures::future::join_all(sends).await {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    assert_eq!(unread(&stack, &author.token).await, 36);
    let list = inbox(&stack, &author.token).await;
    assert_eq!(list.len(), 6);
    assert!(
        list.iter().all(|item| item["unread_count"] == 6),
        "{list:?}"
    );
    // Reading one while more arrive: what arrived after the read stays unread.
    let first = format!("/api/v1/messages/{}", conversations[0]);
    let reading = stack.get(&first, Some(&author.token));
    let arriving = send(&stack, &senders[1].token, conversations[1], "하나 더");
    let (read, sent) = futures::join!(reading, arriving);
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(sent.status, StatusCode::CREATED);
    assert_eq!(unread(&stack, &author.token).await, 31);
}

#[tokio::test]
async fn an_author_who_left_can_no_longer_be_written_to() {
    let stack = TestStack::start().await;
    let leaver = stack.user("leaving").await;
    let stayer = stack.user("staying").await;
    let free = stack.board(&leaver.token, "자유게시판").await;
    let post = id(&stack
        .write(&leaver.token, free, "떠나요", "안녕", false)
        .await);
    let other = id(&stack
        .write(&leaver.token, free, "하나 더", "안녕", false)
        .await);
    let started = start(
        &stack,
        &stayer.token,
        json!({"post_id": post}),
        "가지 마세요",
    )
    .await;
    let conversation = id(&started.body["conversation"]);
    let gone = stack
        .call(
            reqwest::Method::DELETE,
            "/api/v1/users/me",
            Some(&leaver.token),
            Some(json!({"password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    // community hears of it through auth's events within seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let reply = start(&stack, &stayer.token, json!({"post_id": other}), "계세요?").await;
        if reply.status == StatusCode::NOT_FOUND {
            reply.assert_problem(404, "user_not_found");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still writable: {}",
            reply.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    send(&stack, &stayer.token, conversation, "계세요?")
        .await
        .assert_problem(404, "user_not_found");
    // The other side keeps the conversation (and any started while the
    // news was on its way), with the leaver unnamed.
    let list = inbox(&stack, &stayer.token).await;
    let kept = list
        .iter()
        .find(|item| id(item) == conversation)
        .expect("the other side keeps the conversation");
    assert_eq!(kept["last_message"]["content"], "가지 마세요");
    assert!(
        list.iter()
            .all(|item| item["counterpart"]
                == json!({"nickname": "(알 수 없음)", "anonymous": false}))
    );
}

#[tokio::test]
async fn messages_are_limited_to_20_a_minute() {
    let stack = TestStack::start_with(|config| {
        config.community.write_limits = everytime_community::domain::WriteLimits::default();
    })
    .await;
    let author = stack.user("inboxed").await;
    let sender = stack.user("chatty").await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack.write(&author.token, free, "글", "내용", false).await);
    let started = start(&stack, &sender.token, json!({"post_id": post}), "1").await;
    let conversation = id(&started.body["conversation"]);
    for i in 2..=20 {
        let reply = send(&stack, &sender.token, conversation, &i.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{i}: {}", reply.text);
    }
    let refused = send(&stack, &sender.token, conversation, "21").await;
    refused.assert_problem(429, "too_fast");
    assert!(refused.header("retry-after").is_some());
    // The other side is not limited by the sender's count.
    let answer = send(&stack, &author.token, conversation, "그만").await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(unread(&stack, &author.token).await, 20);
}
