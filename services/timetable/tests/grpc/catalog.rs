//! Importing the catalog (typed and as JSON, admins only, for a school auth
//! knows) and searching it.

use everytime_proto::timetable::v1::{self as pb, Day::*};
use tonic::Code;

use crate::support::{
    self, SEMESTER, TestTimetable, User, authed, course, reason_and_fields, session,
};

/// A small catalog for school 1: 자료구조 MON/WED 09:00–10:15, 운영체제 right
/// after it, 알고리즘 overlapping it on WED, 미적분학 on TUE/THU, 실험 on SAT.
pub fn catalog() -> Vec<pb::CourseInput> {
    vec![
        course(
            "CSE2010-01",
            "자료구조",
            "김민준",
            3,
            vec![
                session(Monday, "09:00", "10:15", "301동 101호"),
                session(Wednesday, "09:00", "10:15", "301동 101호"),
            ],
        ),
        course(
            "CSE3020-01",
            "운영체제",
            "이서연",
            3,
            vec![
                session(Monday, "10:15", "11:30", "302동 208호"),
                session(Wednesday, "10:15", "11:30", "302동 208호"),
            ],
        ),
        course(
            "CSE3030-01",
            "알고리즘",
            "Park Jisoo",
            3,
            vec![session(Wednesday, "10:00", "11:00", "301동 118호")],
        ),
        course(
            "MAT1010-02",
            "미적분학",
            "최지우",
            3,
            vec![
                session(Tuesday, "13:00", "14:15", "27동 220호"),
                session(Thursday, "13:00", "14:15", "27동 220호"),
            ],
        ),
        course(
            "PHY1020-01",
            "물리학실험",
            "정하늘",
            1,
            vec![session(Saturday, "09:00", "11:50", "56동 실험실")],
        ),
    ]
}

pub async fn with_catalog() -> (TestTimetable, User) {
    let service = TestTimetable::start().await;
    service.import(1, catalog()).await.expect("imports");
    let user = service.user(1, 1);
    (service, user)
}

#[tokio::test]
async fn only_admins_may_import() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);

    let status = service
        .catalog()
        .import_courses(authed(
            pb::ImportCoursesRequest {
                school_id: 1,
                semester: SEMESTER.into(),
                courses: catalog(),
                courses_json: None,
            },
            &user.token,
        ))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(reason_and_fields(&status).0, "admin_only");
    assert!(service.search(&user, "").await.is_empty());
}

#[tokio::test]
async fn a_bad_course_names_its_field_and_imports_nothing() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);
    let mut courses = catalog();
    courses[3].sessions[0].start = "13:75".into();

    let status = service.import(1, courses).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        reason_and_fields(&status),
        (
            "invalid_input".into(),
            vec!["courses[3].sessions[0].start".into()]
        )
    );
    assert!(
        service.search(&user, "").await.is_empty(),
        "nothing of the batch was imported"
    );
    let status = service
        .import_for(1, "2026-3", catalog())
        .await
        .unwrap_err();
    assert_eq!(reason_and_fields(&status).1, ["semester"]);
}

#[tokio::test]
async fn importing_again_updates_by_code_and_keeps_ids() {
    let (service, user) = with_catalog().await;
    let before = service.course_id(&user, "CSE2010-01").await;
    let mut courses = catalog();
    courses[0].name = "자료구조및실습".into();
    courses[0].credits = 4;
    courses[0].sessions = vec![session(Friday, "15:00", "17:45", "302동 310호")];

    assert_eq!(service.import(1, courses).await.expect("imports"), 5);

    let all = service.search(&user, "").await;
    assert_eq!(all.len(), 5, "an update, not a second course");
    let updated = all
        .iter()
        .find(|course| course.code == "CSE2010-01")
        .expect("still there");
    assert_eq!(updated.id, before);
    assert_eq!(
        (updated.name.as_str(), updated.credits),
        ("자료구조및실습", 4)
    );
    assert_eq!(updated.sessions.len(), 1);
    assert_eq!(
        (
            updated.sessions[0].day(),
            updated.sessions[0].start.as_str(),
            updated.sessions[0].room.as_str()
        ),
        (Friday, "15:00", "302동 310호")
    );
}

