//! 공감 and scraps over real gRPC: once per user, never one's own, exact
//! counts under races.

use std::collections::HashSet;

use crate::support::{OTHER_SCHOOL, SCHOOL, TestCommunity, reason_and_fields};
use everytime_proto::community::v1 as pb;
use tonic::Code;

#[tokio::test]
async fn a_like_is_once_and_never_on_ones_own_post() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let fan = community.user(2, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "공감 부탁", "내용", false)
        .await
        .summary
        .unwrap()
        .id;

    let own = author.like(post).await.unwrap_err();
    let liked = fan.like(post).await.expect("likes");
    let again = fan.like(post).await.unwrap_err();
    let stranger = community
        .user(3, OTHER_SCHOOL)
        .like(post)
        .await
        .unwrap_err();
    let unknown = fan.like(-1).await.unwrap_err();

    assert_eq!(own.code(), Code::PermissionDenied);
    assert_eq!(reason_and_fields(&own).0, "own_post");
    assert_eq!((liked.like_count, liked.liked), (1, true));
    assert_eq!(again.code(), Code::AlreadyExists);
    assert_eq!(reason_and_fields(&again).0, "already_liked");
    assert_eq!(stranger.code(), Code::NotFound);
    assert_eq!(unknown.code(), Code::NotFound);
    let seen = fan.get(post).await.unwrap();
    assert!(seen.liked_by_me);
    assert!(!author.get(post).await.unwrap().liked_by_me);
    assert_eq!(seen.summary.unwrap().like_count, 1);
}

#[tokio::test]
async fn twenty_users_liking_at_once_make_twenty_likes() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "인기글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let fans: Vec<_> = (0..20).map(|i| community.user(100 + i, SCHOOL)).collect();

    let results = futures::future::join_all(fans.iter().map(|fan| fan.like(post))).await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        author.get(post).await.unwrap().summary.unwrap().like_count,
        20
    );
}

#[tokio::test]
async fn one_user_liking_ten_times_at_once_likes_once() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let fan = community.user(2, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "연타", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let comment = author.comment(post, "댓글도", false).await.id;

    let post_likes = futures::future::join_all((0..10).map(|_| fan.like(post))).await;
    let comment_likes = futures::future::join_all((0..10).map(|_| fan.like_comment(comment))).await;

    for results in [
        post_likes
            .iter()
            .map(|r| r.as_ref().map(|_| ()))
            .collect::<Vec<_>>(),
        comment_likes
            .iter()
            .map(|r| r.as_ref().map(|_| ()))
            .collect::<Vec<_>>(),
    ] {
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(refused.len(), 9);
        assert!(
            refused
                .iter()
                .all(|status| status.code() == Code::AlreadyExists)
        );
    }
    let post = author.get(post).await.unwrap();
    assert_eq!(post.summary.unwrap().like_count, 1);
    assert_eq!(post.comments[0].like_count, 1);
}

#[tokio::test]
async fn comment_likes_are_exact_and_never_on_ones_own_comment() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let comment = author.comment(post, "좋은 댓글", true).await.id;
    let fans: Vec<_> = (0..20).map(|i| community.user(100 + i, SCHOOL)).collect();

    let own = author.like_comment(comment).await.unwrap_err();
    let results = futures::future::join_all(fans.iter().map(|fan| fan.like_comment(comment))).await;
    let stranger = community
        .user(3, OTHER_SCHOOL)
        .like_comment(comment)
        .await
        .unwrap_err();

    assert_eq!(reason_and_fields(&own).0, "own_post");
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(stranger.code(), Code::NotFound);
    let seen = fans[0].get(post).await.unwrap();
    assert_eq!(seen.comments[0].like_count, 20);
    assert!(seen.comments[0].liked_by_me);
    assert!(!author.get(post).await.unwrap().comments[0].liked_by_me);
}

#[tokio::test]
async fn scraps_are_idempotent_exact_and_removable() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let fan = community.user(2, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "스크랩할 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let unscrap = |user: &crate::support::User| {
        let user = user.clone();
        async move {
            user.client()
                .unscrap_post(user.authed(pb::UnscrapPostRequest { post_id: post }))
                .await
        }
    };

    let own = author.scrap(post).await.unwrap_err();
    let racing = futures::future::join_all((0..10).map(|_| fan.scrap(post))).await;
    let others: Vec<_> = (0..5).map(|i| community.user(10 + i, SCHOOL)).collect();
    let others = futures::future::join_all(others.iter().map(|user| user.scrap(post))).await;
    let scrapped = fan.get(post).await.unwrap();
    let removed = unscrap(&fan).await.expect("unscraps").into_inner();
    let removed_again = unscrap(&fan).await.expect("unscraps again").into_inner();

    assert_eq!(reason_and_fields(&own).0, "own_post");
    for result in &racing {
        let response = result.as_ref().expect("scraps");
        assert!(response.scrapped);
    }
    assert!(others.iter().all(Result::is_ok));
    assert!(scrapped.scrapped_by_me);
    assert_eq!(scrapped.summary.unwrap().scrap_count, 6);
    assert_eq!((removed.scrap_count, removed.scrapped), (5, false));
    assert_eq!(
        (removed_again.scrap_count, removed_again.scrapped),
        (5, false)
    );
    assert!(!fan.get(post).await.unwrap().scrapped_by_me);
    let stranger = community.user(3, OTHER_SCHOOL);
    assert_eq!(
        stranger.scrap(post).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(unscrap(&stranger).await.unwrap_err().code(), Code::NotFound);
}

#[tokio::test]
async fn twenty_users_scrapping_at_once_make_twenty_scraps() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "스크랩 많이 될 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let fans: Vec<_> = (0..20).map(|i| community.user(100 + i, SCHOOL)).collect();

    let results = futures::future::join_all(fans.iter().map(|fan| fan.scrap(post))).await;

    let counts: HashSet<i64> = results
        .iter()
        .map(|result| result.as_ref().expect("scraps").scrap_count)
        .collect();
    assert_eq!(counts, (1..=20).collect(), "each scrap saw its own count");
    let seen = author.get(post).await.unwrap();
    assert_eq!(seen.summary.unwrap().scrap_count, 20);
    for fan in &fans {
        assert!(fan.get(post).await.unwrap().scrapped_by_me);
    }
}
