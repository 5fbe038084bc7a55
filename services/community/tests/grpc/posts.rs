//! Posts over real gRPC: writing, reading, editing and deleting, anonymity
//! on anonymous-only boards, the statements a post detail runs, ids that
//! name nothing, deletion racing everything else.

use crate::support::{OTHER_SCHOOL, SCHOOL, TestCommunity, reason_and_fields, statements_run};
use everytime_proto::community::v1 as pb;
use tonic::Code;

#[tokio::test]
async fn a_post_on_an_anonymous_only_board_is_anonymous_whatever_is_asked() {
    let community = TestCommunity::start().await;
    let author = community.user(7, SCHOOL);
    let reader = community.user(8, SCHOOL);
    let secret = author.board("비밀게시판").await;

    let created = author
        .post(secret, "비밀 이야기", "아무도 모르게", false)
        .await;
    let seen = reader
        .get(created.summary.as_ref().unwrap().id)
        .await
        .expect("reads");

    for post in [&created, &seen] {
        let author = post.summary.as_ref().unwrap().author.as_ref().unwrap();
        assert!(author.anonymous);
        assert_eq!(author.user_id, None);
        assert_eq!(author.display_name, "익명");
    }
    assert!(created.is_mine);
    assert!(!seen.is_mine);
}

#[tokio::test]
async fn a_named_post_carries_its_author_id_for_the_gateway() {
    let community = TestCommunity::start().await;
    let author = community.user(7, SCHOOL);
    let board = author.board("자유게시판").await;
    let content = "가".repeat(150);

    let created = author.post(board, "  안녕하세요 ", &content, false).await;

    let summary = created.summary.as_ref().unwrap();
    assert_eq!(summary.title, "안녕하세요");
    assert_eq!(summary.content_preview, "가".repeat(100));
    assert_eq!(created.content, content);
    assert_eq!(summary.author.as_ref().unwrap().user_id, Some(7));
    assert_eq!(
        summary.board.as_ref().map(|board| board.name.as_str()),
        Some("자유게시판")
    );
    assert_eq!(
        (
            summary.like_count,
            summary.comment_count,
            summary.scrap_count
        ),
        (0, 0, 0)
    );
    assert!(created.comments.is_empty());
}

#[tokio::test]
async fn post_limits_are_invalid_argument_naming_each_field() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let board = user.board("자유게시판").await;

    let both = user
        .try_post(board, " ", &"내".repeat(10_001), false)
        .await
        .unwrap_err();
    let long_title = user
        .try_post(board, &"제".repeat(101), "내용", false)
        .await
        .unwrap_err();
    let at_the_limits = user
        .try_post(board, &"제".repeat(100), &"내".repeat(10_000), false)
        .await;

    assert_eq!(both.code(), Code::InvalidArgument);
    assert_eq!(
        reason_and_fields(&both),
        (
            "invalid_input".into(),
            vec!["title".into(), "content".into()]
        )
    );
    assert_eq!(reason_and_fields(&long_title).1, ["title"]);
    assert!(at_the_limits.is_ok());
}

#[tokio::test]
async fn only_the_author_edits_a_post() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let other = community.user(2, SCHOOL);
    let board = author.board("자유게시판").await;
    let post = author.post(board, "원래 제목", "원래 내용", false).await;
    let id = post.summary.as_ref().unwrap().id;
    let edit = |title: Option<&str>, content: Option<&str>| pb::UpdatePostRequest {
        post_id: id,
        title: title.map(str::to_owned),
        content: content.map(str::to_owned),
    };

    let refused = other
        .client()
        .update_post(other.authed(edit(Some("탈취"), None)))
        .await
        .unwrap_err();
    let invalid = author
        .client()
        .update_post(author.authed(edit(Some(""), None)))
        .await
        .unwrap_err();
    let edited = author
        .client()
        .update_post(author.authed(edit(None, Some(" 고친 내용 "))))
        .await
        .expect("edits")
        .into_inner()
        .post
        .unwrap();
    let stranger = community.user(3, OTHER_SCHOOL);
    let elsewhere = stranger
        .client()
        .update_post(stranger.authed(edit(Some("x"), None)))
        .await
        .unwrap_err();

    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(reason_and_fields(&refused).0, "not_author");
    assert_eq!(reason_and_fields(&invalid).1, ["title"]);
    assert_eq!(edited.summary.as_ref().unwrap().title, "원래 제목");
    assert_eq!(edited.content, "고친 내용");
    assert!(
        edited.update_time.unwrap().seconds >= edited.summary.unwrap().create_time.unwrap().seconds
    );
    assert_eq!(elsewhere.code(), Code::NotFound);
}