#[tokio::test]
async fn a_course_whose_new_times_clash_leaves_the_timetables_it_clashes_in() {
    let (service, user) = with_catalog().await;
    let timetable = service.create_timetable(&user, None).await;
    let data_structures = service.course_id(&user, "CSE2010-01").await;
    let calculus = service.course_id(&user, "MAT1010-02").await;
    service
        .add(&user, timetable.id, data_structures)
        .await
        .expect("adds");
    service
        .add(&user, timetable.id, calculus)
        .await
        .expect("adds");
    let mut courses = catalog();
    // 자료구조 moves onto 미적분학's Tuesday slot.
    courses[0].sessions = vec![session(Tuesday, "13:30", "14:45", "301동 101호")];

    service.import(1, courses).await.expect("imports");

    let after = service.get(&user, timetable.id).await.expect("reads");
    let codes: Vec<&str> = after
        .courses
        .iter()
        .map(|course| course.code.as_str())
        .collect();
    assert_eq!(codes, ["MAT1010-02"]);
    // The freed Monday time is free again: 운영체제 right after it still fits.
    let os = service.course_id(&user, "CSE3020-01").await;
    service.add(&user, timetable.id, os).await.expect("adds");
}

#[tokio::test]
async fn search_matches_name_professor_and_code_case_insensitively() {
    let (service, user) = with_catalog().await;
    let codes = |courses: Vec<pb::Course>| {
        courses
            .into_iter()
            .map(|course| course.code)
            .collect::<Vec<_>>()
    };

    assert_eq!(codes(service.search(&user, "구조").await), ["CSE2010-01"]);
    assert_eq!(codes(service.search(&user, "자").await), ["CSE2010-01"]);
    assert_eq!(codes(service.search(&user, "이서연").await), ["CSE3020-01"]);
    assert_eq!(codes(service.search(&user, "park").await), ["CSE3030-01"]);
    assert_eq!(
        codes(service.search(&user, "cse30").await),
        ["CSE3020-01", "CSE3030-01"]
    );
    assert_eq!(codes(service.search(&user, "실험").await), ["PHY1020-01"]);
    assert!(service.search(&user, "구조자").await.is_empty());
    assert!(service.search(&user, "없는과목").await.is_empty());
    // Another school sees none of it.
    assert!(service.search(&service.user(2, 2), "구조").await.is_empty());
}

#[tokio::test]
async fn search_filters_by_day_and_pages_by_code() {
    let (service, user) = with_catalog().await;
    let search = |day: Option<pb::Day>, page_size: i32, page_token: String| {
        let mut catalog = service.catalog();
        let token = user.token.clone();
        async move {
            catalog
                .search_courses(authed(
                    pb::SearchCoursesRequest {
                        semester: SEMESTER.into(),
                        query: String::new(),
                        day: day.map(Into::into),
                        page_size: Some(page_size),
                        page_token,
                    },
                    &token,
                ))
                .await
                .map(tonic::Response::into_inner)
        }
    };

    let wednesday = search(Some(Wednesday), 10, String::new())
        .await
        .expect("searches");
    let codes: Vec<&str> = wednesday
        .courses
        .iter()
        .map(|course| course.code.as_str())
        .collect();
    assert_eq!(codes, ["CSE2010-01", "CSE3020-01", "CSE3030-01"]);
    assert!(wednesday.next_page_token.is_empty());

    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = search(None, 2, token).await.expect("pages");
        assert!(page.courses.len() <= 2);
        seen.extend(page.courses.into_iter().map(|course| course.code));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
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

    let first = search(None, 2, String::new()).await.expect("pages");
    let reused = search(Some(Monday), 2, first.next_page_token)
        .await
        .unwrap_err();
    assert_eq!(
        reason_and_fields(&reused).1,
        ["cursor"],
        "a cursor is bound to its query"
    );
    let bad_day = search(Some(Unspecified), 2, String::new())
        .await
        .unwrap_err();
    assert_eq!(reason_and_fields(&bad_day).1, ["day"]);
    let bad_size = search(None, 0, String::new()).await.unwrap_err();
    assert_eq!(reason_and_fields(&bad_size).1, ["limit"]);
}

