//! The timetable service over real gRPC, with a fresh database per test.

mod support;

use everytime_proto::timetable::v1::{self as pb, Day::*, Visibility};
use everytime_timetable::error::conflicts_of;
use support::{SEMESTER, TestTimetable, User, authed, course, reason_and_fields, session};
use tonic::Code;

/// A small catalog for school 1: 자료구조 MON/WED 09:00–10:15, 운영체제 right
/// after it, 알고리즘 overlapping it on WED, 미적분학 on TUE/THU, 실험 on SAT.
fn catalog() -> Vec<pb::CourseInput> {
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

async fn with_catalog() -> (TestTimetable, User) {
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

#[tokio::test]
async fn the_first_timetable_is_primary_and_default_names_count_up() {
    let (service, user) = with_catalog().await;

    let first = service.create_timetable(&user, None).await;
    let second = service.create_timetable(&user, None).await;
    let named = service.create_timetable(&user, Some("  플랜 B ")).await;
    let third = service.create_timetable(&user, None).await;

    assert!(first.is_primary);
    assert!(!second.is_primary && !named.is_primary && !third.is_primary);
    assert_eq!(
        [&first.name, &second.name, &named.name, &third.name],
        ["시간표 1", "시간표 2", "플랜 B", "시간표 3"]
    );
    assert_eq!(first.owner_id, user.id);
    assert_eq!(first.visibility(), Visibility::Friends);
    assert_eq!(first.total_credits, 0);
    assert!(first.create_time.is_some());
}

#[tokio::test]
async fn racing_first_timetables_still_make_exactly_one_primary() {
    let service = TestTimetable::start().await;
    let user = service.user(5, 1);

    let created =
        futures::future::join_all((0..6).map(|_| service.create_timetable(&user, None))).await;

    assert_eq!(
        created
            .iter()
            .filter(|timetable| timetable.is_primary)
            .count(),
        1
    );
    let mut names: Vec<String> = created
        .into_iter()
        .map(|timetable| timetable.name)
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 6, "default names never repeat");
}

#[tokio::test]
async fn making_one_primary_demotes_the_other_and_deleting_the_primary_promotes_the_oldest() {
    let (service, user) = with_catalog().await;
    let first = service.create_timetable(&user, None).await;
    let second = service.create_timetable(&user, None).await;
    let third = service.create_timetable(&user, None).await;
    let update = |id, is_primary| {
        let mut timetables = service.timetables();
        let token = user.token.clone();
        async move {
            timetables
                .update_timetable(authed(
                    pb::UpdateTimetableRequest {
                        timetable_id: id,
                        name: None,
                        is_primary: Some(is_primary),
                        visibility: None,
                    },
                    &token,
                ))
                .await
        }
    };

    let made = update(third.id, true)
        .await
        .expect("updates")
        .into_inner()
        .timetable
        .expect("timetable");
    assert!(made.is_primary);
    assert!(
        !service
            .get(&user, first.id)
            .await
            .expect("reads")
            .is_primary
    );

    let status = update(third.id, false).await.unwrap_err();
    assert_eq!(
        reason_and_fields(&status),
        ("primary_required".into(), vec!["is_primary".into()])
    );

    service
        .timetables()
        .delete_timetable(authed(
            pb::DeleteTimetableRequest {
                timetable_id: third.id,
            },
            &user.token,
        ))
        .await
        .expect("deletes");
    let listed = service
        .timetables()
        .list_timetables(authed(
            pb::ListTimetablesRequest {
                semester: Some(SEMESTER.into()),
            },
            &user.token,
        ))
        .await
        .expect("lists")
        .into_inner()
        .timetables;
    let primaries: Vec<i64> = listed
        .iter()
        .filter(|t| t.is_primary)
        .map(|t| t.id)
        .collect();
    assert_eq!(primaries, [first.id], "the oldest remaining one");
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|t| t.id == second.id));
}

