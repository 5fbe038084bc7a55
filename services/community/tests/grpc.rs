//! The community service over real gRPC, with a fresh database per test.

mod support;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use everytime_community::domain::Season;
use everytime_proto::community::v1 as pb;
use support::{TestCommunity, author_name, ids, reason_and_fields, statements_run};
use tonic::Code;

const SCHOOL: i64 = 1;
const OTHER_SCHOOL: i64 = 2;

#[tokio::test]
async fn the_default_boards_exist_the_first_time_a_school_lists_them() {
    let community = TestCommunity::start().await;
    let user = community.user(10, 3);

    let boards = user.boards().await;

    let names: Vec<_> = boards.iter().map(|board| board.name.as_str()).collect();
    assert_eq!(
        names,
        ["자유게시판", "비밀게시판", "새내기게시판", "정보게시판"]
    );
    let anonymous_only: Vec<_> = boards.iter().map(|board| board.anonymous_only).collect();
    assert_eq!(anonymous_only, [false, true, false, false]);
    assert!(boards.iter().all(|board| board.create_time.is_some()));
    // Listing again creates nothing more.
    assert_eq!(user.boards().await.len(), 4);
}

#[tokio::test]
async fn racing_first_listings_create_each_default_board_once() {
    let community = TestCommunity::start().await;
    let users: Vec<_> = (0..12).map(|i| community.user(100 + i, 5)).collect();

    let listings = futures::future::join_all(users.iter().map(|user| user.boards())).await;

    for boards in &listings {
        assert_eq!(boards.len(), 4, "{boards:?}");
    }
    let all_ids: HashSet<i64> = listings.iter().flatten().map(|board| board.id).collect();
    assert_eq!(all_ids.len(), 4);
}

#[tokio::test]
async fn each_school_has_its_own_boards_and_cannot_reach_anothers() {
    let community = TestCommunity::start().await;
    let mine = community.user(1, SCHOOL);
    let stranger = community.user(2, OTHER_SCHOOL);
    let my_board = mine.board("자유게시판").await;

    let their_boards = stranger.boards().await;
    let listing = stranger.board_page(my_board, None, "").await.unwrap_err();
    let posting = stranger
        .try_post(my_board, "제목", "내용", false)
        .await
        .unwrap_err();

    assert!(their_boards.iter().all(|board| board.id != my_board));
    assert_eq!(listing.code(), Code::NotFound);
    assert_eq!(reason_and_fields(&listing).0, "board_not_found");
    assert_eq!(posting.code(), Code::NotFound);
}

#[tokio::test]
async fn a_board_is_created_once_per_name_in_a_school() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let request = |name: &str| pb::CreateBoardRequest {
        name: name.into(),
        description: "  알고리즘 스터디 모집  ".into(),
        anonymous_only: true,
    };

    let created = user
        .client()
        .create_board(user.authed(request(" 스터디게시판 ")))
        .await
        .expect("creates")
        .into_inner()
        .board
        .expect("a board");
    let again = user
        .client()
        .create_board(user.authed(request("스터디게시판")))
        .await
        .unwrap_err();
    let a_default = user
        .client()
        .create_board(user.authed(request("자유게시판")))
        .await
        .unwrap_err();
    let elsewhere = community
        .user(2, OTHER_SCHOOL)
        .client()
        .create_board(
            community
                .user(2, OTHER_SCHOOL)
                .authed(request("스터디게시판")),
        )
        .await;

    assert_eq!(created.name, "스터디게시판");
    assert_eq!(created.description, "알고리즘 스터디 모집");
    assert!(created.anonymous_only);
    for status in [&again, &a_default] {
        assert_eq!(status.code(), Code::AlreadyExists);
        assert_eq!(
            reason_and_fields(status),
            ("board_name_taken".into(), vec!["name".into()])
        );
    }
    assert!(elsewhere.is_ok(), "another school may use the name");
    let names: Vec<_> = user
        .boards()
        .await
        .into_iter()
        .map(|board| board.name)
        .collect();
    assert_eq!(names.len(), 5);
    assert_eq!(names.last().map(String::as_str), Some("스터디게시판"));
}

