//! 강의평가 in a real browser: a course's page opened from the course
//! search, from the list under the grid and from a block tapped on the
//! grid; the summary (★ average, the most common answers in Korean); 공감
//! of another student's review (once); 강의평가 쓰기 with every refusal
//! under its question, then the review and the new summary; a second
//! review of the same lecture refused; 내 강의평가 with the lecture named,
//! and deleting one's own; a lecture of many reviews read to the end by
//! scrolling.
//!
//! The catalog and the other students' reviews are set up through the API
//! (as in `timetable.rs`); what the student does goes through the screens.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::{Session, TestStack};
use crate::timetable::{SEMESTER, course_ids, enter, stack_with_catalog, wait_count};

/// A review body through the API: `rating`, and every answer given.
fn review_body(rating: i64, content: &str) -> Value {
    json!({
        "rating": rating,
        "assignment": "many",
        "team_project": "none",
        "grading": "generous",
        "attendance": "electronic",
        "exams": 2,
        "content": content,
        "semester": "2026-1",
    })
}

/// `who` reviews course `course` through the API; the review's id.
async fn review(stack: &TestStack, who: &Session, course: i64, body: Value) -> i64 {
    let written = stack
        .post(
            &format!("/api/v1/courses/{course}/reviews"),
            Some(&who.token),
            body,
        )
        .await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    written.body["id"].as_i64().expect("an id")
}

/// The lecture's summary as the API counts it.
async fn summary(stack: &TestStack, token: &str, course: i64) -> Value {
    let page = stack
        .get(&format!("/api/v1/courses/{course}/reviews"), Some(token))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.body["summary"].clone()
}

/// Clicks `css` after scrolling it to the middle of the screen.
async fn press(browser: &Browser, css: &str) {
    browser.click(css).await;
}