#[tokio::test]
async fn a_clash_is_already_exists_with_the_clashing_courses() {
    let (service, user) = with_catalog().await;
    let timetable = service.create_timetable(&user, None).await;
    let data_structures = service.course_id(&user, "CSE2010-01").await;
    let os = service.course_id(&user, "CSE3020-01").await;
    let algorithms = service.course_id(&user, "CSE3030-01").await;
    service
        .add(&user, timetable.id, data_structures)
        .await
        .expect("adds");
    // Back to back: 10:15 is where 자료구조 ends and 운영체제 starts.
    let both = service
        .add(&user, timetable.id, os)
        .await
        .expect("back-to-back is fine");
    assert_eq!(both.total_credits, 6);

    // 알고리즘 meets only on Wednesday 10:00–11:00, clashing with both.
    let status = service
        .add(&user, timetable.id, algorithms)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::AlreadyExists);
    assert_eq!(reason_and_fields(&status).0, "time_conflict");
    let conflicts = conflicts_of(&status).expect("a TimeConflict detail");
    let codes: Vec<&str> = conflicts
        .iter()
        .map(|course| course.code.as_str())
        .collect();
    assert_eq!(codes, ["CSE2010-01", "CSE3020-01"]);
    assert_eq!(
        conflicts[0].sessions.len(),
        2,
        "conflicts are whole courses"
    );
    let after = service.get(&user, timetable.id).await.expect("reads");
    assert_eq!(after.courses.len(), 2, "the timetable is unchanged");
}

#[tokio::test]
async fn adding_twice_another_semester_another_school_or_nothing_is_refused() {
    let (service, user) = with_catalog().await;
    service
        .import_for(
            1,
            "2027-1",
            vec![course(
                "NEXT-01",
                "다음학기",
                "교수",
                3,
                vec![session(Friday, "09:00", "10:00", "")],
            )],
        )
        .await
        .expect("imports");
    service
        .import(
            2,
            vec![course(
                "OTHER-01",
                "남의학교",
                "교수",
                3,
                vec![session(Friday, "09:00", "10:00", "")],
            )],
        )
        .await
        .expect("imports");
    let timetable = service.create_timetable(&user, None).await;
    let calculus = service.course_id(&user, "MAT1010-02").await;
    let other_school = service.course_id(&service.user(2, 2), "OTHER-01").await;
    let next_semester = service
        .catalog()
        .search_courses(authed(
            pb::SearchCoursesRequest {
                semester: "2027-1".into(),
                ..Default::default()
            },
            &user.token,
        ))
        .await
        .expect("searches")
        .into_inner()
        .courses[0]
        .id;
    service
        .add(&user, timetable.id, calculus)
        .await
        .expect("adds");

    let twice = service
        .add(&user, timetable.id, calculus)
        .await
        .unwrap_err();
    let semester = service
        .add(&user, timetable.id, next_semester)
        .await
        .unwrap_err();
    let school = service
        .add(&user, timetable.id, other_school)
        .await
        .unwrap_err();
    let unknown_course = service.add(&user, timetable.id, 987_654).await.unwrap_err();
    let unknown_timetable = service.add(&user, 987_654, calculus).await.unwrap_err();

    assert_eq!(
        (twice.code(), reason_and_fields(&twice).0.as_str()),
        (Code::AlreadyExists, "already_added")
    );
    assert_eq!(semester.code(), Code::InvalidArgument);
    assert_eq!(reason_and_fields(&semester).1, ["course_id"]);
    assert_eq!(school.code(), Code::InvalidArgument);
    assert_eq!(reason_and_fields(&school).1, ["course_id"]);
    assert_eq!(unknown_course.code(), Code::NotFound);
    assert_eq!(unknown_timetable.code(), Code::NotFound);
}

#[tokio::test]
async fn a_course_meeting_on_several_days_is_checked_on_each() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);
    service
        .import(
            1,
            vec![
                course(
                    "A-01",
                    "월요일만",
                    "교수",
                    2,
                    vec![session(Monday, "15:00", "16:00", "")],
                ),
                course(
                    "B-01",
                    "화목과목",
                    "교수",
                    3,
                    vec![
                        session(Tuesday, "15:00", "16:00", ""),
                        session(Thursday, "15:30", "16:30", ""),
                    ],
                ),
                course(
                    "C-01",
                    "목요일만",
                    "교수",
                    2,
                    vec![session(Thursday, "16:00", "17:00", "")],
                ),
            ],
        )
        .await
        .expect("imports");
    let timetable = service.create_timetable(&user, None).await;
    for code in ["A-01", "C-01"] {
        let id = service.course_id(&user, code).await;
        service.add(&user, timetable.id, id).await.expect("adds");
    }

    let status = service
        .add(&user, timetable.id, service.course_id(&user, "B-01").await)
        .await
        .unwrap_err();

    let conflicts = conflicts_of(&status).expect("conflicts");
    assert_eq!(
        conflicts
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["C-01"]
    );
}

