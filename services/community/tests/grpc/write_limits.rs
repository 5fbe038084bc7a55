//! The per-user write limits over real gRPC: one post per board every 30
//! seconds, 10 comments and 30 likes a minute, 3 boards a day; refused with
//! `RESOURCE_EXHAUSTED`, reason `too_fast` and the delay until the next
//! would pass. They hold when one user's writes race and across replicas
//! on one database, and `off` turns them all off.

use std::time::Duration;

use everytime_community::domain::{WriteLimit, WriteLimits};
use everytime_proto::community::v1 as pb;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::support::{SCHOOL, TestCommunity, User, reason_and_fields};

/// Asserts `status` is a write-limit refusal and returns its retry delay.
#[track_caller]
fn too_fast(status: &Status) -> Duration {
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(reason_and_fields(status).0, "too_fast", "{status:?}");
    status
        .get_error_details()
        .retry_info()
        .and_then(|retry| retry.retry_delay)
        .expect("the refusal says when to retry")
}

/// Posts and returns the post's id.
async fn write(user: &User, board_id: i64, title: &str) -> i64 {
    let post = user.post(board_id, title, "내용", false).await;
    post.summary.expect("a summary").id
}

async fn create_board(user: &User, name: &str) -> Result<pb::Board, Status> {
    user.client()
        .create_board(user.authed(pb::CreateBoardRequest {
            name: name.into(),
            description: String::new(),
            anonymous_only: false,
        }))
        .await
        .map(|response| response.into_inner().board.expect("a board"))
}

/// The default limits, with posts and comments unlimited for all practical
/// purposes, so a test can make many things to like.
fn likes_only() -> WriteLimits {
    let many = WriteLimit {
        max: 10_000,
        window: Duration::from_secs(30),
    };
    WriteLimits {
        posts_per_board: many,
        comments: many,
        ..WriteLimits::default()
    }
}

#[tokio::test]
async fn a_second_post_on_one_board_within_30_seconds_is_refused() {
    let community = TestCommunity::start_with_limits(WriteLimits::default()).await;
    let user = community.user(1, SCHOOL);
    let free = user.board("자유게시판").await;
    let info = user.board("정보게시판").await;

    write(&user, free, "첫 글").await;
    let refused = user
        .try_post(free, "둘째 글", "내용", false)
        .await
        .unwrap_err();

    let delay = too_fast(&refused);
    assert!(
        delay > Duration::ZERO && delay <= Duration::from_secs(30),
        "{delay:?}"
    );
    // Another board, and another user on the same board, are fine.
    write(&user, info, "다른 게시판").await;
    write(&community.user(2, SCHOOL), free, "다른 사람").await;
    // The refused post was not written.
    let titles: Vec<String> = user
        .board_page(free, Some(10), "")
        .await
        .unwrap()
        .posts
        .into_iter()
        .map(|post| post.title)
        .collect();
    assert_eq!(titles, ["다른 사람", "첫 글"]);
}

#[tokio::test]
async fn the_eleventh_comment_in_a_minute_is_refused() {
    let community = TestCommunity::start_with_limits(WriteLimits::default()).await;
    let author = community.user(1, SCHOOL);
    let commenter = community.user(2, SCHOOL);
    let free = author.board("자유게시판").await;
    let info = author.board("정보게시판").await;
    let first = write(&author, free, "글").await;
    let second = write(&author, info, "글").await;

    // Comments and replies on any posts count together.
    let top = commenter.comment(first, "댓글", false).await;
    for i in 1..10 {
        let post = if i % 2 == 0 { first } else { second };
        commenter.comment(post, "댓글", true).await;
    }
    let refused = commenter
        .try_comment(first, "답글", false, Some(top.id))
        .await
        .unwrap_err();

    let delay = too_fast(&refused);
    assert!(
        delay > Duration::from_secs(50) && delay <= Duration::from_secs(60),
        "{delay:?}"
    );
    let refused = commenter
        .try_comment(second, "댓글", false, None)
        .await
        .unwrap_err();
    too_fast(&refused);
    // Others may still comment.
    author.comment(first, "글쓴이 댓글", false).await;
}

