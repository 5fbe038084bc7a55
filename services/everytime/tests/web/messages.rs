//! 쪽지 in a real browser: a student sends a 쪽지 from an anonymous post;
//! its writer finds it in 쪽지함 (from 익명, with the post, unread), reads
//! it like a chat and answers, which reaches the sender's open chat live;
//! the writer blocks, the sender is told in Korean, and the writer deletes
//! the conversation. A long conversation reads older 쪽지 above. A 쪽지
//! from a comment goes to a named commenter and a second one too soon is
//! refused; a student restricted by reports cannot send one.
//!
//! Posts and comments are made through the API; what the students do with
//! 쪽지 goes through the screens.

use std::time::Duration;

use everytime_community::domain::{WriteLimit, WriteLimits};
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::support::{self, Session, TestStack};

/// The id of the caller's school's board with this name.
async fn board_id(stack: &TestStack, token: &str, name: &str) -> i64 {
    let boards = stack.get("/api/v1/boards", Some(token)).await;
    assert_eq!(boards.status, StatusCode::OK, "{}", boards.text);
    boards.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|board| board["name"] == name))
        .and_then(|board| board["id"].as_i64())
        .unwrap_or_else(|| panic!("no board {name}: {}", boards.text))
}

/// A post through the API; its id.
async fn write(stack: &TestStack, who: &Session, board: i64, title: &str, anonymous: bool) -> i64 {
    let reply = stack
        .post(
            &format!("/api/v1/boards/{board}/posts"),
            Some(&who.token),
            json!({"title": title, "content": "내용은 본문에", "anonymous": anonymous}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body["id"].as_i64().expect("an id")
}

/// A named comment through the API; its id.
async fn comment(stack: &TestStack, who: &Session, post: i64, content: &str) -> i64 {
    let reply = stack
        .post(
            &format!("/api/v1/posts/{post}/comments"),
            Some(&who.token),
            json!({"content": content, "anonymous": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body["id"].as_i64().expect("an id")
}

/// Until the browser shows a conversation; returns its id.
async fn wait_conversation(browser: &Browser) -> i64 {
    browser.wait(".conversation-screen .chat-pane").await;
    browser.wait_drawn().await;
    let path = browser.path().await;
    path.strip_prefix("/messages/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not on a conversation: {path}"))
}

/// The texts of the chat's messages, top to bottom, each as `mine: …` or `theirs: …`.
async fn chat(browser: &Browser) -> Vec<String> {
    let said = browser
        .exec(
            "return [...document.querySelectorAll('.message-list .message')].map((m) => \
             (m.classList.contains('mine') ? 'mine: ' : 'theirs: ') + m.querySelector('.message-content').textContent);",
            vec![],
        )
        .await;
    said.as_array()
        .map(|all| {
            all.iter()
                .map(|text| text.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Until the chat reads `expected`, top to bottom.
async fn wait_chat(browser: &Browser, expected: &[&str]) {
    for _ in 0..200 {
        if chat(browser).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the chat says {:?}, not {expected:?}; the page says:\n{}",
        chat(browser).await,
        browser.page_text().await
    );
}

/// Whether the chat's newest message is scrolled into view.
async fn newest_in_view(browser: &Browser) -> bool {
    browser
        .exec(
            "const pane = document.querySelector('.chat-pane'); const last = pane?.querySelector('.message:last-child'); \
             if (!last) return false; const a = pane.getBoundingClientRect(), b = last.getBoundingClientRect(); \
             return b.bottom <= a.bottom + 1 && b.top >= a.top - 1;",
            vec![],
        )
        .await
        == json!(true)
}

/// The computed CSS `property` of the first element at `css`.
async fn style(browser: &Browser, css: &str, property: &str) -> String {
    browser
        .exec(
            "return getComputedStyle(document.querySelector(arguments[0])).getPropertyValue(arguments[1]);",
            vec![json!(css), json!(property)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_from_an_anonymous_post_is_answered_blocked_and_deleted() {
    let stack = TestStack::start().await;
    let Some(writer) = Browser::open(&stack, "messages_writer").await else {
        return;
    };
    let Some(sender) = Browser::open(&stack, "messages_sender").await else {
        return;
    };
    writer.sign_up_and_in(&stack, "mw_writer").await;
    sender.sign_up_and_in(&stack, "ms_sender").await;
    let author = stack.sign_in("mw_writer").await;
    let secret = board_id(&stack, &author.token, "비밀게시판").await;
    let post = write(&stack, &author, secret, "기숙사 룸메이트 구해요", true).await;

    // The sender opens the post: 쪽지 is offered, and an empty one is refused
    // under its box.
    sender.goto(&format!("/posts/{post}")).await;
    sender.click(".post-view .message-post").await;
    sender
        .wait_text("dialog.compose-sheet .sheet-title", "쪽지 보내기")
        .await;
    sender
        .wait_text(
            "dialog.compose-sheet .compose-hint",
            "서로 익명으로 보입니다",
        )
        .await;
    sender
        .click_text("dialog.compose-sheet button[type=submit]", "보내기")
        .await;
    sender
        .wait_text(
            "dialog.compose-sheet .field-error",
            "쪽지는 1~1,000자로 입력해 주세요.",
        )
        .await;
    sender
        .fill(
            "#compose-content",
            "혹시 아직 구하시나요? 저 조용한 편이에요.",
        )
        .await;
    sender
        .wait_text("dialog.compose-sheet .char-count", "24/1000")
        .await;
    sender.screenshots("compose").await;
    sender
        .click_text("dialog.compose-sheet button[type=submit]", "보내기")
        .await;

    // Sent: the conversation opens, with 익명 and the 쪽지 as mine.
    let conversation = wait_conversation(&sender).await;
    assert_eq!(sender.count("dialog.compose-sheet").await, 0);
    assert_eq!(sender.text(".topbar h1").await, "익명");
    wait_chat(
        &sender,
        &["mine: 혹시 아직 구하시나요? 저 조용한 편이에요."],
    )
    .await;
    sender
        .wait_text(
            ".chat-origin",
            "비밀게시판에 작성된 글에서 시작된 쪽지입니다.",
        )
        .await;
    sender
        .wait_text(".chat-origin-title", "기숙사 룸메이트 구해요")
        .await;

    // The writer, on the home screen, sees the 쪽지 tab count rise without a reload.
    writer
        .wait_text(".tab[data-tab=messages] .unread-count", "1")
        .await;
    writer.click("a.tab[data-tab=messages]").await;
    writer.wait_path("/messages").await;
    let item = format!(".conversation-item[data-id='{conversation}']");
    writer
        .wait_text(&format!("{item} .conversation-name"), "익명")
        .await;
    writer
        .wait_text(&format!("{item} .origin-title"), "기숙사 룸메이트 구해요")
        .await;
    writer
        .wait_text(&format!("{item} .origin-board"), "비밀게시판")
        .await;
    writer
        .wait_text(
            &format!("{item} .conversation-last"),
            "혹시 아직 구하시나요?",
        )
        .await;
    writer
        .wait_text(&format!("{item} .unread-badge"), "1")
        .await;
    writer
        .wait_text(&format!("{item} .conversation-time"), "방금")
        .await;
    assert_eq!(writer.count(&format!("{item} .blocked-badge")).await, 0);
    writer.screenshots("inbox").await;

    // Opened, it reads like a chat and is read: the counts go.
    writer.click(&format!("{item} .conversation-link")).await;
    writer.wait_path(&format!("/messages/{conversation}")).await;
    assert_eq!(writer.text(".topbar h1").await, "익명");
    wait_chat(
        &writer,
        &["theirs: 혹시 아직 구하시나요? 저 조용한 편이에요."],
    )
    .await;
    writer
        .wait_gone(".tab[data-tab=messages] .unread-count:not([hidden])")
        .await;

    // The writer answers; the sender's open chat gets it live, below theirs.
    writer
        .fill("#message-content", "네 아직 구해요!\n연락 주셔서 감사해요")
        .await;
    writer
        .click_text("form.message-form button[type=submit]", "전송")
        .await;
    wait_chat(
        &writer,
        &[
            "theirs: 혹시 아직 구하시나요? 저 조용한 편이에요.",
            "mine: 네 아직 구해요!\n연락 주셔서 감사해요",
        ],
    )
    .await;
    let emptied = writer
        .exec(
            "return document.querySelector('#message-content').value;",
            vec![],
        )
        .await;
    assert_eq!(emptied, json!(""), "the box is emptied");
    wait_chat(
        &sender,
        &[
            "mine: 혹시 아직 구하시나요? 저 조용한 편이에요.",
            "theirs: 네 아직 구해요!\n연락 주셔서 감사해요",
        ],
    )
    .await;
    // Mine and theirs look different: each on its own side, in its own colour.
    assert_ne!(
        style(
            &writer,
            ".message.mine .message-content",
            "background-color"
        )
        .await,
        style(
            &writer,
            ".message.theirs .message-content",
            "background-color"
        )
        .await
    );
    let sides = writer
        .exec(
            "const pane = document.querySelector('.chat-pane').getBoundingClientRect(); \
             const mine = document.querySelector('.message.mine .message-content').getBoundingClientRect(); \
             const theirs = document.querySelector('.message.theirs .message-content').getBoundingClientRect(); \
             return [pane.right - mine.right, theirs.left - pane.left];",
            vec![],
        )
        .await;
    assert!(
        sides[0].as_f64().unwrap_or(99.0) < 24.0 && sides[1].as_f64().unwrap_or(99.0) < 24.0,
        "mine hug the right, theirs the left: {sides}"
    );
    assert!(newest_in_view(&writer).await, "the newest 쪽지 is in view");
    writer.screenshots("conversation").await;

    // Reloaded, it is the same conversation with the same names.
    writer.reload().await;
    wait_chat(
        &writer,
        &[
            "theirs: 혹시 아직 구하시나요? 저 조용한 편이에요.",
            "mine: 네 아직 구해요!\n연락 주셔서 감사해요",
        ],
    )
    .await;
    assert_eq!(writer.text(".topbar h1").await, "익명");
    writer
        .wait_text(".chat-origin-title", "기숙사 룸메이트 구해요")
        .await;
    sender.screenshots("conversation-live").await;

    // 차단, asked first: the box goes, and the sender is told in Korean.
    writer.click(".topbar .block-conversation").await;
    writer.wait_text("dialog.ask p", "차단할까요?").await;
    writer.screenshots("block-ask").await;
    writer.click_text("dialog.ask button", "차단").await;
    writer
        .wait_text(".blocked-note:not([hidden])", "차단된 쪽지입니다.")
        .await;
    writer.wait_text("#toasts .toast", "차단했습니다.").await;
    assert_eq!(writer.count("form.message-form:not([hidden])").await, 0);
    writer.screenshots("blocked").await;

    sender.fill("#message-content", "그럼 언제 볼까요?").await;
    sender
        .click_text("form.message-form button[type=submit]", "전송")
        .await;
    sender
        .wait_text(
            "form.message-form .form-error",
            "차단된 쪽지입니다. 더 이상 쪽지를 주고받을 수 없습니다.",
        )
        .await;
    assert_eq!(chat(&sender).await.len(), 2, "nothing was sent");
    sender.screenshots("refused-blocked").await;

    // A 쪽지 from the post again is refused as well, in the dialog.
    sender.goto(&format!("/posts/{post}")).await;
    sender.click(".post-view .message-post").await;
    sender.fill("#compose-content", "다시 보내 봐요").await;
    sender
        .click_text("dialog.compose-sheet button[type=submit]", "보내기")
        .await;
    sender
        .wait_text("dialog.compose-sheet .form-error", "차단된 쪽지입니다.")
        .await;

    // 쪽지함 says 차단됨; 삭제 (asked first) takes it off the writer's list.
    writer.goto("/messages").await;
    writer
        .wait_text(&format!("{item} .blocked-badge"), "차단됨")
        .await;
    writer.screenshots("inbox-blocked").await;
    writer.click(&format!("{item} .conversation-link")).await;
    writer.wait_path(&format!("/messages/{conversation}")).await;
    writer.click(".topbar .delete-conversation").await;
    writer.wait_text("dialog.ask p", "삭제할까요?").await;
    writer.click_text("dialog.ask button", "삭제").await;
    writer.wait_path("/messages").await;
    writer
        .wait_text(".paged .empty", "주고받은 쪽지가 없습니다.")
        .await;
    let listed = stack.get("/api/v1/messages", Some(&author.token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(
        listed.body["items"],
        json!([]),
        "gone from the writer's list"
    );
    writer.screenshots("inbox-empty").await;

    writer.close().await;
    sender.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_from_a_comment_reaches_a_named_commenter_and_one_too_soon_is_refused() {
    // 쪽지 limited to one a minute; the other limits as in the app.
    let stack = TestStack::start_with(|config| {
        config.community.write_limits = WriteLimits {
            messages: WriteLimit {
                max: 1,
                window: WriteLimits::MINUTE,
            },
            ..WriteLimits::default()
        };
    })
    .await;
    let Some(browser) = Browser::open(&stack, "messages_comment").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "mc_reader").await;
    let reader = stack.sign_in("mc_reader").await;
    let author = stack.user("mc_author").await;
    let commenter = stack.user("mc_commenter").await;
    let free = board_id(&stack, &author.token, "자유게시판").await;
    let post = write(&stack, &author, free, "전공책 나눔합니다", false).await;
    let theirs = comment(&stack, &commenter, post, "저 받고 싶어요").await;
    let mine = comment(&stack, &reader, post, "저도요").await;
    let own_post = write(&stack, &reader, free, "내가 쓴 글", false).await;

    // No 쪽지 to oneself: not on one's own post, not on one's own comment.
    browser.goto(&format!("/posts/{own_post}")).await;
    browser.wait(".post-view .delete-post").await;
    assert_eq!(browser.count(".post-view .message-post").await, 0);

    browser.goto(&format!("/posts/{post}")).await;
    browser.wait(".post-view .message-post").await;
    browser
        .wait(&format!(".comment[data-id='{theirs}'] .comment-message"))
        .await;
    assert_eq!(
        browser
            .count(&format!(".comment[data-id='{mine}'] .comment-message"))
            .await,
        0
    );
    browser.screenshots("post-with-notes").await;

    // To the commenter, by name.
    browser
        .click(&format!(".comment[data-id='{theirs}'] .comment-message"))
        .await;
    browser
        .wait_text(
            "dialog.compose-sheet .compose-hint",
            "이 댓글의 작성자에게 보냅니다.",
        )
        .await;
    browser
        .fill("#compose-content", "책 아직 있으면 저도 한 권만요")
        .await;
    browser
        .click_text("dialog.compose-sheet button[type=submit]", "보내기")
        .await;
    wait_conversation(&browser).await;
    assert_eq!(
        browser.text(".topbar h1").await,
        support::nickname_for("mc_commenter")
    );
    wait_chat(&browser, &["mine: 책 아직 있으면 저도 한 권만요"]).await;
    browser
        .wait_text(".chat-origin-title", "전공책 나눔합니다")
        .await;

    // A second one within the minute: refused with the app's words, kept in the box.
    browser.fill("#message-content", "답장 기다릴게요").await;
    browser
        .click_text("form.message-form button[type=submit]", "전송")
        .await;
    browser
        .wait_text(
            "form.message-form .form-error",
            "쪽지를 너무 자주 보내고 있습니다. 잠시 후 다시 시도해 주세요.",
        )
        .await;
    let kept = browser
        .exec(
            "return document.querySelector('#message-content').value;",
            vec![],
        )
        .await;
    assert_eq!(kept, json!("답장 기다릴게요"));
    assert_eq!(chat(&browser).await.len(), 1);
    browser.screenshots("too-fast").await;

    // The commenter's 쪽지함 names the reader (not anonymous: the comment was named).
    let listed = stack.get("/api/v1/messages", Some(&commenter.token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(
        listed.body["items"][0]["counterpart"]["nickname"],
        support::nickname_for("mc_reader")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_restricted_by_reports_cannot_send_a_note() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "messages_restricted").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "mr_troll").await;
    let troll = stack.sign_in("mr_troll").await;
    let other = stack.user("mr_other").await;
    let mut crowd = Vec::new();
    for index in 0..5 {
        crowd.push(stack.user(&format!("mr_mod{index}")).await);
    }
    for board in ["자유게시판", "새내기게시판", "정보게시판"] {
        let board = board_id(&stack, &troll.token, board).await;
        let post = write(&stack, &troll, board, "도배", false).await;
        for reporter in &crowd {
            let reply = stack
                .post(
                    &format!("/api/v1/posts/{post}/reports"),
                    Some(&reporter.token),
                    json!({"reason": "spam"}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        }
    }
    let until = stack.restricted_until(&troll.token).await;
    let said = browser
        .exec(
            "const d = new Date(arguments[0]); const pad = (n) => String(n).padStart(2, '0'); \
             return `${d.getFullYear()}. ${d.getMonth() + 1}. ${d.getDate()}. ${pad(d.getHours())}:${pad(d.getMinutes())}`;",
            vec![json!(until)],
        )
        .await
        .as_str()
        .expect("a date")
        .to_owned();

    let free = board_id(&stack, &other.token, "자유게시판").await;
    let post = write(&stack, &other, free, "스터디 모집", false).await;
    browser.goto(&format!("/posts/{post}")).await;
    browser.click(".post-view .message-post").await;
    browser.fill("#compose-content", "저도 할래요").await;
    browser
        .click_text("dialog.compose-sheet button[type=submit]", "보내기")
        .await;
    browser
        .wait_text(
            "dialog.compose-sheet .form-error",
            &format!("신고가 누적되어 {said}까지 글, 댓글, 쪽지를 쓸 수 없습니다."),
        )
        .await;
    assert_eq!(browser.path().await, format!("/posts/{post}"));
    browser.screenshots("restricted").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_conversation_opens_at_its_newest_and_reads_older_notes_above() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "messages_long").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "ml_writer").await;
    let writer = stack.sign_in("ml_writer").await;
    let sender = stack.user("ml_sender").await;
    let free = board_id(&stack, &writer.token, "자유게시판").await;
    let post = write(&stack, &writer, free, "자전거 팝니다", false).await;
    let started = stack
        .post(
            "/api/v1/messages",
            Some(&sender.token),
            json!({"post_id": post, "content": "쪽지 1"}),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    let conversation = started.body["conversation"]["id"].as_i64().expect("an id");
    for number in 2..=25 {
        let sent = stack
            .post(
                &format!("/api/v1/messages/{conversation}"),
                Some(&sender.token),
                json!({"content": format!("쪽지 {number}")}),
            )
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    }

    // Straight to the conversation (a deep link): the newest page, newest
    // at the bottom and in view, the title and origin found.
    browser.goto(&format!("/messages/{conversation}")).await;
    browser.wait(".message-list .message").await;
    let shown = chat(&browser).await;
    assert_eq!(shown.len(), 20, "{shown:?}");
    assert_eq!(shown[0], "theirs: 쪽지 6");
    assert_eq!(shown[19], "theirs: 쪽지 25");
    assert!(newest_in_view(&browser).await, "the newest 쪽지 is in view");
    assert_eq!(
        browser.text(".topbar h1").await,
        support::nickname_for("ml_sender")
    );
    browser
        .wait_text(".chat-origin-title", "자전거 팝니다")
        .await;
    // 25 unread 알림: the bell's count on one line.
    browser.wait_text(".topbar .bell .unread-count", "25").await;
    let height = browser
        .exec(
            "return document.querySelector('.topbar .bell .unread-count').getBoundingClientRect().height;",
            vec![],
        )
        .await;
    assert!(
        height.as_f64().unwrap_or(99.0) < 20.0,
        "the count is one line: {height}"
    );
    // A run from one side within the minute shows its time once, at its end.
    assert_eq!(
        browser
            .count(".message-list .message:not(.grouped) .message-time")
            .await,
        1
    );
    browser.screenshots("long").await;

    // 이전 쪽지 보기: the older ones above, then no more to read.
    browser
        .click_text(".older-messages", "이전 쪽지 보기")
        .await;
    for _ in 0..200 {
        if chat(&browser).await.len() == 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let shown = chat(&browser).await;
    assert_eq!(shown.len(), 25, "{shown:?}");
    let expected: Vec<String> = (1..=25).map(|n| format!("theirs: 쪽지 {n}")).collect();
    assert_eq!(shown, expected, "oldest at the top");
    assert_eq!(browser.count(".older-row:not([hidden])").await, 0);
    browser.screenshots("long-older").await;
    browser.close().await;
}
