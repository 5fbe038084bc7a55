//! Rows → protobuf messages, and how authors are named on the wire.
//!
//! Anonymity leaves the service here and nowhere else: anonymous authors go
//! out as "익명" (posts), "익명N" or "익명(글쓴이)" (comments) with no user id,
//! always with that `display_name` set (the gateway shows it as sent), and
//! only the viewer's own `is_mine` flags say what is theirs. Named authors
//! carry their user id; the gateway adds the nickname.

use std::collections::HashMap;

use everytime_common::grpc::timestamp;
use everytime_proto::community::v1 as pb;

use crate::{
    domain::{BLINDED_COMMENT, BLINDED_TITLE, PREVIEW_CHARACTERS, preview},
    store::{
        boards::BoardRow,
        comments::CommentRow,
        posts::{PostAuthor, PostRow, SummaryRow},
    },
};

/// What anonymous authors are called.
pub const ANONYMOUS: &str = "익명";
/// What a post's anonymous author is called in the comments of their own
/// anonymous post.
pub const ANONYMOUS_POST_AUTHOR: &str = "익명(글쓴이)";
/// What a deleted comment with replies shows.
pub const DELETED_COMMENT: &str = "삭제된 댓글입니다.";

fn named(user_id: i64) -> pb::Author {
    pb::Author {
        user_id: Some(user_id),
        anonymous: false,
        display_name: String::new(),
    }
}

fn anonymous(display_name: impl Into<String>) -> pb::Author {
    pb::Author {
        user_id: None,
        anonymous: true,
        display_name: display_name.into(),
    }
}

/// A post's author as everyone sees it.
pub fn post_author(author_id: i64, is_anonymous: bool) -> pb::Author {
    if is_anonymous {
        anonymous(ANONYMOUS)
    } else {
        named(author_id)
    }
}

/// What a comment's author is called on its post: the post's own author
/// commenting anonymously on their anonymous post is "익명(글쓴이)"; every
/// other anonymous commenter carries their number on the post.
pub fn comment_author(
    author_id: i64,
    is_anonymous: bool,
    number: Option<i32>,
    post: &PostAuthor,
) -> pb::Author {
    if !is_anonymous {
        named(author_id)
    } else if post.anonymous && post.author_id == author_id {
        anonymous(ANONYMOUS_POST_AUTHOR)
    } else {
        match number {
            Some(number) => anonymous(format!("{ANONYMOUS}{number}")),
            None => anonymous(ANONYMOUS),
        }
    }
}

/// A board.
pub fn board(board: BoardRow) -> pb::Board {
    pb::Board {
        id: board.id,
        name: board.name,
        description: board.description,
        anonymous_only: board.anonymous_only,
        create_time: Some(timestamp(board.created_at)),
    }
}

/// A post as lists show it (a blinded one, in its author's own list, with
/// the blinded title and no preview).
pub fn summary(row: SummaryRow) -> pb::PostSummary {
    let (title, content_preview) = if row.blinded {
        (BLINDED_TITLE.to_owned(), String::new())
    } else {
        (row.title, row.preview)
    };
    pb::PostSummary {
        id: row.id,
        board: Some(pb::BoardRef {
            id: row.board_id,
            name: row.board_name,
        }),
        title,
        content_preview,
        author: Some(post_author(row.author_id, row.anonymous)),
        like_count: row.like_count,
        comment_count: row.comment_count,
        scrap_count: row.scrap_count,
        create_time: Some(timestamp(row.created_at)),
    }
}

/// A post with its thread (oldest first), as `viewer` may see it; a
/// blinded one with the blinded title, no content, and the counts of the
/// reasons it was reported for (`blind_reasons`).
pub fn post(
    mut post: PostRow,
    thread: Vec<CommentRow>,
    blind_reasons: HashMap<String, i32>,
    viewer: i64,
) -> pb::Post {
    let author = PostAuthor {
        author_id: post.author_id,
        anonymous: post.anonymous,
    };
    let comments = self::thread(thread, &author, viewer);
    if post.blinded {
        post.title = BLINDED_TITLE.to_owned();
        post.content = String::new();
    }
    pb::Post {
        summary: Some(pb::PostSummary {
            id: post.id,
            board: Some(pb::BoardRef {
                id: post.board_id,
                name: post.board_name,
            }),
            title: post.title,
            content_preview: preview(&post.content, usize::from(PREVIEW_CHARACTERS)),
            author: Some(post_author(post.author_id, post.anonymous)),
            like_count: post.like_count,
            comment_count: post.comment_count,
            scrap_count: post.scrap_count,
            create_time: Some(timestamp(post.created_at)),
        }),
        content: post.content,
        update_time: Some(timestamp(post.updated_at)),
        is_mine: post.author_id == viewer,
        liked_by_me: post.liked_by_me,
        scrapped_by_me: post.scrapped_by_me,
        comments,
        blinded: post.blinded,
        blind_reasons: if post.blinded {
            blind_reasons
        } else {
            HashMap::new()
        },
    }
}

/// Turns a thread's rows (oldest first) into top-level comments with their
/// replies, naming authors as `viewer` may see them.
pub fn thread(rows: Vec<CommentRow>, post: &PostAuthor, viewer: i64) -> Vec<pb::Comment> {
    let mut top_level = Vec::new();
    let mut replies: HashMap<i64, Vec<pb::Comment>> = HashMap::new();
    for row in rows {
        let parent_id = row.parent_id;
        let comment = comment(row, post, viewer);
        match parent_id {
            None => top_level.push(comment),
            Some(parent_id) => replies.entry(parent_id).or_default().push(comment),
        }
    }
    for comment in &mut top_level {
        comment.replies = replies.remove(&comment.id).unwrap_or_default();
    }
    top_level
}

