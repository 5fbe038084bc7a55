//! Every list walks an index, on a database big enough for the planner to
//! mean it.
//!
//! The statements are the service's own, read from the offline query data
//! the build checks them against (`.sqlx/`), so the plans are of the SQL
//! that runs. Each is planned twice, as Postgres plans a prepared
//! statement: with the request's values (a custom plan) and without them
//! (the generic plan it switches to after a few executions). Neither may
//! read a big table whole.

mod support;

use everytime_community::domain::Season;
use support::{TestCommunity, plan_problem, plans, store_query};

/// Schools seeded, each with the four default boards.
const SCHOOLS: i64 = 4;
const POSTS: i64 = 40_000;
const USERS: i64 = 3_000;

/// Fills four schools with three years of posts, comments, likes, scraps
/// and commenters, then lets the planner see them (`analyze`).
async fn seed(community: &TestCommunity) -> sqlx::PgPool {
    for school in 1..=SCHOOLS {
        community.user(1, school).boards().await;
    }
    let pool = community.pool().await;
    let statements = [
        "select setseed(0.17)".to_owned(),
        // Posts one every half hour, ids and times growing together as they
        // do when people write them; schools in turn, and in each the first
        // board (자유게시판) busy and the last quiet: 60, 25, 10 and 5 in 100.
        // User 42 writes one post in 20, as the keenest users do.
        format!(
            "insert into posts (school_id, board_id, author_id, anonymous, title, content, created_at)
             select school, (select id from boards b where b.school_id = school order by id offset k limit 1),
                    case when n % 20 = 0 then 42 else 1 + (n * 7919) % {USERS} end, n % 3 = 0,
                    '글 ' || n,
                    (array['족보 공유합니다', '오늘 학식 맛있다', '수강신청 망했어요',
                           '스터디 구해요', '기숙사 통금', 'Rust 과제 질문'])[1 + n % 6] || ' ' || n,
                    now() - interval '1000 days' + n * interval '30 minutes'
             from generate_series(1, {POSTS}) as n,
                  lateral (select 1 + n % {SCHOOLS} as school,
                                  case when (n * 37) % 100 < 60 then 0 when (n * 37) % 100 < 85 then 1
                                       when (n * 37) % 100 < 95 then 2 else 3 end as k) as placed
             order by n"
        ),
        // One post in 37 reached HOT (ten likes), one in 300 BEST (a hundred).
        "insert into post_stats (post_id, school_id, season, like_count, comment_count, scrap_count, hot_at)
         select id, school_id, season_of(created_at),
                case when id % 300 = 0 then 100 + id % 50
                     when id % 37 = 0 then 10 + id % 20
                     else id % 10 end,
                id % 5, id % 4,
                case when id % 300 = 0 or id % 37 = 0 then created_at + interval '3 hours' end
         from posts"
            .to_owned(),
        format!(
            "insert into comments (post_id, parent_id, author_id, anonymous, content, created_at, deleted_at)
             select 1 + (n * 31) % {POSTS}, null, 1 + (n * 17) % {USERS}, n % 2 = 0, '댓글 ' || n,
                    now() - interval '900 days' + n * interval '10 minutes',
                    case when n % 20 = 0 then now() end
             from generate_series(1, 100000) as n"
        ),
        "insert into commenters (post_id, user_id, anonymous_number, live_comments, last_commented_at)
         select distinct on (post_id, author_id) post_id, author_id, null::int,
                case when deleted_at is null then 1 else 0 end, created_at
         from comments order by post_id, author_id, created_at desc"
            .to_owned(),
        format!(
            "insert into post_likes (post_id, user_id)
             select 1 + (random() * ({POSTS} - 1))::bigint, 1 + (random() * ({USERS} - 1))::bigint
             from generate_series(1, 80000) on conflict do nothing"
        ),
        format!(
            "insert into scraps (post_id, user_id, created_at)
             select 1 + (random() * ({POSTS} - 1))::bigint, 1 + (random() * ({USERS} - 1))::bigint,
                    now() - random() * interval '900 days'
             from generate_series(1, 60000) on conflict do nothing"
        ),
        "insert into comment_likes (comment_id, user_id)
         select id, 1 + (id * 13) % 3000 from comments where id % 3 = 0"
            .to_owned(),
        // What autovacuum does to a table in use: statistics, and the
        // visibility map index-only scans rely on.
        "vacuum analyze".to_owned(),
    ];
    // One connection, so the seed holds for every random() that follows.
    let mut connection = pool.acquire().await.expect("a connection");
    for statement in statements {
        sqlx::raw_sql(&statement)
            .execute(&mut *connection)
            .await
            .unwrap_or_else(|error| panic!("seeds with {statement}: {error}"));
    }
    drop(connection);
    pool
}

