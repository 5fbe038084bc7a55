//! 회원 탈퇴 and the 30-day nickname rule in a real browser: the warning
//! of what happens, the password (a wrong one said under it), the box to
//! tick and the last question; then 로그인, an account that cannot sign in
//! and an email that cannot sign up again for a day. A nickname changed
//! once says when it may change again, and a change refused by the rule
//! (made elsewhere meanwhile) is said with that date.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::support::{PASSWORD, TestStack, sign_up_body};

/// The error shown under the field named `name`.
fn error_of(name: &str) -> String {
    format!("[data-field={name}] .field-error")
}

/// How the page writes the moment `iso`, in the browser's time zone.
async fn said(browser: &Browser, iso: &str) -> String {
    browser
        .exec(
            "const d = new Date(arguments[0]); const pad = (n) => String(n).padStart(2, '0'); \
             return `${d.getFullYear()}. ${d.getMonth() + 1}. ${d.getDate()}. ${pad(d.getHours())}:${pad(d.getMinutes())}`;",
            vec![json!(iso)],
        )
        .await
        .as_str()
        .expect("a date")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn leaving_asks_the_password_twice_if_wrong_then_lands_on_sign_in_for_good() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "leaving").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "goodbye").await;
    let me = stack.sign_in("goodbye").await;
    let boards = stack.get("/api/v1/boards", Some(&me.token)).await;
    let free = boards.body["items"][0]["id"].as_i64().expect("a board");
    let post = stack
        .post(
            &format!("/api/v1/boards/{free}/posts"),
            Some(&me.token),
            json!({"title": "떠나기 전 마지막 글", "content": "안녕히", "anonymous": false}),
        )
        .await;
    assert_eq!(post.status, StatusCode::CREATED, "{}", post.text);
    let post = post.body["id"].as_i64().expect("an id");

    // 회원 탈퇴 under 로그아웃: what happens, said first.
    browser.goto("/me").await;
    browser.click_text(".me-leave button", "회원 탈퇴").await;
    browser
        .wait("dialog.leave-sheet[open] form.leave-form")
        .await;
    for words in [
        "(알 수 없음)",
        "시간표, 친구, 학점계산기 성적",
        "24시간 동안 다시 가입할 수 없습니다.",
        "모든 기기에서 바로 로그아웃됩니다.",
    ] {
        browser.wait_text(".leave-warnings", words).await;
    }
    browser.screenshots("form").await;

    // Nothing entered: the password and the box say so; nothing is asked.
    browser
        .click_text("form.leave-form button[type=submit]", "탈퇴하기")
        .await;
    browser
        .wait_text(&error_of("password"), "비밀번호를 입력해 주세요.")
        .await;
    browser
        .wait_text(&error_of("agree"), "탈퇴 안내를 확인하고 동의해 주세요.")
        .await;
    assert_eq!(browser.count("dialog.ask").await, 0);

    // A wrong password: asked once more, then refused under the password.
    browser
        .fill("form.leave-form input[name=password]", "not my password")
        .await;
    browser.click("form.leave-form .leave-agree").await;
    browser
        .click_text("form.leave-form button[type=submit]", "탈퇴하기")
        .await;
    browser.wait_text("dialog.ask p", "정말 탈퇴할까요?").await;
    browser.screenshots("ask").await;
    browser.click_text("dialog.ask button", "탈퇴").await;
    browser
        .wait_text(&error_of("password"), "비밀번호가 올바르지 않습니다.")
        .await;
    assert_eq!(browser.path().await, "/me");
    assert_eq!(
        stack.get("/api/v1/users/me", Some(&me.token)).await.status,
        StatusCode::OK,
        "still here"
    );
    browser.screenshots("wrong-password").await;

    // 취소 at the last question keeps the account.
    browser
        .fill("form.leave-form input[name=password]", PASSWORD)
        .await;
    browser
        .click_text("form.leave-form button[type=submit]", "탈퇴하기")
        .await;
    browser.click_text("dialog.ask button", "취소").await;
    browser.wait_gone("dialog.ask").await;
    assert_eq!(
        stack.sign_in_with("goodbye", PASSWORD).await.status,
        StatusCode::OK
    );

    // The right password, confirmed: 로그인, and the account is gone.
    browser
        .click_text("form.leave-form button[type=submit]", "탈퇴하기")
        .await;
    browser.click_text("dialog.ask button", "탈퇴").await;
    browser.wait_path("/login").await;
    browser.wait("form.sign-in").await;
    browser.wait_text("#toasts .toast", "탈퇴했습니다.").await;
    assert_eq!(browser.count("dialog").await, 0);
    browser.screenshots("after").await;
    assert_eq!(
        stack.sign_in_with("goodbye", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Through the screen too.
    browser
        .fill("form.sign-in input[name=username]", "goodbye")
        .await;
    browser
        .fill("form.sign-in input[name=password]", PASSWORD)
        .await;
    browser.click("form.sign-in button[type=submit]").await;
    browser
        .wait_text(
            &error_of("password"),
            "아이디나 비밀번호가 올바르지 않습니다.",
        )
        .await;
    // Every screen sends to 로그인.
    browser.goto("/me").await;
    browser.wait_path("/login?next=%2Fme").await;

    // The same email cannot sign up again yet: said under the email.
    let body = sign_up_body("goodbye", 1);
    browser.goto("/signup").await;
    browser.select("select[name=school_id]", "1").await;
    browser
        .fill("form.sign-up input[name=username]", "goodbye_again")
        .await;
    browser
        .fill("form.sign-up input[name=password]", PASSWORD)
        .await;
    browser
        .fill("form.sign-up input[name=password_confirm]", PASSWORD)
        .await;
    browser
        .fill(
            "form.sign-up input[name=email]",
            body["email"].as_str().expect("an email"),
        )
        .await;
    browser
        .fill("form.sign-up input[name=nickname]", "돌아온닉")
        .await;
    browser
        .fill("form.sign-up input[name=name]", "김재가입")
        .await;
    browser.click("form.sign-up button[type=submit]").await;
    browser
        .wait_text(
            &error_of("email"),
            "탈퇴한 지 24시간이 지나지 않은 이메일입니다.",
        )
        .await;
    browser.screenshots("sign-up-again").await;

    // The post stays, its author unknown.
    let reader = stack.user("stayer").await;
    let shown = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&reader.token))
        .await;
    assert_eq!(
        shown.body["author"]["nickname"], "(알 수 없음)",
        "{}",
        shown.text
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nickname_changes_once_in_30_days_and_the_page_says_when_again() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "nickname_rule").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "renamer2").await;
    let me = stack.sign_in("renamer2").await;

    // Changeable now: the hint warns of the rule.
    browser.goto("/me").await;
    browser
        .wait_text(
            "[data-field=nickname] .hint",
            "바꾸면 30일 동안 다시 바꿀 수 없습니다.",
        )
        .await;

    // Changed elsewhere meanwhile (the app): this page's change is refused,
    // with the date it may change again, under the nickname.
    let changed = stack
        .patch(
            "/api/v1/users/me",
            Some(&me.token),
            json!({"nickname": "앱에서바꿈"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let again = changed.body["nickname_changeable_at"]
        .as_str()
        .expect("a date")
        .to_owned();
    let again = said(&browser, &again).await;
    browser
        .fill("form.profile-form input[name=nickname]", "웹에서바꿈")
        .await;
    browser.click_text("form.profile-form button", "저장").await;
    browser
        .wait_text(
            &error_of("nickname"),
            &format!(
                "닉네임은 30일에 한 번만 바꿀 수 있습니다. {again}부터 다시 바꿀 수 있습니다."
            ),
        )
        .await;
    browser.screenshots("refused").await;

    // Drawn again: the nickname is the app's, locked, and the hint says until when.
    browser.reload().await;
    browser.wait_text(".profile-nickname", "앱에서바꿈").await;
    browser
        .wait_text(
            "[data-field=nickname] .hint",
            &format!("닉네임은 {again}부터 다시 바꿀 수 있습니다."),
        )
        .await;
    let readonly = browser
        .exec(
            "return document.querySelector('form.profile-form input[name=nickname]').readOnly;",
            vec![],
        )
        .await;
    assert_eq!(readonly, json!(true));
    // The name still changes.
    browser
        .fill("form.profile-form input[name=name]", "이름만바꿈")
        .await;
    browser.click_text("form.profile-form button", "저장").await;
    browser
        .wait_text(".info-row[data-info=name] dd", "이름만바꿈")
        .await;
    browser.screenshots("locked").await;
    browser.close().await;
}