#[tokio::test]
async fn racing_conflicting_adds_never_both_succeed() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);
    service
        .import(
            1,
            vec![
                course(
                    "RACE-A",
                    "경쟁A",
                    "교수",
                    3,
                    vec![session(Monday, "09:00", "10:30", "")],
                ),
                course(
                    "RACE-B",
                    "경쟁B",
                    "교수",
                    3,
                    vec![
                        session(Friday, "13:00", "14:00", ""),
                        session(Monday, "10:00", "11:00", ""),
                    ],
                ),
            ],
        )
        .await
        .expect("imports");
    let a = service.course_id(&user, "RACE-A").await;
    let b = service.course_id(&user, "RACE-B").await;

    for round in 0..30 {
        let timetable = service
            .create_timetable(&user, Some(&format!("경쟁 {round}")))
            .await;
        let (first, second) = tokio::join!(
            service.add(&user, timetable.id, a),
            service.add(&user, timetable.id, b)
        );

        let accepted = [&first, &second]
            .iter()
            .filter(|result| result.is_ok())
            .count();
        assert_eq!(accepted, 1, "round {round}: {first:?} / {second:?}");
        let refused = [first, second]
            .into_iter()
            .find_map(Result::err)
            .expect("one refused");
        assert_eq!(
            reason_and_fields(&refused).0,
            "time_conflict",
            "round {round}"
        );
        assert!(
            conflicts_of(&refused).is_some_and(|courses| courses.len() == 1),
            "round {round}: the clash names the course in the way"
        );
        let held = service.get(&user, timetable.id).await.expect("reads");
        assert_eq!(held.courses.len(), 1, "round {round}");
        service
            .timetables()
            .delete_timetable(authed(
                pb::DeleteTimetableRequest {
                    timetable_id: timetable.id,
                },
                &user.token,
            ))
            .await
            .expect("deletes");
    }
}

/// Straight from the database: the (timetable, course) pairs whose slots
/// are not exactly the course's sessions, and the pairs of courses held in
/// one timetable whose sessions overlap.
async fn audit(pool: &sqlx::PgPool) -> (Vec<(i64, i64)>, Vec<(i64, i64, i64)>) {
    let stale: Vec<(i64, i64)> = sqlx::query_as(
        r#"
        select tc.timetable_id, tc.course_id
        from timetable_courses tc
        where array(select ts.day::text || ' ' || ts.minutes::text from timetable_slots ts
                    where ts.timetable_id = tc.timetable_id and ts.course_id = tc.course_id
                    order by 1)
              is distinct from
              array(select s.day::text || ' ' || int4range(s.start_minute, s.end_minute)::text
                    from course_sessions s where s.course_id = tc.course_id
                    order by 1)
        order by 1, 2
        "#,
    )
    .fetch_all(pool)
    .await
    .expect("audits the slots");
    let clashes: Vec<(i64, i64, i64)> = sqlx::query_as(
        r#"
        select a.timetable_id, a.course_id, b.course_id
        from timetable_courses a
        join timetable_courses b on b.timetable_id = a.timetable_id and b.course_id > a.course_id
        where exists (
            select 1 from course_sessions x
            join course_sessions y on y.day = x.day
             and int4range(y.start_minute, y.end_minute) && int4range(x.start_minute, x.end_minute)
            where x.course_id = a.course_id and y.course_id = b.course_id)
        order by 1, 2, 3
        "#,
    )
    .fetch_all(pool)
    .await
    .expect("audits the clashes");
    (stale, clashes)
}