#[tokio::test]
async fn a_post_is_deleted_by_its_author_or_an_admin_and_then_is_gone_everywhere() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let other = community.user(2, SCHOOL);
    let admin = community.admin(3, SCHOOL);
    let foreign_admin = community.admin(4, OTHER_SCHOOL);
    let board = author.board("자유게시판").await;
    let first = author
        .post(board, "삭제될 족보 글", "족보 공유", false)
        .await
        .summary
        .unwrap()
        .id;
    let second = author
        .post(board, "관리자가 지울 글", "족보 아님", false)
        .await
        .summary
        .unwrap()
        .id;
    other.comment(first, "감사합니다", false).await;
    other.like(first).await.expect("likes");
    other.scrap(first).await.expect("scraps");

    let refused = other
        .client()
        .delete_post(other.authed(pb::DeletePostRequest { post_id: first }))
        .await
        .unwrap_err();
    let foreign = foreign_admin
        .client()
        .delete_post(foreign_admin.authed(pb::DeletePostRequest { post_id: second }))
        .await
        .unwrap_err();
    author
        .client()
        .delete_post(author.authed(pb::DeletePostRequest { post_id: first }))
        .await
        .expect("deletes");
    admin
        .client()
        .delete_post(admin.authed(pb::DeletePostRequest { post_id: second }))
        .await
        .expect("an admin deletes");
    let again = author
        .client()
        .delete_post(author.authed(pb::DeletePostRequest { post_id: first }))
        .await
        .unwrap_err();

    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(
        foreign.code(),
        Code::NotFound,
        "another school's admin sees no post"
    );
    assert_eq!(again.code(), Code::NotFound);
    assert_eq!(other.get(first).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(other.get(second).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(other.like(first).await.unwrap_err().code(), Code::NotFound);
    assert!(
        author
            .board_page(board, None, "")
            .await
            .unwrap()
            .posts
            .is_empty()
    );
    assert!(other.search("족보", None).await.unwrap().is_empty());
    let my_posts = author
        .client()
        .list_my_posts(author.authed(pb::ListMyPostsRequest::default()))
        .await
        .unwrap();
    let my_comments = other
        .client()
        .list_my_commented_posts(other.authed(pb::ListMyCommentedPostsRequest::default()))
        .await
        .unwrap();
    let my_scraps = other
        .client()
        .list_my_scraps(other.authed(pb::ListMyScrapsRequest::default()))
        .await
        .unwrap();
    assert!(my_posts.into_inner().posts.is_empty());
    assert!(my_comments.into_inner().posts.is_empty());
    assert!(my_scraps.into_inner().posts.is_empty());
}

#[tokio::test]
async fn a_post_detail_runs_the_same_statements_for_0_and_200_comments() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("비밀게시판").await;
    let quiet = author
        .post(board, "조용한 글", "내용", true)
        .await
        .summary
        .unwrap()
        .id;
    let busy = author
        .post(board, "시끌벅적한 글", "내용", true)
        .await
        .summary
        .unwrap()
        .id;
    let commenters: Vec<_> = (0..20).map(|i| community.user(100 + i, SCHOOL)).collect();
    let mut top_level = Vec::new();
    for i in 0..200 {
        let user = &commenters[i % commenters.len()];
        let comment = if i % 4 == 3 {
            user.reply(busy, top_level[i / 8], "답글", i % 3 == 0).await
        } else {
            let comment = user.comment(busy, "댓글", i % 3 == 0).await;
            top_level.push(comment.id);
            comment
        };
        if i % 5 == 0 {
            author.like_comment(comment.id).await.unwrap();
        }
    }
    let viewer = community.user(999, SCHOOL);
    let pool = community.pool().await;
    // Warm up: the first use of a statement on a connection prepares it.
    viewer.get(quiet).await.unwrap();
    viewer.get(busy).await.unwrap();

    let before_quiet = statements_run(&pool).await;
    let quiet_post = viewer.get(quiet).await.unwrap();
    let after_quiet = statements_run(&pool).await;
    let busy_post = viewer.get(busy).await.unwrap();
    let after_busy = statements_run(&pool).await;

    assert!(quiet_post.comments.is_empty());
    let shown: usize = busy_post.comments.iter().map(|c| 1 + c.replies.len()).sum();
    assert_eq!(shown, 200);
    assert_eq!(busy_post.summary.unwrap().comment_count, 200);
    // The post and its thread: two statements however long the thread.
    assert_eq!(after_quiet - before_quiet, 2);
    assert_eq!(after_busy - after_quiet, after_quiet - before_quiet);
}

