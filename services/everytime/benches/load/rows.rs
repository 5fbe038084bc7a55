//! The rows of the table: each a request wrk sends over and over, as a
//! Lua script. Reads send one fixed request with the reader's token.
//! Writes build every request anew so that each one succeeds: the writers'
//! tokens in turn, and ids from a counter, so no two requests make the
//! same like or put the same course in the same timetable.

use std::fmt::Write as _;

use crate::{
    catalog::COURSES_PER_TIMETABLE,
    seed::{School, Tokens},
    wrk::prelude,
};

/// One row.
pub struct Row {
    pub name: String,
    /// The URL path wrk is given (a write's `request()` sets its own).
    pub path: String,
    /// The script after the prelude.
    body: String,
    /// How many requests the row can make before it runs out of fresh
    /// ids (`None`: no limit).
    pub capacity: Option<u64>,
}

impl Row {
    /// The whole script, its counter starting at `offset`.
    pub fn script(&self, offset: u64) -> String {
        prelude(&self.name, offset) + &self.body
    }

    fn read(name: &str, path: String, token: &str) -> Row {
        Row {
            name: name.to_owned(),
            path,
            body: format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"),
            capacity: None,
        }
    }

    fn write(name: &str, body: String, capacity: Option<u64>) -> Row {
        Row {
            name: name.to_owned(),
            path: "/".to_owned(),
            body,
            capacity,
        }
    }
}

/// A Lua list of the writers' tokens.
fn token_list(tokens: &Tokens) -> String {
    let mut lua = String::from("local tokens = {\n");
    for token in &tokens.writers {
        let _ = writeln!(lua, "  \"{token}\",");
    }
    lua.push_str("}\n");
    lua
}

/// Every row, reads first (so they see the seeded school unchanged).
pub fn rows(school: &School, tokens: &Tokens) -> Vec<Row> {
    let reader = &tokens.reader;
    let writers = token_list(tokens);
    let (first, spread) = (school.first_post, school.spread_posts());
    let board = school.board;
    // Where each writer's likes start: far enough apart that 32 likes in
    // flight are on 32 different posts.
    let stride = (spread / tokens.writers.len().max(1) as i64).max(1);

    let mut timetables = String::from("local timetables = {\n");
    for timetable in &school.timetables {
        let _ = writeln!(
            timetables,
            "  {{{}, {}, {}}},",
            timetable.id,
            timetable.owner + 1,
            timetable.set + 1
        );
    }
    timetables.push_str("}\nlocal sets = {\n");
    for set in &school.course_sets {
        let ids: Vec<String> = set.iter().map(i64::to_string).collect();
        let _ = writeln!(timetables, "  {{{}}},", ids.join(", "));
    }
    timetables.push_str("}\n");

    let mut conversations = String::from("local conversations = {\n");
    for conversation in &school.conversations {
        let _ = writeln!(
            conversations,
            "  {{{}, {}}},",
            conversation.id,
            conversation.owner + 1
        );
    }
    conversations.push_str("}\n");

    vec![
        Row::read(
            "GET /boards/{id}/posts?limit=20",
            format!("/api/v1/boards/{board}/posts?limit=20"),
            reader,
        ),
        Row::read(
            "GET /posts/{id} (20 comments)",
            format!("/api/v1/posts/{}", school.detail_post),
            reader,
        ),
        Row::read("GET /users/me", "/api/v1/users/me".into(), reader),
        Row::read("GET /me/timetable", "/api/v1/me/timetable".into(), reader),
        Row::read(
            "GET /messages (쪽지함, 30)",
            "/api/v1/messages".into(),
            reader,
        ),
        // The floor under every row: the HTTP layer and the gateway's
        // middleware alone, then the same with three gRPC calls that touch
        // no database (each service's health).
        Row::read("GET /healthz (no call)", "/healthz".into(), reader),
        Row::read("GET /readyz (3 health calls)", "/readyz".into(), reader),
        Row::write(
            "POST /boards/{id}/posts",
            format!(
                r#"{writers}
local path = "/api/v1/boards/{board}/posts"
function request()
  local k = next_k()
  local body = string.format('{{"title":"부하 테스트 %d번째 글","content":"수강신청 꿀팁 공유합니다. 전공 필수는 첫날 아침에 바로 담으세요. 교양은 둘째 날도 괜찮아요. %d","anonymous":%s}}',
    k, k, (k % 3 == 0) and "true" or "false")
  return wrk.format("POST", path, headers(tokens[k % #tokens + 1]), body)
end
"#
            ),
            None,
        ),
        Row::write(
            "POST /posts/{id}/comments",
            format!(
                r#"{writers}
function request()
  local k = next_k()
  local post = {first} + k % {spread}
  local body = string.format('{{"content":"부하 테스트 댓글 %d: 저도 궁금해요!","anonymous":%s}}',
    k, (k % 2 == 0) and "true" or "false")
  return wrk.format("POST", "/api/v1/posts/" .. post .. "/comments", headers(tokens[k % #tokens + 1]), body)
end
"#
            ),
            None,
        ),
        Row::write(
            "PUT /posts/{id}/like",
            format!(
                r#"{writers}
-- Writer k % #tokens likes, in turn, every post once, starting at a post
-- of its own: no pair twice, and the requests in flight on different posts.
function request()
  local k = next_k()
  local writer = k % #tokens
  local post = {first} + (math.floor(k / #tokens) + writer * {stride}) % {spread}
  return wrk.format("PUT", "/api/v1/posts/" .. post .. "/like", headers(tokens[writer + 1]), nil)
end
"#
            ),
            Some(tokens.writers.len() as u64 * spread as u64),
        ),
        Row::write(
            "POST /timetables/{id}/courses",
            format!(
                r#"{writers}{timetables}
function request()
  local k = next_k()
  local timetable = timetables[k % #timetables + 1]
  local course = sets[timetable[3]][math.floor(k / #timetables) + 1] or 0
  return wrk.format("POST", "/api/v1/timetables/" .. timetable[1] .. "/courses",
    headers(tokens[timetable[2]]), '{{"course_id":' .. course .. '}}')
end
"#
            ),
            Some((school.timetables.len() * COURSES_PER_TIMETABLE) as u64),
        ),
        Row::write(
            "POST /messages/{id} (쪽지)",
            format!(
                r#"{writers}{conversations}
function request()
  local k = next_k()
  local conversation = conversations[k % #conversations + 1]
  local body = string.format('{{"content":"부하 테스트 쪽지 %d: 내일 수업 자료 공유해 주실 수 있나요?"}}', k)
  return wrk.format("POST", "/api/v1/messages/" .. conversation[1], headers(tokens[conversation[2]]), body)
end
"#
            ),
            None,
        ),
    ]
}