#[tokio::test]
async fn search_needs_a_valid_semester() {
    let (service, user) = with_catalog().await;
    for semester in ["", "2026", "2026-5"] {
        let status = service
            .catalog()
            .search_courses(authed(
                pb::SearchCoursesRequest {
                    semester: semester.into(),
                    ..Default::default()
                },
                &user.token,
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(reason_and_fields(&status).1, ["semester"], "{semester:?}");
    }
}

/// The catalog as the JSON values a person sends.
fn catalog_json() -> Vec<serde_json::Value> {
    const DAYS: [&str; 8] = ["", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    catalog()
        .into_iter()
        .map(|course| {
            let sessions: Vec<serde_json::Value> = course
                .sessions
                .iter()
                .map(|session| {
                    let day = DAYS[usize::try_from(session.day).expect("a day")];
                    serde_json::json!({
                        "day": day,
                        "start": session.start,
                        "end": session.end,
                        "room": session.room,
                    })
                })
                .collect();
            serde_json::json!({
                "code": course.code,
                "name": course.name,
                "professor": course.professor,
                "credits": course.credits,
                "sessions": sessions,
            })
        })
        .collect()
}

#[tokio::test]
async fn courses_sent_as_json_import_like_typed_ones() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);
    let mut courses = catalog_json();
    // A whole number written as a decimal is an integer.
    courses[0]["credits"] = serde_json::json!(3.0);

    let imported = service.import_json(1, SEMESTER, courses).await;

    assert_eq!(imported.expect("imports"), 5);
    let found = service.search(&user, "자료구조").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].credits, 3);
    assert_eq!(found[0].sessions[1].day, i32::from(Wednesday));
}

#[tokio::test]
async fn every_field_of_the_wrong_shape_is_named_through_courses_json() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);
    let mut courses = catalog_json();
    courses[2]["code"] = serde_json::json!(7);
    courses[2]["credits"] = serde_json::json!("three");
    courses[2]["sessions"][0]["day"] = serde_json::json!(1);
    courses[2]["sessions"][0]
        .as_object_mut()
        .expect("an object")
        .remove("room");

    let status = service.import_json(1, SEMESTER, courses).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        reason_and_fields(&status),
        (
            "invalid_input".into(),
            vec![
                "courses[2].code".into(),
                "courses[2].credits".into(),
                "courses[2].sessions[0].day".into(),
                "courses[2].sessions[0].room".into(),
            ]
        )
    );
    let details = tonic_types::StatusExt::get_error_details(&status);
    let messages: Vec<String> = details
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|violation| violation.description.clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        messages,
        [
            "must be a string",
            "must be an integer",
            "must be a string",
            "is required"
        ]
    );
    assert!(
        service.search(&user, "").await.is_empty(),
        "nothing imported"
    );
}