#[tokio::test]
async fn every_list_query_walks_an_index_on_a_busy_school() {
    let community = TestCommunity::start().await;
    let pool = seed(&community).await;
    let (busy, quiet): (i64, i64) =
        sqlx::query_as("select min(id), max(id) from boards where school_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let deep: i64 = sqlx::query_scalar(
        "select id from posts where board_id = $1 order by id desc offset 4000 limit 1",
    )
    .bind(busy)
    .fetch_one(&pool)
    .await
    .unwrap();
    let some_posts: Vec<i64> =
        sqlx::query_scalar("select id from posts where school_id = 1 order by id desc limit 20")
            .fetch_all(&pool)
            .await
            .unwrap();
    let busy_post: i64 = sqlx::query_scalar(
        "select post_id from comments group by post_id order by count(*) desc limit 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let ids = format!(
        "'{{{}}}'",
        some_posts
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let (max, busy, quiet, deep, busy_post) = (
        i64::MAX.to_string(),
        busy.to_string(),
        quiet.to_string(),
        deep.to_string(),
        busy_post.to_string(),
    );
    let season = Season::current().key().to_string();
    let int_max = i32::MAX.to_string();
    let ceiling = "'9999-12-31T23:59:59Z'";
    let user = "42";

    // (what, a fragment naming the store's statement, its arguments, the
    // indexes it may walk)
    let cases: Vec<(&str, &str, Vec<&str>, Vec<&str>)> = vec![
        (
            "a busy board's first page",
            "where board_id = $1 and school_id = $2 and id < $3",
            vec![&busy, "1", &max, "21"],
            vec!["posts_board_idx"],
        ),
        (
            "a busy board's page 200",
            "where board_id = $1 and school_id = $2 and id < $3",
            vec![&busy, "1", &deep, "21"],
            vec!["posts_board_idx"],
        ),
        (
            "a quiet board's first page",
            "where board_id = $1 and school_id = $2 and id < $3",
            vec![&quiet, "1", &max, "21"],
            vec!["posts_board_idx"],
        ),
        // A rare word is looked up in the bigram index; a common one may
        // also be found walking posts newest first (by board or by id),
        // stopping at the page's end, as the planner sees fit.
        (
            "search in a busy board, a common word",
            "search_grams @> bigrams($3)",
            vec!["1", &busy, "'족보'", &max, "21"],
            vec!["posts_search_grams_idx", "posts_board_idx", "posts_pkey"],
        ),
        (
            "search in a quiet board, a common word",
            "search_grams @> bigrams($3)",
            vec!["1", &quiet, "'족보'", &max, "21"],
            vec!["posts_search_grams_idx", "posts_board_idx", "posts_pkey"],
        ),
        (
            "search in a board, a rare word",
            "search_grams @> bigrams($3)",
            vec!["1", &quiet, "'양자역학'", &max, "21"],
            vec!["posts_search_grams_idx"],
        ),
        (
            "search in the school",
            "search_grams @> bigrams($2)",
            vec!["1", "'양자역학'", &max, "21"],
            vec!["posts_search_grams_idx", "posts_school_idx"],
        ),
        (
            "HOT",
            "hot_at is not null and not blinded and (hot_at, post_id) < ($2, $3)",
            vec!["1", ceiling, &max, "21"],
            vec!["post_stats_hot_idx"],
        ),
        (
            "BEST of the current season",
            "and (like_count, post_id) < ($3, $4)",
            vec!["1", &season, &int_max, &max, "21"],
            vec!["post_stats_best_idx"],
        ),
        (
            "my posts, a keen writer's",
            "where author_id = $1 and school_id = $2 and id < $3",
            vec![user, "1", &max, "21"],
            vec!["posts_author_idx"],
        ),
        (
            "my posts, a quiet writer's",
            "where author_id = $1 and school_id = $2 and id < $3",
            vec!["7", "1", &max, "21"],
            vec!["posts_author_idx"],
        ),
        (
            "my commented posts",
            "(last_commented_at, post_id) < ($2, $3)",
            vec![user, ceiling, &max, "21"],
            vec!["commenters_user_idx"],
        ),
        (
            "my scraps",
            "select post_id, created_at as at",
            vec![user, ceiling, &max, "21"],
            vec!["scraps_user_idx"],
        ),
        (
            "the posts of a page",
            "left(p.content, $3)",
            vec![&ids, "1", "100", "false"],
            vec!["posts_pkey"],
        ),
        (
            "a post",
            "exists (select 1 from scraps x",
            vec![&busy_post, "1", user],
            vec!["posts_pkey", "posts_school_idx"],
        ),
        (
            "a post's thread",
            "left join commenters k",
            vec![&busy_post, user],
            vec!["comments_post_idx"],
        ),
    ];

    let mut problems = Vec::new();
    for (what, fragment, arguments, indexes) in &cases {
        let (sql, types) = store_query(fragment);
        for plan in plans(&pool, &sql, &types, arguments).await {
            if let Some(problem) = plan_problem(&plan, indexes) {
                problems.push(format!("{what} {problem}:\n{plan}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_plan_check_catches_a_sequential_scan_and_a_missing_index() {
    let seq = "Limit  (cost=0.00..1.00 rows=1 width=8)\n  ->  Seq Scan on posts  (cost=0.00..1.00)";
    assert_eq!(
        plan_problem(seq, &["posts_board_idx"]).as_deref(),
        Some("scans posts sequentially")
    );
    let aliased = "Hash Join\n  ->  Parallel Seq Scan on comments c  (cost=0.00..1.00)";
    assert!(plan_problem(aliased, &["comments_post_idx"]).is_some());
    let other_index = "Index Scan Backward using posts_school_idx on posts  (cost=0.29..8.30)";
    assert!(plan_problem(other_index, &["posts_board_idx"]).is_some());
    let good = "Limit\n  ->  Index Scan Backward using posts_board_idx on posts  (cost=0.29..8.30)\n  ->  Seq Scan on boards b";
    assert_eq!(plan_problem(good, &["posts_board_idx"]), None);
}
