//! Timetables: the primary one, default names, clashes, adds refused and
//! allowed, removing courses, and who may read a timetable.

use everytime_proto::timetable::v1::{self as pb, Day::*, Visibility};
use everytime_timetable::error::conflicts_of;
use tonic::Code;

use crate::{
    catalog::with_catalog,
    support::{SEMESTER, TestTimetable, authed, course, reason_and_fields, session},
};

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