/// The text of the summary's answer to `question`.
async fn fact(browser: &Browser, question: &str) -> String {
    browser
        .text(&format!(".summary-fact[data-fact={question}] dd"))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_reviews_a_course_likes_another_review_and_finds_their_own() {
    let stack = stack_with_catalog().await;
    let Some(browser) = Browser::open(&stack, "reviews").await else {
        return;
    };
    let me = enter(&stack, &browser, "rv_student").await;
    let senior = stack.user("rv_senior").await;
    let ids = course_ids(&stack, &me.token).await;
    let data_structures = ids["자료구조"];
    let theirs = review(
        &stack,
        &senior,
        data_structures,
        review_body(
            4,
            "설명이 친절하고 과제가 많지만 실력에 도움이 됩니다. 전자출결이에요.",
        ),
    )
    .await;

    // From the course search beside the timetable: 강의평가 of 자료구조.
    browser
        .goto(&format!("/timetable?semester={SEMESTER}"))
        .await;
    browser.click_text("button", "새 시간표 만들기").await;
    wait_count(&browser, ".course-results .course-item", 5).await;
    press(
        &browser,
        &format!(".course-item[data-id='{data_structures}'] .reviews-link"),
    )
    .await;
    browser
        .wait_path(&format!(
            "/courses/{data_structures}/reviews?semester={SEMESTER}&code=CSE2010-01"
        ))
        .await;
    browser.wait_text(".review-course-name", "자료구조").await;
    browser.wait_text(".review-course-line", "김민준").await;
    browser.wait_text(".review-course-line", "CSE2010-01").await;
    assert_eq!(browser.text(".topbar h1").await, "자료구조 강의평가");
    assert_eq!(
        browser
            .count(".tab[data-tab=timetable][aria-current=page]")
            .await,
        1
    );
    // The summary: one review, ★ 4.0, the answers in Korean.
    assert_eq!(browser.text(".summary-average").await, "4.0");
    browser.wait_text(".summary-count", "강의평가 1개").await;
    assert_eq!(fact(&browser, "assignment").await, "많음");
    assert_eq!(fact(&browser, "team_project").await, "없음");
    assert_eq!(fact(&browser, "grading").await, "너그러움");
    assert_eq!(fact(&browser, "attendance").await, "전자출결");
    let item = format!(".review-item[data-id='{theirs}']");
    browser
        .wait_text(&format!("{item} .review-content"), "실력에 도움이 됩니다")
        .await;
    browser
        .wait_text(&format!("{item} .review-semester"), "2026년 1학기 수강")
        .await;
    browser
        .wait_text(&format!("{item} [data-fact=exams]"), "시험 횟수 두 번")
        .await;
    assert_eq!(
        browser
            .exec(
                "return document.querySelector(arguments[0] + ' .stars').getAttribute('aria-label');",
                vec![json!(item)]
            )
            .await,
        json!("별점 4점")
    );
    // Anonymous: nothing names who wrote it.
    let page = browser.page_text().await;
    assert!(
        !page.contains("rv_senior") && !page.contains("닉rv_senior"),
        "{page}"
    );
    assert!(
        !page.contains("null") && !page.contains("undefined"),
        "{page}"
    );
    browser.screenshots("course").await;

    // 공감 once; the second is refused in the app's words.
    press(&browser, &format!("{item} .review-like")).await;
    browser.wait_text(&format!("{item} .like-count"), "1").await;
    browser
        .wait_text("#toasts .toast", "이 강의평가에 공감했습니다.")
        .await;
    press(&browser, &format!("{item} .review-like")).await;
    browser
        .wait_text("#toasts .toast", "이미 공감한 강의평가입니다.")
        .await;
    assert_eq!(browser.text(&format!("{item} .like-count")).await, "1");

    // 강의평가 쓰기: nothing answered, each question says so, nothing is sent.
    press(&browser, ".write-review").await;
    browser
        .wait("dialog.review-sheet[open] form.review-form")
        .await;
    browser
        .wait_text("dialog.review-sheet .sheet-kicker", "자료구조 · 김민준")
        .await;
    browser
        .click_text("form.review-form button[type=submit]", "등록")
        .await;
    for (question, said) in [
        ("rating", "별점을 선택해 주세요."),
        ("assignment", "과제가 어땠는지 선택해 주세요."),
        ("team_project", "조모임이 어땠는지 선택해 주세요."),
        ("grading", "학점이 어땠는지 선택해 주세요."),
        ("attendance", "출결을 어떻게 했는지 선택해 주세요."),
        ("exams", "시험 횟수를 선택해 주세요."),
        ("content", "강의평가는 20~1000자로 입력해 주세요."),
    ] {
        browser
            .wait_text(
                &format!("form.review-form [data-field={question}] .field-error"),
                said,
            )
            .await;
    }
    browser.screenshots("write-refused").await;

    // Every answer, and a text too short: only the text is refused.
    press(&browser, ".star-option[data-value='5']").await;
    browser.wait_text(".rating-said", "5점").await;
    assert_eq!(browser.count(".star-option.on").await, 5);
    for (question, value) in [
        ("assignment", "many"),
        ("team_project", "none"),
        ("grading", "generous"),
        ("attendance", "electronic"),
        ("exams", "1"),
    ] {
        press(
            &browser,
            &format!("form.review-form [data-field={question}] .choice[data-value='{value}']"),
        )
        .await;
    }
    browser.select("#review-semester", "2026-1").await;
    browser.fill("#review-content", "짧은 평가").await;
    browser
        .click_text("form.review-form button[type=submit]", "등록")
        .await;
    browser
        .wait_text(
            "form.review-form [data-field=content] .field-error",
            "강의평가는 20~1000자로 입력해 주세요.",
        )
        .await;
    assert_eq!(
        browser
            .texts("form.review-form [data-field=rating] .field-error")
            .await,
        [""]
    );
    browser
        .fill(
            "#review-content",
            "교수님이 열정적이시고 시험은 한 번뿐이라 부담이 적었어요. 과제는 많아요.",
        )
        .await;
    browser.wait_text(".content-count", "/1000").await;
    browser.screenshots("write").await;
    browser
        .click_text("form.review-form button[type=submit]", "등록")
        .await;
    browser.wait_gone("dialog.review-sheet").await;
    browser
        .wait_text("#toasts .toast", "강의평가를 등록했습니다.")
        .await;

    // The summary counts it: two reviews, ★ 4.5; mine is first and marked.
    browser.wait_text(".summary-count", "강의평가 2개").await;
    assert_eq!(browser.text(".summary-average").await, "4.5");
    wait_count(&browser, ".review-item", 2).await;
    browser
        .wait_text(".review-item.mine .review-content", "시험은 한 번뿐이라")
        .await;
    browser
        .wait_text(".review-item.mine [data-fact=exams]", "한 번")
        .await;
    assert_eq!(browser.count(".review-item.mine .review-like").await, 0);
    assert_eq!(browser.count(".review-item.mine .review-delete").await, 1);
    assert_eq!(
        browser.count(&format!("{item} .review-delete")).await,
        0,
        "no 삭제 on another's review"
    );
    let counted = summary(&stack, &me.token, data_structures).await;
    assert_eq!(counted["count"], 2, "{counted}");
    assert_eq!(counted["rating_average"], 4.5, "{counted}");
    browser.screenshots("written").await;

    // A second review of the same lecture is refused in the form.
    press(&browser, ".write-review").await;
    browser.wait("dialog.review-sheet[open]").await;
    press(&browser, ".star-option[data-value='3']").await;
    for (question, value) in [
        ("assignment", "normal"),
        ("team_project", "normal"),
        ("grading", "normal"),
        ("attendance", "sometimes"),
        ("exams", "0"),
    ] {
        press(
            &browser,
            &format!("form.review-form [data-field={question}] .choice[data-value='{value}']"),
        )
        .await;
    }
    browser
        .fill(
            "#review-content",
            "한 번 더 써 보려는 강의평가입니다. 등록되지 않아야 해요.",
        )
        .await;
    browser
        .click_text("form.review-form button[type=submit]", "등록")
        .await;
    browser
        .wait_text(
            "form.review-form .form-error",
            "이미 이 강의를 평가했습니다.",
        )
        .await;
    browser.click_text("form.review-form button", "취소").await;
    browser.wait_gone("dialog.review-sheet").await;

    // 내 강의평가 (from 내 정보): the lecture is named; 삭제 asks, then it is gone.
    browser.goto("/me").await;
    press(&browser, ".me-link[data-link=reviews]").await;
    browser.wait_path("/me/reviews").await;
    browser
        .wait_text(".review-item .review-lecture-name", "자료구조")
        .await;
    browser
        .wait_text(".review-item .review-lecture-professor", "김민준")
        .await;
    assert_eq!(browser.count(".review-item").await, 1);
    browser
        .wait_text(".list-end", "마지막 강의평가입니다.")
        .await;
    let page = browser.page_text().await;
    assert!(
        !page.contains("null") && !page.contains("undefined"),
        "{page}"
    );
    browser.screenshots("mine").await;
    press(&browser, ".review-item .review-delete").await;
    browser
        .wait_text("dialog.ask p", "이 강의평가를 삭제할까요?")
        .await;
    browser.click_text("dialog.ask button", "삭제").await;
    browser.wait_gone(".review-item").await;
    browser
        .wait_text("#toasts .toast", "강의평가를 삭제했습니다.")
        .await;
    let counted = summary(&stack, &me.token, data_structures).await;
    assert_eq!(counted["count"], 1, "{counted}");

    // From the timetable: the list under the grid, and a block tapped on it.
    let timetable = stack
        .get(
            &format!("/api/v1/timetables?semester={SEMESTER}"),
            Some(&me.token),
        )
        .await;
    let timetable = timetable.body["items"][0]["id"].as_i64().expect("an id");
    let added = stack
        .post(
            &format!("/api/v1/timetables/{timetable}/courses"),
            Some(&me.token),
            json!({"course_id": data_structures}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    browser.goto(&format!("/timetable/{timetable}")).await;
    press(
        &browser,
        &format!(".course-entry[data-id='{data_structures}'] .reviews-link"),
    )
    .await;
    browser
        .wait_path(&format!(
            "/courses/{data_structures}/reviews?semester={SEMESTER}&code=CSE2010-01"
        ))
        .await;
    browser.wait_text(".summary-count", "강의평가 1개").await;
    browser.goto(&format!("/timetable/{timetable}")).await;
    press(
        &browser,
        &format!(".grid-column[data-day=MON] .grid-block[data-id='{data_structures}']"),
    )
    .await;
    browser
        .wait_text("dialog.course-sheet .course-title", "자료구조")
        .await;
    browser
        .wait_text("dialog.course-sheet .course-professor", "김민준")
        .await;
    browser
        .wait_text("dialog.course-sheet .course-when", "월·수 09:00–10:15")
        .await;
    browser.screenshots("grid-course").await;
    browser
        .click_text("dialog.course-sheet a", "강의평가")
        .await;
    browser
        .wait_path(&format!(
            "/courses/{data_structures}/reviews?semester={SEMESTER}&code=CSE2010-01"
        ))
        .await;
    browser.wait_gone("dialog.course-sheet").await;
    browser.wait_text(".review-course-name", "자료구조").await;

    // A shared link without the course's semester and code still shows the reviews.
    browser
        .goto(&format!("/courses/{data_structures}/reviews"))
        .await;
    browser.wait_text(".summary-count", "강의평가 1개").await;
    assert_eq!(browser.text(".topbar h1").await, "강의평가");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lecture_of_many_reviews_scrolls_to_its_last_review() {
    let stack = stack_with_catalog().await;
    let Some(browser) = Browser::open(&stack, "reviews_scroll").await else {
        return;
    };
    let me = enter(&stack, &browser, "rv_reader").await;
    let ids = course_ids(&stack, &me.token).await;
    let course = ids["운영체제"];
    for number in 1..=23 {
        let student = stack.user(&format!("rv_many{number}")).await;
        review(
            &stack,
            &student,
            course,
            review_body(
                1 + number % 5,
                &format!("{number}번째 강의평가입니다. 운영체제 수업은 과제가 많아요."),
            ),
        )
        .await;
    }

    browser
        .goto(&format!(
            "/courses/{course}/reviews?semester={SEMESTER}&code=CSE3020-01"
        ))
        .await;
    browser.wait_text(".summary-count", "강의평가 23개").await;
    assert_eq!(
        browser.count(".review-item").await,
        20,
        "the first page only"
    );
    browser
        .wait_text(".review-item .review-content", "23번째 강의평가")
        .await;
    assert_eq!(browser.count(".list-end").await, 0, "not the end yet");

    for _ in 0..60 {
        if browser.count(".paged[data-state=end]").await > 0 {
            break;
        }
        browser
            .exec(
                "document.querySelector('.list-footer')?.scrollIntoView({block: 'end'}); return true;",
                vec![],
            )
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    let contents = browser.texts(".review-item .review-content").await;
    let expected: Vec<String> = (1..=23)
        .rev()
        .map(|number| format!("{number}번째 강의평가입니다. 운영체제 수업은 과제가 많아요."))
        .collect();
    assert_eq!(contents, expected, "every review once, newest first");
    browser
        .wait_text(".list-end", "마지막 강의평가입니다.")
        .await;
    browser
        .exec(
            "window.scrollTo(0, document.documentElement.scrollHeight); return true;",
            vec![],
        )
        .await;
    browser.screenshots("end").await;
    browser.close().await;
}
