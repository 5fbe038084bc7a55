//! 신고 in a real browser: a student reports a post and a comment with a
//! reason (and is told when it was reported already); a post blinded by
//! five reporters shows its blinded title and the reasons counted, a
//! blinded comment its greyed placeholder; an administrator finds both
//! under 신고 관리 and restores the post; a student whose posts were
//! blinded three times is told until when they may not write, on 내 정보,
//! on 글쓰기 and when commenting.
//!
//! The posts and the reporters are made through the API (the write limits
//! are off in tests); what the students and the admin do goes through the
//! screens.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::{Session, TestStack};

/// A stack with the administrator `admin` / `admin password` (school 1).
async fn stack_with_admin() -> TestStack {
    TestStack::start_with(|config| config.auth.admin = Some(crate::support::admin_account())).await
}

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

/// A named post through the API; its id.
async fn write(stack: &TestStack, who: &Session, board: i64, title: &str, content: &str) -> i64 {
    let reply = stack
        .post(
            &format!("/api/v1/boards/{board}/posts"),
            Some(&who.token),
            json!({"title": title, "content": content, "anonymous": false}),
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

/// `users` report `what` (`posts` or `comments`) `id`, giving `reasons` in turn.
async fn report_by(stack: &TestStack, users: &[Session], what: &str, id: i64, reasons: &[&str]) {
    for (index, user) in users.iter().enumerate() {
        let reply = stack
            .post(
                &format!("/api/v1/{what}/{id}/reports"),
                Some(&user.token),
                json!({"reason": reasons[index % reasons.len()]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
}

/// `count` new students of school 1.
async fn students(stack: &TestStack, prefix: &str, count: usize) -> Vec<Session> {
    let mut made = Vec::with_capacity(count);
    for index in 0..count {
        made.push(stack.user(&format!("{prefix}{index}")).await);
    }
    made
}

/// The admin's list of reported items, as the API has it.
async fn reported(stack: &TestStack) -> Vec<Value> {
    let admin = stack.sign_in_with("admin", "admin password").await;
    let token = admin.body["access_token"].as_str().expect("a token");
    let list = stack.get("/api/v1/admin/reports", Some(token)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    list.body["items"].as_array().cloned().unwrap_or_default()
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
async fn a_student_reports_a_post_and_a_comment_with_a_reason() {
    let stack = stack_with_admin().await;
    let Some(browser) = Browser::open(&stack, "reports").await else {
        return;
    };
    let author = stack.user("rp_author").await;
    let commenter = stack.user("rp_commenter").await;
    browser.sign_up_and_in(&stack, "rp_reader").await;
    let reader = stack.sign_in("rp_reader").await;
    let free = board_id(&stack, &author.token, "자유게시판").await;
    let post = write(&stack, &author, free, "중고 노트북 팝니다", "연락 주세요").await;
    let rude = comment(&stack, &commenter, post, "이런 글 좀 그만 올려라").await;
    let mine = comment(&stack, &reader, post, "얼마인가요?").await;

    // 신고 on the post: a dialog of the seven reasons.
    browser.goto(&format!("/posts/{post}")).await;
    browser.click(".post-tools .report-post").await;
    browser
        .wait("dialog.report-sheet[open] form.report-form")
        .await;
    browser
        .wait_text("dialog.report-sheet .sheet-title", "게시물 신고")
        .await;
    assert_eq!(
        browser.texts("dialog.report-sheet .report-reason").await,
        [
            "게시판 성격에 부적절함",
            "욕설/비하",
            "음란물/불건전한 만남 및 대화",
            "상업적 광고 및 판매",
            "유출/사칭/사기",
            "낚시/놀람/도배",
            "정당/정치인 비하 및 선거운동",
        ]
    );
    // No reason: said in the dialog, nothing sent.
    browser
        .click_text("form.report-form button[type=submit]", "신고")
        .await;
    browser
        .wait_text(
            "form.report-form [data-field=reason] .field-error",
            "신고 사유를 선택해 주세요.",
        )
        .await;
    browser
        .click("form.report-form .report-reason[data-reason=commercial]")
        .await;
    browser.screenshots("post-dialog").await;
    browser
        .click_text("form.report-form button[type=submit]", "신고")
        .await;
    browser.wait_gone("dialog.report-sheet").await;
    browser.wait_text("#toasts .toast", "신고했습니다.").await;
    let listed = reported(&stack).await;
    assert_eq!(
        listed,
        [
            json!({"kind": "post", "id": post, "post_id": post, "report_count": 1,
                "reasons": {"commercial": 1}, "blinded": false,
                "excerpt": "중고 노트북 팝니다\n연락 주세요"})
        ]
    );

    // Again: the app says it was reported already.
    browser.click(".post-tools .report-post").await;
    browser
        .click("form.report-form .report-reason[data-reason=spam]")
        .await;
    browser
        .click_text("form.report-form button[type=submit]", "신고")
        .await;
    browser
        .wait_text("form.report-form .form-error", "이미 신고한 게시물입니다.")
        .await;
    browser.screenshots("post-already").await;
    browser.click_text("form.report-form button", "취소").await;
    browser.wait_gone("dialog.report-sheet").await;

    // A comment: 신고 on someone else's, none on one's own.
    assert_eq!(
        browser
            .count(&format!(".comment[data-id='{mine}'] .comment-report"))
            .await,
        0
    );
    browser
        .click(&format!(".comment[data-id='{rude}'] .comment-report"))
        .await;
    browser
        .wait_text("dialog.report-sheet .sheet-title", "댓글 신고")
        .await;
    browser
        .click("form.report-form .report-reason[data-reason=abuse]")
        .await;
    browser
        .click_text("form.report-form button[type=submit]", "신고")
        .await;
    browser.wait_gone("dialog.report-sheet").await;
    browser.wait_text("#toasts .toast", "신고했습니다.").await;
    let listed = reported(&stack).await;
    assert!(
        listed.contains(&json!({"kind": "comment", "id": rude, "post_id": post,
            "report_count": 1, "reasons": {"abuse": 1}, "blinded": false,
            "excerpt": "이런 글 좀 그만 올려라"})),
        "{listed:?}"
    );
    // Still readable: one report blinds nothing.
    browser
        .wait_text(
            &format!(".comment[data-id='{rude}'] .comment-content"),
            "이런 글 좀 그만 올려라",
        )
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_blinded_by_five_reporters_is_restored_by_an_admin() {
    let stack = stack_with_admin().await;
    let Some(browser) = Browser::open(&stack, "reports_blinded").await else {
        return;
    };
    let Some(admin) = Browser::open(&stack, "reports_admin").await else {
        return;
    };
    let author = stack.user("bl_author").await;
    let troll = stack.user("bl_troll").await;
    let kind = stack.user("bl_kind").await;
    let crowd = students(&stack, "bl_crowd", 5).await;
    let free = board_id(&stack, &author.token, "자유게시판").await;
    let post = write(
        &stack,
        &author,
        free,
        "낚시성 제목의 글",
        "신고될 만한 내용",
    )
    .await;
    let kept = comment(&stack, &kind, post, "무슨 일이에요?").await;
    let rude = comment(&stack, &troll, post, "욕설이 섞인 댓글").await;
    report_by(&stack, &crowd, "posts", post, &["abuse", "spam", "abuse"]).await;
    report_by(&stack, &crowd, "comments", rude, &["abuse"]).await;

    // A reader sees the blinded look: the blinded title, the note and the reasons.
    browser.sign_up_and_in(&stack, "bl_reader").await;
    browser.goto(&format!("/posts/{post}")).await;
    browser
        .wait_text(".post-view .post-title", "블라인드 처리된 게시물입니다")
        .await;
    browser
        .wait_text(
            ".blind-note .blind-note-title",
            "신고가 누적되어 블라인드 처리된 게시물입니다.",
        )
        .await;
    assert_eq!(
        browser.texts(".blind-note .reason-counts li").await,
        ["욕설/비하 3건", "낚시/놀람/도배 2건"]
    );
    assert_eq!(browser.count(".post-view .post-content").await, 0);
    assert_eq!(
        browser.count(".post-view .post-actions").await,
        0,
        "no 공감 or 스크랩"
    );
    assert_eq!(browser.count(".post-view .report-post").await, 0);
    assert_eq!(browser.count("form.comment-form").await, 0);
    // The blinded comment: its placeholder, greyed, no author, no buttons.
    let blinded = format!(".comment.blinded[data-id='{rude}']");
    browser
        .wait_text(
            &format!("{blinded} .comment-content"),
            "블라인드 처리된 댓글입니다.",
        )
        .await;
    assert_eq!(browser.count(&format!("{blinded} .comment-head")).await, 0);
    assert_eq!(
        style(&browser, &format!("{blinded} .comment-content"), "color").await,
        "rgb(138, 138, 138)",
        "greyed"
    );
    browser
        .wait_text(
            &format!(".comment[data-id='{kept}'] .comment-content"),
            "무슨 일이에요?",
        )
        .await;
    let page = browser.page_text().await;
    assert!(!page.contains("욕설이 섞인 댓글"), "{page}");
    assert!(
        !page.contains("null") && !page.contains("undefined"),
        "{page}"
    );
    browser.screenshots("blinded-post").await;
    // Not on the board any more.
    browser.goto(&format!("/boards/{free}")).await;
    assert_eq!(
        browser
            .count(&format!(".post-item[data-id='{post}']"))
            .await,
        0
    );
    // Not an admin: 신고 관리 is not for them.
    browser.goto("/admin/reports").await;
    browser.wait_text("h1", "불러오지 못했습니다").await;
    browser
        .wait_text(".empty-screen p", "관리자만 할 수 있습니다.")
        .await;
    browser.goto("/me").await;
    assert_eq!(browser.count(".me-link[data-link=reports]").await, 0);

    // The admin: 내 정보 leads to 신고 관리, most reported first.
    admin.sign_in("admin", "admin password").await;
    admin.goto("/me").await;
    admin.click(".me-link[data-link=reports]").await;
    admin.wait_path("/admin/reports").await;
    let post_item = format!(".reported-item[data-kind=post][data-id='{post}']");
    let comment_item = format!(".reported-item[data-kind=comment][data-id='{rude}']");
    admin
        .wait_text(&format!("{post_item} .reported-count"), "신고 5건")
        .await;
    admin
        .wait_text(&format!("{post_item} .blinded-badge"), "블라인드")
        .await;
    assert_eq!(
        admin.texts(&format!("{post_item} .reason-counts li")).await,
        ["욕설/비하 3건", "낚시/놀람/도배 2건"]
    );
    admin
        .wait_text(&format!("{comment_item} .kind-badge"), "댓글")
        .await;
    admin
        .wait_text(&format!("{comment_item} .reason-counts"), "욕설/비하 5건")
        .await;
    // What was reported, even blinded: the admin judges before 복구.
    admin
        .wait_text(
            &format!("{comment_item} .reported-excerpt"),
            "욕설이 섞인 댓글",
        )
        .await;
    assert_eq!(admin.count(".reported-item").await, 2);
    admin.screenshots("admin-list").await;

    // 글 보기 opens the post (blinded for the admin too).
    admin.click(&format!("{post_item} .post-link")).await;
    admin.wait_path(&format!("/posts/{post}")).await;
    admin.wait(".blind-note").await;
    admin.goto("/admin/reports").await;

    // 복구, asked first: off the list, and the post is back for everyone.
    admin.click(&format!("{post_item} .restore")).await;
    admin.wait_text("dialog.ask p", "블라인드를 풀고").await;
    admin.click_text("dialog.ask button", "복구").await;
    admin.wait_gone(&post_item).await;
    admin
        .wait_text("#toasts .toast", "게시물을 복구했습니다.")
        .await;
    assert_eq!(admin.count(".reported-item").await, 1);
    admin.screenshots("admin-restored").await;
    let listed = reported(&stack).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["kind"], "comment");

    browser.goto(&format!("/posts/{post}")).await;
    browser
        .wait_text(".post-view .post-title", "낚시성 제목의 글")
        .await;
    browser
        .wait_text(".post-view .post-content", "신고될 만한 내용")
        .await;
    assert_eq!(browser.count(".blind-note").await, 0);
    browser.wait(".post-view .report-post").await;
    browser.wait("form.comment-form").await;
    browser.goto(&format!("/boards/{free}")).await;
    browser.wait(&format!(".post-item[data-id='{post}']")).await;
    browser.close().await;
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn three_blindings_keep_a_student_from_writing_and_say_until_when() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "reports_restricted").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "rs_troll").await;
    let troll = stack.sign_in("rs_troll").await;
    let other = stack.user("rs_other").await;
    let crowd = students(&stack, "rs_mod", 5).await;
    for board in ["자유게시판", "새내기게시판", "정보게시판"] {
        let board = board_id(&stack, &troll.token, board).await;
        let post = write(&stack, &troll, board, "도배", "도배 내용").await;
        report_by(&stack, &crowd, "posts", post, &["spam"]).await;
    }
    let until = stack.restricted_until(&troll.token).await;
    // How the page writes that moment, in the browser's own time zone.
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

    // 내 정보 says it, with the date.
    browser.goto("/me").await;
    browser
        .wait_text(".restriction .restriction-title", "글쓰기 제한 중")
        .await;
    browser
        .wait_text(".restriction .restricted-until", &said)
        .await;
    browser.screenshots("me-restricted").await;

    // 글쓰기 says it before anything is written, and the refusal too.
    let free = board_id(&stack, &troll.token, "자유게시판").await;
    browser.goto(&format!("/boards/{free}/write")).await;
    browser
        .wait_text(
            ".restricted-note",
            &format!("{said}까지 글, 댓글, 쪽지를 쓸 수 없습니다."),
        )
        .await;
    browser.fill("input[name=title]", "또 쓰는 글").await;
    browser.fill("textarea[name=content]", "써질까요?").await;
    browser
        .click_text("form.editor-form button[type=submit]", "완료")
        .await;
    browser
        .wait_text(
            "form.editor-form .form-error",
            &format!("신고가 누적되어 {said}까지 글, 댓글, 쪽지를 쓸 수 없습니다."),
        )
        .await;
    assert_eq!(browser.path().await, format!("/boards/{free}/write"));
    browser.screenshots("write-restricted").await;

    // A comment on someone else's post: refused, said above the box.
    let theirs = write(&stack, &other, free, "평범한 글", "내용").await;
    browser.goto(&format!("/posts/{theirs}")).await;
    browser.fill("#comment-content", "댓글도 안 될까요?").await;
    browser
        .click_text("form.comment-form button[type=submit]", "등록")
        .await;
    browser
        .wait_text(
            "form.comment-form .form-error",
            &format!("{said}까지 글, 댓글, 쪽지를 쓸 수 없습니다."),
        )
        .await;
    browser.screenshots("comment-restricted").await;
    browser.close().await;
}
