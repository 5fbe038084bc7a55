//! 강의평가 over real gRPC: a review never carries its author, in any reply
//! to anyone, and a lecture is its name and professor across sections.

use everytime_proto::timetable::v1 as pb;

use crate::support::{TestTimetable, authed, course, reason_and_fields, session};

/// The reviewer: an id long enough that no other id, count or time in a
/// reply can contain it by chance, so finding it anywhere is a leak.
const WRITER: i64 = 73_400_320_017;

fn answers(rating: i32) -> pb::ReviewAnswers {
    pb::ReviewAnswers {
        rating,
        assignment: pb::Amount::Normal.into(),
        team_project: pb::Amount::None.into(),
        grading: pb::Grading::Generous.into(),
        attendance: pb::Attendance::Electronic.into(),
        exams: 2,
        content: "설명이 친절하고 과제가 실력에 도움이 되는 수업입니다.".into(),
        semester: "2026-1".into(),
    }
}

/// Asserts the debug form of `reply` (every field, at any depth) holds the
/// writer's id nowhere.
#[track_caller]
fn assert_hides_writer(what: &str, reply: &impl std::fmt::Debug) {
    let text = format!("{reply:?}");
    assert!(
        !text.contains(&WRITER.to_string()),
        "{what} reveals the writer: {text}"
    );
}

#[tokio::test]
async fn no_reply_of_the_review_service_carries_the_reviewer() {
    let timetable = TestTimetable::start().await;
    timetable
        .import(
            1,
            vec![
                course(
                    "CSE2010-01",
                    "자료구조",
                    "김민준",
                    3,
                    vec![session(pb::Day::Monday, "09:00", "10:15", "")],
                ),
                course(
                    "CSE2010-02",
                    "자료구조",
                    "김민준",
                    3,
                    vec![session(pb::Day::Tuesday, "09:00", "10:15", "")],
                ),
            ],
        )
        .await
        .expect("imports");
    let writer = timetable.user(WRITER, 1);
    let viewer = timetable.user(20, 1);
    let first = timetable.course_id(&writer, "CSE2010-01").await;
    let second = timetable.course_id(&writer, "CSE2010-02").await;
    let mut reviews = timetable.reviews();

    let created = reviews
        .create_review(authed(
            pb::CreateReviewRequest {
                course_id: first,
                answers: Some(answers(4)),
            },
            &writer.token,
        ))
        .await
        .expect("created")
        .into_inner();
    assert_hides_writer("CreateReview", &created);
    let review = created.review.expect("a review");
    assert!(review.is_mine);

    // The other section is the same lecture: one review per user.
    let again = reviews
        .create_review(authed(
            pb::CreateReviewRequest {
                course_id: second,
                answers: Some(answers(5)),
            },
            &writer.token,
        ))
        .await
        .expect_err("one per lecture");
    assert_eq!(again.code(), tonic::Code::AlreadyExists);
    assert_eq!(reason_and_fields(&again).0, "already_reviewed");

    for (who, user) in [("the viewer", &viewer), ("the writer", &writer)] {
        let page = reviews
            .list_course_reviews(authed(
                pb::ListCourseReviewsRequest {
                    course_id: second,
                    page_size: None,
                    page_token: String::new(),
                },
                &user.token,
            ))
            .await
            .expect("listed")
            .into_inner();
        assert_hides_writer(&format!("ListCourseReviews to {who}"), &page);
        assert_eq!(page.reviews.len(), 1);
        assert_eq!(page.reviews[0].is_mine, user.id == WRITER);
        assert_eq!(page.summary.as_ref().map(|summary| summary.count), Some(1));
    }
    let liked = reviews
        .like_review(authed(
            pb::LikeReviewRequest {
                review_id: review.id,
            },
            &viewer.token,
        ))
        .await
        .expect("liked")
        .into_inner();
    assert_hides_writer("LikeReview", &liked);
    assert_eq!(liked.like_count, 1);
    let own = reviews
        .like_review(authed(
            pb::LikeReviewRequest {
                review_id: review.id,
            },
            &writer.token,
        ))
        .await
        .expect_err("not one's own");
    assert_eq!(
        (own.code(), reason_and_fields(&own).0.as_str()),
        (tonic::Code::PermissionDenied, "own_post")
    );
    let mine = reviews
        .list_my_reviews(authed(
            pb::ListMyReviewsRequest {
                page_size: None,
                page_token: String::new(),
            },
            &writer.token,
        ))
        .await
        .expect("listed")
        .into_inner();
    assert_hides_writer("ListMyReviews", &mine);
    assert_eq!(
        mine.reviews[0].lecture,
        Some(pb::Lecture {
            name: "자료구조".into(),
            professor: "김민준".into()
        })
    );
    // Errors name no user either.
    let refused = reviews
        .delete_review(authed(
            pb::DeleteReviewRequest {
                review_id: review.id,
            },
            &viewer.token,
        ))
        .await
        .expect_err("not the author");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    assert_hides_writer("DeleteReview's refusal", &refused);
}
