//! Validated input and every limit and threshold of the community, once,
//! next to its tests.
//!
//! The numbers the rules turn on (how many boards a school may have, how
//! many comments a post, when a post is HOT or BEST, how long a preview is)
//! are the constants below; the SQL takes them as parameters, except where
//! an index is built on the number (see [`BEST_LIKES`]).
//!
//! Text is trimmed and counted in Unicode characters, not bytes (see
//! [`everytime_common::validate`]); each error names the API's field, so a
//! violation reaches the client as a `400` blaming that field.

use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use everytime_common::validate::{self, FieldError};

/// A school has at most this many boards, so its board list stays one
/// bounded query.
pub const MAX_BOARDS_PER_SCHOOL: i64 = 100;

/// A post has at most this many live comments, so its thread (sent whole)
/// stays a bounded query and message.
pub const MAX_COMMENTS_PER_POST: i64 = 1000;

/// Lists show this many characters of a post's content.
pub const PREVIEW_CHARACTERS: u16 = 100;

/// A post is on HOT게시판 from the moment it has this many likes (공감).
pub const HOT_LIKES: i32 = 10;

/// A post is on BEST게시판 of its season with at least this many likes.
///
/// The one threshold written into SQL as well: the partial index
/// `post_stats_best_idx` (migration 0001) is built `where like_count >= 100`,
/// and Postgres uses a partial index for a prepared statement's generic plan
/// only when the query repeats that literal (a parameter cannot prove it).
/// A test below checks that the migration, the query and this constant agree.
pub const BEST_LIKES: i32 = 100;

/// One write limit: at most `max` writes in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteLimit {
    /// How many writes the window holds.
    pub max: u32,
    /// How far back writes count.
    pub window: Duration,
}

/// The per-user write limits, as in the app; each is a setting (see the
/// README), and `WRITE_RATE_LIMITS=off` turns them all off (load tests,
/// imports). They hold across replicas: the writes are counted in the
/// database ([`crate::limits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteLimits {
    /// Whether any limit applies (`WRITE_RATE_LIMITS`, default on).
    pub enabled: bool,
    /// Posts per user and board: one every 30 seconds
    /// (`WRITE_LIMIT_POST_INTERVAL_SECONDS`).
    pub posts_per_board: WriteLimit,
    /// Comments and replies per user: 10 a minute
    /// (`WRITE_LIMIT_COMMENTS_PER_MINUTE`).
    pub comments: WriteLimit,
    /// Likes (공감) of posts and comments together per user: 30 a minute
    /// (`WRITE_LIMIT_LIKES_PER_MINUTE`).
    pub likes: WriteLimit,
    /// Boards per user: 3 a day (`WRITE_LIMIT_BOARDS_PER_DAY`).
    pub boards: WriteLimit,
    /// Reports (신고) per user: 10 a day (`WRITE_LIMIT_REPORTS_PER_DAY`).
    pub reports: WriteLimit,
    /// 쪽지 per user: 20 a minute (`WRITE_LIMIT_MESSAGES_PER_MINUTE`).
    pub messages: WriteLimit,
}

impl WriteLimits {
    /// A minute, the window of the comment and like limits.
    pub const MINUTE: Duration = Duration::from_secs(60);
    /// A day, the window of the board limit.
    pub const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    /// The defaults with every limit off.
    pub fn off() -> Self {
        WriteLimits {
            enabled: false,
            ..WriteLimits::default()
        }
    }
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            enabled: true,
            posts_per_board: WriteLimit {
                max: 1,
                window: Duration::from_secs(30),
            },
            comments: WriteLimit {
                max: 10,
                window: Self::MINUTE,
            },
            likes: WriteLimit {
                max: 30,
                window: Self::MINUTE,
            },
            boards: WriteLimit {
                max: 3,
                window: Self::DAY,
            },
            reports: WriteLimit {
                max: 10,
                window: Self::DAY,
            },
            messages: WriteLimit {
                max: 20,
                window: Self::MINUTE,
            },
        }
    }
}

/// How many different users must report a post or comment to blind it,
/// unless `REPORTS_TO_BLIND` says otherwise.
pub const DEFAULT_REPORTS_TO_BLIND: u32 = 5;
/// An author whose items were blinded this many times within
/// [`BLIND_WINDOW`] may not write for [`RESTRICTION`].
pub const BLINDS_TO_RESTRICT: usize = 3;
/// The window the blindings of [`BLINDS_TO_RESTRICT`] fall in: 30 days.
pub const BLIND_WINDOW: chrono::TimeDelta = chrono::TimeDelta::days(30);
/// How long a restricted author may not post, comment or send 쪽지: 7 days
/// from the blinding that restricted them.
pub const RESTRICTION: chrono::TimeDelta = chrono::TimeDelta::days(7);
/// The title a blinded post shows instead of its own.
pub const BLINDED_TITLE: &str = "블라인드 처리된 게시물입니다";
/// The content a blinded comment shows instead of its own.
pub const BLINDED_COMMENT: &str = "블라인드 처리된 댓글입니다.";