#[tokio::test]
async fn an_add_racing_an_import_that_moves_the_course_never_keeps_stale_times() {
    let service = TestTimetable::start().await;
    let user = service.user(1, 1);
    let pool = everytime_timetable::catalog::connect(&service.database_url)
        .await
        .expect("connects");
    // 고정 holds Monday 09:00–10:00; 이동 moves between a free time and one
    // overlapping 고정 with every other import.
    let catalog = |mover_clashes: bool| {
        let mover = if mover_clashes {
            session(Monday, "09:30", "10:30", "이동 강의실")
        } else {
            session(Monday, "11:00", "12:00", "이동 강의실")
        };
        vec![
            course(
                "MOVE-HELD",
                "고정",
                "교수",
                3,
                vec![session(Monday, "09:00", "10:00", "")],
            ),
            course("MOVE-MOVER", "이동", "교수", 3, vec![mover]),
        ]
    };
    service.import(1, catalog(false)).await.expect("imports");
    let held = service.course_id(&user, "MOVE-HELD").await;
    let mover = service.course_id(&user, "MOVE-MOVER").await;
    let mut timetables = Vec::new();
    for n in 0..8 {
        let timetable = service
            .create_timetable(&user, Some(&format!("이동 {n}")))
            .await;
        service
            .add(&user, timetable.id, held)
            .await
            .expect("adds the fixed course");
        timetables.push(timetable.id);
    }

    for round in 0..25 {
        // Each add starts a little later than the one before, so together
        // they cover the whole import, its last statements included.
        let adds =
            futures::future::join_all(timetables.iter().enumerate().map(|(n, &timetable_id)| {
                let service = &service;
                let user = &user;
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(
                        u64::try_from(n).unwrap_or(0),
                    ))
                    .await;
                    service.add(user, timetable_id, mover).await
                }
            }));
        let (imported, added) = tokio::join!(service.import(1, catalog(true)), adds);

        imported.expect("the import that moves 이동 onto 고정 succeeds");
        for result in &added {
            if let Err(status) = result {
                assert_eq!(
                    reason_and_fields(status).0,
                    "time_conflict",
                    "round {round}: {status:?}"
                );
                let conflicts = conflicts_of(status).unwrap_or_default();
                let ids: Vec<i64> = conflicts.iter().map(|course| course.id).collect();
                assert_eq!(ids, [held], "round {round}: a refusal names 고정");
            }
        }
        let (stale, clashes) = audit(&pool).await;
        assert_eq!(
            stale,
            [],
            "round {round}: slots that are not the course's sessions"
        );
        assert_eq!(
            clashes,
            [],
            "round {round}: courses that clash in one timetable"
        );
        for &timetable_id in &timetables {
            let now = service.get(&user, timetable_id).await.expect("reads");
            let ids: Vec<i64> = now.courses.iter().map(|course| course.id).collect();
            assert_eq!(
                ids,
                [held],
                "round {round}: 이동 clashes now, so it is not held"
            );
        }
        // Back to the free time for the next round (nobody holds 이동).
        service.import(1, catalog(false)).await.expect("imports");
    }
    pool.close().await;
}

#[tokio::test]
async fn removing_a_course_frees_its_time() {
    let (service, user) = with_catalog().await;
    let timetable = service.create_timetable(&user, None).await;
    let data_structures = service.course_id(&user, "CSE2010-01").await;
    let algorithms = service.course_id(&user, "CSE3030-01").await;
    service
        .add(&user, timetable.id, data_structures)
        .await
        .expect("adds");
    let remove = |course_id| {
        let mut timetables = service.timetables();
        let request = authed(
            pb::RemoveCourseRequest {
                timetable_id: timetable.id,
                course_id,
            },
            &user.token,
        );
        async move { timetables.remove_course(request).await }
    };

    remove(data_structures).await.expect("removes");

    assert_eq!(
        remove(data_structures).await.unwrap_err().code(),
        Code::NotFound
    );
    service
        .add(&user, timetable.id, algorithms)
        .await
        .expect("the time is free");
}

