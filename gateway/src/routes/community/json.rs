//! The JSON of boards, posts, comments and their pages, and how a
//! service post or comment becomes it once its authors' nicknames are known.
//!
//! The community service decides anonymity: it sends a user id only for
//! named authors and a display name ("익명", "익명1", "익명(글쓴이)") for
//! anonymous ones, which is shown as it is, so nothing here can leak who
//! wrote anonymous content. The JSON author is `{"nickname", "anonymous"}`,
//! never an id.

use std::collections::BTreeSet;

use everytime_proto::community::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    authors::Nicknames,
    error::{ApiError, ApiResult},
    model::rfc3339,
};

/// A board of the caller's school.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardBody {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "자유게시판")]
    pub name: String,
    #[schema(example = "자유롭게 이야기하는 곳")]
    pub description: String,
    /// Every post here is anonymous.
    pub anonymous_only: bool,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
}

impl From<pb::Board> for BoardBody {
    fn from(board: pb::Board) -> Self {
        BoardBody {
            id: board.id,
            name: board.name,
            description: board.description,
            anonymous_only: board.anonymous_only,
            created_at: rfc3339(board.create_time.as_ref()),
        }
    }
}

/// The board a post is on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardRefBody {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "자유게시판")]
    pub name: String,
}

/// Who wrote a post or comment, as others see it: a nickname, or "익명"
/// ("익명1", "익명(글쓴이)" on comments) with `anonymous` set. Never an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuthorBody {
    #[schema(example = "새내기")]
    pub nickname: String,
    pub anonymous: bool,
}

/// A post in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostSummaryBody {
    pub id: i64,
    pub board: BoardRefBody,
    #[schema(example = "자료구조 족보 있나요")]
    pub title: String,
    /// The first 100 characters of the content.
    pub content_preview: String,
    pub author: AuthorBody,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    #[schema(example = "2026-03-02T09:00:00Z")]
    pub created_at: String,
}

/// A post with its whole comment thread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostBody {
    pub id: i64,
    pub board: BoardRefBody,
    pub title: String,
    /// The first 100 characters of the content.
    pub content_preview: String,
    pub author: AuthorBody,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    pub created_at: String,
    pub content: String,
    pub updated_at: String,
    /// The caller wrote it (anonymous or not).
    pub is_mine: bool,
    pub liked_by_me: bool,
    pub scrapped_by_me: bool,
    /// Top-level comments, oldest first, each with its replies.
    pub comments: Vec<CommentBody>,
    /// Blinded by reports: the title is "블라인드 처리된 게시물입니다" and the
    /// content empty.
    pub blinded: bool,
    /// How many reports gave each reason; `null` unless blinded.
    #[schema(example = json!(null))]
    pub blind_reasons: Option<std::collections::BTreeMap<String, i32>>,
}

/// A comment or reply. A deleted comment that still has replies shows
/// `deleted: true`, "삭제된 댓글입니다." and no author.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentBody {
    pub id: i64,
    pub content: String,
    /// Absent (`null`) on deleted comments.
    pub author: Option<AuthorBody>,
    pub like_count: i64,
    pub liked_by_me: bool,
    pub is_mine: bool,
    pub deleted: bool,
    pub created_at: String,
    /// Replies, oldest first; replies have none.
    #[schema(no_recursion)]
    pub replies: Vec<CommentBody>,
    /// Blinded by reports: shows like a deleted comment ("블라인드 처리된
    /// 댓글입니다.", no author).
    pub blinded: bool,
}

/// A page of posts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostPage {
    pub items: Vec<PostSummaryBody>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of BEST게시판.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BestPage {
    pub items: Vec<PostSummaryBody>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The season listed.
    #[schema(example = "2026-H1")]
    pub season: String,
}

/// A like's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LikeBody {
    pub like_count: i64,
    /// Always true: a like is for good.
    pub liked: bool,
}

/// `From` a reply whose fields are the body's, by name.
macro_rules! from_reply {
    ($body:ident { $($field:ident),* } from $reply:ty) => {
        impl From<$reply> for $body {
            fn from(reply: $reply) -> Self {
                $body { $($field: reply.$field),* }
            }
        }
    };
}