#[tokio::test]
async fn board_limits_are_invalid_argument_naming_each_field() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);

    let status = user
        .client()
        .create_board(user.authed(pb::CreateBoardRequest {
            name: "가".repeat(31),
            description: "설".repeat(201),
            anonymous_only: false,
        }))
        .await
        .unwrap_err();
    let blank = user
        .client()
        .create_board(user.authed(pb::CreateBoardRequest {
            name: "   ".into(),
            description: String::new(),
            anonymous_only: false,
        }))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(reason_and_fields(&status).1, ["name", "description"]);
    assert_eq!(reason_and_fields(&blank).1, ["name"]);
    assert!(
        user.client()
            .create_board(user.authed(pb::CreateBoardRequest {
                name: "가".repeat(30),
                description: "설".repeat(200),
                anonymous_only: false,
            }))
            .await
            .is_ok()
    );
}

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
    let delete = |user: &support::User, comment_id: i64| {
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
    let unscrap = |user: &support::User| {
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
async fn hot_lists_posts_with_ten_likes_by_when_they_reached_ten() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("자유게시판").await;
    let early = author
        .post(board, "먼저 쓴 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let late = author
        .post(board, "나중에 쓴 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let almost = author
        .post(board, "아홉 개", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let fans: Vec<_> = (0..10).map(|i| community.user(100 + i, SCHOOL)).collect();

    // The later post reaches ten first, then the earlier one does.
    for fan in &fans {
        fan.like(late).await.expect("likes");
    }
    for fan in &fans[..9] {
        fan.like(almost).await.expect("likes");
    }
    for fan in &fans {
        fan.like(early).await.expect("likes");
    }
    let hot = |user: support::User, token: String| async move {
        user.client()
            .list_hot_posts(user.authed(pb::ListHotPostsRequest {
                page_size: Some(1),
                page_token: token,
            }))
            .await
            .expect("lists hot")
            .into_inner()
    };
    let first = hot(author.clone(), String::new()).await;
    let second = hot(author.clone(), first.next_page_token.clone()).await;
    let elsewhere = community
        .user(3, OTHER_SCHOOL)
        .client()
        .list_hot_posts(
            community
                .user(3, OTHER_SCHOOL)
                .authed(pb::ListHotPostsRequest::default()),
        )
        .await
        .unwrap()
        .into_inner();

    assert_eq!(ids(&first.posts), [early]);
    assert_eq!(ids(&second.posts), [late]);
    assert!(second.next_page_token.is_empty());
    assert!(elsewhere.posts.is_empty());
}

#[tokio::test]
async fn best_lists_a_seasons_posts_with_a_hundred_likes_most_liked_first() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("자유게시판").await;
    let hundred = author
        .post(board, "백 개", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let more = author
        .post(board, "백한 개", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let fewer = author
        .post(board, "구십구 개", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let fans: Vec<_> = (0..101).map(|i| community.user(1000 + i, SCHOOL)).collect();
    for (post, count) in [(hundred, 100), (more, 101), (fewer, 99)] {
        let likes = futures::future::join_all(fans[..count].iter().map(|fan| fan.like(post))).await;
        assert!(likes.iter().all(Result::is_ok));
    }
    let best = |season: &str| {
        let request = author.authed(pb::ListBestPostsRequest {
            season: season.into(),
            page_size: None,
            page_token: String::new(),
        });
        let mut client = author.client();
        async move { client.list_best_posts(request).await }
    };

    let current = best("").await.expect("lists best").into_inner();
    let explicit = best(&current.season)
        .await
        .expect("lists best")
        .into_inner();
    let past = best("2020-H1").await.expect("lists best").into_inner();
    let malformed = best("2026-H3").await.unwrap_err();

    assert_eq!(ids(&current.posts), [more, hundred]);
    assert_eq!(current.posts[0].like_count, 101);
    assert_eq!(ids(&explicit.posts), [more, hundred]);
    assert!(past.posts.is_empty());
    assert_eq!(past.season, "2020-H1");
    assert_eq!(malformed.code(), Code::InvalidArgument);
    assert_eq!(reason_and_fields(&malformed).1, ["season"]);
    let season = &current.season;
    assert!(
        season.ends_with("-H1") || season.ends_with("-H2"),
        "{season}"
    );
}

#[tokio::test]
async fn search_finds_substrings_of_title_or_content_case_insensitively() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let free = user.board("자유게시판").await;
    let info = user.board("정보게시판").await;
    let in_title = user
        .post(free, "자료구조 족보 있나요", "급해요", false)
        .await
        .summary
        .unwrap()
        .id;
    let in_content = user
        .post(info, "시험 정보", "작년 족보를 공유합니다", true)
        .await
        .summary
        .unwrap()
        .id;
    let english = user
        .post(free, "Rust Study", "We meet on FRIDAY", false)
        .await
        .summary
        .unwrap()
        .id;
    user.post(free, "상관없는 글", "족 보 띄어쓰기", false)
        .await;
    let elsewhere = community.user(2, OTHER_SCHOOL);
    let their_board = elsewhere.board("자유게시판").await;
    elsewhere
        .post(their_board, "다른 학교 족보", "족보", false)
        .await;

    assert_eq!(
        ids(&user.search("족보", None).await.unwrap()),
        [in_content, in_title]
    );
    assert_eq!(
        ids(&user.search(" 족보 ", Some(info)).await.unwrap()),
        [in_content]
    );
    assert_eq!(ids(&user.search("friday", None).await.unwrap()), [english]);
    assert_eq!(ids(&user.search("RUST s", None).await.unwrap()), [english]);
    assert!(user.search("족보를공유", None).await.unwrap().is_empty());
    // The anonymous result carries no author id.
    let anonymous = &user.search("공유합니다", None).await.unwrap()[0];
    assert_eq!(anonymous.author.as_ref().unwrap().user_id, None);

    for bad in ["", "족", &"가".repeat(51)] {
        let status = user.search(bad, None).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{bad:?}");
        assert_eq!(reason_and_fields(&status).1, ["q"]);
    }
    let foreign_board = user.search("족보", Some(their_board)).await.unwrap_err();
    assert_eq!(foreign_board.code(), Code::NotFound);
}

#[tokio::test]
async fn search_walks_the_bigram_index_not_the_posts() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let board = user.board("자유게시판").await;
    let needle = user
        .post(board, "자료구조 족보 구합니다", "있으신 분", false)
        .await
        .summary
        .unwrap()
        .id;
    let pool = community.pool().await;
    // Five thousand posts of everyday Korean-like text: random syllables,
    // common ones more often, as real posts have them.
    sqlx::query("select setseed(0.42)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into posts (school_id, board_id, author_id, anonymous, title, content)
         select $1, $2, 2, false, left(text, 30), text
         from (
             select n, string_agg(chr(44032 + floor(11172 * power(random(), 3))::int)
                                  || case when random() < 0.3 then ' ' else '' end, '') as text
             from generate_series(1, 5000) as n, generate_series(1, 40) as k
             group by n
         ) as generated",
    )
    .bind(SCHOOL)
    .bind(board)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into post_stats (post_id, school_id, season)
         select id, school_id, season_of(created_at) from posts
         where not exists (select 1 from post_stats s where s.post_id = posts.id)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("analyze posts").execute(&pool).await.unwrap();

    let found = user.search("족보 구", None).await.unwrap();

    assert!(ids(&found).contains(&needle));
    // The statement the service ran, from the offline data its build is
    // checked against, planned for the same arguments.
    let (sql, types) = support::store_query("search_grams @> bigrams($2)");
    let arguments = [
        SCHOOL.to_string(),
        "'족보 구'".to_owned(),
        i64::MAX.to_string(),
        "21".to_owned(),
    ];
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    for plan in support::plans(&pool, &sql, &types, &arguments).await {
        assert!(plan.contains("posts_search_grams_idx"), "{plan}");
        assert!(!plan.contains("Seq Scan"), "{plan}");
    }
}

#[tokio::test]
async fn a_board_pages_through_45_posts_newest_first_without_gaps() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let board = user.board("자유게시판").await;
    let mut written = Vec::new();
    for i in 0..45 {
        written.push(
            user.post(board, &format!("글 {i}"), "내용", i % 2 == 0)
                .await
                .summary
                .unwrap()
                .id,
        );
    }
    written.reverse();

    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = user
            .board_page(board, Some(10), &token)
            .await
            .expect("a page");
        pages += 1;
        seen.extend(ids(&page.posts));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }

    assert_eq!(seen, written);
    assert_eq!(pages, 5);
    let default = user.board_page(board, None, "").await.unwrap();
    assert_eq!(default.posts.len(), 20);
    let full = user.board_page(board, Some(100), "").await.unwrap();
    assert_eq!(full.posts.len(), 45);
    assert!(full.next_page_token.is_empty());
}

#[tokio::test]
async fn bad_limits_and_cursors_are_invalid_arguments() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let free = user.board("자유게시판").await;
    let info = user.board("정보게시판").await;
    for i in 0..3 {
        user.post(free, &format!("글 {i}"), "내용", false).await;
    }
    let token = user
        .board_page(free, Some(1), "")
        .await
        .unwrap()
        .next_page_token;
    let (payload, signature) = token.split_once('.').unwrap();
    let tampered = format!("{}x.{signature}", &payload[..payload.len() - 1]);

    for (limit, cursor, field) in [
        (Some(0), "", "limit"),
        (Some(101), "", "limit"),
        (Some(-3), "", "limit"),
        (None, tampered.as_str(), "cursor"),
        (None, "garbage", "cursor"),
    ] {
        let status = user.board_page(free, limit, cursor).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(reason_and_fields(&status).1, [field], "{limit:?} {cursor}");
    }
    // A cursor of one board is not one of another, nor of another list.
    let other_board = user.board_page(info, None, &token).await.unwrap_err();
    assert_eq!(reason_and_fields(&other_board).1, ["cursor"]);
    let other_list = user
        .client()
        .list_my_posts(user.authed(pb::ListMyPostsRequest {
            page_size: None,
            page_token: token.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(reason_and_fields(&other_list).1, ["cursor"]);
    assert_eq!(
        user.board_page(free, Some(1), &token)
            .await
            .unwrap()
            .posts
            .len(),
        1
    );
}

#[tokio::test]
async fn my_lists_show_my_posts_commented_posts_and_scraps_newest_first() {
    let community = TestCommunity::start().await;
    let me = community.user(1, SCHOOL);
    let other = community.user(2, SCHOOL);
    let board = me.board("자유게시판").await;
    let secret = me.board("비밀게시판").await;
    let mine_named = me
        .post(board, "내 글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let mine_anonymous = me
        .post(secret, "내 익명 글", "내용", true)
        .await
        .summary
        .unwrap()
        .id;
    let theirs: Vec<i64> = {
        let mut ids = Vec::new();
        for i in 0..3 {
            ids.push(
                other
                    .post(board, &format!("남의 글 {i}"), "내용", false)
                    .await
                    .summary
                    .unwrap()
                    .id,
            );
        }
        ids
    };
    other.post(board, "안 건드린 글", "내용", false).await;
    // Comment on 0, then 1, then 0 again: 0 is the most recent.
    me.comment(theirs[0], "첫 댓글", true).await;
    me.comment(theirs[1], "댓글", false).await;
    me.comment(theirs[0], "또 댓글", false).await;
    me.scrap(theirs[2]).await.unwrap();
    me.scrap(theirs[0]).await.unwrap();

    let my_posts = me
        .client()
        .list_my_posts(me.authed(pb::ListMyPostsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let commented = me
        .client()
        .list_my_commented_posts(me.authed(pb::ListMyCommentedPostsRequest {
            page_size: Some(1),
            page_token: String::new(),
        }))
        .await
        .unwrap()
        .into_inner();
    let commented_rest = me
        .client()
        .list_my_commented_posts(me.authed(pb::ListMyCommentedPostsRequest {
            page_size: Some(5),
            page_token: commented.next_page_token.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    let scraps = me
        .client()
        .list_my_scraps(me.authed(pb::ListMyScrapsRequest::default()))
        .await
        .unwrap()
        .into_inner();

    assert_eq!(ids(&my_posts.posts), [mine_anonymous, mine_named]);
    assert_eq!(my_posts.posts[0].author.as_ref().unwrap().user_id, None);
    assert_eq!(ids(&commented.posts), [theirs[0]]);
    assert_eq!(ids(&commented_rest.posts), [theirs[1]]);
    assert!(commented_rest.next_page_token.is_empty());
    assert_eq!(ids(&scraps.posts), [theirs[0], theirs[2]]);
    // Someone else's lists are their own.
    let their_scraps = other
        .client()
        .list_my_scraps(other.authed(pb::ListMyScrapsRequest::default()))
        .await
        .unwrap();
    assert!(their_scraps.into_inner().posts.is_empty());
}

#[tokio::test]
async fn deleting_my_only_comment_takes_the_post_off_my_comments() {
    let community = TestCommunity::start().await;
    let me = community.user(1, SCHOOL);
    let other = community.user(2, SCHOOL);
    let board = me.board("자유게시판").await;
    let post = other
        .post(board, "글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    let comment = me.comment(post, "지울 댓글", false).await.id;

    me.client()
        .delete_comment(me.authed(pb::DeleteCommentRequest {
            comment_id: comment,
        }))
        .await
        .unwrap();

    let commented = me
        .client()
        .list_my_commented_posts(me.authed(pb::ListMyCommentedPostsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(commented.posts.is_empty());
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
async fn calls_without_a_valid_token_are_unauthenticated() {
    let community = TestCommunity::start().await;
    let mut client =
        everytime_proto::community::v1::community_service_client::CommunityServiceClient::new(
            community.channel.clone(),
        );

    let status = client
        .list_boards(pb::ListBoardsRequest {})
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unauthenticated);
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

/// Sets a post's likes, creation time and season straight in the database.
async fn move_post(pool: &sqlx::PgPool, post: i64, likes: i32, created_at: &str) {
    sqlx::query(
        "with moved as (update posts set created_at = $2::timestamptz where id = $1 returning id, created_at)
         update post_stats s set season = season_of(moved.created_at), like_count = $3
         from moved where s.post_id = moved.id",
    )
    .bind(post)
    .bind(created_at)
    .bind(likes)
    .execute(pool)
    .await
    .expect("moves the post");
}

#[tokio::test]
async fn a_best_post_is_listed_only_in_the_half_year_it_was_written() {
    let community = TestCommunity::start().await;
    let author = community.user(1, SCHOOL);
    let board = author.board("자유게시판").await;
    let mut posts = Vec::new();
    for title in ["이번 학기 글", "작년 12월 31일 밤", "올해 1월 1일 자정"] {
        posts.push(
            author
                .post(board, title, "내용", false)
                .await
                .summary
                .unwrap()
                .id,
        );
    }
    let (now, december, january) = (posts[0], posts[1], posts[2]);
    let pool = community.pool().await;
    sqlx::query("update post_stats set like_count = 120 where post_id = $1")
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    // 23:59:59 on New Year's Eve in Korea, and midnight a second later.
    move_post(&pool, december, 150, "2024-12-31T14:59:59Z").await;
    move_post(&pool, january, 130, "2024-12-31T15:00:00Z").await;
    let best = |season: &str| {
        let request = author.authed(pb::ListBestPostsRequest {
            season: season.into(),
            page_size: None,
            page_token: String::new(),
        });
        let mut client = author.client();
        async move {
            let page = client
                .list_best_posts(request)
                .await
                .expect("lists best")
                .into_inner();
            (ids(&page.posts), page.season)
        }
    };

    let (current, season) = best("").await;
    let (second_half, _) = best("2024-H2").await;
    let (first_half, _) = best("2025-H1").await;
    let (explicit, _) = best(&season).await;

    assert_eq!(current, [now]);
    assert_eq!(explicit, [now]);
    assert_eq!(second_half, [december]);
    assert_eq!(first_half, [january]);
    assert!(best("2024-H1").await.0.is_empty());
    assert_eq!(season, Season::current().to_string());
}

#[tokio::test]
async fn the_database_and_the_service_agree_on_the_season_of_every_moment() {
    let community = TestCommunity::start().await;
    let pool = community.pool().await;
    let at = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .expect("a time")
            .with_timezone(&Utc)
    };
    // Korea's midnights at the turns of the halves, on both sides.
    let mut moments: Vec<DateTime<Utc>> = [
        "2026-06-30T14:59:59.999999Z",
        "2026-06-30T15:00:00Z",
        "2026-07-01T00:00:00Z",
        "2025-12-31T14:59:59.999999Z",
        "2025-12-31T15:00:00Z",
        "2026-12-31T15:00:00Z",
        "1970-01-01T00:00:00Z",
    ]
    .map(at)
    .to_vec();
    // And a moment every 61 hours for three years: every hour of the day.
    let mut moment = at("2024-01-01T00:00:00Z");
    while moment < at("2027-01-01T00:00:00Z") {
        moments.push(moment);
        moment += chrono::TimeDelta::hours(61);
    }

    let keys: Vec<i32> = sqlx::query_scalar(
        "select season_of(at) from unnest($1::timestamptz[]) with ordinality as m (at, n) order by n",
    )
    .bind(&moments)
    .fetch_all(&pool)
    .await
    .expect("the database's seasons");

    assert_eq!(keys.len(), moments.len());
    for (moment, key) in moments.iter().zip(keys) {
        assert_eq!(key, Season::of(*moment).key(), "{moment}");
    }
    assert_eq!(Season::of(at("2026-06-30T15:00:00Z")).key(), 20262);
    assert_eq!(Season::of(at("2026-06-30T14:59:59Z")).key(), 20261);
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

#[tokio::test]
async fn a_cursor_forged_with_another_position_is_refused_by_its_signature() {
    let community = TestCommunity::start().await;
    let user = community.user(1, SCHOOL);
    let other = community.user(2, SCHOOL);
    let board = user.board("자유게시판").await;
    let mut posts = Vec::new();
    for i in 0..4 {
        let post = other
            .post(board, &format!("글 {i}"), "내용", false)
            .await
            .summary
            .unwrap()
            .id;
        user.scrap(post).await.unwrap();
        posts.push(post);
    }
    let page = user.board_page(board, Some(1), "").await.unwrap();
    let token = page.next_page_token.clone();
    let scraps = user
        .client()
        .list_my_scraps(user.authed(pb::ListMyScrapsRequest {
            page_size: Some(1),
            page_token: String::new(),
        }))
        .await
        .unwrap()
        .into_inner();
    let scrap_token = scraps.next_page_token.clone();

    // The cursors decode to the positions they continue after.
    let position = support::cursor_position(&token);
    assert_eq!(position, serde_json::json!(page.posts[0].id));
    let scrap_position = support::cursor_position(&scrap_token);
    assert_eq!(scrap_position[1], serde_json::json!(scraps.posts[0].id));
    // Re-encoding the same position gives the same, working cursor.
    let same = support::forge_cursor(&token, &position);
    assert_eq!(same, token);
    assert_eq!(
        ids(&user.board_page(board, Some(1), &same).await.unwrap().posts),
        [posts[2]]
    );
    // Another valid position under the real signature is refused.
    let earlier = support::forge_cursor(&token, &serde_json::json!(posts[1]));
    let deeper = support::forge_cursor(
        &scrap_token,
        &serde_json::json!([scrap_position[0].as_i64().unwrap() - 1, posts[0]]),
    );
    let refused_board = user.board_page(board, Some(1), &earlier).await.unwrap_err();
    let refused_scraps = user
        .client()
        .list_my_scraps(user.authed(pb::ListMyScrapsRequest {
            page_size: Some(1),
            page_token: deeper,
        }))
        .await
        .unwrap_err();

    for status in [refused_board, refused_scraps] {
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            reason_and_fields(&status),
            ("invalid_input".into(), vec!["cursor".into()])
        );
    }
}

/// The writer of the anonymous content below: an id long enough that no
/// other id, count or time in a response can contain it by chance, so
/// finding it anywhere in one is a leak.
const WRITER: i64 = 73_400_320_017;

fn comment_authors(comments: &[pb::Comment], authors: &mut Vec<pb::Author>) {
    for comment in comments {
        authors.extend(comment.author.clone());
        comment_authors(&comment.replies, authors);
    }
}

fn summary_authors(posts: &[pb::PostSummary]) -> Vec<pb::Author> {
    posts
        .iter()
        .filter_map(|post| post.author.clone())
        .collect()
}

fn post_authors(post: &pb::Post) -> Vec<pb::Author> {
    let mut authors: Vec<pb::Author> = post
        .summary
        .iter()
        .filter_map(|summary| summary.author.clone())
        .collect();
    comment_authors(&post.comments, &mut authors);
    authors
}

/// Asserts `response` carries the writer's id nowhere (in any field, at
/// any depth: its debug form shows every field) and that no anonymous
/// author among `authors` has an id at all.
#[track_caller]
fn assert_no_writer(what: &str, response: &impl std::fmt::Debug, authors: &[pb::Author]) {
    let text = format!("{response:?}");
    assert!(
        !text.contains(&WRITER.to_string()),
        "{what} reveals the writer: {text}"
    );
    for author in authors {
        if author.anonymous {
            assert_eq!(author.user_id, None, "{what}: {author:?}");
        }
        assert_ne!(author.user_id, Some(WRITER), "{what}: {author:?}");
    }
}

#[tokio::test]
async fn a_second_user_never_receives_the_id_of_an_anonymous_author() {
    let community = TestCommunity::start().await;
    let writer = community.user(WRITER, SCHOOL);
    let viewer = community.user(20, SCHOOL);
    let free = writer.board("자유게시판").await;
    let secret = writer.board("비밀게시판").await;
    let hidden = writer
        .post(free, "익명 족보 공유", "족보 있어요", true)
        .await
        .summary
        .unwrap()
        .id;
    let forced = writer
        .post(secret, "비밀 족보", "실명으로 보냈지만", false)
        .await
        .summary
        .unwrap()
        .id;
    let viewers = viewer
        .post(free, "실명 글", "족보 아님", false)
        .await
        .summary
        .unwrap()
        .id;
    // The writer comments anonymously on the viewer's post and their own,
    // and "by name" on the anonymous-only board, which makes it anonymous.
    let writers_comment = writer.comment(viewers, "익명 댓글", true).await.id;
    writer.comment(hidden, "글쓴이 댓글", true).await;
    writer.comment(forced, "실명으로 보냈지만", false).await;
    let fans: Vec<_> = (0..10).map(|i| community.user(100 + i, SCHOOL)).collect();
    for post in [hidden, forced] {
        let likes = futures::future::join_all(fans.iter().map(|fan| fan.like(post))).await;
        assert!(likes.iter().all(Result::is_ok), "{likes:?}");
    }
    // BEST needs a hundred likes; HOT's ten are real, the rest are set.
    let pool = community.pool().await;
    sqlx::query("update post_stats set like_count = 150 where post_id = $1")
        .bind(hidden)
        .execute(&pool)
        .await
        .unwrap();

    // Everything the viewer does and gets back: writes first.
    let mut client = viewer.client();
    let question = client
        .create_comment(viewer.authed(pb::CreateCommentRequest {
            post_id: forced,
            content: "궁금해요".into(),
            anonymous: true,
            parent_id: None,
        }))
        .await
        .unwrap()
        .into_inner();
    let reply = client
        .create_comment(viewer.authed(pb::CreateCommentRequest {
            post_id: viewers,
            content: "누구세요".into(),
            anonymous: false,
            parent_id: Some(writers_comment),
        }))
        .await
        .unwrap()
        .into_inner();
    let on_hidden = client
        .create_comment(viewer.authed(pb::CreateCommentRequest {
            post_id: hidden,
            content: "감사합니다".into(),
            anonymous: false,
            parent_id: None,
        }))
        .await
        .unwrap()
        .into_inner();
    // The writer answers the viewer's question, anonymously by force.
    writer
        .reply(forced, question.comment.as_ref().unwrap().id, "답글", false)
        .await;
    let liked = viewer.like(hidden).await.unwrap();
    let liked_comment = viewer.like_comment(writers_comment).await.unwrap();
    let scrapped = [
        viewer.scrap(hidden).await.unwrap(),
        viewer.scrap(forced).await.unwrap(),
    ];
    for (what, comment) in [
        ("the comment on the anonymous-only board", &question),
        ("the reply to the writer's comment", &reply),
        ("the comment on the writer's post", &on_hidden),
    ] {
        let mut authors = Vec::new();
        comment_authors(comment.comment.as_slice(), &mut authors);
        assert_no_writer(what, comment, &authors);
    }
    assert_no_writer("a like", &liked, &[]);
    assert_no_writer("a comment like", &liked_comment, &[]);
    assert_no_writer("scraps", &scrapped, &[]);

    // Then every list and detail.
    let mut listed: Vec<(&str, Vec<i64>)> = Vec::new();
    for (what, board) in [("the free board", free), ("the secret board", secret)] {
        let page = viewer.board_page(board, Some(100), "").await.unwrap();
        assert_no_writer(what, &page, &summary_authors(&page.posts));
        listed.push((what, ids(&page.posts)));
    }
    for (what, board_id) in [
        ("search", None),
        ("search in the secret board", Some(secret)),
    ] {
        let page = client
            .search_posts(viewer.authed(pb::SearchPostsRequest {
                query: "족보".into(),
                board_id,
                page_size: Some(100),
                page_token: String::new(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_no_writer(what, &page, &summary_authors(&page.posts));
        listed.push((what, ids(&page.posts)));
    }
    let hot = client
        .list_hot_posts(viewer.authed(pb::ListHotPostsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_no_writer("HOT", &hot, &summary_authors(&hot.posts));
    listed.push(("HOT", ids(&hot.posts)));
    let best = client
        .list_best_posts(viewer.authed(pb::ListBestPostsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_no_writer("BEST", &best, &summary_authors(&best.posts));
    listed.push(("BEST", ids(&best.posts)));
    let commented = client
        .list_my_commented_posts(viewer.authed(pb::ListMyCommentedPostsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_no_writer(
        "my comments",
        &commented,
        &summary_authors(&commented.posts),
    );
    listed.push(("my comments", ids(&commented.posts)));
    let my_scraps = client
        .list_my_scraps(viewer.authed(pb::ListMyScrapsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_no_writer("my scraps", &my_scraps, &summary_authors(&my_scraps.posts));
    listed.push(("my scraps", ids(&my_scraps.posts)));
    let my_posts = client
        .list_my_posts(viewer.authed(pb::ListMyPostsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_no_writer("my posts", &my_posts, &summary_authors(&my_posts.posts));
    let mut anonymous_comments = 0;
    for post in [hidden, forced, viewers] {
        let detail = viewer.get(post).await.unwrap();
        let authors = post_authors(&detail);
        assert_no_writer(&format!("post {post}"), &detail, &authors);
        anonymous_comments += authors.iter().skip(1).filter(|a| a.anonymous).count();
    }

    // The scan saw the writer's content wherever it belongs.
    for (what, posts) in &listed {
        let expected = match *what {
            "the free board" | "BEST" => vec![hidden],
            "the secret board" | "search in the secret board" => vec![forced],
            _ => vec![hidden, forced],
        };
        for post in &expected {
            assert!(posts.contains(post), "{what} lists {post}: {posts:?}");
        }
    }
    // The writer's three comments and reply, and the viewer's anonymous question.
    assert_eq!(anonymous_comments, 5);
    // The check can see an id: the viewer's own named post carries theirs.
    let own = viewer.get(viewers).await.unwrap();
    assert!(format!("{own:?}").contains("user_id: Some(20)"), "{own:?}");
}
