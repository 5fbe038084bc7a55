//! 게시판 in a real browser: an anonymous post on 비밀게시판 with another
//! student's comment and the writer's reply (익명1, 익명(글쓴이)), 공감 and
//! 스크랩 with the app's refusals, 검색, 내 스크랩, editing and deleting;
//! a board read to its last post by infinite scroll; the home screen, a new
//! board, HOT and BEST.
//!
//! Data that is not the point of a test is seeded through the API (the
//! write limits are off in tests); what the student does goes through the
//! screens.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::TestStack;

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

/// Writes a post through the API and returns it.
async fn write(stack: &TestStack, token: &str, board: i64, title: &str, content: &str) -> Value {
    let reply = stack
        .post(
            &format!("/api/v1/boards/{board}/posts"),
            Some(token),
            json!({"title": title, "content": content, "anonymous": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body
}

/// Until the browser is on `/posts/<id>` with the post drawn; returns the id.
async fn wait_post(browser: &Browser) -> i64 {
    browser.wait(".post-view").await;
    browser.wait_drawn().await;
    let path = browser.path().await;
    path.strip_prefix("/posts/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not on a post: {path}"))
}

/// `[checked, disabled]` of the checkbox at `css`.
async fn checkbox(browser: &Browser, css: &str) -> (bool, bool) {
    let state = browser
        .exec(
            "const box = document.querySelector(arguments[0]); return box ? [box.checked, box.disabled] : null;",
            vec![json!(css)],
        )
        .await;
    assert!(state.is_array(), "no checkbox {css}");
    (state[0] == true, state[1] == true)
}

/// The number shown by the post's `kind` count (공감, 댓글, 스크랩).
async fn post_count(browser: &Browser, kind: &str) -> String {
    browser
        .text(&format!(".post-stats [data-count={kind}] .count-value"))
        .await
}

/// Until the post's `kind` count shows `value`.
async fn wait_post_count(browser: &Browser, kind: &str, value: &str) {
    for _ in 0..200 {
        if post_count(browser, kind).await == value {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "the {kind} count stayed {:?}, not {value}; the page says:\n{}",
        post_count(browser, kind).await,
        browser.page_text().await
    );
}

/// Scrolls the first element at `css` whose text contains `text` to the
/// middle of the screen (clear of the sticky top bar and the tab bar), then
/// clicks it.
async fn press(browser: &Browser, css: &str, text: &str) {
    browser
        .exec(
            "const found = [...document.querySelectorAll(arguments[0])].find((e) => e.innerText.includes(arguments[1])); \
             found?.scrollIntoView({block: 'center'}); return true;",
            vec![json!(css), json!(text)],
        )
        .await;
    browser.click_text(css, text).await;
}

/// [`press`] for the first element at `css`, whatever it says.
async fn press_first(browser: &Browser, css: &str) {
    press(browser, css, "").await;
}

/// Scrolls the feed's end into view until it says it is the end (or 60 tries).
async fn scroll_to_end(browser: &Browser) {
    for _ in 0..60 {
        if browser.count(".post-feed[data-state=end]").await > 0 {
            return;
        }
        browser
            .exec(
                "document.querySelector('.list-footer')?.scrollIntoView({block: 'end'}); return true;",
                vec![],
            )
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    panic!(
        "the feed never reached its end; the page says:\n{}",
        browser.page_text().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_post_gets_comments_replies_likes_a_scrap_is_found_edited_and_deleted() {
    let stack = TestStack::start().await;
    let Some(writer) = Browser::open(&stack, "community_thread_writer").await else {
        return;
    };
    let Some(reader) = Browser::open(&stack, "community_thread_reader").await else {
        return;
    };
    writer.sign_up_and_in(&stack, "secret_writer").await;
    reader.sign_up_and_in(&stack, "secret_reader").await;
    let token = stack.sign_in("secret_writer").await.token;
    let secret = board_id(&stack, &token, "비밀게시판").await;

    // The writer finds 비밀게시판 on the home screen, empty so far.
    writer
        .wait_text(".board-list .board-name", "비밀게시판")
        .await;
    writer.wait_text(".shortcuts", "내 스크랩").await;
    writer.wait_text(".feed-list", "HOT게시판").await;
    writer.screenshots("home").await;
    press(&writer, ".board-list .board-link", "비밀게시판").await;
    writer.wait_path(&format!("/boards/{secret}")).await;
    writer
        .wait_text(".post-feed .empty", "아직 글이 없습니다")
        .await;
    writer.screenshots("secret-board-empty").await;

    // 글쓰기: 익명 is on and cannot be turned off; an empty title is refused under its field.
    press(&writer, ".topbar a", "글쓰기").await;
    writer.wait_path(&format!("/boards/{secret}/write")).await;
    assert_eq!(
        checkbox(&writer, "input[name=anonymous]").await,
        (true, true)
    );
    writer.wait_text(".anonymous-note", "모두 익명").await;
    writer
        .fill("textarea[name=content]", "내용만 있는 글")
        .await;
    press(&writer, "form.editor-form button[type=submit]", "완료").await;
    writer
        .wait_text(
            ".field[data-field=title] .field-error",
            "제목은 1~100자로 입력해 주세요.",
        )
        .await;
    writer.screenshots("write-refused").await;
    writer
        .fill("input[name=title]", "새벽 세 시의 도서관")
        .await;
    writer
        .fill(
            "textarea[name=content]",
            "열람실에 아무도 없어요.\n  들여쓴 둘째 줄\n<b>태그는 글자로</b>",
        )
        .await;
    press(&writer, "form.editor-form button[type=submit]", "완료").await;
    let post = wait_post(&writer).await;
    assert_eq!(writer.text(".post-view .post-author").await, "익명");
    assert_eq!(
        writer.text(".post-view .post-title").await,
        "새벽 세 시의 도서관"
    );
    let content = writer.text(".post-view .post-content").await;
    assert_eq!(
        content, "열람실에 아무도 없어요.\n  들여쓴 둘째 줄\n<b>태그는 글자로</b>",
        "white space and markup kept as text"
    );
    assert_eq!(
        writer.count(".post-content b").await,
        0,
        "the content is never parsed as HTML"
    );
    assert_eq!(writer.text(".topbar h1").await, "비밀게시판");

    // The writer may neither 공감 nor scrap their own post.
    press_first(&writer, ".post-actions .like-button").await;
    writer
        .wait_text("#toasts .toast", "자신의 글에는 공감할 수 없습니다.")
        .await;
    press_first(&writer, ".post-actions .scrap-button").await;
    writer
        .wait_text("#toasts .toast", "자신의 글은 스크랩할 수 없습니다.")
        .await;
    assert_eq!(post_count(&writer, "like").await, "0");
    writer.screenshots("post-own").await;

    // The reader comments (익명 by default): 익명1.
    reader.goto(&format!("/posts/{post}")).await;
    assert!(
        checkbox(&reader, "form.comment-form input[name=anonymous]")
            .await
            .0,
        "익명 is on by default"
    );
    reader
        .wait_text(".comments-empty", "아직 댓글이 없습니다")
        .await;
    reader
        .fill("#comment-content", "저도 지금 가는 중이에요")
        .await;
    press(&reader, "form.comment-form button[type=submit]", "등록").await;
    reader
        .wait_text(".comment-list .comment-author", "익명1")
        .await;
    assert_eq!(
        reader.text(".comment-list .comment-content").await,
        "저도 지금 가는 중이에요"
    );
    let draft = reader
        .exec(
            "return document.querySelector('#comment-content').value;",
            vec![],
        )
        .await;
    assert_eq!(draft, json!(""), "the box is emptied");
    wait_post_count(&reader, "comment", "1").await;

    // 공감 once; the second is refused with the app's words.
    press_first(&reader, ".post-actions .like-button").await;
    wait_post_count(&reader, "like", "1").await;
    reader.wait(".post-actions .like-button.done").await;
    press_first(&reader, ".post-actions .like-button").await;
    reader
        .wait_text("#toasts .toast", "이미 공감한 글입니다.")
        .await;
    assert_eq!(post_count(&reader, "like").await, "1");

    // 스크랩, and it is under 내 스크랩.
    press(&reader, ".post-actions .scrap-button", "스크랩").await;
    reader
        .wait_text(".post-actions .scrap-button", "스크랩 취소")
        .await;
    wait_post_count(&reader, "scrap", "1").await;
    reader.screenshots("post-reader").await;
    reader.goto("/my/scraps").await;
    reader
        .wait_text(".post-item .post-title", "새벽 세 시의 도서관")
        .await;
    assert_eq!(reader.text(".post-item .post-author").await, "익명");
    reader.wait_text(".list-end", "마지막").await;
    reader.screenshots("my-scraps").await;
    reader.goto("/my/comments").await;
    reader
        .wait_text(".post-item .post-title", "새벽 세 시의 도서관")
        .await;

    // The writer replies to 익명1 and is 익명(글쓴이); a reply takes no reply.
    writer.goto(&format!("/posts/{post}")).await;
    writer
        .wait_text(".comment-list .comment-author", "익명1")
        .await;
    press(&writer, ".comment-list .comment-reply", "답글").await;
    writer
        .wait_text(".comment-form .replying", "익명1님의 댓글에 답글 쓰는 중")
        .await;
    writer.fill("#comment-content", "같이 공부해요").await;
    press(&writer, "form.comment-form button[type=submit]", "등록").await;
    writer
        .wait_text(".replies .comment-author", "익명(글쓴이)")
        .await;
    assert_eq!(
        writer.text(".replies .comment-content").await,
        "같이 공부해요"
    );
    assert_eq!(
        writer.count(".replies .comment-reply").await,
        0,
        "no reply to a reply"
    );
    assert_eq!(
        writer.count(".comment-form .replying:not([hidden])").await,
        0,
        "back to a comment"
    );
    // 공감 on someone's comment counts; on one's own reply it is refused.
    press_first(
        &writer,
        ".comment-list > .comment > .comment-head .comment-like",
    )
    .await;
    writer
        .wait_text(
            ".comment-list > .comment > .comment-foot [data-count=like]",
            "1",
        )
        .await;
    press_first(&writer, ".replies .comment-like").await;
    writer
        .wait_text("#toasts .toast", "자신의 글에는 공감할 수 없습니다.")
        .await;
    writer.screenshots("post-thread").await;

    // The reader sees the same names, deletes the comment, and the reply stays.
    reader.goto(&format!("/posts/{post}")).await;
    assert_eq!(
        reader.texts(".comment-author").await,
        vec!["익명1".to_owned(), "익명(글쓴이)".to_owned()]
    );
    press_first(
        &reader,
        ".comment-list > .comment > .comment-head .comment-delete",
    )
    .await;
    press(&reader, "dialog.ask button", "삭제").await;
    reader
        .wait_text(".comment.deleted .comment-content", "삭제된 댓글입니다.")
        .await;
    assert_eq!(
        reader.text(".replies .comment-author").await,
        "익명(글쓴이)"
    );
    assert_eq!(
        reader.count(".comment.deleted > .comment-head").await,
        0,
        "no author on a deleted comment"
    );
    reader.screenshots("post-deleted-comment").await;

    // 검색: one character is refused under the field; two find the post.
    reader.goto("/search").await;
    reader.fill("input[name=q]", "도").await;
    press(&reader, "form.search-form button[type=submit]", "검색").await;
    reader
        .wait_text(
            ".field[data-field=q] .field-error",
            "검색어는 2~50자로 입력해 주세요.",
        )
        .await;
    reader.screenshots("search-refused").await;
    reader.fill("input[name=q]", "도서관").await;
    press(&reader, "form.search-form button[type=submit]", "검색").await;
    reader
        .wait_path("/search?q=%EB%8F%84%EC%84%9C%EA%B4%80")
        .await;
    reader
        .wait_text(".search-results .post-title", "새벽 세 시의 도서관")
        .await;
    reader.screenshots("search-found").await;
    reader.fill("input[name=q]", "없는검색어").await;
    press(&reader, "form.search-form button[type=submit]", "검색").await;
    reader
        .wait_text(".search-results .empty", "검색 결과가 없습니다.")
        .await;

    // The writer finds it under 내가 쓴 글, edits it (익명 stays), then deletes it.
    writer.goto("/my/posts").await;
    writer
        .wait_text(".post-item .post-title", "새벽 세 시의 도서관")
        .await;
    writer.screenshots("my-posts").await;
    writer.goto(&format!("/posts/{post}")).await;
    press(&writer, ".post-tools a", "수정").await;
    writer.wait_path(&format!("/posts/{post}/edit")).await;
    assert_eq!(
        checkbox(&writer, "input[name=anonymous]").await,
        (true, true)
    );
    let value = writer
        .exec(
            "return document.querySelector('textarea[name=content]').value;",
            vec![],
        )
        .await;
    assert_eq!(
        value,
        "열람실에 아무도 없어요.\n  들여쓴 둘째 줄\n<b>태그는 글자로</b>"
    );
    writer
        .fill("input[name=title]", "새벽 네 시의 도서관")
        .await;
    writer.screenshots("edit").await;
    press(&writer, "form.editor-form button[type=submit]", "완료").await;
    writer.wait_path(&format!("/posts/{post}")).await;
    writer
        .wait_text(".post-view .post-title", "새벽 네 시의 도서관")
        .await;
    writer.wait_text(".post-byline", "수정됨").await;
    press(&writer, ".post-tools button", "삭제").await;
    writer
        .wait_text("dialog.ask", "이 글을 삭제하시겠습니까?")
        .await;
    writer.screenshots("delete-ask").await;
    press(&writer, "dialog.ask button", "삭제").await;
    writer.wait_path(&format!("/boards/{secret}")).await;
    writer
        .wait_text(".post-feed .empty", "아직 글이 없습니다")
        .await;
    assert_eq!(
        writer
            .count(&format!(".post-item[data-id=\"{post}\"]"))
            .await,
        0
    );
    let gone = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&token))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);

    writer.close().await;
    reader.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_board_of_several_pages_scrolls_to_its_last_post() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "community_scroll").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "scroll_reader").await;
    let token = stack.sign_in("scroll_reader").await.token;
    let free = board_id(&stack, &token, "자유게시판").await;
    let mut oldest = 0;
    for number in 1..=45 {
        let post = write(
            &stack,
            &token,
            free,
            &format!("스크롤 글 {number}"),
            &format!("{number}번째 글의 내용입니다."),
        )
        .await;
        if number == 1 {
            oldest = post["id"].as_i64().expect("an id");
        }
    }

    browser.goto(&format!("/boards/{free}")).await;
    assert_eq!(browser.count(".post-item").await, 20, "the first page only");
    assert_eq!(
        browser.text(".post-item .post-title").await,
        "스크롤 글 45",
        "newest first"
    );
    assert_eq!(browser.text(".post-item .post-author").await, "닉scroll_re");
    assert_eq!(browser.count(".list-end").await, 0, "not the end yet");
    browser.screenshots("board-first-page").await;

    scroll_to_end(&browser).await;
    let titles = browser.texts(".post-item .post-title").await;
    let expected: Vec<String> = (1..=45)
        .rev()
        .map(|number| format!("스크롤 글 {number}"))
        .collect();
    assert_eq!(titles, expected, "every post once, newest first");
    browser.wait_text(".list-end", "마지막 글입니다.").await;
    browser
        .exec(
            "window.scrollTo(0, document.documentElement.scrollHeight); return true;",
            vec![],
        )
        .await;
    browser.screenshots("board-end").await;

    // A post opens from the list and 뒤로 returns to the board.
    press_first(
        &browser,
        &format!(".post-item[data-id=\"{oldest}\"] .post-title"),
    )
    .await;
    assert_eq!(wait_post(&browser).await, oldest);
    assert_eq!(
        browser.text(".post-view .post-content").await,
        "1번째 글의 내용입니다."
    );
    assert_eq!(browser.text(".post-view .post-author").await, "닉scroll_re");
    press_first(&browser, ".topbar .back").await;
    browser.wait_path(&format!("/boards/{free}")).await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_screen_makes_a_board_and_hot_and_best_list_liked_posts() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "community_feeds").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "feed_writer").await;
    let token = stack.sign_in("feed_writer").await.token;
    let free = board_id(&stack, &token, "자유게시판").await;
    let liked = write(
        &stack,
        &token,
        free,
        "공감 많이 받은 글",
        "HOT게시판에 오를 글",
    )
    .await;
    let liked = liked["id"].as_i64().expect("an id");
    for number in 0..10 {
        let fan = stack.user(&format!("feed_fan{number}")).await;
        let reply = stack
            .put(
                &format!("/api/v1/posts/{liked}/like"),
                Some(&fan.token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    // HOT lists it; BEST (100 likes) does not, and its season can be picked.
    browser.goto("/hot").await;
    browser
        .wait_text(".post-item .post-title", "공감 많이 받은 글")
        .await;
    browser
        .wait_text(".post-item [data-count=like]", "10")
        .await;
    browser
        .wait_text(".post-item .post-board", "자유게시판")
        .await;
    browser.screenshots("hot").await;
    browser.goto("/best").await;
    browser
        .wait_text(".post-feed .empty", "BEST게시판에 오른 글이 없습니다")
        .await;
    let seasons = browser
        .exec(
            "return [...document.querySelectorAll('select[name=season] option')].map((o) => o.value);",
            vec![],
        )
        .await;
    let seasons: Vec<String> = serde_json::from_value(seasons).expect("the seasons");
    assert!(seasons.len() >= 2, "{seasons:?}");
    assert!(
        seasons.iter().all(|season| season.len() == 7 && (season.ends_with("-H1") || season.ends_with("-H2"))),
        "{seasons:?}"
    );
    browser.screenshots("best").await;
    browser.select("select[name=season]", &seasons[1]).await;
    browser
        .wait_path(&format!("/best?season={}", seasons[1]))
        .await;
    let chosen = browser
        .exec(
            "return document.querySelector('select[name=season]').value;",
            vec![],
        )
        .await;
    assert_eq!(chosen, json!(seasons[1]));

    // A new board from the home screen: an empty name is refused, a good one opens the board.
    browser.goto("/").await;
    press(&browser, ".new-board summary", "새 게시판 만들기").await;
    press(
        &browser,
        "form.new-board-form button[type=submit]",
        "만들기",
    )
    .await;
    browser
        .wait_text(
            ".field[data-field=name] .field-error",
            "게시판 이름은 1~30자로 입력해 주세요.",
        )
        .await;
    browser.screenshots("new-board-refused").await;
    browser
        .fill("form.new-board-form input[name=name]", "스터디게시판")
        .await;
    browser
        .fill(
            "form.new-board-form input[name=description]",
            "같이 공부할 사람 구해요",
        )
        .await;
    press_first(&browser, "form.new-board-form input[name=anonymous_only]").await;
    press(
        &browser,
        "form.new-board-form button[type=submit]",
        "만들기",
    )
    .await;
    browser.wait_text(".topbar h1", "스터디게시판").await;
    browser.wait_drawn().await;
    let study = board_id(&stack, &token, "스터디게시판").await;
    assert_eq!(browser.path().await, format!("/boards/{study}"));
    browser
        .wait_text(".board-intro", "같이 공부할 사람 구해요")
        .await;
    press(&browser, ".topbar a", "글쓰기").await;
    browser.wait_path(&format!("/boards/{study}/write")).await;
    assert_eq!(
        checkbox(&browser, "input[name=anonymous]").await,
        (true, true),
        "an anonymous-only board"
    );
    browser.goto("/").await;
    browser
        .wait_text(".board-list .board-name", "스터디게시판")
        .await;
    // The same name again is refused next to the field.
    press(&browser, ".new-board summary", "새 게시판 만들기").await;
    browser
        .fill("form.new-board-form input[name=name]", "스터디게시판")
        .await;
    press(
        &browser,
        "form.new-board-form button[type=submit]",
        "만들기",
    )
    .await;
    browser
        .wait_text(".new-board-form", "이미 있는 게시판 이름입니다.")
        .await;
    browser.screenshots("home-with-new-board").await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn writing_twice_on_a_board_within_30_seconds_says_it_is_too_fast() {
    let stack = TestStack::start_with(|config| {
        config.community.write_limits = everytime_community::domain::WriteLimits::default();
    })
    .await;
    let Some(browser) = Browser::open(&stack, "community_too_fast").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "fast_writer").await;
    let token = stack.sign_in("fast_writer").await.token;
    let free = board_id(&stack, &token, "자유게시판").await;
    write(&stack, &token, free, "방금 쓴 글", "첫 글").await;

    browser.goto(&format!("/boards/{free}/write")).await;
    assert_eq!(
        checkbox(&browser, "input[name=anonymous]").await,
        (false, false),
        "익명 is a choice here"
    );
    browser.fill("input[name=title]", "바로 또 쓰는 글").await;
    browser
        .fill("textarea[name=content]", "너무 빠를까요?")
        .await;
    press(&browser, "form.editor-form button[type=submit]", "완료").await;
    browser
        .wait_text(
            "form.editor-form .form-error",
            "글을 너무 자주 쓰고 있습니다. 30초 뒤에 다시 시도해 주세요.",
        )
        .await;
    assert_eq!(
        browser.path().await,
        format!("/boards/{free}/write"),
        "the draft stays"
    );
    let kept = browser
        .exec(
            "return document.querySelector('input[name=title]').value;",
            vec![],
        )
        .await;
    assert_eq!(kept, json!("바로 또 쓰는 글"));
    browser.screenshots("too-fast").await;

    browser.close().await;
}