#[tokio::test]
async fn who_may_read_a_timetable_follows_its_visibility() {
    let (service, owner) = with_catalog().await;
    let friend = service.user(2, 1);
    let schoolmate = service.user(3, 1);
    let elsewhere = service.user(4, 2);
    service.befriend(&owner, &friend).await;
    let timetable = service.create_timetable(&owner, None).await;

    for (visibility, expected) in [
        (Visibility::Private, [true, false, false, false]),
        (Visibility::Friends, [true, true, false, false]),
        (Visibility::Public, [true, true, true, false]),
    ] {
        service
            .set_visibility(&owner, timetable.id, visibility)
            .await;
        for (viewer, allowed) in [&owner, &friend, &schoolmate, &elsewhere]
            .into_iter()
            .zip(expected)
        {
            let read = service.get(viewer, timetable.id).await;
            let rendered = service
                .timetables()
                .render_timetable(authed(
                    pb::RenderTimetableRequest {
                        timetable_id: timetable.id,
                    },
                    &viewer.token,
                ))
                .await;
            if allowed {
                assert!(
                    read.is_ok() && rendered.is_ok(),
                    "{visibility:?} for user {}",
                    viewer.id
                );
            } else {
                assert_eq!(
                    read.unwrap_err().code(),
                    Code::NotFound,
                    "{visibility:?} for user {}",
                    viewer.id
                );
                assert_eq!(rendered.unwrap_err().code(), Code::NotFound);
            }
        }
    }
    // Seeing is not owning.
    let status = service
        .add(
            &friend,
            timetable.id,
            service.course_id(&owner, "CSE2010-01").await,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason_and_fields(&status).0.as_str()),
        (Code::PermissionDenied, "not_owner")
    );
}

#[tokio::test]
async fn the_picture_is_svg_with_a_block_per_session() {
    let service = TestTimetable::start().await;
    let mut courses = catalog();
    // Half an hour: too short for two lines, and its room still shows.
    courses.push(course(
        "CHA0001-01",
        "채플",
        "",
        0,
        vec![session(Friday, "12:00", "12:30", "대강당")],
    ));
    service.import(1, courses).await.expect("imports");
    let user = service.user(1, 1);
    let timetable = service
        .create_timetable(&user, Some("내 <시간표> & 계획"))
        .await;
    for code in ["CSE2010-01", "MAT1010-02", "PHY1020-01", "CHA0001-01"] {
        let id = service.course_id(&user, code).await;
        service.add(&user, timetable.id, id).await.expect("adds");
    }

    let svg = service
        .timetables()
        .render_timetable(authed(
            pb::RenderTimetableRequest {
                timetable_id: timetable.id,
            },
            &user.token,
        ))
        .await
        .expect("renders")
        .into_inner()
        .svg;

    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(
        root.attribute("font-family")
            .is_some_and(|font| font.contains("Noto Sans KR"))
    );
    let blocks = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("session"))
        .count();
    assert_eq!(blocks, 6, "2 + 2 + 1 + 1 sessions");
    // Each course in one colour of its own.
    let mut fills: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    for block in root
        .descendants()
        .filter(|node| node.attribute("class") == Some("course"))
    {
        let fill = block
            .children()
            .find(|node| node.attribute("class") == Some("session"))
            .and_then(|rect| rect.attribute("fill"))
            .expect("a filled block");
        fills
            .entry(block.attribute("data-course-id").expect("a course id"))
            .or_default()
            .insert(fill);
    }
    assert_eq!(fills.len(), 4);
    assert!(
        fills.values().all(|colours| colours.len() == 1),
        "{fills:?}"
    );
    let distinct: std::collections::BTreeSet<&str> = fills.values().flatten().copied().collect();
    assert_eq!(distinct.len(), 4, "{fills:?}");
    // Every block names its room.
    let rooms: Vec<&str> = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("room"))
        .filter_map(|node| node.text())
        .collect();
    assert_eq!(rooms.len(), 6, "{rooms:?}");
    for room in ["301동 101호", "27동 220호", "56동 실험실", "대강당"] {
        assert!(rooms.contains(&room), "{room} in {rooms:?}");
    }
    let days: Vec<&str> = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("day"))
        .filter_map(|node| node.attribute("data-day"))
        .collect();
    assert_eq!(days, ["MON", "TUE", "WED", "THU", "FRI", "SAT"]);
    let text: String = root.descendants().filter_map(|node| node.text()).collect();
    for name in [
        "자료구조",
        "미적분학",
        "물리학실험",
        "채플",
        "301동 101호",
        "내 <시간표> & 계획",
    ] {
        assert!(text.contains(name), "{name}");
    }
}

