//! 로그인, 회원가입 and 내 정보 in a real browser: signing up and in (and the
//! errors on the way), a session that outlives its access token, deep links,
//! the profile, the password, the devices, and signing out.

use serde_json::json;

use crate::browser::Browser;
use crate::support::{PASSWORD, TestStack, sign_up_body};

/// The error shown under the field named `name`.
fn error_of(name: &str) -> String {
    format!("[data-field={name}] .field-error")
}

/// Signs `username` in through the API with a phone app's User-Agent; its refresh token.
async fn sign_in_from_a_phone(stack: &TestStack, username: &str) -> String {
    let reply = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/sign-in"))
                .header("user-agent", "Everytime/5.0 (iPhone; iOS 18.0)")
                .json(&json!({"username": username, "password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    reply.body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned()
}

async fn refresh_status(stack: &TestStack, refresh_token: &str) -> u16 {
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh_token}),
        )
        .await
        .status
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_opens_on_the_sign_in_screen() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "account_opens").await else {
        return;
    };

    browser.goto("/").await;

    browser.wait_path("/login?next=%2F").await;
    browser.wait_text("h1", "에브리타임").await;
    browser.wait("form.sign-in input[name=username]").await;
    browser
        .wait_text(".account-switch a[href='/signup?next=%2F']", "회원가입")
        .await;
    browser.screenshots("login").await;

    // The harness hears what the page logs (close() fails on it).
    browser
        .exec("console.error('harness check');", vec![])
        .await;
    let logged = browser.console_errors().await;
    assert!(
        logged.iter().any(|line| line.contains("harness check")),
        "{logged:?}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_up_shows_each_refusal_under_its_field_then_signs_in() {
    let stack = TestStack::start().await;
    let taken = stack.sign_up_at("taken_id", 1).await;
    assert_eq!(taken.status.as_u16(), 201, "{}", taken.text);
    let Some(browser) = Browser::open(&stack, "account_sign_up").await else {
        return;
    };

    // From 로그인, the link to 회원가입.
    browser.goto("/login").await;
    browser.click_text(".account-switch a", "회원가입").await;
    browser.wait_path("/signup").await;
    browser.wait_text("h1", "회원가입").await;
    browser
        .wait("select[name=school_id] option[value='1']")
        .await;
    browser.screenshots("signup").await;

    // Nothing filled in: each field says so, and nothing is sent.
    browser.click("form.sign-up button[type=submit]").await;
    browser
        .wait_text(&error_of("school_id"), "학교를 선택해 주세요.")
        .await;
    browser
        .wait_text(&error_of("username"), "아이디를 입력해 주세요.")
        .await;
    browser
        .wait_text(&error_of("nickname"), "닉네임을 입력해 주세요.")
        .await;

    // The confirmation differs: refused here, under the confirmation.
    browser.select("select[name=school_id]", "1").await;
    browser
        .fill("form.sign-up input[name=username]", "ab")
        .await;
    browser
        .fill("form.sign-up input[name=password]", PASSWORD)
        .await;
    browser
        .fill(
            "form.sign-up input[name=password_confirm]",
            "something else",
        )
        .await;
    browser
        .fill("form.sign-up input[name=email]", "fresh@example.ac.kr")
        .await;
    browser
        .fill("form.sign-up input[name=nickname]", "새내기")
        .await;
    browser
        .fill("form.sign-up input[name=name]", "김새봄")
        .await;
    browser.click("form.sign-up button[type=submit]").await;
    browser
        .wait_text(
            &error_of("password_confirm"),
            "비밀번호가 일치하지 않습니다.",
        )
        .await;
    assert_eq!(
        browser.texts(&error_of("username")).await,
        [""],
        "only the confirmation is refused"
    );

    // The server's 400: the rule for the username, under the username.
    browser
        .fill("form.sign-up input[name=password_confirm]", PASSWORD)
        .await;
    browser.click("form.sign-up button[type=submit]").await;
    browser
        .wait_text(
            &error_of("username"),
            "아이디는 4~20자의 영문 소문자, 숫자, _로 입력해 주세요.",
        )
        .await;
    assert_eq!(browser.texts(&error_of("password_confirm")).await, [""]);

    // The server's 409: the username is taken.
    browser
        .fill("form.sign-up input[name=username]", "taken_id")
        .await;
    browser.click("form.sign-up button[type=submit]").await;
    browser
        .wait_text(&error_of("username"), "이미 사용 중인 아이디입니다.")
        .await;
    assert_eq!(
        browser
            .count("[data-field=username] input[aria-invalid=true]")
            .await,
        1
    );
    assert_eq!(browser.path().await, "/signup");
    browser.screenshots("signup-errors").await;

    // A free username: signed up, signed in, home.
    browser
        .fill("form.sign-up input[name=username]", "fresh_id")
        .await;
    browser.click("form.sign-up button[type=submit]").await;
    browser.wait_path("/").await;
    assert_eq!(browser.count("form.sign-in").await, 0);
    let signed_in = stack.sign_in("fresh_id").await;
    assert_eq!(signed_in.user["nickname"], "새내기");
    assert_eq!(signed_in.user["name"], "김새봄");
    assert_eq!(signed_in.user["school"]["id"], 1);

    // 내 정보 shows who signed up.
    browser.click("a.tab[data-tab=me]").await;
    browser.wait_path("/me").await;
    browser
        .wait_text(".info-row[data-info=username] dd", "fresh_id")
        .await;
    browser
        .wait_text(".info-row[data-info=email] dd", "fresh@example.ac.kr")
        .await;
    browser.wait_text(".profile-nickname", "새내기").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_said_under_the_password_and_next_is_followed() {
    let stack = TestStack::start().await;
    assert_eq!(stack.sign_up_at("wrongpw", 1).await.status.as_u16(), 201);
    assert_eq!(stack.sign_up_at("guarded", 1).await.status.as_u16(), 201);
    let Some(browser) = Browser::open(&stack, "account_sign_in").await else {
        return;
    };

    // A deep link while signed out: 로그인, remembering where to go.
    browser.goto("/me").await;
    browser.wait_path("/login?next=%2Fme").await;

    browser
        .fill("form.sign-in input[name=username]", "wrongpw")
        .await;
    browser
        .fill("form.sign-in input[name=password]", "not the password")
        .await;
    browser.click("form.sign-in button[type=submit]").await;
    browser
        .wait_text(
            &error_of("password"),
            "아이디나 비밀번호가 올바르지 않습니다.",
        )
        .await;
    assert_eq!(
        browser
            .count("[data-field=password] input[aria-invalid=true]")
            .await,
        1
    );
    assert_eq!(browser.path().await, "/login?next=%2Fme");
    browser.screenshots("login-error").await;

    // The right password: on to where the user was going.
    browser
        .fill("form.sign-in input[name=password]", PASSWORD)
        .await;
    browser.click("form.sign-in button[type=submit]").await;
    browser.wait_path("/me").await;
    browser
        .wait_text(".info-row[data-info=username] dd", "wrongpw")
        .await;
    browser.close().await;

    // Too many failures for one account: the 429, in Korean, under the password.
    let Some(browser) = Browser::open(&stack, "account_sign_in_limited").await else {
        return;
    };
    browser.goto("/login?next=%2F%2Fevil.example%2Fphish").await;
    browser
        .fill("form.sign-in input[name=username]", "guarded")
        .await;
    browser
        .fill("form.sign-in input[name=password]", PASSWORD)
        .await;
    for _ in 0..6 {
        stack.sign_in_with("guarded", "wrong password").await;
    }
    browser.click("form.sign-in button[type=submit]").await;
    browser
        .wait_text(
            &error_of("password"),
            "로그인 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        )
        .await;

    // Once the wait is over, the sign-in goes through; a `next` that leads
    // off the site is not followed.
    let mut waited = 0;
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        browser.click("form.sign-in button[type=submit]").await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if !browser.path().await.starts_with("/login") {
            break;
        }
        waited += 1;
        assert!(waited < 15, "still limited: {}", browser.page_text().await);
    }
    browser.wait_path("/").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_access_token_is_refreshed_silently_and_deep_links_reload() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "account_refresh").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "refresher").await;
    let session = stack.sign_in("refresher").await;
    let board = stack
        .post(
            "/api/v1/boards",
            Some(&session.token),
            json!({"name": "새로고침게시판"}),
        )
        .await;
    assert_eq!(board.status.as_u16(), 201, "{}", board.text);
    let board_id = board.body["id"].as_i64().expect("a board id");

    // The access token is gone mid-session (as when it expires): moving
    // around the app refreshes it and draws the screen, never 로그인.
    assert!(
        browser
            .cookie_names()
            .await
            .contains(&"access_token".to_owned())
    );
    browser.delete_cookie("access_token").await;
    assert!(
        !browser
            .cookie_names()
            .await
            .contains(&"access_token".to_owned())
    );
    browser.click("a.tab[data-tab=me]").await;
    browser.wait_path("/me").await;
    browser
        .wait_text(".info-row[data-info=username] dd", "refresher")
        .await;
    assert_eq!(browser.count("form.sign-in").await, 0);
    assert!(
        browser
            .cookie_names()
            .await
            .contains(&"access_token".to_owned())
    );

    // Again, with a change to save rather than a screen to draw.
    browser.delete_cookie("access_token").await;
    browser
        .fill("form.profile-form input[name=name]", "박갱신")
        .await;
    browser.click_text("form.profile-form button", "저장").await;
    browser
        .wait_text(".info-row[data-info=name] dd", "박갱신")
        .await;
    assert_eq!(
        stack
            .get("/api/v1/users/me", Some(&session.token))
            .await
            .body["name"],
        "박갱신"
    );

    // Reloading a deep URL lands on the same screen, also without an access token.
    browser.reload().await;
    assert_eq!(browser.path().await, "/me");
    browser.wait_text("h1", "내 정보").await;
    browser.delete_cookie("access_token").await;
    browser.goto(&format!("/boards/{board_id}")).await;
    assert_eq!(browser.path().await, format!("/boards/{board_id}"));
    assert_eq!(browser.count("form.sign-in").await, 0);
    browser.goto("/me?from=link").await;
    assert_eq!(browser.path().await, "/me?from=link");
    browser
        .wait_text(".info-row[data-info=username] dd", "refresher")
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nickname_changes_on_my_page_and_a_taken_one_is_refused() {
    let stack = TestStack::start().await;
    let other = stack.sign_up_at("othernick", 1).await;
    assert_eq!(other.status.as_u16(), 201, "{}", other.text);
    let taken = sign_up_body("othernick", 1)["nickname"]
        .as_str()
        .unwrap()
        .to_owned();
    let Some(browser) = Browser::open(&stack, "account_nickname").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "renamer").await;
    browser.goto("/me").await;
    browser.screenshots("me").await;

    browser
        .fill("form.profile-form input[name=nickname]", &taken)
        .await;
    browser.click_text("form.profile-form button", "저장").await;
    browser
        .wait_text(&error_of("nickname"), "이미 사용 중인 닉네임입니다.")
        .await;
    browser.screenshots("me-nickname-taken").await;

    browser
        .fill("form.profile-form input[name=nickname]", "바뀐닉네임")
        .await;
    browser.click_text("form.profile-form button", "저장").await;
    browser.wait_text(".profile-nickname", "바뀐닉네임").await;
    browser
        .wait_text(".info-row[data-info=nickname] dd", "바뀐닉네임")
        .await;
    let session = stack.sign_in("renamer").await;
    assert_eq!(session.user["nickname"], "바뀐닉네임");

    // Still there after a reload (it is the server's, not the page's).
    browser.reload().await;
    browser.wait_text(".profile-nickname", "바뀐닉네임").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_device_is_signed_out_from_my_page_and_the_password_changes() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "account_devices").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "devices").await;
    let phone = sign_in_from_a_phone(&stack, "devices").await;

    browser.goto("/me").await;
    browser
        .wait_text(".device-item.current .device-name", "현재 기기")
        .await;
    browser
        .wait_text(".device-item.current .device-name", "Chrome · Linux")
        .await;
    browser
        .wait_text(
            ".device-item:not(.current) .device-name",
            "에브리타임 앱 · iPhone",
        )
        .await;
    assert_eq!(browser.count(".device-item").await, 2);
    assert_eq!(
        browser.count(".device-item.current button").await,
        0,
        "no 로그아웃 for this device"
    );
    browser
        .wait_text(".device-item .device-times", "로그인 ")
        .await;
    browser
        .exec(
            "document.querySelector('.devices').scrollIntoView({ block: 'center' });",
            vec![],
        )
        .await;
    browser.screenshots("me-devices").await;

    // 로그아웃 on the phone, confirmed: the list drops it and its refresh token is refused.
    browser
        .click_text(".device-item:not(.current) button", "로그아웃")
        .await;
    browser
        .wait_text("dialog.ask p", "에브리타임 앱 · iPhone")
        .await;
    browser.click_text("dialog.ask button", "로그아웃").await;
    browser.wait_gone(".device-item:not(.current)").await;
    assert_eq!(browser.count(".device-item").await, 1);
    assert_eq!(refresh_status(&stack, &phone).await, 401);

    // A wrong current password is said under it.
    let tablet = sign_in_from_a_phone(&stack, "devices").await;
    browser
        .fill(
            "form.password-form input[name=current_password]",
            "not my password",
        )
        .await;
    browser
        .fill(
            "form.password-form input[name=new_password]",
            "a brand new secret",
        )
        .await;
    browser
        .fill(
            "form.password-form input[name=new_password_confirm]",
            "a brand new secret",
        )
        .await;
    browser
        .click_text("form.password-form button", "비밀번호 변경")
        .await;
    browser
        .wait_text(
            &error_of("current_password"),
            "현재 비밀번호가 올바르지 않습니다.",
        )
        .await;
    browser.screenshots("me-password-error").await;

    // The right one: changed, and every other session ends; this one stays.
    browser
        .fill("form.password-form input[name=current_password]", PASSWORD)
        .await;
    browser
        .click_text("form.password-form button", "비밀번호 변경")
        .await;
    browser
        .wait_text("#toasts .toast", "비밀번호를 바꿨습니다")
        .await;
    assert_eq!(
        browser
            .texts("form.password-form input[name=current_password]")
            .await,
        [""]
    );
    assert_eq!(refresh_status(&stack, &tablet).await, 401);
    assert_eq!(
        stack
            .sign_in_with("devices", PASSWORD)
            .await
            .status
            .as_u16(),
        401
    );
    assert_eq!(
        stack
            .sign_in_with("devices", "a brand new secret")
            .await
            .status
            .as_u16(),
        200
    );
    browser.reload().await;
    browser
        .wait_text(".info-row[data-info=username] dd", "devices")
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_sends_every_screen_to_sign_in() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "account_sign_out").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "leaver").await;
    browser.goto("/me").await;

    // Asked first; 취소 keeps the session.
    browser.click_text(".me-leave button", "로그아웃").await;
    browser.wait_text("dialog.ask p", "로그아웃할까요?").await;
    browser.screenshots("sign-out-ask").await;
    browser.click_text("dialog.ask button", "취소").await;
    browser.wait_gone("dialog.ask").await;
    assert_eq!(browser.path().await, "/me");

    browser.click_text(".me-leave button", "로그아웃").await;
    browser.click_text("dialog.ask button", "로그아웃").await;
    browser.wait_path("/login").await;
    assert!(
        !browser
            .cookie_names()
            .await
            .contains(&"refresh_token".to_owned())
    );

    for (path, lands) in [
        ("/", "/login?next=%2F"),
        ("/me", "/login?next=%2Fme"),
        ("/timetable", "/login?next=%2Ftimetable"),
    ] {
        browser.goto(path).await;
        browser.wait_path(lands).await;
        browser.wait("form.sign-in").await;
    }
    browser.close().await;
}
