//! 시간표 and 친구 in a real browser: building a timetable from the course
//! search, a clash named as the app names it, several timetables with
//! 기본 and 공개 범위, the picture, and a friend's timetable (shown when
//! 친구 공개, refused when 나만 보기).
//!
//! The catalog is imported through the admin endpoint, as the timetable
//! API tests do; everything a student does goes through the screens.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::{self, Session, TestStack};

pub(crate) const SEMESTER: &str = "2026-2";

/// A stack with an administrator whose school 1 has [`catalog`] for [`SEMESTER`].
pub(crate) async fn stack_with_catalog() -> TestStack {
    stack_with_catalog_and(&[]).await
}

/// As [`stack_with_catalog`], plus `more` imported as (semester, courses).
async fn stack_with_catalog_and(more: &[(&str, Vec<Value>)]) -> TestStack {
    let stack = TestStack::start_with(|config| {
        config.auth.admin = Some(everytime_auth::AdminAccount {
            username: "admin".into(),
            password: "admin password".into(),
            email: "admin@localhost".into(),
            nickname: "관리자".into(),
        });
    })
    .await;
    let signed_in = stack.sign_in_with("admin", "admin password").await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    let token = signed_in.body["access_token"].as_str().expect("a token");
    let imported = stack
        .post(
            "/api/v1/admin/courses",
            Some(token),
            json!({"school_id": 1, "semester": SEMESTER, "courses": catalog()}),
        )
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    for (semester, courses) in more {
        let imported = stack
            .post(
                "/api/v1/admin/courses",
                Some(token),
                json!({"school_id": 1, "semester": semester, "courses": courses}),
            )
            .await;
        assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    }
    stack
}

fn course(
    code: &str,
    name: &str,
    professor: &str,
    credits: i64,
    sessions: &[(&str, &str, &str, &str)],
) -> Value {
    json!({
        "code": code,
        "name": name,
        "professor": professor,
        "credits": credits,
        "sessions": sessions
            .iter()
            .map(|(day, start, end, room)| json!({"day": day, "start": start, "end": end, "room": room}))
            .collect::<Vec<_>>(),
    })
}

/// 자료구조 MON/WED 09:00–10:15; 운영체제 right after it; 알고리즘 WED
/// 10:00–11:00 (clashing with both); 미적분학 TUE/THU; 물리학실험 SAT.
fn catalog() -> Vec<Value> {
    vec![
        course(
            "CSE2010-01",
            "자료구조",
            "김민준",
            3,
            &[
                ("MON", "09:00", "10:15", "301동 101호"),
                ("WED", "09:00", "10:15", "301동 101호"),
            ],
        ),
        course(
            "CSE3020-01",
            "운영체제",
            "이서연",
            3,
            &[
                ("MON", "10:15", "11:30", "302동 208호"),
                ("WED", "10:15", "11:30", "302동 208호"),
            ],
        ),
        course(
            "CSE3030-01",
            "알고리즘",
            "박지수",
            3,
            &[("WED", "10:00", "11:00", "301동 118호")],
        ),
        course(
            "MAT1010-02",
            "미적분학",
            "최지우",
            3,
            &[
                ("TUE", "13:00", "14:15", "27동 220호"),
                ("THU", "13:00", "14:15", "27동 220호"),
            ],
        ),
        course(
            "PHY1020-01",
            "물리학실험",
            "정하늘",
            1,
            &[("SAT", "09:00", "11:50", "56동 실험실")],
        ),
    ]
}

/// The catalog's course ids by name.
pub(crate) async fn course_ids(stack: &TestStack, token: &str) -> HashMap<String, i64> {
    let page = stack
        .get(
            &format!("/api/v1/courses?semester={SEMESTER}&limit=100"),
            Some(token),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            (
                item["name"].as_str().expect("a name").to_owned(),
                item["id"].as_i64().expect("an id"),
            )
        })
        .collect()
}

