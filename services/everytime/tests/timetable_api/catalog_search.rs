//! Searching the course catalog: the semester, Korean substrings and cursor pages.

use reqwest::StatusCode;

use crate::{SEMESTER, codes, course, import, search, stack_with_catalog};

#[tokio::test]
async fn course_search_needs_a_semester_and_matches_korean_substrings() {
    let (stack, admin) = stack_with_catalog().await;
    let student = stack.user("student").await;
    let other_school = stack.user_at("visitor", 2).await;
    import(
        &stack,
        &admin,
        2,
        SEMESTER,
        vec![course(
            "CSE2010-01",
            "자료구조",
            "타교수",
            3,
            &[("FRI", "09:00", "10:00", "")],
        )],
    )
    .await;

    stack
        .get("/api/v1/courses", Some(&student.token))
        .await
        .assert_problem(400, "invalid_input");
    let missing = stack
        .get("/api/v1/courses?q=구조", Some(&student.token))
        .await;
    assert_eq!(missing.error_fields(), ["semester"]);
    let malformed = stack
        .get("/api/v1/courses?semester=2026-fall", Some(&student.token))
        .await;
    assert_eq!(malformed.error_fields(), ["semester"]);

    assert_eq!(
        codes(&search(&stack, &student.token, "&q=구조").await.body),
        ["CSE2010-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=%EC%9E%90").await.body),
        ["CSE2010-01"],
        "one syllable: 자"
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=이서연").await.body),
        ["CSE3020-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=PARK").await.body),
        ["CSE3030-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&q=cse30").await.body),
        ["CSE3020-01", "CSE3030-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&day=SAT").await.body),
        ["PHY1020-01"]
    );
    assert_eq!(
        codes(&search(&stack, &student.token, "&day=WED&q=cse").await.body),
        ["CSE2010-01", "CSE3020-01", "CSE3030-01"]
    );
    let other = search(&stack, &other_school.token, "&q=구조").await;
    assert_eq!(
        other.body["items"][0]["professor"], "타교수",
        "each school sees its own catalog"
    );
    assert_eq!(codes(&other.body).len(), 1);

    let bad_day = search(&stack, &student.token, "&day=MONDAY").await;
    bad_day.assert_problem(400, "invalid_input");
    assert_eq!(bad_day.error_fields(), ["day"]);
    let long_query = search(&stack, &student.token, &format!("&q={}", "가".repeat(51))).await;
    assert_eq!(long_query.error_fields(), ["q"]);
}

#[tokio::test]
async fn course_search_pages_by_code_with_a_cursor() {
    let (stack, _admin) = stack_with_catalog().await;
    let student = stack.user("student").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;

    loop {
        let path = match &cursor {
            None => format!("/api/v1/courses?semester={SEMESTER}&limit=2"),
            Some(cursor) => format!("/api/v1/courses?semester={SEMESTER}&limit=2&cursor={cursor}"),
        };
        let page = stack.get(&path, Some(&student.token)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(codes(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert!(page.body["next_cursor"].is_null());
                break;
            }
        }
    }

    assert_eq!(
        seen,
        [
            "CSE2010-01",
            "CSE3020-01",
            "CSE3030-01",
            "MAT1010-02",
            "PHY1020-01"
        ]
    );
    let tampered = stack
        .get(
            &format!("/api/v1/courses?semester={SEMESTER}&cursor=abc.def"),
            Some(&student.token),
        )
        .await;
    tampered.assert_problem(400, "invalid_input");
    assert_eq!(tampered.error_fields(), ["cursor"]);
    for limit in ["0", "101", "ten"] {
        let reply = stack
            .get(
                &format!("/api/v1/courses?semester={SEMESTER}&limit={limit}"),
                Some(&student.token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{limit}");
        assert_eq!(reply.error_fields(), ["limit"]);
    }
}