#[tokio::test]
async fn absurd_ids_are_not_found() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);

    for id in [0, -1, i64::MIN, i64::MAX] {
        assert_eq!(user.get(id).await.unwrap_err().code(), Code::NotFound);
        assert_eq!(user.like(id).await.unwrap_err().code(), Code::NotFound);
        assert_eq!(
            user.like_comment(id).await.unwrap_err().code(),
            Code::NotFound
        );
        assert_eq!(user.scrap(id).await.unwrap_err().code(), Code::NotFound);
        assert_eq!(
            user.board_page(id, None, "").await.unwrap_err().code(),
            Code::NotFound
        );
        assert_eq!(
            user.try_post(id, "제목", "내용", false)
                .await
                .unwrap_err()
                .code(),
            Code::NotFound
        );
        assert_eq!(
            user.try_comment(id, "댓글", false, None)
                .await
                .unwrap_err()
                .code(),
            Code::NotFound
        );
        let delete = user
            .client()
            .delete_comment(user.authed(pb::DeleteCommentRequest { comment_id: id }))
            .await;
        assert_eq!(delete.unwrap_err().code(), Code::NotFound);
    }
}

#[tokio::test]
async fn deleting_a_post_while_others_act_on_it_never_fails_inside() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("자유게시판").await;
    let others: Vec<_> = (0..12).map(|i| community.user(100 + i, SCHOOL)).collect();

    for round in 0..6 {
        let post = author
            .post(board, &format!("곧 지울 글 {round}"), "내용", false)
            .await
            .summary
            .unwrap()
            .id;
        let comment = author.comment(post, "댓글", false).await.id;
        let mut own_comments = Vec::new();
        for user in &others {
            user.scrap(post).await.expect("scraps");
            own_comments.push(user.comment(post, "지울 내 댓글", false).await.id);
        }
        let actions = others
            .iter()
            .zip(own_comments)
            .enumerate()
            .map(|(i, (user, own))| {
                let user = user.clone();
                async move {
                    let mut client = user.client();
                    match i % 5 {
                        4 => client
                            .delete_comment(
                                user.authed(pb::DeleteCommentRequest { comment_id: own }),
                            )
                            .await
                            .map(|_| ()),
                        0 => user.comment_result(post).await,
                        1 => user.like(post).await.map(|_| ()),
                        2 => client
                            .unscrap_post(user.authed(pb::UnscrapPostRequest { post_id: post }))
                            .await
                            .map(|_| ()),
                        _ => user.like_comment(comment).await.map(|_| ()),
                    }
                }
            });
        let delete = async {
            author
                .client()
                .delete_post(author.authed(pb::DeletePostRequest { post_id: post }))
                .await
                .map(|_| ())
        };
        let (deleted, results) = tokio::join!(delete, futures::future::join_all(actions));

        assert!(deleted.is_ok(), "{deleted:?}");
        for result in results {
            if let Err(status) = result {
                assert_eq!(status.code(), Code::NotFound, "round {round}: {status:?}");
            }
        }
    }
}
