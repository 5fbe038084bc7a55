//! The post lists over real gRPC: HOT, BEST and its seasons, search, the
//! caller's own lists.

use crate::support::{OTHER_SCHOOL, SCHOOL, TestCommunity, ids, reason_and_fields};
use chrono::{DateTime, Utc};
use everytime_community::domain::Season;
use everytime_proto::community::v1 as pb;
use tonic::Code;

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
    let hot = |user: crate::support::User, token: String| async move {
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
    let (sql, types) = crate::support::store_query("search_grams @> bigrams($2)");
    let arguments = [
        SCHOOL.to_string(),
        "'족보 구'".to_owned(),
        i64::MAX.to_string(),
        "21".to_owned(),
    ];
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    for plan in crate::support::plans(&pool, &sql, &types, &arguments).await {
        assert!(plan.contains("posts_search_grams_idx"), "{plan}");
        assert!(!plan.contains("Seq Scan"), "{plan}");
    }
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
