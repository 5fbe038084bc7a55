//! Adds racing each other and racing an import: a timetable never holds a
//! clash or stale times, whoever wins.

use everytime_proto::timetable::v1::{self as pb, Day::*};
use everytime_timetable::error::conflicts_of;

use crate::support::{TestTimetable, authed, course, reason_and_fields, session};

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