#[tokio::test]
async fn friend_requests_go_from_asking_to_friends() {
    let service = TestTimetable::start().await;
    let (minsu, jiwoo, third) = (service.user(1, 1), service.user(2, 1), service.user(3, 1));
    let send = |from: &User, to: i64| {
        let mut friends = service.friends();
        let token = from.token.clone();
        async move {
            friends
                .send_friend_request(authed(pb::SendFriendRequestRequest { user_id: to }, &token))
                .await
                .map(tonic::Response::into_inner)
        }
    };
    let list = |user: &User| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .list_friend_requests(authed(pb::ListFriendRequestsRequest {}, &token))
                .await
                .expect("lists")
                .into_inner()
        }
    };
    let accept = |user: &User, request_id: i64| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .accept_friend_request(authed(
                    pb::AcceptFriendRequestRequest { request_id },
                    &token,
                ))
                .await
                .map(tonic::Response::into_inner)
        }
    };

    let sent = send(&minsu, jiwoo.id).await.expect("sends");
    let request = sent.request.expect("a request");
    assert!(!sent.accepted);
    assert_eq!(
        (request.from_user_id, request.to_user_id),
        (minsu.id, jiwoo.id)
    );
    assert_eq!(
        reason_and_fields(&send(&minsu, jiwoo.id).await.unwrap_err()).0,
        "already_requested"
    );
    assert_eq!(
        reason_and_fields(&send(&minsu, minsu.id).await.unwrap_err()).0,
        "cannot_befriend_self"
    );
    assert_eq!(list(&jiwoo).await.incoming.len(), 1);
    assert_eq!(list(&minsu).await.outgoing.len(), 1);

    // Only the recipient accepts: the sender is told no, anyone else sees nothing.
    assert_eq!(
        accept(&minsu, request.id).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    assert_eq!(
        accept(&third, request.id).await.unwrap_err().code(),
        Code::NotFound
    );
    let friend = accept(&jiwoo, request.id)
        .await
        .expect("accepts")
        .friend
        .expect("a friend");
    assert_eq!(friend.user_id, minsu.id);
    assert_eq!(
        accept(&jiwoo, request.id).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        reason_and_fields(&send(&jiwoo, minsu.id).await.unwrap_err()).0,
        "already_friends"
    );
    assert!(list(&jiwoo).await.incoming.is_empty());

    let friends_of = |user: &User| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .list_friends(authed(pb::ListFriendsRequest {}, &token))
                .await
                .expect("lists")
                .into_inner()
                .friends
                .into_iter()
                .map(|friend| friend.user_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(friends_of(&minsu).await, [jiwoo.id]);
    assert_eq!(friends_of(&jiwoo).await, [minsu.id]);

    service
        .friends()
        .remove_friend(authed(
            pb::RemoveFriendRequest { user_id: minsu.id },
            &jiwoo.token,
        ))
        .await
        .expect("removes");
    assert!(friends_of(&minsu).await.is_empty(), "both sides");
    let again = service
        .friends()
        .remove_friend(authed(
            pb::RemoveFriendRequest { user_id: minsu.id },
            &jiwoo.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound);
}

#[tokio::test]
async fn friends_are_listed_newest_friendship_first() {
    let service = TestTimetable::start().await;
    let me = service.user(10, 1);
    let (a, b, c) = (
        service.user(30, 1),
        service.user(20, 1),
        service.user(40, 1),
    );
    // Neither by id nor in the order they were asked.
    service.befriend(&me, &a).await;
    service.befriend(&b, &me).await;
    service.befriend(&me, &c).await;

    let friends = service
        .friends()
        .list_friends(authed(pb::ListFriendsRequest {}, &me.token))
        .await
        .expect("lists")
        .into_inner()
        .friends;

    let ids: Vec<i64> = friends.iter().map(|friend| friend.user_id).collect();
    assert_eq!(ids, [40, 20, 30]);
}

#[tokio::test]
async fn asking_someone_who_asked_you_makes_you_friends_even_at_once() {
    let service = TestTimetable::start().await;
    let (a, b) = (service.user(1, 1), service.user(2, 1));
    let send = |from: &User, to: &User| {
        let mut friends = service.friends();
        let (token, to) = (from.token.clone(), to.id);
        async move {
            friends
                .send_friend_request(authed(pb::SendFriendRequestRequest { user_id: to }, &token))
                .await
                .map(tonic::Response::into_inner)
        }
    };

    let (first, second) = tokio::join!(send(&a, &b), send(&b, &a));

    let accepted: Vec<bool> = [first, second]
        .into_iter()
        .map(|result| result.expect("both succeed").accepted)
        .collect();
    assert_eq!(
        accepted.iter().filter(|accepted| **accepted).count(),
        1,
        "{accepted:?}"
    );
    let friends = service
        .friends()
        .list_friends(authed(pb::ListFriendsRequest {}, &a.token))
        .await
        .expect("lists")
        .into_inner()
        .friends;
    assert_eq!(
        friends.iter().map(|f| f.user_id).collect::<Vec<_>>(),
        [b.id]
    );
}

#[tokio::test]
async fn a_request_is_declined_by_its_recipient_or_cancelled_by_its_sender_only() {
    let service = TestTimetable::start().await;
    let (a, b, c) = (service.user(1, 1), service.user(2, 1), service.user(3, 1));
    let send = |from: &User, to: &User| {
        let mut friends = service.friends();
        let (token, to) = (from.token.clone(), to.id);
        async move {
            friends
                .send_friend_request(authed(pb::SendFriendRequestRequest { user_id: to }, &token))
                .await
                .expect("sends")
                .into_inner()
                .request
                .expect("a request")
                .id
        }
    };
    let delete = |user: &User, request_id: i64| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .delete_friend_request(authed(
                    pb::DeleteFriendRequestRequest { request_id },
                    &token,
                ))
                .await
        }
    };

    let declined = send(&a, &b).await;
    assert_eq!(
        delete(&c, declined).await.unwrap_err().code(),
        Code::NotFound
    );
    delete(&b, declined).await.expect("the recipient declines");
    let cancelled = send(&a, &b).await;
    delete(&a, cancelled).await.expect("the sender cancels");
    assert_eq!(
        delete(&a, cancelled).await.unwrap_err().code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn a_friends_primary_timetable_is_shown_unless_private() {
    let (service, owner) = with_catalog().await;
    let friend = service.user(2, 1);
    let stranger = service.user(3, 1);
    service.befriend(&owner, &friend).await;
    let primary = service.create_timetable(&owner, None).await;
    service.create_timetable(&owner, None).await;
    let fetch = |viewer: &User| {
        let mut timetables = service.timetables();
        let token = viewer.token.clone();
        async move {
            timetables
                .get_friend_timetable(authed(
                    pb::GetFriendTimetableRequest {
                        user_id: 1,
                        semester: SEMESTER.into(),
                    },
                    &token,
                ))
                .await
                .map(|response| response.into_inner().timetable.expect("a timetable"))
        }
    };

    assert_eq!(
        fetch(&friend).await.expect("visible to friends").id,
        primary.id
    );
    assert_eq!(fetch(&stranger).await.unwrap_err().code(), Code::NotFound);
    service
        .set_visibility(&owner, primary.id, Visibility::Private)
        .await;
    assert_eq!(fetch(&friend).await.unwrap_err().code(), Code::NotFound);
    service
        .set_visibility(&owner, primary.id, Visibility::Public)
        .await;
    assert!(fetch(&friend).await.is_ok());
    assert_eq!(
        fetch(&stranger).await.unwrap_err().code(),
        Code::NotFound,
        "friends only, even when public"
    );
}

#[tokio::test]
async fn the_primary_timetable_is_absent_until_there_is_one() {
    let (service, user) = with_catalog().await;
    let primary = |semester: &str| {
        let mut timetables = service.timetables();
        let (token, semester) = (user.token.clone(), semester.to_owned());
        async move {
            timetables
                .get_primary_timetable(authed(pb::GetPrimaryTimetableRequest { semester }, &token))
                .await
                .map(|response| response.into_inner().timetable)
        }
    };

    assert_eq!(primary(SEMESTER).await.expect("answers"), None);
    let created = service.create_timetable(&user, None).await;
    assert_eq!(
        primary(SEMESTER).await.expect("answers").map(|t| t.id),
        Some(created.id)
    );
    assert_eq!(
        reason_and_fields(&primary("2026-7").await.unwrap_err()).1,
        ["semester"]
    );
}

#[tokio::test]
async fn every_rpc_needs_a_token() {
    let service = TestTimetable::start().await;
    let status = service
        .timetables()
        .list_timetables(pb::ListTimetablesRequest { semester: None })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}
