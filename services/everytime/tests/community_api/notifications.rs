//! 알림 through the gateway: what notifies whom (a comment, a reply, HOT,
//! a 쪽지; blinding is in `reports`), never for one's own action, the
//! anonymous commenter named only as on the post, read marks and the
//! unread count, and the live stream over Server-Sent Events: a
//! notification within a second of its cause, resumed with
//! `Last-Event-ID` after a drop.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Session, TestStack};
use crate::{Community, id, keys, rfc3339_utc};

async fn notifications(stack: &TestStack, user: &Session) -> Vec<Value> {
    let reply = stack.get("/api/v1/notifications", Some(&user.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"].as_array().expect("items").clone()
}

async fn unread(stack: &TestStack, user: &Session) -> i64 {
    let reply = stack
        .get("/api/v1/notifications/unread-count", Some(&user.token))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["count"].as_i64().expect("a count")
}

fn kinds(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["kind"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn comments_replies_hot_and_messages_notify_the_author_never_the_actor() {
    let stack = TestStack::start().await;
    let author = stack.user("poster").await;
    let commenter = stack.user("replier").await;
    let third = stack.user("bystander").await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(
            &author.token,
            free,
            "시험 범위 아시는 분",
            "알려주세요",
            true,
        )
        .await);

    // One's own comment on one's own post: nothing.
    stack
        .comment(&author.token, post, "제가 쓴 글", true, None)
        .await;
    assert!(notifications(&stack, &author).await.is_empty());

    // An anonymous comment: the author hears of 익명1, never a nickname.
    let comment = id(&stack
        .comment(&commenter.token, post, "3단원까지래요", true, None)
        .await
        .body);
    let items = notifications(&stack, &author).await;
    assert_eq!(items.len(), 1);
    let told = &items[0];
    assert_eq!(
        keys(told),
        [
            "comment_id",
            "created_at",
            "id",
            "kind",
            "post_id",
            "read",
            "text"
        ]
    );
    assert_eq!(told["kind"], "comment");
    assert_eq!(told["text"], "새로운 댓글이 달렸어요: 익명1: 3단원까지래요");
    assert_eq!(told["post_id"], post);
    assert_eq!(told["comment_id"], comment);
    assert_eq!(told["read"], false);
    assert!(rfc3339_utc(&told["created_at"]));
    let nickname = commenter.user["nickname"].as_str().unwrap();
    assert!(!told.to_string().contains(nickname));

    // The post's anonymous author replies: the commenter hears of
    // 익명(글쓴이); the author, who replied, hears nothing.
    let reply = stack
        .comment(&author.token, post, "감사합니다", true, Some(comment))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let theirs = notifications(&stack, &commenter).await;
    assert_eq!(kinds(&theirs), ["reply"]);
    assert_eq!(
        theirs[0]["text"],
        "새로운 대댓글이 달렸어요: 익명(글쓴이): 감사합니다"
    );
    assert_eq!(theirs[0]["comment_id"], id(&reply.body));
    assert_eq!(notifications(&stack, &author).await.len(), 1);

    // A third user replies to the commenter: the commenter gets `reply`,
    // the post's author `comment`; a named reply names no one.
    stack
        .comment(&third.token, post, "저도요", false, Some(comment))
        .await;
    assert_eq!(
        kinds(&notifications(&stack, &commenter).await),
        ["reply", "reply"]
    );
    let authors = notifications(&stack, &author).await;
    assert_eq!(kinds(&authors), ["comment", "comment"], "newest first");
    assert_eq!(authors[0]["text"], "새로운 댓글이 달렸어요: 저도요");

    // HOT, once, at the tenth like.
    let likers = stack.users("liker", 11).await;
    for liker in &likers {
        let liked = stack
            .put(
                &format!("/api/v1/posts/{post}/like"),
                Some(&liker.token),
                None,
            )
            .await;
        assert_eq!(liked.status, StatusCode::OK, "{}", liked.text);
    }
    let authors = notifications(&stack, &author).await;
    assert_eq!(kinds(&authors), ["hot", "comment", "comment"]);
    assert_eq!(
        authors[0]["text"],
        "내 글이 HOT게시물로 선정되었어요: 시험 범위 아시는 분"
    );
    assert_eq!(authors[0]["comment_id"], Value::Null);

    // A 쪽지 tells its recipient, not its sender.
    let sent = stack
        .post(
            "/api/v1/messages",
            Some(&third.token),
            json!({"post_id": post, "content": "범위 공유해요"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let authors = notifications(&stack, &author).await;
    assert_eq!(authors[0]["kind"], "message");
    assert_eq!(
        authors[0]["text"],
        "새로운 쪽지가 도착했어요: 범위 공유해요"
    );
    assert_eq!(authors[0]["post_id"], post);
    assert!(
        notifications(&stack, &third).await.is_empty(),
        "nothing for one's own comments, likes or 쪽지"
    );
}

#[tokio::test]
async fn read_marks_take_listed_ids_or_all_and_only_the_callers() {
    let stack = TestStack::start().await;
    let author = stack.user("reader").await;
    let other = stack.user("noisy").await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack.write(&author.token, free, "글", "내용", false).await);
    let others_post = id(&stack
        .write(&other.token, free, "남의 글", "내용", false)
        .await);
    for i in 0..5 {
        stack
            .comment(&other.token, post, &format!("댓글 {i}"), false, None)
            .await;
    }
    stack
        .comment(&author.token, others_post, "답방", false, None)
        .await;
    assert_eq!(unread(&stack, &author).await, 5);
    let items = notifications(&stack, &author).await;
    let first_two: Vec<i64> = items[..2].iter().map(id).collect();
    let others_ids: Vec<i64> = notifications(&stack, &other).await.iter().map(id).collect();

    let marked = stack
        .post(
            "/api/v1/notifications/read",
            Some(&author.token),
            json!({"ids": [first_two[0], first_two[1], others_ids[0]]}),
        )
        .await;
    assert_eq!(marked.status, StatusCode::NO_CONTENT, "{}", marked.text);
    assert_eq!(unread(&stack, &author).await, 3);
    assert_eq!(
        unread(&stack, &other).await,
        1,
        "another's ids change nothing"
    );
    let items = notifications(&stack, &author).await;
    assert_eq!(items[0]["read"], true);
    assert_eq!(items[2]["read"], false);

    let too_many: Vec<i64> = (1..=101).collect();
    let refused = stack
        .post(
            "/api/v1/notifications/read",
            Some(&author.token),
            json!({"ids": too_many}),
        )
        .await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(refused.error_fields(), ["ids"]);
    assert_eq!(unread(&stack, &author).await, 3);

    let all = stack
        .post("/api/v1/notifications/read", Some(&author.token), json!({}))
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT, "{}", all.text);
    assert_eq!(unread(&stack, &author).await, 0);
    assert_eq!(unread(&stack, &other).await, 1);

    // Pages: newest first, by cursor, to the end.
    let (walked, pages) = stack
        .walk("/api/v1/notifications?limit=2", &author.token)
        .await;
    assert_eq!(walked.len(), 5);
    assert_eq!(pages, 3);
    assert!(walked.windows(2).all(|pair| id(&pair[0]) > id(&pair[1])));
}

/// One event of a stream: its `id`, `event` and `data` fields.
#[derive(Debug, Default)]
struct SseEvent {
    id: Option<String>,
    event: Option<String>,
    data: String,
}

/// An open `GET /notifications/stream`.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(stack: &TestStack, user: &Session, last_event_id: Option<&str>) -> EventStream {
        let mut request = reqwest::Client::new()
            .get(stack.url("/api/v1/notifications/stream"))
            .bearer_auth(&user.token);
        if let Some(last) = last_event_id {
            request = request.header("last-event-id", last);
        }
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (comments skipped), or `None` if none came in `wait`.
    async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("id:") {
                        event.id = Some(value.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("event:") {
                        event.event = Some(value.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        event.data.push_str(value.trim_start());
                    }
                }
                if event.event.is_some() {
                    return Some(event);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) | Ok(Err(_)) | Err(_) => return None,
            }
        }
    }
}

#[tokio::test]
async fn the_stream_delivers_within_a_second_and_resumes_with_last_event_id() {
    let stack = TestStack::start().await;
    let author = stack.user("streamer").await;
    let commenter = stack.user("talker").await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, free, "실시간", "알림", false)
        .await);
    // What came before the stream opened is not sent again.
    stack
        .comment(&commenter.token, post, "이전 댓글", true, None)
        .await;

    let mut stream = EventStream::open(&stack, &author, None).await;
    let started = Instant::now();
    let comment = stack
        .comment(&commenter.token, post, "실시간 댓글", true, None)
        .await;
    let event = stream.next(Duration::from_secs(5)).await.expect("an event");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(event.event.as_deref(), Some("notification"));
    let data: Value = serde_json::from_str(&event.data).expect("JSON data");
    assert_eq!(data["kind"], "comment");
    assert_eq!(data["comment_id"], id(&comment.body));
    assert_eq!(data["text"], "새로운 댓글이 달렸어요: 익명1: 실시간 댓글");
    assert_eq!(event.id, Some(data["id"].to_string()));
    let last_id = event.id.clone().unwrap();
    // Others' notifications and one's own actions do not reach it.
    stack
        .comment(&author.token, post, "내 댓글", false, None)
        .await;
    stack
        .comment(
            &author.token,
            id(&stack
                .write(&commenter.token, free, "남의 글", "x", false)
                .await),
            "남의 글에 댓글",
            false,
            None,
        )
        .await;
    assert!(stream.next(Duration::from_millis(1500)).await.is_none());
    drop(stream);

    // Dropped: two more arrive meanwhile; resuming gets exactly those.
    let missed: Vec<i64> = futures::future::join_all(
        ["놓친 댓글 1", "놓친 댓글 2"]
            .map(|text| stack.comment(&commenter.token, post, text, true, None)),
    )
    .await
    .iter()
    .map(|reply| id(&reply.body))
    .collect();
    let mut resumed = EventStream::open(&stack, &author, Some(&last_id)).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        let event = resumed
            .next(Duration::from_secs(2))
            .await
            .expect("a missed event");
        let data: Value = serde_json::from_str(&event.data).unwrap();
        got.push(data["comment_id"].as_i64().unwrap());
    }
    got.sort_unstable();
    let mut missed = missed;
    missed.sort_unstable();
    assert_eq!(got, missed);
    assert!(
        resumed.next(Duration::from_millis(500)).await.is_none(),
        "each once"
    );
    // And it is live again.
    stack
        .comment(&commenter.token, post, "다시 실시간", true, None)
        .await;
    let live = resumed
        .next(Duration::from_secs(1))
        .await
        .expect("live again");
    assert!(live.data.contains("다시 실시간"));

    let bad = stack
        .send(
            reqwest::Client::new()
                .get(stack.url("/api/v1/notifications/stream"))
                .bearer_auth(&author.token)
                .header("last-event-id", "어제"),
        )
        .await;
    bad.assert_problem(400, "invalid_input");
    assert_eq!(bad.error_fields(), ["Last-Event-ID"]);
    stack
        .get("/api/v1/notifications/stream", None)
        .await
        .assert_problem(401, "missing_token");
}