/// Signs `username` up (school 1) and, in `browser`, in: the sign-in call
/// the 로그인 screen makes, from the page, so the cookies are the browser's.
pub(crate) async fn enter(stack: &TestStack, browser: &Browser, username: &str) -> Session {
    let created = stack.sign_up_at(username, 1).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    // Any page of the gateway's origin will do for the call (not the app:
    // it would draw before the cookies exist).
    let origin = format!("{}/favicon.svg", browser.base());
    browser
        .client()
        .goto(&origin)
        .await
        .unwrap_or_else(|error| panic!("goto {origin}: {error}"));
    let status = browser
        .exec(
            "return fetch('/api/v1/auth/sign-in', {method: 'POST', credentials: 'same-origin', \
             headers: {'Content-Type': 'application/json'}, \
             body: JSON.stringify({username: arguments[0], password: arguments[1], token_delivery: 'cookie'})}) \
             .then((response) => response.status);",
            vec![json!(username), json!(support::PASSWORD)],
        )
        .await;
    assert_eq!(status, json!(200), "sign-in of {username}");
    stack.sign_in(username).await
}

/// Until `css` matches exactly `n` elements.
pub(crate) async fn wait_count(browser: &Browser, css: &str, n: usize) {
    let started = Instant::now();
    loop {
        let count = browser.count(css).await;
        if count == n {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "waited for {n} of {css}, there are {count}; the page says:\n{}",
            browser.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Scrolls back to the top (the sticky top bar would cover what is under it).
pub(crate) async fn to_top(browser: &Browser) {
    browser
        .exec("window.scrollTo(0, 0); return true;", vec![])
        .await;
}

/// The names on the grid's blocks, sorted.
pub(crate) async fn block_names(browser: &Browser) -> Vec<String> {
    let mut names = browser
        .texts(".timetable-grid .grid-block .block-name")
        .await;
    names.sort();
    names
}

/// Until `check(timetable)` holds for the API's view of timetable `id`.
pub(crate) async fn wait_api(
    stack: &TestStack,
    token: &str,
    id: i64,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let reply = stack
            .get(&format!("/api/v1/timetables/{id}"), Some(token))
            .await;
        if reply.status == StatusCode::OK && check(&reply.body) {
            return reply.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "waited for {what}: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Until the path is a `/timetable/{id}` other than `not`; returns the id.
pub(crate) async fn wait_timetable_path(browser: &Browser, not: Option<i64>) -> i64 {
    let started = Instant::now();
    loop {
        let path = browser.path().await;
        let id = path
            .strip_prefix("/timetable/")
            .and_then(|id| id.parse::<i64>().ok());
        if let Some(id) = id.filter(|id| Some(*id) != not) {
            browser.wait_drawn().await;
            return id;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still at {path}:\n{}",
            browser.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Searches the catalog through the form and waits for `n` results.
async fn search(browser: &Browser, q: &str, n: usize) {
    browser.fill("form.course-search input[name=q]", q).await;
    browser
        .click("form.course-search button[type=submit]")
        .await;
    wait_count(browser, ".course-results .course-item", n).await;
    for name in browser
        .texts(".course-results .course-item .course-name")
        .await
    {
        assert!(name.contains(q), "{name} is not a result for {q}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_builds_a_timetable_meets_a_clash_and_keeps_two() {
    let stack = stack_with_catalog().await;
    let Some(browser) = Browser::open(&stack, "timetable-build").await else {
        return;
    };
    let me = enter(&stack, &browser, "tt_builder").await;
    let ids = course_ids(&stack, &me.token).await;

    // No timetable this semester yet: the empty state offers one. The
    // picker in the top bar goes from semester to semester.
    browser.goto("/timetable?semester=2026-1").await;
    browser
        .wait_text(".timetable-empty", "2026년 1학기 시간표가 없습니다")
        .await;
    browser.select("select[name=semester]", SEMESTER).await;
    browser
        .wait_path(&format!("/timetable?semester={SEMESTER}"))
        .await;
    browser
        .wait_text(".timetable-empty", "2026년 2학기 시간표가 없습니다")
        .await;
    assert_eq!(
        browser
            .exec(
                "return document.querySelector('select[name=semester]').value;",
                vec![]
            )
            .await,
        json!(SEMESTER)
    );
    browser.screenshots("empty").await;
    browser.click_text("button", "새 시간표 만들기").await;
    let first = wait_timetable_path(&browser, None).await;
    browser.wait_text(".timetable-name", "시간표 1").await;
    browser
        .wait_text(".timetable-tab[aria-current=page]", "기본")
        .await;
    // The whole catalog is listed before any search.
    wait_count(&browser, ".course-results .course-item", 5).await;

    // Search, add two courses: both on the grid with their names and rooms.
    search(&browser, "자료", 1).await;
    browser
        .click(&format!(
            ".course-item[data-id='{}'] .add-course",
            ids["자료구조"]
        ))
        .await;
    wait_count(&browser, ".grid-block", 2).await;
    browser
        .wait_text(
            &format!(".course-item[data-id='{}'] .add-course", ids["자료구조"]),
            "추가됨",
        )
        .await;
    search(&browser, "미적분", 1).await;
    browser
        .click(&format!(
            ".course-item[data-id='{}'] .add-course",
            ids["미적분학"]
        ))
        .await;
    wait_count(&browser, ".grid-block", 4).await;
    assert_eq!(
        block_names(&browser).await,
        ["미적분학", "미적분학", "자료구조", "자료구조"]
    );
    browser.wait_text(".grid-block", "301동 101호").await;
    browser.wait_text(".grid-block", "27동 220호").await;
    browser.wait_text(".total-credits", "총 6학점").await;
    // 월–금 only (nothing on the weekend); the hours span 9 to 15.
    assert_eq!(
        browser.texts(".grid-day").await,
        ["월", "화", "수", "목", "금"]
    );
    let hours = browser.texts(".grid-hour").await;
    assert_eq!(hours.first().map(String::as_str), Some("9"));
    assert_eq!(hours.last().map(String::as_str), Some("14"));
    // 자료구조 (MON 09:00–10:15) sits at the top of Monday.
    let placed = browser
        .exec(
            "const block = document.querySelector('.grid-column[data-day=MON] .grid-block'); \
             const column = block.parentElement.getBoundingClientRect(); const box = block.getBoundingClientRect(); \
             return [Math.round(box.top - column.top), Math.round(box.height), Math.round(box.width)];",
            vec![],
        )
        .await;
    assert_eq!(placed[0], json!(0), "{placed}");
    assert!(
        placed[1].as_i64().unwrap_or_default() > 50,
        "75 minutes look tall enough: {placed}"
    );
    assert!(
        placed[2].as_i64().unwrap_or_default() > 50,
        "a day column is wide enough to read: {placed}"
    );
    let saved = stack
        .get(&format!("/api/v1/timetables/{first}"), Some(&me.token))
        .await;
    assert_eq!(
        saved.body["courses"].as_array().map(Vec::len),
        Some(2),
        "{}",
        saved.text
    );
    browser.screenshots("two-courses").await;

    // 알고리즘 clashes with 자료구조: the message names it; nothing is added.
    search(&browser, "알고리즘", 1).await;
    browser
        .click(&format!(
            ".course-item[data-id='{}'] .add-course",
            ids["알고리즘"]
        ))
        .await;
    browser
        .wait_text(
            &format!(".course-item[data-id='{}'] .course-error", ids["알고리즘"]),
            "‘자료구조’ 수업과 시간이 겹칩니다.",
        )
        .await;
    // The blocks in the way are marked on the grid for a moment.
    wait_count(
        &browser,
        &format!(".grid-block.clashing[data-id='{}']", ids["자료구조"]),
        2,
    )
    .await;
    assert_eq!(browser.count(".grid-block").await, 4);
    let saved = stack
        .get(&format!("/api/v1/timetables/{first}"), Some(&me.token))
        .await;
    assert_eq!(
        saved.body["courses"].as_array().map(Vec::len),
        Some(2),
        "{}",
        saved.text
    );
    browser.screenshots("clash").await;

    // 운영체제 added meanwhile elsewhere (the app): 추가 says so and the grid catches up.
    search(&browser, "운영체제", 1).await;
    let added = stack
        .post(
            &format!("/api/v1/timetables/{first}/courses"),
            Some(&me.token),
            json!({"course_id": ids["운영체제"]}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    browser
        .click(&format!(
            ".course-item[data-id='{}'] .add-course",
            ids["운영체제"]
        ))
        .await;
    browser
        .wait_text(
            &format!(".course-item[data-id='{}'] .course-error", ids["운영체제"]),
            "이미 시간표에 추가된 수업입니다.",
        )
        .await;
    wait_count(&browser, ".grid-block", 6).await;
    browser.wait_text(".total-credits", "총 9학점").await;

    // Tapping a block shows the course (with 강의평가 and 삭제); 삭제 asks first.
    browser
        .click(&format!(
            ".grid-column[data-day=TUE] .grid-block[data-id='{}']",
            ids["미적분학"]
        ))
        .await;
    browser
        .wait_text("dialog.course-sheet .course-title", "미적분학")
        .await;
    browser
        .wait_text("dialog.course-sheet .course-professor", "최지우")
        .await;
    browser
        .wait_text("dialog.course-sheet .reviews-link", "강의평가")
        .await;
    browser
        .click_text("dialog.course-sheet button", "삭제")
        .await;
    browser
        .wait_text("dialog.ask", "‘미적분학’ 수업을 시간표에서 삭제할까요?")
        .await;
    browser.screenshots("remove-ask").await;
    browser.click_text("dialog.ask button", "삭제").await;
    browser.wait_gone("dialog.course-sheet").await;
    wait_count(&browser, ".grid-block", 4).await;
    assert_eq!(
        block_names(&browser).await,
        ["운영체제", "운영체제", "자료구조", "자료구조"]
    );
    browser.wait_text(".total-credits", "총 6학점").await;
    wait_api(
        &stack,
        &me.token,
        first,
        "미적분학 removed",
        |timetable| {
            timetable["courses"]
                .as_array()
                .is_some_and(|courses| courses.len() == 2)
        },
    )
    .await;

    // The picture: a download link to image.svg, answering the browser's session with an SVG.
    let link = browser
        .exec(
            "const link = document.querySelector('a.picture-link'); return [link.getAttribute('href'), link.hasAttribute('download')];",
            vec![],
        )
        .await;
    assert_eq!(
        link[0],
        json!(format!("/api/v1/timetables/{first}/image.svg"))
    );
    assert_eq!(link[1], json!(true));
    let picture = browser
        .exec(
            "return fetch(document.querySelector('a.picture-link').href, {credentials: 'same-origin'}) \
             .then((response) => response.text().then((text) => [response.status, response.headers.get('content-type'), text]));",
            vec![],
        )
        .await;
    assert_eq!(picture[0], json!(200), "{picture}");
    assert!(
        picture[1]
            .as_str()
            .is_some_and(|kind| kind.starts_with("image/svg+xml")),
        "{picture}"
    );
    assert!(
        picture[2]
            .as_str()
            .is_some_and(|svg| svg.contains("<svg") && svg.contains("자료구조")),
        "{picture}"
    );

    // A second timetable, made 기본; then 친구 공개 and a new name.
    to_top(&browser).await;
    browser
        .click_text(".timetable-tabs button", "새 시간표")
        .await;
    let second = wait_timetable_path(&browser, Some(first)).await;
    browser.wait_text(".timetable-name", "시간표 2").await;
    wait_count(&browser, ".timetable-tab", 2).await;
    wait_count(&browser, ".grid-block", 0).await;
    browser
        .wait_text(&format!(".timetable-tab[data-id='{first}']"), "기본")
        .await;
    to_top(&browser).await;
    browser
        .click_text(".timetable-actions button", "기본 시간표로 설정")
        .await;
    browser
        .wait_text(&format!(".timetable-tab[data-id='{second}']"), "기본")
        .await;
    assert!(
        !browser
            .text(&format!(".timetable-tab[data-id='{first}']"))
            .await
            .contains("기본")
    );
    wait_api(
        &stack,
        &me.token,
        first,
        "the first no longer primary",
        |timetable| timetable["is_primary"] == false,
    )
    .await;
    wait_api(
        &stack,
        &me.token,
        second,
        "the second primary",
        |timetable| timetable["is_primary"] == true,
    )
    .await;

    browser.select("select[name=visibility]", "friends").await;
    wait_api(&stack, &me.token, second, "친구 공개", |timetable| {
        timetable["visibility"] == "friends"
    })
    .await;
    to_top(&browser).await;
    browser
        .click_text(".timetable-actions button", "이름 변경")
        .await;
    browser
        .fill("form.rename-form input[name=name]", "전공 시간표")
        .await;
    browser.click_text("form.rename-form button", "저장").await;
    browser.wait_text(".timetable-name", "전공 시간표").await;
    browser
        .wait_text(
            &format!(".timetable-tab[data-id='{second}']"),
            "전공 시간표",
        )
        .await;
    assert_eq!(
        browser
            .exec(
                "return document.querySelector('select[name=visibility]').value;",
                vec![]
            )
            .await,
        json!("friends")
    );
    browser.screenshots("second-primary").await;

    // Opening the tab of the first shows its grid again; /timetable shows the 기본 one.
    to_top(&browser).await;
    browser
        .click(&format!(".timetable-tab[data-id='{first}']"))
        .await;
    browser.wait_path(&format!("/timetable/{first}")).await;
    wait_count(&browser, ".grid-block", 4).await;
    browser
        .goto(&format!("/timetable?semester={SEMESTER}"))
        .await;
    browser.wait_text(".timetable-name", "전공 시간표").await;

    // Deleting the 기본 one (asked first) leaves the other, 기본 again.
    browser
        .click_text(".timetable-actions button", "삭제")
        .await;
    browser
        .wait_text("dialog.ask", "‘전공 시간표’ 시간표를 삭제할까요?")
        .await;
    browser.click_text("dialog.ask button", "삭제").await;
    browser
        .wait_path(&format!("/timetable?semester={SEMESTER}"))
        .await;
    wait_count(&browser, ".timetable-tab", 1).await;
    browser
        .wait_text(".timetable-tab[aria-current=page]", "기본")
        .await;
    wait_count(&browser, ".grid-block", 4).await;
    let gone = stack
        .get(&format!("/api/v1/timetables/{second}"), Some(&me.token))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn friends_add_each_other_and_see_a_shared_timetable() {
    let stack = stack_with_catalog().await;
    let Some(mina) = Browser::open(&stack, "friends-mina").await else {
        return;
    };
    let Some(jun) = Browser::open(&stack, "friends-jun").await else {
        return;
    };
    let me = enter(&stack, &mina, "tt_mina").await;
    let friend = enter(&stack, &jun, "tt_jun").await;
    let friend_name = support::nickname_for("tt_jun");
    let my_name = support::nickname_for("tt_mina");

    // 준 has a 친구 공개 timetable with 자료구조, 미적분학 and 물리학실험 (on Saturday).
    let ids = course_ids(&stack, &friend.token).await;
    let made = stack
        .post(
            "/api/v1/timetables",
            Some(&friend.token),
            json!({"semester": SEMESTER}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let theirs = made.body["id"].as_i64().expect("an id");
    for name in ["자료구조", "미적분학", "물리학실험"] {
        let added = stack
            .post(
                &format!("/api/v1/timetables/{theirs}/courses"),
                Some(&friend.token),
                json!({"course_id": ids[name]}),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    }
    let shared = stack
        .patch(
            &format!("/api/v1/timetables/{theirs}"),
            Some(&friend.token),
            json!({"visibility": "friends"}),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.text);

    // 친구 추가: refusals under the field, then a request that waits.
    mina.goto("/friends").await;
    mina.wait_text(".friends", "아직 친구가 없습니다").await;
    mina.fill(
        "form.friend-request-form input[name=username]",
        "nobody_here",
    )
    .await;
    mina.click_text("form.friend-request-form button", "친구 요청")
        .await;
    mina.wait_text(
        "form.friend-request-form .field-error",
        "존재하지 않는 아이디입니다",
    )
    .await;
    mina.fill("form.friend-request-form input[name=username]", "tt_mina")
        .await;
    mina.click_text("form.friend-request-form button", "친구 요청")
        .await;
    mina.wait_text(
        "form.friend-request-form .field-error",
        "자기 자신에게는 친구 요청을 보낼 수 없습니다.",
    )
    .await;
    mina.fill("form.friend-request-form input[name=username]", "tt_jun")
        .await;
    mina.click_text("form.friend-request-form button", "친구 요청")
        .await;
    mina.wait_text(".request-list.outgoing .request-item", &friend_name)
        .await;
    mina.fill("form.friend-request-form input[name=username]", "tt_jun")
        .await;
    mina.click_text("form.friend-request-form button", "친구 요청")
        .await;
    mina.wait_text(
        "form.friend-request-form .field-error",
        "이미 친구 요청을 보냈습니다.",
    )
    .await;
    mina.screenshots("requested").await;

    // Someone who had asked 미나 already: asking back makes friends at once.
    let early = stack.user("tt_early").await;
    let asked = stack
        .post(
            "/api/v1/friends/requests",
            Some(&early.token),
            json!({"username": "tt_mina"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    // And a request 미나 turns down, and one she takes back.
    let pest = stack.user("tt_pest").await;
    let asked = stack
        .post(
            "/api/v1/friends/requests",
            Some(&pest.token),
            json!({"username": "tt_mina"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let _other = stack.user("tt_other").await;
    mina.goto("/friends").await;
    mina.wait_text(
        ".request-list.incoming .request-item",
        &support::nickname_for("tt_pest"),
    )
    .await;
    mina.fill("form.friend-request-form input[name=username]", "tt_early")
        .await;
    mina.click_text("form.friend-request-form button", "친구 요청")
        .await;
    mina.wait_text(
        ".friend-list .friend-item",
        &support::nickname_for("tt_early"),
    )
    .await;
    mina.wait_text("#toasts", "친구가 되었습니다").await;
    mina.click_text(".request-list.incoming .request-item button", "거절")
        .await;
    mina.wait_gone(".request-list.incoming").await;
    mina.fill("form.friend-request-form input[name=username]", "tt_other")
        .await;
    mina.click_text("form.friend-request-form button", "친구 요청")
        .await;
    wait_count(&mina, ".request-list.outgoing .request-item", 2).await;
    mina.exec(
        "const item = [...document.querySelectorAll('.request-list.outgoing .request-item')].find((li) => li.innerText.includes(arguments[0])); \
         item.querySelector('button').click(); return true;",
        vec![json!(support::nickname_for("tt_other"))],
    )
    .await;
    wait_count(&mina, ".request-list.outgoing .request-item", 1).await;
    let pending = stack.get("/api/v1/friends/requests", Some(&me.token)).await;
    assert_eq!(
        pending.body["incoming"].as_array().map(Vec::len),
        Some(0),
        "{}",
        pending.text
    );
    assert_eq!(
        pending.body["outgoing"].as_array().map(Vec::len),
        Some(1),
        "{}",
        pending.text
    );

    // 준 accepts in their own browser.
    jun.goto("/friends").await;
    jun.wait_text(".request-list.incoming .request-item", &my_name)
        .await;
    jun.screenshots("incoming").await;
    jun.click_text(".request-list.incoming .request-item button", "수락")
        .await;
    jun.wait_text(".friend-list .friend-item", &my_name).await;
    jun.wait_text(".friend-requests.incoming", "받은 친구 요청이 없습니다.")
        .await;

    // 미나 sees 준 among her friends and opens their timetable: the same grid, read only.
    mina.goto("/friends").await;
    mina.wait_text(".friend-list .friend-item", &friend_name)
        .await;
    mina.screenshots("friends").await;
    mina.click(&format!(".friend-item[data-id='{}'] a", friend.id))
        .await;
    mina.wait_path(&format!("/friends/{}", friend.id)).await;
    choose_semester(&mina, &format!("/friends/{}", friend.id)).await;
    mina.wait_text("h1", &format!("{friend_name}님의 시간표"))
        .await;
    wait_count(&mina, ".timetable-grid .grid-block", 5).await;
    assert_eq!(
        block_names(&mina).await,
        ["물리학실험", "미적분학", "미적분학", "자료구조", "자료구조"]
    );
    // Saturday has a class, so it gets a column; Sunday does not.
    assert_eq!(
        mina.texts(".grid-day").await,
        ["월", "화", "수", "목", "금", "토"]
    );
    mina.wait_text(".grid-column[data-day=SAT] .grid-block", "56동 실험실")
        .await;
    assert_eq!(
        mina.count("button.grid-block").await,
        0,
        "a friend's grid is read only"
    );
    assert_eq!(mina.count(".course-search").await, 0);
    mina.wait_text(".total-credits", "총 7학점").await;
    mina.screenshots("friend-timetable").await;

    // 준 makes it 나만 보기 on their screen; 미나 then finds it not shown.
    jun.goto(&format!("/timetable?semester={SEMESTER}")).await;
    jun.wait_text(".timetable-name", "시간표 1").await;
    jun.select("select[name=visibility]", "private").await;
    wait_api(&stack, &friend.token, theirs, "나만 보기", |timetable| {
        timetable["visibility"] == "private"
    })
    .await;
    mina.reload().await;
    mina.wait_text(".not-visible", "공개하지 않았").await;
    assert_eq!(mina.count(".grid-block").await, 0);
    mina.screenshots("friend-private").await;

    // Someone who is not a friend: the same refusal.
    mina.goto(&format!("/friends/{}?semester={SEMESTER}", pest.id))
        .await;
    mina.wait_text(
        ".not-visible",
        "시간표를 공개하지 않았거나 친구가 아닙니다.",
    )
    .await;

    // Removing a friend (asked first) ends it on both sides.
    mina.goto("/friends").await;
    mina.exec(
        "const item = document.querySelector(`.friend-item[data-id='${arguments[0]}']`); item.querySelector('button').click(); return true;",
        vec![json!(friend.id)],
    )
    .await;
    mina.wait_text("dialog.ask", "친구 목록에서 삭제할까요?")
        .await;
    mina.click_text("dialog.ask button", "삭제").await;
    wait_count(&mina, &format!(".friend-item[data-id='{}']", friend.id), 0).await;
    let theirs_now = stack.get("/api/v1/friends", Some(&friend.token)).await;
    assert_eq!(
        theirs_now.body["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        theirs_now.text
    );

    mina.close().await;
    jun.close().await;
}

/// On a friend's timetable at `path`: picks [`SEMESTER`] in the picker
/// (unless it is the current one already) and waits for it.
pub(crate) async fn choose_semester(browser: &Browser, path: &str) {
    let chosen = browser
        .exec(
            "return document.querySelector('select[name=semester]').value;",
            vec![],
        )
        .await;
    if chosen != json!(SEMESTER) {
        browser.select("select[name=semester]", SEMESTER).await;
        browser
            .wait_path(&format!("{path}?semester={SEMESTER}"))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_course_search_pages_on_as_it_scrolls() {
    // 45 sections of one seminar in 2026-1: three pages of 20.
    let seminars: Vec<Value> = (1..=45)
        .map(|n| {
            let day = ["MON", "TUE", "WED", "THU", "FRI"][n % 5];
            let start = format!("{:02}:00", 9 + n % 9);
            let end = format!("{:02}:50", 9 + n % 9);
            course(
                &format!("GEN1000-{n:02}"),
                &format!("새내기세미나 {n:02}분반"),
                "한교수",
                1,
                &[(day, &start, &end, "학생회관 201호")],
            )
        })
        .collect();
    let stack = stack_with_catalog_and(&[("2026-1", seminars)]).await;
    let Some(browser) = Browser::open(&stack, "timetable-paging").await else {
        return;
    };
    enter(&stack, &browser, "tt_pager").await;
    browser.goto("/timetable?semester=2026-1").await;
    browser.click_text("button", "새 시간표 만들기").await;
    wait_timetable_path(&browser, None).await;
    wait_count(&browser, ".course-results .course-item", 20).await;
    for shown in [40, 45] {
        browser.exec("document.querySelector('.course-search-section .loading-more').scrollIntoView(); return true;", vec![]).await;
        wait_count(&browser, ".course-results .course-item", shown).await;
    }
    let codes = browser
        .exec("return [...document.querySelectorAll('.course-results .course-item .muted')].map((e) => e.textContent.split(' · ').pop());", vec![])
        .await;
    let expected: Vec<String> = (1..=45).map(|n| format!("GEN1000-{n:02}")).collect();
    assert_eq!(codes, json!(expected), "every section once, by code");
    // A search by day narrows the list; one that finds nothing says so.
    browser
        .select("form.course-search select[name=day]", "MON")
        .await;
    search(&browser, "세미나", 9).await;
    browser
        .fill("form.course-search input[name=q]", "없는과목")
        .await;
    browser
        .click("form.course-search button[type=submit]")
        .await;
    browser
        .wait_text(
            ".course-search-section .loading-more",
            "검색 결과가 없습니다.",
        )
        .await;
    wait_count(&browser, ".course-results .course-item", 0).await;
    browser.screenshots("no-results").await;
    browser.close().await;
}