/// One comment of `post`, without its replies.
pub fn comment(row: CommentRow, post: &PostAuthor, viewer: i64) -> pb::Comment {
    if row.deleted {
        // Nothing of who wrote it, or what it said.
        return pb::Comment {
            id: row.id,
            content: DELETED_COMMENT.to_owned(),
            author: None,
            like_count: row.like_count,
            liked_by_me: row.liked_by_me,
            is_mine: false,
            deleted: true,
            create_time: Some(timestamp(row.created_at)),
            replies: Vec::new(),
            blinded: false,
        };
    }
    if row.blinded {
        // Like a deleted one: nothing of who wrote it, or what it said.
        return pb::Comment {
            id: row.id,
            content: BLINDED_COMMENT.to_owned(),
            author: None,
            like_count: row.like_count,
            liked_by_me: row.liked_by_me,
            is_mine: row.author_id == viewer,
            deleted: false,
            create_time: Some(timestamp(row.created_at)),
            replies: Vec::new(),
            blinded: true,
        };
    }
    pb::Comment {
        id: row.id,
        author: Some(comment_author(
            row.author_id,
            row.anonymous,
            row.anonymous_number,
            post,
        )),
        content: row.content,
        like_count: row.like_count,
        liked_by_me: row.liked_by_me,
        is_mine: row.author_id == viewer,
        deleted: false,
        create_time: Some(timestamp(row.created_at)),
        replies: Vec::new(),
        blinded: false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn row(
        id: i64,
        parent_id: Option<i64>,
        author_id: i64,
        anonymous: bool,
        number: Option<i32>,
        deleted: bool,
    ) -> CommentRow {
        CommentRow {
            id,
            parent_id,
            author_id,
            anonymous,
            content: if deleted {
                String::new()
            } else {
                format!("댓글 {id}")
            },
            like_count: 0,
            created_at: Utc::now(),
            deleted,
            anonymous_number: number,
            liked_by_me: false,
            blinded: false,
        }
    }

    const ANONYMOUS_POST: PostAuthor = PostAuthor {
        author_id: 1,
        anonymous: true,
    };

    fn names(comments: &[pb::Comment]) -> Vec<String> {
        comments
            .iter()
            .map(|comment| match &comment.author {
                None => "-".to_owned(),
                Some(author) if author.anonymous => author.display_name.clone(),
                Some(author) => format!("user {}", author.user_id.unwrap_or_default()),
            })
            .collect()
    }

    #[test]
    fn anonymous_commenters_are_numbered_and_the_post_author_is_marked() {
        let thread = thread(
            vec![
                row(10, None, 2, true, Some(1), false),
                row(11, None, 1, true, None, false),
                row(12, None, 3, true, Some(2), false),
                row(13, None, 4, false, None, false),
            ],
            &ANONYMOUS_POST,
            2,
        );
        assert_eq!(names(&thread), ["익명1", "익명(글쓴이)", "익명2", "user 4"]);
        // Only named authors carry an id; the viewer's own comment says so.
        assert!(
            thread[..3]
                .iter()
                .all(|c| c.author.as_ref().is_some_and(|a| a.user_id.is_none()))
        );
        assert_eq!(
            thread.iter().map(|c| c.is_mine).collect::<Vec<_>>(),
            [true, false, false, false]
        );
    }

    #[test]
    fn the_post_author_is_numbered_like_anyone_on_a_named_post() {
        let named_post = PostAuthor {
            author_id: 1,
            anonymous: false,
        };
        let thread = thread(vec![row(10, None, 1, true, Some(1), false)], &named_post, 9);
        assert_eq!(names(&thread), ["익명1"]);
    }

    #[test]
    fn replies_nest_under_their_parent_in_order() {
        let thread = thread(
            vec![
                row(1, None, 2, true, Some(1), false),
                row(2, None, 3, true, Some(2), false),
                row(3, Some(1), 3, true, Some(2), false),
                row(4, Some(1), 2, true, Some(1), false),
            ],
            &ANONYMOUS_POST,
            9,
        );
        assert_eq!(thread.len(), 2);
        assert_eq!(
            thread[0].replies.iter().map(|r| r.id).collect::<Vec<_>>(),
            [3, 4]
        );
        assert_eq!(names(&thread[0].replies), ["익명2", "익명1"]);
        assert!(thread[1].replies.is_empty());
    }

    #[test]
    fn a_deleted_comment_shows_no_author_and_no_text() {
        let thread = thread(
            vec![
                row(1, None, 2, false, None, true),
                row(2, Some(1), 3, false, None, false),
            ],
            &ANONYMOUS_POST,
            2,
        );
        let deleted = &thread[0];
        assert!(deleted.deleted);
        assert_eq!(deleted.content, DELETED_COMMENT);
        assert!(deleted.author.is_none());
        assert!(!deleted.is_mine);
        assert_eq!(deleted.replies.len(), 1);
    }

    #[test]
    fn anonymous_posts_carry_no_author_id() {
        let author = post_author(42, true);
        assert_eq!(author.user_id, None);
        assert_eq!(author.display_name, ANONYMOUS);
        assert_eq!(post_author(42, false).user_id, Some(42));
    }
}
