//! Keyset paging over real gRPC: walking a board page by page, bad limits
//! and cursors, forged cursors.

use crate::support::{SCHOOL, TestCommunity, ids, reason_and_fields};
use everytime_proto::community::v1 as pb;
use tonic::Code;

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
    let position = crate::support::cursor_position(&token);
    assert_eq!(position, serde_json::json!(page.posts[0].id));
    let scrap_position = crate::support::cursor_position(&scrap_token);
    assert_eq!(scrap_position[1], serde_json::json!(scraps.posts[0].id));
    // Re-encoding the same position gives the same, working cursor.
    let same = crate::support::forge_cursor(&token, &position);
    assert_eq!(same, token);
    assert_eq!(
        ids(&user.board_page(board, Some(1), &same).await.unwrap().posts),
        [posts[2]]
    );
    // Another valid position under the real signature is refused.
    let earlier = crate::support::forge_cursor(&token, &serde_json::json!(posts[1]));
    let deeper = crate::support::forge_cursor(
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