#[tokio::test]
async fn the_thirty_first_like_in_a_minute_is_refused_posts_and_comments_together() {
    let community = TestCommunity::start_with_limits(likes_only()).await;
    let author = community.user(1, SCHOOL);
    let fan = community.user(2, SCHOOL);
    let free = author.board("자유게시판").await;
    let mut posts = Vec::new();
    for i in 0..25 {
        posts.push(write(&author, free, &format!("글 {i}")).await);
    }
    let mut comments = Vec::new();
    for _ in 0..10 {
        comments.push(author.comment(posts[0], "댓글", false).await.id);
    }

    for post in &posts[..20] {
        fan.like(*post).await.expect("likes a post");
    }
    // A like that fails (already liked) is not counted.
    let again = fan.like(posts[0]).await.unwrap_err();
    assert_eq!(reason_and_fields(&again).0, "already_liked");
    for comment in &comments {
        fan.like_comment(*comment).await.expect("likes a comment");
    }
    // 30 likes so far: the 31st is refused, of a post or of a comment.
    too_fast(&fan.like(posts[20]).await.unwrap_err());
    author.comment(posts[0], "하나 더", false).await;
    let comment = author.comment(posts[1], "하나 더", false).await;
    too_fast(&fan.like_comment(comment.id).await.unwrap_err());
    // Scraps are not likes, and another user may like.
    fan.scrap(posts[21]).await.expect("scraps");
    community
        .user(3, SCHOOL)
        .like(posts[20])
        .await
        .expect("another user likes");
}

#[tokio::test]
async fn the_fourth_board_in_a_day_is_refused() {
    let community = TestCommunity::start_with_limits(WriteLimits::default()).await;
    let user = community.user(1, SCHOOL);

    for name in ["스터디", "동아리", "장터"] {
        create_board(&user, name).await.expect("creates a board");
    }
    let refused = create_board(&user, "넷째").await.unwrap_err();

    let delay = too_fast(&refused);
    assert!(
        delay > Duration::from_secs(23 * 3600) && delay <= Duration::from_secs(24 * 3600),
        "{delay:?}"
    );
    // The name was not taken: another user may create the board.
    create_board(&community.user(2, SCHOOL), "넷째")
        .await
        .expect("another user creates it");
}

#[tokio::test]
async fn racing_posts_by_one_user_to_one_board_let_exactly_one_through() {
    let community = TestCommunity::start_with_limits(WriteLimits::default()).await;
    let user = community.user(1, SCHOOL);
    let free = user.board("자유게시판").await;

    let titles: Vec<String> = (0..8).map(|i| format!("경쟁 {i}")).collect();
    let results = futures::future::join_all(
        titles
            .iter()
            .map(|title| user.try_post(free, title, "내용", false)),
    )
    .await;

    let passed = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(passed, 1, "{results:?}");
    for refused in results.iter().filter_map(|result| result.as_ref().err()) {
        too_fast(refused);
    }
    let page = user.board_page(free, Some(10), "").await.unwrap();
    assert_eq!(page.posts.len(), 1);
}

#[tokio::test]
async fn the_limits_hold_across_two_replicas_on_one_database() {
    let first = TestCommunity::start_with_limits(WriteLimits::default()).await;
    let second = first.replica(WriteLimits::default()).await;
    // One user, each replica with a token it accepts.
    let (on_first, on_second) = (first.user(1, SCHOOL), second.user(1, SCHOOL));
    let author = first.user(2, SCHOOL);
    let free = on_first.board("자유게시판").await;

    write(&on_first, free, "첫 글").await;
    too_fast(
        &on_second
            .try_post(free, "둘째 글", "내용", false)
            .await
            .unwrap_err(),
    );

    let post = write(&author, free, "댓글 받을 글").await;
    for i in 0..10 {
        let user = if i % 2 == 0 { &on_first } else { &on_second };
        user.comment(post, "댓글", false).await;
    }
    too_fast(
        &on_first
            .try_comment(post, "열한째", false, None)
            .await
            .unwrap_err(),
    );
    too_fast(
        &on_second
            .try_comment(post, "열한째", false, None)
            .await
            .unwrap_err(),
    );
    second.stop().await;
}

#[tokio::test]
async fn with_the_limits_off_nothing_is_refused() {
    let community = TestCommunity::start_with_limits(WriteLimits::off()).await;
    let author = community.user(1, SCHOOL);
    let fan = community.user(2, SCHOOL);
    let free = author.board("자유게시판").await;

    let mut posts = Vec::new();
    for i in 0..35 {
        posts.push(write(&author, free, &format!("글 {i}")).await);
    }
    for _ in 0..12 {
        fan.comment(posts[0], "댓글", false).await;
    }
    for post in &posts {
        fan.like(*post).await.expect("likes");
    }
    for name in ["하나", "둘", "셋", "넷"] {
        create_board(&fan, name).await.expect("creates a board");
    }
}
