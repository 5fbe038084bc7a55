//! 학점계산기 and 공강 찾기 in a real browser: a semester's courses typed in
//! and saved with the averages as the server counts them, a bad credit
//! shown under its row, the target, and the free time with a friend drawn
//! as a week grid.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::support::TestStack;

#[tokio::test]
async fn the_grade_calculator_and_free_time_screens_work_on_a_phone() {
    let stack = TestStack::start().await;
    let Some(browser) = Browser::open(&stack, "grades").await else {
        return;
    };
    browser.sign_up_and_in(&stack, "gr_student").await;
    let me = stack.sign_in("gr_student").await;

    // 학점계산기: open this semester, type two courses, save.
    browser.goto("/grades").await;
    browser.wait(".grades-screen .grade-summary").await;
    browser.screenshots("grades-empty").await;
    browser.click_text("button", "학기 열기").await;
    browser.wait(".grade-semester").await;
    browser
        .click_text(".grade-semester button", "+ 과목 추가")
        .await;
    browser
        .click_text(".grade-semester button", "+ 과목 추가")
        .await;
    let row =
        |n: usize, part: &str| format!(".grade-semester tbody tr:nth-child({n}) .grade-{part}");
    browser.fill(&row(1, "name"), "자료구조").await;
    browser.fill(&row(1, "credits"), "3").await;
    browser.select(&row(1, "grade"), "A+").await;
    browser.click(&row(1, "major")).await;
    browser.fill(&row(2, "name"), "교양영어").await;
    browser.fill(&row(2, "credits"), "1").await;
    browser.select(&row(2, "grade"), "B0").await;
    browser.click_text(".grade-semester button", "저장").await;
    // (4.5·3 + 3.0·1) / 4 = 4.125, rounded half up.
    browser
        .wait_text(".grade-stat[data-stat=gpa] strong", "4.13")
        .await;
    browser
        .wait_text(".grade-stat[data-stat=major_gpa] strong", "4.50")
        .await;
    browser
        .wait_text(".grade-stat[data-stat=earned_credits] strong", "4")
        .await;
    let stored = stack.get("/api/v1/me/grades", Some(&me.token)).await;
    assert_eq!(
        stored.body["semesters"][0]["courses"][0]["name"], "자료구조",
        "{}",
        stored.text
    );

    // A credit off the 0.5 grid: the error sits under that row, nothing changes.
    browser.fill(&row(2, "credits"), "1.2").await;
    browser.click_text(".grade-semester button", "저장").await;
    browser
        .wait_text(".grade-semester tbody tr:nth-child(2) .field-error", "0.5")
        .await;
    browser.screenshots("grades-error").await;
    assert_eq!(
        stack.get("/api/v1/me/grades", Some(&me.token)).await.body,
        stored.body
    );

    // The target.
    browser.fill("input[name=target_credits]", "130").await;
    browser.click_text(".grade-target button", "저장").await;
    browser
        .wait_text(".grade-stat[data-stat=earned_credits] strong", "/ 130")
        .await;
    browser.screenshots("grades-saved").await;

    // 공강 찾기 with a friend who has no timetable: free all week.
    let friend = stack.user("gr_friend").await;
    let sent = stack
        .post(
            "/api/v1/friends/requests",
            Some(&me.token),
            json!({"username": "gr_friend"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let id = sent.body["id"].as_i64().expect("an id");
    let accepted = stack
        .post(
            &format!("/api/v1/friends/requests/{id}/accept"),
            Some(&friend.token),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    browser.goto("/friends").await;
    browser.click(".free-time-link").await;
    browser.wait_path("/free-time").await;
    browser
        .click(&format!("input[name=user_ids][value='{}']", friend.id))
        .await;
    browser
        .click_text(".free-time-form button", "공강 찾기")
        .await;
    browser.wait(".free-week .free-block").await;
    assert_eq!(browser.count(".free-week .free-block").await, 5);
    browser.wait_text(".free-list", "09:00 – 22:00").await;
    browser.screenshots("free-time").await;

    // A block of my own (직접 추가) on Wednesday noon splits that day.
    let made = stack
        .post(
            "/api/v1/timetables",
            Some(&me.token),
            json!({"semester": "2026-2"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let mine = made.body["id"].as_i64().expect("an id");
    let lunch = stack
        .post(
            &format!("/api/v1/timetables/{mine}/custom-entries"),
            Some(&me.token),
            json!({"name": "점심 약속", "sessions": [{"day": "WED", "start": "12:00", "end": "13:00"}]}),
        )
        .await;
    assert_eq!(lunch.status, StatusCode::CREATED, "{}", lunch.text);
    browser
        .goto(&format!(
            "/free-time?semester=2026-2&user_ids={}",
            friend.id
        ))
        .await;
    browser
        .wait_text(".free-item[data-day=WED]", "09:00 – 12:00")
        .await;
    browser
        .wait_text(".free-item[data-day=WED]", "13:00 – 22:00")
        .await;
    assert_eq!(browser.count(".free-week .free-block").await, 6);
    assert_eq!(
        browser
            .count(".free-week-day[data-day=WED] .free-block")
            .await,
        2
    );
    browser.screenshots("free-time-split").await;

    // Nobody picked: said on the screen, no request.
    browser
        .click(&format!("input[name=user_ids][value='{}']", friend.id))
        .await;
    browser
        .click_text(".free-time-form button", "공강 찾기")
        .await;
    browser
        .wait_text(".free-time-form .form-error", "함께 볼 친구를 골라 주세요.")
        .await;
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
}