/// Why a post or comment is reported, as the app lists the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportReason {
    /// 게시판 성격에 부적절함
    OffTopic,
    /// 욕설/비하
    Abuse,
    /// 음란물/불건전한 만남 및 대화
    Obscene,
    /// 상업적 광고 및 판매
    Commercial,
    /// 유출/사칭/사기
    Fraud,
    /// 낚시/놀람/도배
    Spam,
    /// 정당/정치인 비하 및 선거운동
    Political,
}

impl ReportReason {
    /// Every reason, in the app's order.
    pub const ALL: [ReportReason; 7] = [
        ReportReason::OffTopic,
        ReportReason::Abuse,
        ReportReason::Obscene,
        ReportReason::Commercial,
        ReportReason::Fraud,
        ReportReason::Spam,
        ReportReason::Political,
    ];

    /// The reason named `name` (as the API spells it); a violation of
    /// `reason` otherwise.
    pub fn parse(name: &str) -> Result<Self, FieldError> {
        ReportReason::ALL
            .into_iter()
            .find(|reason| reason.name() == name.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "reason",
                    "must be one of off_topic, abuse, obscene, commercial, fraud, spam, political",
                )
            })
    }

    /// How the API and the database spell it.
    pub fn name(self) -> &'static str {
        match self {
            ReportReason::OffTopic => "off_topic",
            ReportReason::Abuse => "abuse",
            ReportReason::Obscene => "obscene",
            ReportReason::Commercial => "commercial",
            ReportReason::Fraud => "fraud",
            ReportReason::Spam => "spam",
            ReportReason::Political => "political",
        }
    }
}

/// What is reported: a post or a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportedKind {
    Post,
    Comment,
}

impl ReportedKind {
    /// `post` or `comment`, as the API and the database spell it.
    pub fn name(self) -> &'static str {
        match self {
            ReportedKind::Post => "post",
            ReportedKind::Comment => "comment",
        }
    }

    /// The kind named `name`; a violation of `kind` otherwise.
    pub fn parse(name: &str) -> Result<Self, FieldError> {
        match name.trim() {
            "post" => Ok(ReportedKind::Post),
            "comment" => Ok(ReportedKind::Comment),
            _ => Err(FieldError::new("kind", "must be post or comment")),
        }
    }
}

/// Until when an author whose items were blinded at `blindings` (any
/// order) may not write: 7 days after the blinding that made
/// [`BLINDS_TO_RESTRICT`] of them within [`BLIND_WINDOW`]; `None` when no
/// such restriction is still running at `now`.
pub fn restricted_until(
    blindings: &[chrono::DateTime<chrono::Utc>],
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let mut sorted = blindings.to_vec();
    sorted.sort_unstable();
    sorted
        .windows(BLINDS_TO_RESTRICT)
        .filter(|run| run[BLINDS_TO_RESTRICT - 1] - run[0] <= BLIND_WINDOW)
        .map(|run| run[BLINDS_TO_RESTRICT - 1] + RESTRICTION)
        .max()
        .filter(|until| *until > now)
}

/// A board's name: 1–30 characters, unique in its school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardName(String);

impl BoardName {
    /// Validates a board name.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("name", value, 1, 30).map(BoardName)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A board's description: at most 200 characters, may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardDescription(String);

impl BoardDescription {
    /// The most characters a description may have.
    pub const MAX: usize = 200;

    /// Validates a description; blank is allowed and becomes empty.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::text("description", value, 0, Self::MAX).map(BoardDescription)
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A post's title: 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostTitle(String);

impl PostTitle {
    /// Validates a title.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("title", value, 1, 100).map(PostTitle)
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A post's body: 1–10,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostContent(String);

impl PostContent {
    /// Validates a post body.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::text("content", value, 1, 10_000).map(PostContent)
    }

    /// The body.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A comment: 1–300 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentContent(String);

impl CommentContent {
    /// Validates a comment.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::text("content", value, 1, 300).map(CommentContent)
    }

    /// The comment.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A 쪽지: 1–1,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageContent(String);

impl MessageContent {
    /// Validates a message.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::text("content", value, 1, 1000).map(MessageContent)
    }

