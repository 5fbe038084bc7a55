//! Comments over real gRPC: 익명N numbering, replies one level deep,
//! deleting, the caps on comments and boards.

use crate::support::{SCHOOL, TestCommunity, author_name, ids, reason_and_fields};
use everytime_proto::community::v1 as pb;
use tonic::Code;

#[tokio::test]
async fn an_empty_edit_changes_nothing_and_only_authors_delete_comments() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let admin = community.admin(2, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author.post(board, "제목", "내용", false).await;
    let id = post.summary.as_ref().unwrap().id;
    let comment = author.comment(id, "내 댓글", false).await.id;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let unchanged = author
        .client()
        .update_post(author.authed(pb::UpdatePostRequest {
            post_id: id,
            title: None,
            content: None,
        }))
        .await
        .expect("an empty edit")
        .into_inner()
        .post
        .unwrap();
    let refused = admin
        .client()
        .delete_comment(admin.authed(pb::DeleteCommentRequest {
            comment_id: comment,
        }))
        .await
        .unwrap_err();

    assert_eq!(unchanged.update_time, post.update_time);
    assert_eq!(unchanged.content, "내용");
    assert_eq!(refused.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn anonymous_commenters_are_numbered_in_order_and_keep_their_numbers() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let (a, b, c) = (
        community.user(2, SCHOOL),
        community.user(3, SCHOOL),
        community.user(4, SCHOOL),
    );
    // An anonymous post on a board where one may also comment by name (on
    // 비밀게시판 every comment is anonymous).
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "익명 글", "댓글 달아주세요", true)
        .await
        .summary
        .unwrap()
        .id;

    let first = b.comment(post, "첫 댓글", true).await;
    let by_author = author.comment(post, "글쓴이입니다", true).await;
    let second = a.comment(post, "두번째", true).await;
    let named = c.comment(post, "실명 댓글", false).await;
    let b_again = b.reply(post, second.id, "또 왔어요", true).await;
    let author_reply = author.reply(post, first.id, "답글", true).await;
    // c's first anonymous comment comes after their named one: they are next.
    let c_anonymous = c.comment(post, "이번엔 익명", true).await;

    let created: Vec<String> = [
        &first,
        &by_author,
        &second,
        &named,
        &b_again,
        &author_reply,
        &c_anonymous,
    ]
    .iter()
    .map(|comment| author_name(comment.author.as_ref()))
    .collect();
    assert_eq!(
        created,
        [
            "익명1",
            "익명(글쓴이)",
            "익명2",
            "user 4",
            "익명1",
            "익명(글쓴이)",
            "익명3"
        ]
    );

    let thread = a.get(post).await.unwrap();
    let top: Vec<String> = thread
        .comments
        .iter()
        .map(|c| author_name(c.author.as_ref()))
        .collect();
    assert_eq!(top, ["익명1", "익명(글쓴이)", "익명2", "user 4", "익명3"]);
    assert_eq!(
        author_name(thread.comments[0].replies[0].author.as_ref()),
        "익명(글쓴이)"
    );
    assert_eq!(
        author_name(thread.comments[2].replies[0].author.as_ref()),
        "익명1"
    );
    let mine: Vec<bool> = thread.comments.iter().map(|c| c.is_mine).collect();
    assert_eq!(mine, [false, false, true, false, false]);
    assert_eq!(thread.summary.unwrap().comment_count, 7);

    // Deleting every comment of 익명1 does not renumber anyone.
    for id in [first.id, b_again.id] {
        b.client()
            .delete_comment(b.authed(pb::DeleteCommentRequest { comment_id: id }))
            .await
            .expect("deletes");
    }
    let late = community
        .user(5, SCHOOL)
        .comment(post, "늦게 왔어요", true)
        .await;
    assert_eq!(author_name(late.author.as_ref()), "익명4");
    let thread = a.get(post).await.unwrap();
    let top: Vec<String> = thread
        .comments
        .iter()
        .map(|c| author_name(c.author.as_ref()))
        .collect();
    assert_eq!(
        top,
        ["-", "익명(글쓴이)", "익명2", "user 4", "익명3", "익명4"]
    );
}