from_reply!(LikeBody { like_count, liked } from pb::LikePostResponse);
from_reply!(LikeBody { like_count, liked } from pb::LikeCommentResponse);

/// A scrap's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScrapBody {
    pub scrap_count: i64,
    pub scrapped: bool,
}

from_reply!(ScrapBody { scrap_count, scrapped } from pb::ScrapPostResponse);
from_reply!(ScrapBody { scrap_count, scrapped } from pb::UnscrapPostResponse);

/// A new board.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateBoardBody {
    /// 1–30 characters, unique in the school.
    #[schema(example = "스터디게시판")]
    pub name: String,
    /// At most 200 characters.
    pub description: Option<String>,
    /// Every post on it is anonymous (default false).
    pub anonymous_only: Option<bool>,
}

/// A new post.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePostBody {
    /// 1–100 characters.
    #[schema(example = "자료구조 족보 있나요")]
    pub title: String,
    /// 1–10,000 characters.
    pub content: String,
    /// Post anonymously (default false; always on anonymous-only boards).
    pub anonymous: Option<bool>,
}

/// Fields of a post to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdatePostBody {
    /// 1–100 characters.
    pub title: Option<String>,
    /// 1–10,000 characters.
    pub content: Option<String>,
}

/// A new comment or reply.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCommentBody {
    /// 1–300 characters.
    pub content: String,
    /// Comment anonymously (default false).
    pub anonymous: Option<bool>,
    /// Makes it a reply to this top-level comment of the post.
    pub parent_id: Option<i64>,
}

/// `?limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1..100, default 20.
    #[param(value_type = Option<i32>)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `?season&limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BestQuery {
    /// `YYYY-H1` or `YYYY-H2`; default the current one.
    pub season: Option<String>,
    /// 1..100, default 20.
    #[param(value_type = Option<i32>)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `?q&board_id&limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// 2–50 characters, matched case-insensitively in titles and contents.
    pub q: Option<String>,
    /// Only this board.
    #[param(value_type = Option<i64>)]
    pub board_id: Option<String>,
    /// 1..100, default 20.
    #[param(value_type = Option<i32>)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The JSON author of a service author: a named one gets their nickname,
/// an anonymous one the name the service gave it.
pub fn author_body(names: &Nicknames, author: &pb::Author) -> AuthorBody {
    match named_id(Some(author)) {
        Some(user_id) => AuthorBody {
            nickname: names.nickname(user_id),
            anonymous: false,
        },
        None => AuthorBody {
            nickname: author.display_name.clone(),
            anonymous: true,
        },
    }
}

/// A post in a list.
pub fn summary_body(names: &Nicknames, summary: pb::PostSummary) -> PostSummaryBody {
    let board = summary.board.unwrap_or_default();
    PostSummaryBody {
        id: summary.id,
        board: BoardRefBody {
            id: board.id,
            name: board.name,
        },
        title: summary.title,
        content_preview: summary.content_preview,
        author: author_body(names, &summary.author.unwrap_or_default()),
        like_count: summary.like_count,
        comment_count: summary.comment_count,
        scrap_count: summary.scrap_count,
        created_at: rfc3339(summary.create_time.as_ref()),
    }
}

/// A comment with its replies.
pub fn comment_body(names: &Nicknames, comment: pb::Comment) -> CommentBody {
    CommentBody {
        id: comment.id,
        content: comment.content,
        author: comment
            .author
            .as_ref()
            .map(|author| author_body(names, author)),
        like_count: comment.like_count,
        liked_by_me: comment.liked_by_me,
        is_mine: comment.is_mine,
        deleted: comment.deleted,
        created_at: rfc3339(comment.create_time.as_ref()),
        replies: comment
            .replies
            .into_iter()
            .map(|reply| comment_body(names, reply))
            .collect(),
        blinded: comment.blinded,
    }
}