    /// The message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What to search for: 2–50 characters (the API's `q`).
///
/// Two is the floor because search matches character bigrams: a single
/// character would match nearly every post and no index could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

impl SearchQuery {
    /// Validates a search query.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("q", value, 2, 50).map(SearchQuery)
    }

    /// The query, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Korea time, in which seasons are reckoned (no daylight saving since 1988).
fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// A BEST게시판 season: one half of a year in Korea time, `YYYY-H1`
/// (January–June) or `YYYY-H2` (July–December).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Season {
    year: i32,
    half: u8,
}

impl Season {
    /// Parses `YYYY-H1` or `YYYY-H2` (years 1970–9999).
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let invalid = || FieldError::new("season", "must be YYYY-H1 or YYYY-H2, e.g. 2026-H1");
        let (year, half) = value.trim().split_once("-H").ok_or_else(invalid)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let half = match half {
            "1" => 1,
            "2" => 2,
            _ => return Err(invalid()),
        };
        if year < 1970 {
            return Err(invalid());
        }
        Ok(Season { year, half })
    }

    /// The season `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Self {
        let local = at.with_timezone(&kst());
        Season {
            year: local.year(),
            half: if local.month() <= 6 { 1 } else { 2 },
        }
    }

    /// The season now.
    pub fn current() -> Self {
        Self::of(Utc::now())
    }

    /// The key stored with each post (`season_of()` in the migration):
    /// year × 10 + half.
    pub fn key(self) -> i32 {
        self.year * 10 + i32::from(self.half)
    }
}

impl std::fmt::Display for Season {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-H{}", self.year, self.half)
    }
}

/// How a conversation's other side is named when the origin was anonymous.
pub const ANONYMOUS_COUNTERPART: &str = "익명";
/// How a conversation's other side is named once they left (or when auth
/// does not know them).
pub const UNKNOWN_COUNTERPART: &str = "(알 수 없음)";

/// How many characters of a comment, title or 쪽지 a notification quotes.
pub const NOTIFICATION_QUOTE: usize = 40;

/// What a notification is about (`notifications.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A comment on the recipient's post.
    Comment,
    /// A reply to the recipient's comment.
    Reply,
    /// The recipient's post reached HOT.
    Hot,
    /// The recipient's post or comment was blinded.
    Blinded,
    /// A new 쪽지.
    Message,
    /// Someone asked to be the recipient's friend.
    FriendRequest,
}

impl NotificationKind {
    /// The stored and sent name.
    pub fn name(self) -> &'static str {
        match self {
            NotificationKind::Comment => "comment",
            NotificationKind::Reply => "reply",
            NotificationKind::Hot => "hot",
            NotificationKind::Blinded => "blinded",
            NotificationKind::Message => "message",
            NotificationKind::FriendRequest => "friend_request",
        }
    }
}

/// The texts of notifications, worded as the app words them. A commenter
/// is named only as the post shows them (`익명3`, `익명(글쓴이)`); named
/// commenters are not named (community stores no nicknames, and a stored
/// text would keep an old one): the post shows who wrote.
pub mod notice {
    use super::{NOTIFICATION_QUOTE, preview};

    fn quote(text: &str) -> String {
        let cut = preview(text, NOTIFICATION_QUOTE);
        if cut.chars().count() < text.chars().count() {
            format!("{cut}…")
        } else {
            cut
        }
    }

    fn by(label: Option<&str>, content: &str) -> String {
        match label {
            Some(label) => format!("{label}: {}", quote(content)),
            None => quote(content),
        }
    }

    /// A comment on the recipient's post; `label` is the anonymous
    /// commenter's name on the post.
    pub fn comment(label: Option<&str>, content: &str) -> String {
        format!("새로운 댓글이 달렸어요: {}", by(label, content))
    }

    /// A reply to the recipient's comment.
    pub fn reply(label: Option<&str>, content: &str) -> String {
        format!("새로운 대댓글이 달렸어요: {}", by(label, content))
    }

    /// The recipient's post reached HOT.
    pub fn hot(title: &str) -> String {
        format!("내 글이 HOT게시물로 선정되었어요: {}", quote(title))
    }

    /// The recipient's post was blinded.
    pub fn blinded_post(title: &str) -> String {
        format!(
            "신고가 누적되어 내 글이 블라인드 처리되었어요: {}",
            quote(title)
        )
    }

    /// The recipient's comment was blinded.
    pub fn blinded_comment(content: &str) -> String {
        format!(
            "신고가 누적되어 내 댓글이 블라인드 처리되었어요: {}",
            quote(content)
        )
    }

    /// A new 쪽지.
    pub fn message(content: &str) -> String {
        format!("새로운 쪽지가 도착했어요: {}", quote(content))
    }

