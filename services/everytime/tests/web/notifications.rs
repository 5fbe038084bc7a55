//! 알림 in a real browser: the bell's count rises live (no reload) when
//! another student comments on the writer's post or sends a 쪽지, and the
//! 쪽지 tab's count with it; the list shows each notification's text and
//! time, the unread ones highlighted, and one that arrives while it is
//! open on top; tapping one marks it read and opens its post (a 쪽지's:
//! 쪽지함); 모두 읽음 reads the rest; signing out closes the stream.
//!
//! The other student acts through the API; the writer uses the screens.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::support::{Session, TestStack};

/// How soon a notification must show: the API promises its event within a
/// second; the rest is the page.
const LIVE: Duration = Duration::from_secs(3);

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

/// An anonymous comment by `who` on `post`, through the API.
async fn comment(stack: &TestStack, who: &Session, post: i64, content: &str) {
    let reply = stack
        .post(
            &format!("/api/v1/posts/{post}/comments"),
            Some(&who.token),
            json!({"content": content, "anonymous": true}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

/// What the bell's count shows: `None` while it is hidden (nothing unread).
async fn bell(browser: &Browser) -> Option<String> {
    let shown = browser
        .exec(
            "const badge = document.querySelector('.topbar .bell .unread-count'); \
             return badge && !badge.hidden ? badge.textContent : null;",
            vec![],
        )
        .await;
    shown.as_str().map(str::to_owned)
}

/// Until the bell shows `expected` (`None`: no count), within `patience`;
/// returns how long it took.
async fn wait_bell(browser: &Browser, expected: Option<&str>, patience: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if bell(browser).await.as_deref() == expected {
            return started.elapsed();
        }
        if started.elapsed() > patience {
            panic!(
                "the bell shows {:?}, not {expected:?}, after {patience:?}; the page says:\n{}",
                bell(browser).await,
                browser.page_text().await
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Until the page's notification stream is open.
async fn wait_live(browser: &Browser) {
    for _ in 0..200 {
        let state = browser
            .exec(
                "return document.documentElement.dataset.live ?? null;",
                vec![],
            )
            .await;
        if state == json!("open") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the notification stream never opened; the page says:\n{}",
        browser.page_text().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bell_counts_up_live_and_the_list_marks_read() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "notifications").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "nt_writer").await;
    let writer = stack.sign_in("nt_writer").await;
    let other = stack.user("nt_other").await;
    let free = board_id(&stack, &writer.token, "자유게시판").await;
    let created = stack
        .post(
            &format!("/api/v1/boards/{free}/posts"),
            Some(&writer.token),
            json!({"title": "중간고사 범위 아시는 분", "content": "3장까지인가요?", "anonymous": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let post = created.body["id"].as_i64().expect("an id");

    // Nothing yet: the bell has no count.
    wait_live(&browser).await;
    assert_eq!(bell(&browser).await, None);
    assert_eq!(
        browser
            .count(".tab[data-tab=messages] .unread-count:not([hidden])")
            .await,
        0
    );

    // A comment on the writer's post: the bell counts it, live.
    comment(&stack, &other, post, "4장 앞부분까지래요").await;
    let took = wait_bell(&browser, Some("1"), LIVE).await;
    eprintln!("the bell rose {took:?} after the comment");
    assert_eq!(browser.path().await, "/", "no reload, no navigation");
    browser.screenshots("bell").await;

    // A second comment and a 쪽지: the bell says 3, the 쪽지 tab 1.
    comment(&stack, &other, post, "교수님이 공지하셨어요").await;
    wait_bell(&browser, Some("2"), LIVE).await;
    let sent = stack
        .post(
            "/api/v1/messages",
            Some(&other.token),
            json!({"post_id": post, "content": "공지 링크 보내드릴까요?"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    wait_bell(&browser, Some("3"), LIVE).await;
    browser
        .wait_text(".tab[data-tab=messages] .unread-count", "1")
        .await;
    let label = browser
        .exec(
            "return document.querySelector('.topbar .bell').getAttribute('aria-label');",
            vec![],
        )
        .await;
    assert_eq!(label, json!("알림 3개 안 읽음"));

    // The list: newest first, each with its text and time, all unread.
    browser.click(".topbar .bell").await;
    browser.wait_path("/notifications").await;
    browser.wait(".notification-item").await;
    assert_eq!(browser.count(".notification-item").await, 3);
    assert_eq!(browser.count(".notification-item.unread").await, 3);
    let kinds = browser
        .exec(
            "return [...document.querySelectorAll('.notification-item')].map((item) => item.dataset.kind);",
            vec![],
        )
        .await;
    assert_eq!(kinds, json!(["message", "comment", "comment"]));
    for text in browser.texts(".notification-item .notification-text").await {
        assert!(!text.trim().is_empty(), "every notification says something");
    }
    browser
        .wait_text(".notification-item .notification-time", "방금")
        .await;
    browser
        .wait_text(
            ".notification-item[data-kind=comment] .notification-kind",
            "댓글",
        )
        .await;
    browser
        .wait_text(
            ".notification-item[data-kind=message] .notification-kind",
            "쪽지",
        )
        .await;
    assert_ne!(
        browser
            .exec(
                "return getComputedStyle(document.querySelector('.notification-item.unread')).backgroundColor;",
                vec![],
            )
            .await,
        json!("rgba(0, 0, 0, 0)"),
        "unread ones are highlighted"
    );
    assert_eq!(
        browser
            .exec(
                "return document.querySelector('.topbar .bell').getAttribute('aria-current');",
                vec![],
            )
            .await,
        json!("page")
    );

    // One more while the list is open: on top, unread, and counted.
    comment(&stack, &other, post, "범위표 올라왔어요").await;
    wait_bell(&browser, Some("4"), LIVE).await;
    browser
        .wait_text(
            ".notification-item:first-child.unread .notification-kind",
            "댓글",
        )
        .await;
    assert_eq!(browser.count(".notification-item").await, 4);
    browser.screenshots("list").await;

    // Tapping it marks it read and opens the post.
    browser
        .click(".notification-item:first-child .notification-link")
        .await;
    browser.wait_path(&format!("/posts/{post}")).await;
    wait_bell(&browser, Some("3"), LIVE).await;
    let unread = stack
        .get("/api/v1/notifications/unread-count", Some(&writer.token))
        .await;
    assert_eq!(unread.body["count"], 3, "{}", unread.text);

    // Back on the list: it is read; the 쪽지 one opens 쪽지함.
    browser.click(".topbar .bell").await;
    browser.wait_path("/notifications").await;
    browser.wait(".notification-item").await;
    assert_eq!(browser.count(".notification-item.unread").await, 3);
    assert_eq!(
        browser
            .count(".notification-item:first-child:not(.unread)")
            .await,
        1
    );
    browser
        .click(".notification-item[data-kind=message] .notification-link")
        .await;
    browser.wait_path("/messages").await;
    browser.wait(".conversation-item").await;
    wait_bell(&browser, Some("2"), LIVE).await;

    // 모두 읽음: nothing unread, here and on the server.
    browser.click(".topbar .bell").await;
    browser.wait_path("/notifications").await;
    browser.wait(".notification-item").await;
    browser
        .click_text(".topbar button.read-all", "모두 읽음")
        .await;
    browser.wait_gone(".notification-item.unread").await;
    wait_bell(&browser, None, LIVE).await;
    let unread = stack
        .get("/api/v1/notifications/unread-count", Some(&writer.token))
        .await;
    assert_eq!(unread.body["count"], 0, "{}", unread.text);
    browser.reload().await;
    browser.wait(".notification-item").await;
    assert_eq!(browser.count(".notification-item.unread").await, 0);
    assert_eq!(browser.count(".notification-item").await, 4);
    browser.screenshots("list-read").await;

    // Signing out closes the stream.
    browser.goto("/me").await;
    wait_live(&browser).await;
    browser
        .wait_text(".me-links [data-link=messages]", "쪽지함")
        .await;
    browser.click_text(".me-leave button", "로그아웃").await;
    browser.click_text("dialog.ask button", "로그아웃").await;
    browser.wait_path("/login").await;
    let state = browser
        .exec(
            "return document.documentElement.dataset.live ?? null;",
            vec![],
        )
        .await;
    assert_eq!(state, json!("off"), "the stream is closed");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_list_fills_live_and_a_new_page_starts_from_the_unread_count() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "notifications_empty").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "ne_writer").await;
    let writer = stack.sign_in("ne_writer").await;
    browser.click(".topbar .bell").await;
    browser.wait_path("/notifications").await;
    browser
        .wait_text(".paged .empty", "아직 알림이 없습니다.")
        .await;
    browser.screenshots("empty").await;

    // Unread before the page is opened: the bell says so at once.
    let other = stack.user("ne_other").await;
    let free = board_id(&stack, &writer.token, "자유게시판").await;
    let created = stack
        .post(
            &format!("/api/v1/boards/{free}/posts"),
            Some(&writer.token),
            json!({"title": "학식 메뉴", "content": "오늘 뭐 나와요?", "anonymous": false}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let post = created.body["id"].as_i64().expect("an id");
    comment(&stack, &other, post, "돈까스요").await;
    // (the open list puts it on top, live)
    browser
        .wait_text(".notification-item.unread .notification-kind", "댓글")
        .await;
    assert_eq!(browser.count(".paged .empty").await, 0);
    browser.goto("/").await;
    wait_bell(&browser, Some("1"), LIVE).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn page_loads_one_after_another_never_run_out_of_connections() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "notifications_loads").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "nl_reader").await;
    // Each full load opens a stream; the one of the page left behind must
    // let its connection go (a browser allows six per origin).
    for path in [
        "/my/posts",
        "/my/scraps",
        "/my/comments",
        "/search",
        "/me",
        "/friends",
        "/messages",
        "/notifications",
        "/",
    ] {
        let started = Instant::now();
        browser.goto(path).await;
        wait_live(&browser).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path} took {:?}",
            started.elapsed()
        );
    }
    browser.close().await;
}