/// A post with its thread.
pub fn post_body(names: &Nicknames, post: pb::Post) -> ApiResult<PostBody> {
    let summary = post
        .summary
        .ok_or_else(|| ApiError::internal("a post without its summary"))?;
    let summary = summary_body(names, summary);
    Ok(PostBody {
        id: summary.id,
        board: summary.board,
        title: summary.title,
        content_preview: summary.content_preview,
        author: summary.author,
        like_count: summary.like_count,
        comment_count: summary.comment_count,
        scrap_count: summary.scrap_count,
        created_at: summary.created_at,
        content: post.content,
        updated_at: rfc3339(post.update_time.as_ref()),
        is_mine: post.is_mine,
        liked_by_me: post.liked_by_me,
        scrapped_by_me: post.scrapped_by_me,
        comments: post
            .comments
            .into_iter()
            .map(|comment| comment_body(names, comment))
            .collect(),
        blinded: post.blinded,
        blind_reasons: post
            .blinded
            .then(|| post.blind_reasons.into_iter().collect()),
    })
}

/// The named author of a service author, if any.
fn named_id(author: Option<&pb::Author>) -> Option<i64> {
    author
        .filter(|author| !author.anonymous)
        .and_then(|author| author.user_id)
}

pub fn summary_author_ids(posts: &[pb::PostSummary]) -> BTreeSet<i64> {
    posts
        .iter()
        .filter_map(|post| named_id(post.author.as_ref()))
        .collect()
}

fn comment_author_ids(comments: &[pb::Comment], ids: &mut BTreeSet<i64>) {
    for comment in comments {
        ids.extend(named_id(comment.author.as_ref()));
        comment_author_ids(&comment.replies, ids);
    }
}

pub fn post_author_ids(post: &pb::Post) -> BTreeSet<i64> {
    let mut ids: BTreeSet<i64> = post
        .summary
        .as_ref()
        .and_then(|summary| named_id(summary.author.as_ref()))
        .into_iter()
        .collect();
    comment_author_ids(&post.comments, &mut ids);
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authors::UNKNOWN_NICKNAME;

    fn named(id: i64) -> pb::Author {
        pb::Author {
            user_id: Some(id),
            anonymous: false,
            display_name: String::new(),
        }
    }

    fn anonymous(name: &str) -> pb::Author {
        pb::Author {
            user_id: None,
            anonymous: true,
            display_name: name.into(),
        }
    }

    #[test]
    fn named_authors_get_their_nickname_and_missing_ones_a_placeholder() {
        let names: Nicknames = [(7, "새내기".to_owned())].into_iter().collect();
        assert_eq!(
            author_body(&names, &named(7)),
            AuthorBody {
                nickname: "새내기".into(),
                anonymous: false
            }
        );
        assert_eq!(author_body(&names, &named(8)).nickname, UNKNOWN_NICKNAME);
    }

    #[test]
    fn anonymous_authors_keep_the_services_name_and_never_an_id() {
        let names: Nicknames = [(7, "새내기".to_owned())].into_iter().collect();
        let author = author_body(&names, &anonymous("익명(글쓴이)"));
        assert_eq!(
            author,
            AuthorBody {
                nickname: "익명(글쓴이)".into(),
                anonymous: true
            }
        );
        let json = serde_json::to_value(&author).unwrap();
        assert_eq!(json.as_object().map(|o| o.len()), Some(2));
    }

    #[test]
    fn only_named_authors_are_looked_up_and_each_once() {
        let comment =
            |id: i64, author: Option<pb::Author>, replies: Vec<pb::Comment>| pb::Comment {
                id,
                author,
                replies,
                ..Default::default()
            };
        let post = pb::Post {
            summary: Some(pb::PostSummary {
                author: Some(named(1)),
                ..Default::default()
            }),
            comments: vec![
                comment(
                    1,
                    Some(named(2)),
                    vec![
                        comment(2, Some(named(3)), vec![]),
                        comment(3, Some(anonymous("익명1")), vec![]),
                    ],
                ),
                comment(4, None, vec![comment(5, Some(named(2)), vec![])]),
                comment(6, Some(anonymous("익명2")), vec![]),
            ],
            ..Default::default()
        };
        assert_eq!(
            post_author_ids(&post).into_iter().collect::<Vec<_>>(),
            [1, 2, 3]
        );
    }
}