#[tokio::test]
async fn concurrent_first_comments_get_distinct_numbers() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("비밀게시판").await;
    let post = author
        .post(board, "선착순", "댓글 경쟁", true)
        .await
        .summary
        .unwrap()
        .id;
    let users: Vec<_> = (0..15).map(|i| community.user(100 + i, SCHOOL)).collect();

    let comments =
        futures::future::join_all(users.iter().map(|user| user.comment(post, "저요", true))).await;

    let mut numbers: Vec<String> = comments
        .iter()
        .map(|c| author_name(c.author.as_ref()))
        .collect();
    numbers.sort_by_key(|name| name.trim_start_matches("익명").parse::<u32>().unwrap_or(0));
    let expected: Vec<String> = (1..=15).map(|n| format!("익명{n}")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(
        author
            .get(post)
            .await
            .unwrap()
            .summary
            .unwrap()
            .comment_count,
        15
    );
}

#[tokio::test]
async fn replies_go_one_level_deep_on_the_same_post() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let board = user.board("자유게시판").await;
    let post = user
        .post(board, "글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let other_post = user
        .post(board, "다른 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let comment = user.comment(post, "댓글", false).await;
    let reply = user.reply(post, comment.id, "답글", false).await;

    let nested = user
        .try_comment(post, "답글의 답글", false, Some(reply.id))
        .await
        .unwrap_err();
    let elsewhere = user
        .try_comment(other_post, "다른 글의 답글", false, Some(comment.id))
        .await
        .unwrap_err();
    let unknown = user
        .try_comment(post, "없는 댓글", false, Some(i64::MAX))
        .await
        .unwrap_err();
    let too_long = user
        .try_comment(post, &"댓".repeat(301), false, None)
        .await
        .unwrap_err();

    assert_eq!(nested.code(), Code::InvalidArgument);
    assert_eq!(
        reason_and_fields(&nested),
        ("reply_to_reply".into(), vec!["parent_id".into()])
    );
    assert_eq!(reason_and_fields(&elsewhere).1, ["parent_id"]);
    assert_eq!(reason_and_fields(&unknown).1, ["parent_id"]);
    assert_eq!(reason_and_fields(&too_long).1, ["content"]);
    // The refused comments were not counted.
    assert_eq!(
        user.get(post).await.unwrap().summary.unwrap().comment_count,
        2
    );
    assert!(
        user.try_comment(post, &"댓".repeat(300), false, None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_deleted_comment_stays_only_while_it_has_replies() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let other = community.user(2, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author
        .post(board, "글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let with_reply = other.comment(post, "답글 달릴 댓글", true).await;
    let reply = author.reply(post, with_reply.id, "답글", false).await;
    let alone = other.comment(post, "혼자인 댓글", false).await;
    let delete = |user: &crate::support::User, comment_id: i64| {
        let user = user.clone();
        async move {
            user.client()
                .delete_comment(user.authed(pb::DeleteCommentRequest { comment_id }))
                .await
        }
    };

    let refused = delete(&author, alone.id).await.unwrap_err();
    delete(&other, with_reply.id).await.expect("deletes");
    delete(&other, alone.id).await.expect("deletes");
    let again = delete(&other, alone.id).await.unwrap_err();

    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(again.code(), Code::NotFound);
    let thread = author.get(post).await.unwrap();
    assert_eq!(thread.comments.len(), 1);
    let kept = &thread.comments[0];
    assert!(kept.deleted);
    assert_eq!(kept.content, "삭제된 댓글입니다.");
    assert!(kept.author.is_none());
    assert_eq!(
        kept.replies.iter().map(|r| r.id).collect::<Vec<_>>(),
        [reply.id]
    );
    assert_eq!(thread.summary.unwrap().comment_count, 1);
    assert_eq!(
        other.like_comment(alone.id).await.unwrap_err().code(),
        Code::NotFound
    );

    // Once its last reply goes, the deleted comment goes too.
    delete(&author, reply.id).await.expect("deletes");
    let thread = author.get(post).await.unwrap();
    assert!(thread.comments.is_empty());
    assert_eq!(thread.summary.unwrap().comment_count, 0);
}

#[tokio::test]
async fn racing_deletes_of_a_posts_only_comment_delete_it_once() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let commenter = community.user(2, SCHOOL);
    let board = author.board("자유게시판").await;

    for round in 0..5 {
        let post = author
            .post(board, &format!("글 {round}"), "내용", false)
            .await
            .summary
            .unwrap()
            .id;
        let comment = commenter.comment(post, "곧 지울 댓글", true).await.id;

        let deletes = futures::future::join_all((0..8).map(|_| {
            let user = commenter.clone();
            async move {
                user.client()
                    .delete_comment(user.authed(pb::DeleteCommentRequest {
                        comment_id: comment,
                    }))
                    .await
            }
        }))
        .await;

        let deleted = deletes.iter().filter(|result| result.is_ok()).count();
        assert_eq!(deleted, 1, "round {round}: {deletes:?}");
        for refused in deletes.iter().filter_map(|result| result.as_ref().err()) {
            assert_eq!(refused.code(), Code::NotFound, "round {round}: {refused:?}");
        }
        let seen = author.get(post).await.unwrap();
        assert_eq!(seen.summary.unwrap().comment_count, 0, "round {round}");
        assert!(seen.comments.is_empty());
        let commented = commenter
            .client()
            .list_my_commented_posts(commenter.authed(pb::ListMyCommentedPostsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(!ids(&commented.posts).contains(&post), "round {round}");
        // The post still counts comments from zero.
        commenter.comment(post, "다시", false).await;
        assert_eq!(
            author
                .get(post)
                .await
                .unwrap()
                .summary
                .unwrap()
                .comment_count,
            1
        );
    }
}

#[tokio::test]
async fn comments_on_an_anonymous_only_board_are_anonymous_whatever_is_sent() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let (first, second) = (community.user(2, SCHOOL), community.user(3, SCHOOL));
    let secret = author.board("비밀게시판").await;
    let free = author.board("자유게시판").await;
    let post = author
        .post(secret, "비밀 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;

    // Every one of them asks to be named.
    let by_author = author.comment(post, "글쓴이가 실명으로", false).await;
    let by_first = first.comment(post, "실명으로", false).await;
    let by_second = second
        .try_comment(post, "답글도 실명으로", false, Some(by_first.id))
        .await
        .expect("replies");
    let first_again = first.comment(post, "또 실명으로", false).await;

    let created = [&by_author, &by_first, &by_second, &first_again];
    let names: Vec<String> = created
        .iter()
        .map(|comment| author_name(comment.author.as_ref()))
        .collect();
    assert_eq!(names, ["익명(글쓴이)", "익명1", "익명2", "익명1"]);
    for comment in created {
        let shown = comment.author.as_ref().unwrap();
        assert!(shown.anonymous && shown.user_id.is_none(), "{comment:?}");
    }
    let thread = second.get(post).await.unwrap();
    let top: Vec<String> = thread
        .comments
        .iter()
        .map(|c| author_name(c.author.as_ref()))
        .collect();
    assert_eq!(top, ["익명(글쓴이)", "익명1", "익명1"]);
    assert_eq!(
        author_name(thread.comments[1].replies[0].author.as_ref()),
        "익명2"
    );
    assert!(format!("{thread:?}").contains("user_id: None"));
    assert!(
        !format!("{thread:?}").contains("user_id: Some"),
        "{thread:?}"
    );
    // Elsewhere a comment is named when asked to be.
    let named_post = author
        .post(free, "실명 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let named = first.comment(named_post, "실명 댓글", false).await;
    assert_eq!(author_name(named.author.as_ref()), "user 2");
}

#[tokio::test]
async fn a_full_post_and_a_full_school_refuse_more_with_their_own_codes() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let other = community.user(2, SCHOOL);
    let board = user.board("자유게시판").await;
    let post = user
        .post(board, "댓글 가득", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let pool = community.pool().await;
    sqlx::query("update post_stats set comment_count = 1000 where post_id = $1")
        .bind(post)
        .execute(&pool)
        .await
        .unwrap();

    let refused = other
        .try_comment(post, "하나 더", false, None)
        .await
        .unwrap_err();
    let boards = futures::future::join_all((0..100).map(|i| {
        let user = user.clone();
        async move {
            user.client()
                .create_board(user.authed(pb::CreateBoardRequest {
                    name: format!("게시판 {i}"),
                    description: String::new(),
                    anonymous_only: false,
                }))
                .await
        }
    }))
    .await;

    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(
        reason_and_fields(&refused),
        ("too_many_comments".into(), vec!["post_id".into()])
    );
    assert_eq!(
        user.get(post).await.unwrap().summary.unwrap().comment_count,
        1000,
        "the refused comment was not counted"
    );
    // Four default boards and 96 more make the hundred a school may have.
    assert_eq!(boards.iter().filter(|r| r.is_ok()).count(), 96);
    for status in boards.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert_eq!(
            reason_and_fields(status),
            ("too_many_boards".into(), vec![])
        );
    }
    assert_eq!(user.boards().await.len(), 100);
}