    /// A friend request; `nickname` when the request named its sender.
    pub fn friend_request(nickname: Option<&str>) -> String {
        match nickname {
            Some(nickname) => format!("{nickname}님이 친구 신청을 보냈어요"),
            None => "새로운 친구 신청이 왔어요".to_owned(),
        }
    }
}

/// The first `max` characters of `text` (what `left(text, max)` cuts in
/// the database); lists cut [`PREVIEW_CHARACTERS`].
pub fn preview(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_name_is_1_to_30_characters_after_trimming() {
        assert_eq!(
            BoardName::parse("  자유게시판 ").unwrap().as_str(),
            "자유게시판"
        );
        assert!(BoardName::parse(&"가".repeat(30)).is_ok());
        assert_eq!(
            BoardName::parse(&"가".repeat(31)).unwrap_err().field,
            "name"
        );
        assert_eq!(
            BoardName::parse(" \n ").unwrap_err().message,
            "must not be empty"
        );
    }

    #[test]
    fn board_description_may_be_empty_but_not_over_200_characters() {
        assert_eq!(BoardDescription::parse("   ").unwrap().as_str(), "");
        assert!(BoardDescription::parse(&"설".repeat(200)).is_ok());
        assert_eq!(
            BoardDescription::parse(&"설".repeat(201))
                .unwrap_err()
                .field,
            "description"
        );
        assert_eq!(
            BoardDescription::parse(&format!("  {}  ", "설".repeat(200)))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            200
        );
    }

    #[test]
    fn post_title_is_1_to_100_characters_counted_in_unicode() {
        // 100 Hangul syllables are 300 bytes but 100 characters.
        assert!(PostTitle::parse(&"제".repeat(100)).is_ok());
        assert_eq!(
            PostTitle::parse(&"제".repeat(101)).unwrap_err().field,
            "title"
        );
        assert!(PostTitle::parse("").is_err());
        assert_eq!(
            PostTitle::parse("\t질문 있어요 ").unwrap().as_str(),
            "질문 있어요"
        );
    }

    #[test]
    fn post_content_is_1_to_10000_characters() {
        assert!(PostContent::parse(&"내".repeat(10_000)).is_ok());
        assert_eq!(
            PostContent::parse(&"내".repeat(10_001)).unwrap_err().field,
            "content"
        );
        assert!(PostContent::parse("    ").is_err());
        // White space around the limit does not count.
        assert!(PostContent::parse(&format!("  {}  ", "내".repeat(10_000))).is_ok());
    }

    #[test]
    fn message_content_is_1_to_1000_characters() {
        assert!(MessageContent::parse(&"쪽".repeat(1000)).is_ok());
        assert_eq!(
            MessageContent::parse(&"쪽".repeat(1001)).unwrap_err().field,
            "content"
        );
        assert!(MessageContent::parse("\n ").is_err());
        assert_eq!(MessageContent::parse(" 안녕 ").unwrap().as_str(), "안녕");
    }

    #[test]
    fn notification_texts_name_anonymous_commenters_as_on_the_post_and_quote_briefly() {
        assert_eq!(
            notice::comment(Some("익명3"), "좋은 글"),
            "새로운 댓글이 달렸어요: 익명3: 좋은 글"
        );
        assert_eq!(
            notice::comment(None, "좋은 글"),
            "새로운 댓글이 달렸어요: 좋은 글"
        );
        let long = "가".repeat(NOTIFICATION_QUOTE + 5);
        assert_eq!(
            notice::message(&long),
            format!(
                "새로운 쪽지가 도착했어요: {}…",
                "가".repeat(NOTIFICATION_QUOTE)
            )
        );
        assert_eq!(
            notice::friend_request(Some("철수")),
            "철수님이 친구 신청을 보냈어요"
        );
    }

    #[test]
    fn comment_content_is_1_to_300_characters() {
        assert!(CommentContent::parse(&"댓".repeat(300)).is_ok());
        assert_eq!(
            CommentContent::parse(&"댓".repeat(301)).unwrap_err().field,
            "content"
        );
        assert!(CommentContent::parse(" ").is_err());
        assert_eq!(CommentContent::parse(" ㅋㅋ ").unwrap().as_str(), "ㅋㅋ");
    }

    #[test]
    fn search_query_is_2_to_50_characters_on_field_q() {
        assert_eq!(SearchQuery::parse(" 족보 ").unwrap().as_str(), "족보");
        assert!(SearchQuery::parse(&"가".repeat(50)).is_ok());
        for bad in ["", "  ", "족", " 족 ", &"가".repeat(51)] {
            assert_eq!(SearchQuery::parse(bad).unwrap_err().field, "q", "{bad:?}");
        }
    }

    #[test]
    fn season_parses_both_halves() {
        let first = Season::parse("2026-H1").unwrap();
        let second = Season::parse(" 2026-H2 ").unwrap();
        assert_eq!((first.key(), second.key()), (20261, 20262));
        assert_eq!(first.to_string(), "2026-H1");
        assert_eq!(second.to_string(), "2026-H2");
    }

    #[test]
    fn malformed_seasons_are_refused_on_field_season() {
        for bad in [
            "",
            "2026",
            "2026-H3",
            "2026-H0",
            "2026-h1",
            "26-H1",
            "20266-H1",
            "2026H1",
            "2026-H12",
            "+026-H1",
            "abcd-H1",
            "1969-H2",
            "2026-H1 x",
        ] {
            assert_eq!(Season::parse(bad).unwrap_err().field, "season", "{bad:?}");
        }
    }

    #[test]
    fn seasons_turn_at_midnight_korea_time() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // 2026-06-30 23:59 KST is still the first half; 2026-07-01 00:00 KST is the second.
        assert_eq!(
            Season::of(at("2026-06-30T14:59:59Z")).to_string(),
            "2026-H1"
        );
        assert_eq!(
            Season::of(at("2026-06-30T15:00:00Z")).to_string(),
            "2026-H2"
        );
        // New Year's in Korea comes nine hours before UTC's.
        assert_eq!(
            Season::of(at("2025-12-31T15:00:00Z")).to_string(),
            "2026-H1"
        );
    }

    #[test]
    fn the_current_season_round_trips_through_its_text() {
        let current = Season::current();
        assert_eq!(Season::parse(&current.to_string()), Ok(current));
    }

    #[test]
    fn preview_takes_characters_not_bytes() {
        assert_eq!(preview("가나다라", 2), "가나");
        assert_eq!(preview("ab", 100), "ab");
        assert_eq!(preview(&"한".repeat(150), 100).chars().count(), 100);
    }

    #[test]
    fn the_best_threshold_is_the_one_the_index_and_the_query_are_built_on() {
        let literal = format!("like_count >= {BEST_LIKES}");
        let first = include_str!("../migrations/0001_boards_posts_comments.sql");
        assert!(
            first.contains(&format!("where {literal};")),
            "post_stats_best_idx was first built on {literal}"
        );
        // Rebuilt without blinded posts (신고); the query says the same.
        let literal = format!("{literal} and not blinded");
        let migration = include_str!("../migrations/0005_reports.sql");
        assert!(
            migration.contains(&format!("where {literal};")),
            "post_stats_best_idx is built on {literal}"
        );
        let query = include_str!("store/feeds.rs");
        assert!(
            query.contains(&format!("and {literal}\n")),
            "best_page filters {literal}"
        );
    }

    #[test]
    fn report_reasons_are_the_apps_seven() {
        for reason in ReportReason::ALL {
            assert_eq!(ReportReason::parse(reason.name()), Ok(reason));
        }
        assert_eq!(ReportReason::parse(" spam "), Ok(ReportReason::Spam));
        assert_eq!(ReportReason::parse("rude").unwrap_err().field, "reason");
        assert_eq!(ReportReason::parse("").unwrap_err().field, "reason");
        assert_eq!(ReportedKind::parse("comment"), Ok(ReportedKind::Comment));
        assert!(ReportedKind::parse("board").is_err());
    }

    #[test]
    fn three_blindings_within_30_days_restrict_for_7_days_from_the_third() {
        use chrono::{TimeDelta, TimeZone, Utc};
        let day = |d: i64| Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + TimeDelta::days(d);
        // Two are not enough.
        assert_eq!(restricted_until(&[day(0), day(1)], day(2)), None);
        // Three within 30 days: from the third, 7 days.
        assert_eq!(
            restricted_until(&[day(10), day(0), day(5)], day(12)),
            Some(day(17))
        );
        // Over once the 7 days have passed.
        assert_eq!(restricted_until(&[day(0), day(5), day(10)], day(17)), None);
        // Spread over more than 30 days: no restriction.
        assert_eq!(restricted_until(&[day(0), day(20), day(31)], day(32)), None);
        // Exactly 30 days apart still counts.
        assert_eq!(
            restricted_until(&[day(0), day(20), day(30)], day(31)),
            Some(day(37))
        );
        // A later run restricts again.
        assert_eq!(
            restricted_until(
                &[day(0), day(1), day(2), day(40), day(41), day(42)],
                day(43)
            ),
            Some(day(49))
        );
    }
}
