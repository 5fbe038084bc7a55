//! Boards over real gRPC: the default boards, creating one, each school's
//! own, and calls without a token.

use std::collections::HashSet;

use crate::support::{OTHER_SCHOOL, SCHOOL, TestCommunity, reason_and_fields};
use everytime_proto::community::v1 as pb;
use tonic::Code;

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
