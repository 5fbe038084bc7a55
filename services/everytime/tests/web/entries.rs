//! 직접 추가 and 복사 in a real browser: a block of one's own added
//! through the form (each refusal under the field it names, a clash naming
//! the course or the entry in the way), drawn on the grid in grey-blue,
//! opened by a tap and deleted; copying one's own timetable and a friend's
//! into a new one of one's own.
//!
//! The catalog and the starting timetables are set up through the API (as
//! in `timetable.rs`); what the student does goes through the screens.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::{Session, TestStack};
use crate::timetable::{
    SEMESTER, block_names, choose_semester, course_ids, enter, stack_with_catalog, to_top,
    wait_api, wait_count, wait_timetable_path,
};

/// A new timetable of `who` in [`SEMESTER`] holding the courses `names`.
async fn timetable_with(stack: &TestStack, who: &Session, names: &[&str]) -> i64 {
    let made = stack
        .post(
            "/api/v1/timetables",
            Some(&who.token),
            json!({"semester": SEMESTER}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["id"].as_i64().expect("an id");
    let ids = course_ids(stack, &who.token).await;
    for name in names {
        let added = stack
            .post(
                &format!("/api/v1/timetables/{id}/courses"),
                Some(&who.token),
                json!({"course_id": ids[*name]}),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    }
    id
}

/// Sets the `<input type=time>` at `css` to `HH:MM`, as its picker would.
async fn set_time(browser: &Browser, css: &str, time: &str) {
    browser.wait(css).await;
    let done = browser
        .exec(
            "const input = document.querySelector(arguments[0]); input.value = arguments[1]; \
             input.dispatchEvent(new Event('input', {bubbles: true})); \
             input.dispatchEvent(new Event('change', {bubbles: true})); return input.value;",
            vec![json!(css), json!(time)],
        )
        .await;
    assert_eq!(done, json!(time), "{css} took {time}");
}

/// The `n`th (from 1) time row of the 직접 추가 form, and a control in it.
fn row(n: usize, part: &str) -> String {
    format!(".entry-form .session-row:nth-child({n}) .session-{part}")
}

/// Makes `a` and `b` friends through the API.
async fn befriend(stack: &TestStack, a: &Session, b_username: &str, b: &Session) {
    let sent = stack
        .post(
            "/api/v1/friends/requests",
            Some(&a.token),
            json!({"username": b_username}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let id = sent.body["id"].as_i64().expect("an id");
    let accepted = stack
        .post(
            &format!("/api/v1/friends/requests/{id}/accept"),
            Some(&b.token),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_adds_a_block_of_their_own_meets_clashes_and_deletes_it() {
    let stack = stack_with_catalog().await;
    let Some(browser) = Browser::open(&stack, "timetable-entries").await else {
        return;
    };
    let me = enter(&stack, &browser, "tt_own").await;
    // 자료구조: MON/WED 09:00–10:15.
    let id = timetable_with(&stack, &me, &["자료구조"]).await;
    let ids = course_ids(&stack, &me.token).await;
    browser
        .goto(&format!("/timetable?semester={SEMESTER}"))
        .await;
    wait_count(&browser, ".grid-block", 2).await;

    // 직접 추가 opens the form with one time row (월, 09:00–10:00).
    browser
        .click_text(".timetable-actions button", "직접 추가")
        .await;
    browser
        .wait("dialog.entry-sheet[open] form.entry-form")
        .await;
    wait_count(&browser, ".entry-form .session-row", 1).await;
    assert_eq!(
        browser
            .exec(
                "const row = document.querySelector('.entry-form .session-row'); \
                 return [...row.querySelectorAll('select, input')].map((c) => [c.name, c.value]);",
                vec![]
            )
            .await,
        json!([
            ["sessions[0].day", "MON"],
            ["sessions[0].start", "09:00"],
            ["sessions[0].end", "10:00"]
        ])
    );
    browser.screenshots("entry-form").await;

    // No name, and a time that ends before it starts: each said where it is.
    set_time(&browser, &row(1, "start"), "11:00").await;
    set_time(&browser, &row(1, "end"), "10:00").await;
    browser.click("form.entry-form button[type=submit]").await;
    browser
        .wait_text(
            ".entry-form .field[data-field=name] .field-error",
            "일정 이름은 1~40자로 입력해 주세요.",
        )
        .await;
    browser
        .wait_text(
            ".entry-form .session-row:nth-child(1) .field-error",
            "끝나는 시간은 시작 시간보다 늦어야 합니다.",
        )
        .await;
    assert_eq!(
        browser
            .count(".entry-form .session-row:nth-child(1) .session-end[aria-invalid=true]")
            .await,
        1
    );
    browser.screenshots("entry-errors").await;

    // Over 자료구조 on Monday: the clash names the course, and it is marked on the grid.
    browser
        .fill(".entry-form input[name=name]", "알고리즘 스터디")
        .await;
    browser
        .fill(".entry-form input[name=place]", "중앙도서관")
        .await;
    browser
        .fill(".entry-form textarea[name=memo]", "3장까지 풀어 오기")
        .await;
    set_time(&browser, &row(1, "start"), "09:30").await;
    set_time(&browser, &row(1, "end"), "10:30").await;
    browser.click("form.entry-form button[type=submit]").await;
    browser
        .wait_text(
            ".entry-form .form-error",
            "‘자료구조’ 수업과 시간이 겹칩니다.",
        )
        .await;
    assert_eq!(
        browser.text(".entry-form .session-row .field-error").await,
        "",
        "a clash is not a bad time"
    );
    wait_count(
        &browser,
        &format!(
            ".grid-block.clashing[data-kind=course][data-id='{}']",
            ids["자료구조"]
        ),
        2,
    )
    .await;
    browser.screenshots("entry-clash").await;

    // Tuesday evening instead, a second time (Wednesday, the same hours),
    // and a third one taken back: the rows renumber.
    browser.select(&row(1, "day"), "TUE").await;
    set_time(&browser, &row(1, "start"), "18:00").await;
    set_time(&browser, &row(1, "end"), "20:00").await;
    browser.click_text(".entry-form button", "시간 추가").await;
    wait_count(&browser, ".entry-form .session-row", 2).await;
    browser.click_text(".entry-form button", "시간 추가").await;
    wait_count(&browser, ".entry-form .session-row", 3).await;
    browser
        .click(".entry-form .session-row:nth-child(3) .remove-session")
        .await;
    wait_count(&browser, ".entry-form .session-row", 2).await;
    assert_eq!(
        browser
            .exec(
                "return [...document.querySelectorAll('.entry-form .session-row')].map((row) => \
                 [...row.querySelectorAll('select, input')].map((c) => `${c.name}=${c.value}`).join(' '));",
                vec![]
            )
            .await,
        json!([
            "sessions[0].day=TUE sessions[0].start=18:00 sessions[0].end=20:00",
            "sessions[1].day=WED sessions[1].start=18:00 sessions[1].end=20:00"
        ])
    );
    browser.screenshots("entry-two-times").await;
    browser.click("form.entry-form button[type=submit]").await;
    browser.wait_gone("dialog.entry-sheet").await;
    browser
        .wait_text("#toasts", "‘알고리즘 스터디’ 일정을 추가했습니다.")
        .await;

    // On the grid, in grey-blue with its place; listed under the courses.
    wait_count(&browser, ".grid-block.kind-entry", 2).await;
    assert_eq!(
        block_names(&browser).await,
        ["알고리즘 스터디", "알고리즘 스터디", "자료구조", "자료구조"]
    );
    browser
        .wait_text(
            ".grid-column[data-day=TUE] .grid-block.kind-entry",
            "중앙도서관",
        )
        .await;
    assert_eq!(
        browser
            .exec(
                "return getComputedStyle(document.querySelector('.grid-block.kind-entry')).backgroundColor;",
                vec![]
            )
            .await,
        json!("rgb(213, 221, 232)")
    );
    browser
        .wait_text(".timetable-entries .custom-entry", "화·수 18:00–20:00")
        .await;
    let saved = wait_api(&stack, &me.token, id, "the entry saved", |timetable| {
        timetable["custom_entries"]
            .as_array()
            .is_some_and(|entries| entries.len() == 1)
    })
    .await;
    let entry = &saved["custom_entries"][0];
    assert_eq!(entry["name"], "알고리즘 스터디");
    assert_eq!(entry["place"], "중앙도서관");
    assert_eq!(entry["memo"], "3장까지 풀어 오기");
    assert_eq!(
        entry["sessions"],
        json!([
            {"day": "TUE", "start": "18:00", "end": "20:00"},
            {"day": "WED", "start": "18:00", "end": "20:00"},
        ])
    );
    let entry_id = entry["id"].as_i64().expect("an id");
    to_top(&browser).await;
    browser.screenshots("entry-added").await;
    browser
        .exec(
            "document.querySelector('.grid-column[data-day=TUE] .grid-block.kind-entry') \
             .scrollIntoView({block: 'center'}); return true;",
            vec![],
        )
        .await;
    browser.screenshots("entry-grid").await;

    // Another block over it: the clash names the entry as 일정. 취소 leaves nothing.
    browser
        .click_text(".timetable-actions button", "직접 추가")
        .await;
    browser.wait("dialog.entry-sheet[open]").await;
    browser.fill(".entry-form input[name=name]", "알바").await;
    browser.select(&row(1, "day"), "WED").await;
    set_time(&browser, &row(1, "start"), "19:00").await;
    set_time(&browser, &row(1, "end"), "21:00").await;
    browser.click("form.entry-form button[type=submit]").await;
    browser
        .wait_text(
            ".entry-form .form-error",
            "‘알고리즘 스터디’ 일정과 시간이 겹칩니다.",
        )
        .await;
    wait_count(
        &browser,
        &format!(".grid-block.clashing[data-kind=entry][data-id='{entry_id}']"),
        2,
    )
    .await;
    browser.click_text(".entry-form button", "취소").await;
    browser.wait_gone("dialog.entry-sheet").await;
    wait_count(&browser, ".grid-block", 4).await;

    // A course over the entry: the search's clash names it too.
    browser
        .fill("form.course-search input[name=q]", "운영체제")
        .await;
    browser
        .click("form.course-search button[type=submit]")
        .await;
    wait_count(&browser, ".course-results .course-item", 1).await;
    let stand_in = stack
        .post(
            &format!("/api/v1/timetables/{id}/custom-entries"),
            Some(&me.token),
            json!({"name": "동아리", "sessions": [{"day": "MON", "start": "11:00", "end": "12:00"}]}),
        )
        .await;
    assert_eq!(stand_in.status, StatusCode::CREATED, "{}", stand_in.text);
    browser
        .click(&format!(
            ".course-item[data-id='{}'] .add-course",
            ids["운영체제"]
        ))
        .await;
    browser
        .wait_text(
            &format!(".course-item[data-id='{}'] .course-error", ids["운영체제"]),
            "‘동아리’ 일정과 시간이 겹칩니다.",
        )
        .await;
    let club = stand_in.body["custom_entries"]
        .as_array()
        .and_then(|entries| entries.iter().find(|entry| entry["name"] == "동아리"))
        .and_then(|entry| entry["id"].as_i64())
        .expect("the club's id");
    stack
        .delete(
            &format!("/api/v1/timetables/{id}/custom-entries/{club}"),
            Some(&me.token),
        )
        .await;

    // Tapping the block shows what it is, and 삭제 removes it.
    browser.goto(&format!("/timetable/{id}")).await;
    wait_count(&browser, ".grid-block.kind-entry", 2).await;
    browser
        .click(".grid-column[data-day=TUE] .grid-block.kind-entry")
        .await;
    browser
        .wait_text("dialog.entry-sheet .entry-name", "알고리즘 스터디")
        .await;
    browser
        .wait_text("dialog.entry-sheet .entry-place", "중앙도서관")
        .await;
    browser
        .wait_text("dialog.entry-sheet .entry-memo", "3장까지 풀어 오기")
        .await;
    browser
        .wait_text("dialog.entry-sheet .entry-when", "화·수 18:00–20:00")
        .await;
    browser.screenshots("entry-details").await;
    browser
        .click_text("dialog.entry-sheet button", "삭제")
        .await;
    browser.wait_gone("dialog.entry-sheet").await;
    wait_count(&browser, ".grid-block.kind-entry", 0).await;
    wait_count(&browser, ".timetable-entries", 0).await;
    wait_count(&browser, ".grid-block", 2).await;
    wait_api(&stack, &me.token, id, "the entry deleted", |timetable| {
        timetable["custom_entries"] == json!([])
    })
    .await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_copies_their_timetable_and_a_friends() {
    let stack = stack_with_catalog().await;
    let Some(browser) = Browser::open(&stack, "timetable-copy").await else {
        return;
    };
    let me = enter(&stack, &browser, "tt_copier").await;
    let friend = stack.user("tt_lender").await;
    befriend(&stack, &me, "tt_lender", &friend).await;

    // Mine: 자료구조 and a study block.
    let mine = timetable_with(&stack, &me, &["자료구조"]).await;
    let added = stack
        .post(
            &format!("/api/v1/timetables/{mine}/custom-entries"),
            Some(&me.token),
            json!({"name": "스터디", "place": "도서관", "sessions": [{"day": "FRI", "start": "15:00", "end": "17:00"}]}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    // The friend's, 친구 공개: 미적분학 and 물리학실험 (Saturday).
    let theirs = timetable_with(&stack, &friend, &["미적분학", "물리학실험"]).await;
    let shared = stack
        .patch(
            &format!("/api/v1/timetables/{theirs}"),
            Some(&friend.token),
            json!({"visibility": "friends"}),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.text);

    // 복사 on my own: a new timetable with the same courses and blocks, shown at once.
    browser.goto(&format!("/timetable/{mine}")).await;
    wait_count(&browser, ".grid-block", 3).await;
    browser
        .click_text(".timetable-actions button", "복사")
        .await;
    let copy = wait_timetable_path(&browser, Some(mine)).await;
    browser.wait_text(".timetable-name", "시간표 2").await;
    browser.wait_text("#toasts", "복사했습니다").await;
    wait_count(&browser, ".timetable-tab", 2).await;
    wait_count(&browser, ".grid-block", 3).await;
    wait_count(&browser, ".grid-block.kind-entry", 1).await;
    let copied = wait_api(&stack, &me.token, copy, "the copy", |_| true).await;
    assert_eq!(copied["owner"]["id"], json!(me.id), "{copied}");
    assert_eq!(names(&copied["courses"]), ["자료구조"]);
    assert_eq!(names(&copied["custom_entries"]), ["스터디"]);
    assert_eq!(copied["is_primary"], false);
    to_top(&browser).await;
    browser.screenshots("copied-own").await;

    // A friend's timetable: 내 시간표로 복사 makes it one of mine.
    browser.goto(&format!("/friends/{}", friend.id)).await;
    choose_semester(&browser, &format!("/friends/{}", friend.id)).await;
    wait_count(&browser, ".grid-block", 3).await;
    browser.screenshots("friend-timetable").await;
    browser
        .click_text(".timetable-actions button", "내 시간표로 복사")
        .await;
    let from_friend = wait_timetable_path(&browser, None).await;
    assert!(![mine, copy, theirs].contains(&from_friend));
    browser.wait_text(".timetable-name", "시간표 3").await;
    wait_count(&browser, ".timetable-tab", 3).await;
    wait_count(&browser, ".grid-block", 3).await;
    assert_eq!(
        block_names(&browser).await,
        ["물리학실험", "미적분학", "미적분학"]
    );
    // Mine now: editable, with the search beside it.
    assert_eq!(browser.count("button.grid-block").await, 3);
    browser.wait(".course-search").await;
    let copied = wait_api(&stack, &me.token, from_friend, "the friend's copy", |_| {
        true
    })
    .await;
    assert_eq!(copied["owner"]["id"], json!(me.id), "{copied}");
    assert_eq!(names(&copied["courses"]), ["물리학실험", "미적분학"]);
    to_top(&browser).await;
    browser.screenshots("copied-friend").await;

    // Opened by its address, the friend's timetable offers the same.
    browser.goto(&format!("/timetable/{theirs}")).await;
    browser
        .wait_text(".timetable-actions .copy-timetable", "내 시간표로 복사")
        .await;
    assert_eq!(browser.count(".course-search").await, 0);

    browser.close().await;
}

/// The `name`s in a JSON list, sorted.
fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}