#[tokio::test]
async fn the_first_bad_json_course_in_order_is_named_whatever_is_wrong_with_it() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);
    let with = |changes: &[(usize, &str, serde_json::Value)]| {
        let mut courses = catalog_json();
        for (index, field, value) in changes {
            courses[*index][*field] = value.clone();
        }
        courses
    };
    let cases = [
        // A rule broken early, a wrong type later: the early one.
        (
            SEMESTER,
            with(&[
                (1, "credits", serde_json::json!(31)),
                (3, "credits", serde_json::json!("three")),
            ]),
            vec!["courses[1].credits"],
        ),
        // A wrong type early, a rule broken later: every shape error of the
        // early one, and none of its broken rules.
        (
            SEMESTER,
            with(&[
                (1, "credits", serde_json::json!("three")),
                (1, "sessions", serde_json::json!({})),
                (1, "name", serde_json::json!("")),
                (3, "name", serde_json::json!("")),
            ]),
            vec!["courses[1].credits", "courses[1].sessions"],
        ),
        (
            SEMESTER,
            with(&[
                (0, "professor", serde_json::json!(null)),
                (2, "code", serde_json::json!("")),
            ]),
            vec!["courses[0].professor"],
        ),
        // An unknown day's name is the day's rule.
        (
            SEMESTER,
            with(&[(
                4,
                "sessions",
                serde_json::json!([{"day": "Saturday", "start": "09:00", "end": "11:50", "room": ""}]),
            )]),
            vec!["courses[4].sessions[0].day"],
        ),
        // The batch's own fields come first.
        (
            "2026-3",
            with(&[(0, "credits", serde_json::json!("three"))]),
            vec!["semester"],
        ),
    ];
    for (semester, courses, expected) in cases {
        let status = service.import_json(1, semester, courses).await.unwrap_err();

        assert_eq!(status.code(), Code::InvalidArgument);
        let (reason, fields) = reason_and_fields(&status);
        assert_eq!(reason, "invalid_input");
        assert_eq!(fields, expected);
    }
    let status = service
        .import_json(1, SEMESTER, vec![serde_json::json!("CSE2010-01")])
        .await
        .unwrap_err();
    assert_eq!(reason_and_fields(&status).1, ["courses[0]"]);
    let status = service.import_json(1, SEMESTER, vec![]).await.unwrap_err();
    assert_eq!(reason_and_fields(&status).1, ["courses"]);
    assert!(
        service.search(&user, "").await.is_empty(),
        "nothing imported"
    );
}

#[tokio::test]
async fn an_unknown_school_is_invalid_argument_on_school_id_after_the_admin_check() {
    let service = TestTimetable::start().await;

    for school_id in [404, 0, -1] {
        let typed = service.import(school_id, catalog()).await.unwrap_err();
        let json = service
            .import_json(school_id, SEMESTER, catalog_json())
            .await
            .unwrap_err();

        for status in [typed, json] {
            assert_eq!(status.code(), Code::InvalidArgument, "{school_id}");
            assert_eq!(
                reason_and_fields(&status),
                ("unknown_school".into(), vec!["school_id".into()]),
                "{school_id}"
            );
        }
    }
    // The school before the batch's own fields.
    let status = service
        .import_for(404, "2026-3", catalog())
        .await
        .unwrap_err();
    assert_eq!(reason_and_fields(&status).0, "unknown_school");
    // The role before the school.
    let status = service
        .catalog()
        .import_courses(authed(
            pb::ImportCoursesRequest {
                school_id: 404,
                semester: SEMESTER.into(),
                courses: catalog(),
                courses_json: None,
            },
            &service.user(1, 1).token,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn courses_sent_both_ways_at_once_are_refused_on_courses_json() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);

    let status = service
        .catalog()
        .import_courses(authed(
            pb::ImportCoursesRequest {
                school_id: 1,
                semester: SEMESTER.into(),
                courses: catalog(),
                courses_json: Some(support::list_value(catalog_json())),
            },
            &service.admin().token,
        ))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        reason_and_fields(&status),
        ("invalid_input".into(), vec!["courses_json".into()])
    );
    assert!(
        service.search(&user, "").await.is_empty(),
        "nothing imported"
    );
}

#[tokio::test]
async fn an_import_while_auth_is_down_is_unavailable() {
    let service = TestTimetable::start_with_auth_down().await;

    let status = service.import(1, catalog()).await.unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
}