async fn ask(stack: &TestStack, from: &Session, to: &Session) -> reqwest::StatusCode {
    let reply = stack
        .post(
            "/api/v1/friends/requests",
            Some(&from.token),
            json!({"username": to.user["username"]}),
        )
        .await;
    reply.status
}

/// `user`'s notifications of `kind`, once `count` of them are there (or
/// what is there after `wait`).
async fn wait_for(
    stack: &TestStack,
    user: &Session,
    kind: &str,
    count: usize,
    wait: Duration,
) -> Vec<Value> {
    let deadline = Instant::now() + wait;
    loop {
        let found: Vec<Value> = notifications(stack, user)
            .await
            .into_iter()
            .filter(|item| item["kind"] == kind)
            .collect();
        if found.len() >= count || Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_friend_request_reaches_the_one_asked_live_through_timetables_events() {
    let stack = TestStack::start().await;
    let asker = stack.user("asker").await;
    let asked = stack.user("asked").await;
    let mut stream = EventStream::open(&stack, &asked, None).await;
    let started = Instant::now();
    assert_eq!(ask(&stack, &asker, &asked).await, StatusCode::CREATED);
    let event = stream.next(Duration::from_secs(5)).await.expect("an event");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let data: Value = serde_json::from_str(&event.data).unwrap();
    assert_eq!(data["kind"], "friend_request");
    assert_eq!(
        data["text"],
        format!(
            "{}님이 친구 신청을 보냈어요",
            asker.user["nickname"].as_str().unwrap()
        )
    );
    assert_eq!(data["post_id"], Value::Null);
    // The asker hears nothing; asking back makes friends, and no request.
    assert!(notifications(&stack, &asker).await.is_empty());
    assert_eq!(ask(&stack, &asked, &asker).await, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(notifications(&stack, &asker).await.is_empty());
    assert_eq!(notifications(&stack, &asked).await.len(), 1);
}

#[tokio::test]
async fn friend_requests_made_while_community_was_down_notify_once_when_it_is_back() {
    let mut stack = TestStack::start().await;
    let asked = stack.user("popular").await;
    let askers = stack.users("asker", 3).await;
    // One before, so community has a position to resume from.
    assert_eq!(ask(&stack, &askers[0], &asked).await, StatusCode::CREATED);
    assert_eq!(
        wait_for(&stack, &asked, "friend_request", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );

    stack.stack.stop_community().await.expect("stops");
    for asker in &askers[1..] {
        assert_eq!(ask(&stack, asker, &asked).await, StatusCode::CREATED);
    }
    stack.stack.restart_community().await.expect("restarts");
    let told = wait_for(&stack, &asked, "friend_request", 3, Duration::from_secs(10)).await;
    assert_eq!(told.len(), 3, "{told:?}");
    // Applied once: nothing more comes however the stream resumes.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        wait_for(&stack, &asked, "friend_request", 4, Duration::ZERO)
            .await
            .len(),
        3
    );
    assert_eq!(unread(&stack, &asked).await, 3);
}

impl EventStream {
    /// Whether the stream ends (the server closes it) within `wait`;
    /// keep-alive comments and events before the end are skipped.
    async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

#[tokio::test]
async fn a_stream_ends_when_its_session_ends_or_community_stops() {
    let mut stack = TestStack::start().await;
    let user = stack.user("listener").await;
    let mut stream = EventStream::open(&stack, &user, None).await;
    let signed_out = stack
        .post(
            "/api/v1/auth/sign-out",
            Some(&user.token),
            json!({"refresh_token": user.refresh}),
        )
        .await;
    assert!(signed_out.status.is_success(), "{}", signed_out.text);
    assert!(
        stream.ends_within(Duration::from_secs(12)).await,
        "a signed-out session's stream ends"
    );

    let other = stack.user("another").await;
    let mut stream = EventStream::open(&stack, &other, None).await;
    stack.stack.stop_community().await.expect("stops");
    assert!(
        stream.ends_within(Duration::from_secs(5)).await,
        "the stream ends with community; the browser reconnects"
    );
}
