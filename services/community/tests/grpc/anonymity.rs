//! Anonymity over real gRPC: no response ever carries an anonymous
//! author's id, and every anonymous author comes with the name to show.

use crate::support::{SCHOOL, TestCommunity, author_name, ids};
use everytime_proto::community::v1 as pb;

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

#[tokio::test]
async fn every_anonymous_author_is_sent_with_the_name_to_show() {
    let community = TestCommunity::start().await;
    let writer = community.user(7, SCHOOL);
    let commenter = community.user(8, SCHOOL);
    let free = writer.board("자유게시판").await;
    let secret = writer.board("비밀게시판").await;
    let chosen = writer
        .post(free, "익명 질문", "익명으로 묻습니다", true)
        .await;
    let forced = writer
        .post(secret, "비밀 질문", "실명으로 보냈지만", false)
        .await;
    for created in [&chosen, &forced] {
        let id = created.summary.as_ref().unwrap().id;
        writer.comment(id, "글쓴이 댓글", true).await;
        commenter.comment(id, "익명 댓글", true).await;

        // The gateway shows these names as sent: none may be left empty.
        let seen = commenter.get(id).await.expect("reads");
        for post in [created, &seen] {
            let author = post.summary.as_ref().unwrap().author.as_ref();
            assert_eq!(author_name(author), "익명");
            assert_eq!(author.map(|author| author.user_id), Some(None));
        }
        let names: Vec<_> = seen
            .comments
            .iter()
            .map(|comment| author_name(comment.author.as_ref()))
            .collect();
        assert_eq!(names, ["익명(글쓴이)", "익명1"]);
    }

    let mine = writer
        .client()
        .list_my_posts(writer.authed(pb::ListMyPostsRequest::default()))
        .await
        .expect("lists my posts")
        .into_inner()
        .posts;
    let commented = commenter
        .client()
        .list_my_commented_posts(commenter.authed(pb::ListMyCommentedPostsRequest::default()))
        .await
        .expect("lists my commented posts")
        .into_inner()
        .posts;
    let lists = [
        (
            "the board",
            commenter.board_page(free, None, "").await.unwrap().posts,
        ),
        (
            "the secret board",
            commenter.board_page(secret, None, "").await.unwrap().posts,
        ),
        ("search", commenter.search("질문", None).await.unwrap()),
        ("my posts", mine),
        ("my commented posts", commented),
    ];
    for (what, posts) in lists {
        assert!(!posts.is_empty(), "{what} lists the posts");
        for post in &posts {
            let author = post.author.as_ref().expect("an author");
            assert!(author.anonymous, "{what}: {author:?}");
            assert_eq!(author.display_name, "익명", "{what}: {author:?}");
            assert_eq!(author.user_id, None, "{what}: {author:?}");
        }
    }
}
