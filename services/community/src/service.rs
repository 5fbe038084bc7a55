//! The gRPC handlers of `everytime.community.v1`.
//!
//! Every handler scopes by the caller's school from the verified token:
//! another school's board, post or comment is `NOT_FOUND`. Anonymity is
//! decided here and nowhere else: anonymous authors leave this service as
//! "익명", "익명N" or "익명(글쓴이)" with no user id, and only the caller's
//! own `is_mine` flags say what is theirs.

use std::{collections::HashMap, sync::Arc};

use everytime_common::{
    grpc::{self, timestamp},
    token::Caller,
    validate::Violations,
};
use everytime_proto::community::v1::{self as pb, community_service_server::CommunityService};
use sqlx::{Postgres, Transaction};
use tonic::{Request, Response, Status};

use crate::{
    State,
    domain::{
        BoardDescription, BoardName, CommentContent, PostContent, PostTitle, SearchQuery, Season,
        preview,
    },
    error::{Error, Result},
    lists::{self, PageRequest, Scope, finish_page, page_request},
    store::{self, BoardRow, CommentRow, NewComment, NewPost, PostRow, SummaryRow, TimedKey},
};

/// A school has at most this many boards, so its board list stays one
/// bounded query.
pub const MAX_BOARDS_PER_SCHOOL: i64 = 100;
/// A post has at most this many live comments, so its thread (sent whole)
/// stays a bounded query and message.
pub const MAX_COMMENTS_PER_POST: i64 = 1000;
/// Lists show this many characters of a post's content.
pub const PREVIEW_CHARACTERS: usize = 100;

/// What anonymous authors are called.
const ANONYMOUS: &str = "익명";
/// What a post's anonymous author is called in the comments of their own
/// anonymous post.
const ANONYMOUS_POST_AUTHOR: &str = "익명(글쓴이)";
/// What a deleted comment with replies shows.
const DELETED_COMMENT: &str = "삭제된 댓글입니다.";

/// The boards every school has from the first time its boards are listed:
/// name, description, anonymous only.
pub const DEFAULT_BOARDS: [(&str, &str, bool); 4] = [
    ("자유게시판", "자유롭게 이야기하는 곳", false),
    ("비밀게시판", "익명으로만 글을 쓰는 곳", true),
    (
        "새내기게시판",
        "새내기들의 궁금한 점을 묻고 답하는 곳",
        false,
    ),
    (
        "정보게시판",
        "학교생활에 도움이 되는 정보를 나누는 곳",
        false,
    ),
];

/// `everytime.community.v1.CommunityService`.
#[derive(Debug, Clone)]
pub struct CommunityApi(pub Arc<State>);

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
fn post_author(author_id: i64, is_anonymous: bool) -> pb::Author {
    if is_anonymous {
        anonymous(ANONYMOUS)
    } else {
        named(author_id)
    }
}

/// What a comment's author is called on its post: the post's own author
/// commenting anonymously on their anonymous post is "익명(글쓴이)"; every
/// other anonymous commenter carries their number on the post.
fn comment_author(
    author_id: i64,
    is_anonymous: bool,
    number: Option<i32>,
    post: &store::PostAuthor,
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

fn board_to_pb(board: BoardRow) -> pb::Board {
    pb::Board {
        id: board.id,
        name: board.name,
        description: board.description,
        anonymous_only: board.anonymous_only,
        create_time: Some(timestamp(board.created_at)),
    }
}

fn summary_to_pb(row: SummaryRow) -> pb::PostSummary {
    pb::PostSummary {
        id: row.id,
        board: Some(pb::BoardRef {
            id: row.board_id,
            name: row.board_name,
        }),
        title: row.title,
        content_preview: row.preview,
        author: Some(post_author(row.author_id, row.anonymous)),
        like_count: row.like_count,
        comment_count: row.comment_count,
        scrap_count: row.scrap_count,
        create_time: Some(timestamp(row.created_at)),
    }
}

/// Turns a thread's rows (oldest first) into top-level comments with their
/// replies, naming authors as `viewer` may see them.
fn thread_to_pb(rows: Vec<CommentRow>, post: &store::PostAuthor, viewer: i64) -> Vec<pb::Comment> {
    let mut top_level = Vec::new();
    let mut replies: HashMap<i64, Vec<pb::Comment>> = HashMap::new();
    for row in rows {
        let parent_id = row.parent_id;
        let comment = comment_to_pb(row, post, viewer);
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

fn comment_to_pb(row: CommentRow, post: &store::PostAuthor, viewer: i64) -> pb::Comment {
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
    }
}

fn post_to_pb(post: PostRow, thread: Vec<CommentRow>, viewer: i64) -> pb::Post {
    let author = store::PostAuthor {
        author_id: post.author_id,
        anonymous: post.anonymous,
    };
    let comments = thread_to_pb(thread, &author, viewer);
    pb::Post {
        summary: Some(pb::PostSummary {
            id: post.id,
            board: Some(pb::BoardRef {
                id: post.board_id,
                name: post.board_name,
            }),
            title: post.title,
            content_preview: preview(&post.content, PREVIEW_CHARACTERS),
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
    }
}

fn has_default_boards(boards: &[BoardRow]) -> bool {
    DEFAULT_BOARDS
        .iter()
        .all(|(name, _, _)| boards.iter().any(|board| board.name == *name))
}

/// A page of posts and the token to the next one.
struct PostPage {
    posts: Vec<pb::PostSummary>,
    next_page_token: String,
}

impl State {
    fn page<P: serde::de::DeserializeOwned>(
        &self,
        scope: &Scope<'_>,
        size: Option<i32>,
        token: &str,
    ) -> Result<PageRequest<P>> {
        Ok(page_request(&self.cursors, scope, size, token)?)
    }

    /// Creates the default boards the school lacks.
    async fn create_default_boards(&self, school_id: i64) -> Result<()> {
        let (names, rest): (Vec<String>, Vec<(String, bool)>) = DEFAULT_BOARDS
            .iter()
            .map(|(name, description, anonymous_only)| {
                (name.to_string(), (description.to_string(), *anonymous_only))
            })
            .unzip();
        let (descriptions, anonymous_only): (Vec<String>, Vec<bool>) = rest.into_iter().unzip();
        store::insert_boards_if_missing(
            &self.pool,
            school_id,
            &names,
            &descriptions,
            &anonymous_only,
        )
        .await
    }

    async fn list_boards(&self, caller: &Caller) -> Result<Vec<BoardRow>> {
        let boards = store::boards(&self.pool, caller.school_id, MAX_BOARDS_PER_SCHOOL).await?;
        if has_default_boards(&boards) {
            return Ok(boards);
        }
        self.create_default_boards(caller.school_id).await?;
        store::boards(&self.pool, caller.school_id, MAX_BOARDS_PER_SCHOOL).await
    }

    async fn create_board(
        &self,
        caller: &Caller,
        request: pb::CreateBoardRequest,
    ) -> Result<BoardRow> {
        let mut violations = Violations::new();
        let name = violations.check(BoardName::parse(&request.name));
        let description = violations.check(BoardDescription::parse(&request.description));
        let (Some(name), Some(description)) = (name, description) else {
            return Err(violations.finish().err().unwrap_or_default().into());
        };
        // The defaults come first, so a new board cannot take their names.
        let defaults: Vec<String> = DEFAULT_BOARDS
            .iter()
            .map(|(name, _, _)| name.to_string())
            .collect();
        let present = store::count_boards_named(&self.pool, caller.school_id, &defaults).await?;
        if present < i64::try_from(DEFAULT_BOARDS.len()).unwrap_or(i64::MAX) {
            self.create_default_boards(caller.school_id).await?;
        }
        let mut tx = self.pool.begin().await?;
        store::lock_school_boards(&mut tx, caller.school_id).await?;
        if store::count_boards(&mut *tx, caller.school_id).await? >= MAX_BOARDS_PER_SCHOOL {
            return Err(Error::TooManyBoards);
        }
        let board = store::insert_board(
            &mut *tx,
            caller.school_id,
            name.as_str(),
            description.as_str(),
            request.anonymous_only,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            board_id = board.id,
            school_id = caller.school_id,
            "board created"
        );
        Ok(board)
    }

    /// Loads the posts of a page in the order of `ids`.
    async fn summaries(&self, ids: &[i64], school_id: i64) -> Result<Vec<pb::PostSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: HashMap<i64, SummaryRow> = store::summaries(&self.pool, ids, school_id)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| rows.remove(id))
            .map(summary_to_pb)
            .collect())
    }

    /// Finishes a page of post ids: cuts it, signs the next cursor, loads
    /// the posts.
    async fn id_page(
        &self,
        scope: &Scope<'_>,
        mut ids: Vec<i64>,
        size: i64,
        school_id: i64,
    ) -> Result<PostPage> {
        let next_page_token = finish_page(&self.cursors, scope, &mut ids, size, |id| *id);
        Ok(PostPage {
            posts: self.summaries(&ids, school_id).await?,
            next_page_token,
        })
    }

    /// [`State::id_page`] for lists ordered by a time, then post id.
    async fn timed_page(
        &self,
        scope: &Scope<'_>,
        mut keys: Vec<TimedKey>,
        size: i64,
        school_id: i64,
    ) -> Result<PostPage> {
        let next_page_token = finish_page(&self.cursors, scope, &mut keys, size, |key| {
            (lists::micros(key.at), key.post_id)
        });
        let ids: Vec<i64> = keys.iter().map(|key| key.post_id).collect();
        Ok(PostPage {
            posts: self.summaries(&ids, school_id).await?,
            next_page_token,
        })
    }

    /// The position a time-ordered page continues after.
    fn time_position(after: Option<(i64, i64)>) -> Result<(chrono::DateTime<chrono::Utc>, i64)> {
        match after {
            None => Ok((lists::time_ceiling(), i64::MAX)),
            Some((micros, id)) => Ok((lists::from_micros(micros).map_err(Error::field)?, id)),
        }
    }

    async fn list_board_posts(
        &self,
        caller: &Caller,
        request: pb::ListBoardPostsRequest,
    ) -> Result<PostPage> {
        let scope = Scope::Board(request.board_id);
        let page = self.page::<i64>(&scope, request.page_size, &request.page_token)?;
        let ids = store::board_page(
            &self.pool,
            request.board_id,
            caller.school_id,
            page.after.unwrap_or(i64::MAX),
            page.fetch(),
        )
        .await?;
        if ids.is_empty()
            && store::board(&self.pool, request.board_id, caller.school_id)
                .await?
                .is_none()
        {
            return Err(Error::NotFound("board"));
        }
        self.id_page(&scope, ids, page.size, caller.school_id).await
    }

    async fn create_post(
        &self,
        caller: &Caller,
        request: pb::CreatePostRequest,
    ) -> Result<pb::Post> {
        let mut violations = Violations::new();
        let title = violations.check(PostTitle::parse(&request.title));
        let content = violations.check(PostContent::parse(&request.content));
        let (Some(title), Some(content)) = (title, content) else {
            return Err(violations.finish().err().unwrap_or_default().into());
        };
        let board = store::board(&self.pool, request.board_id, caller.school_id)
            .await?
            .ok_or(Error::NotFound("board"))?;
        let is_anonymous = request.anonymous || board.anonymous_only;
        let (id, created_at) = store::insert_post(
            &self.pool,
            &NewPost {
                school_id: caller.school_id,
                board_id: board.id,
                author_id: caller.user_id,
                anonymous: is_anonymous,
                title: title.as_str(),
                content: content.as_str(),
            },
        )
        .await?;
        tracing::info!(post_id = id, board_id = board.id, "post created");
        Ok(post_to_pb(
            PostRow {
                id,
                board_id: board.id,
                board_name: board.name,
                author_id: caller.user_id,
                anonymous: is_anonymous,
                title: title.as_str().to_owned(),
                content: content.as_str().to_owned(),
                like_count: 0,
                comment_count: 0,
                scrap_count: 0,
                created_at,
                updated_at: created_at,
                liked_by_me: false,
                scrapped_by_me: false,
            },
            Vec::new(),
            caller.user_id,
        ))
    }

    /// A post and its whole thread: two statements whatever its length.
    async fn get_post(&self, caller: &Caller, post_id: i64) -> Result<pb::Post> {
        let (post, thread) = tokio::try_join!(
            store::post(&self.pool, post_id, caller.school_id, caller.user_id),
            store::thread(&self.pool, post_id, caller.user_id),
        )?;
        let post = post.ok_or(Error::NotFound("post"))?;
        Ok(post_to_pb(post, thread, caller.user_id))
    }

    /// Starts a transaction that holds a post of the caller's school against
    /// deletion (see [`store::lock_post`]): every change hanging off a post
    /// begins here, so a concurrent deletion queues instead of deadlocking.
    async fn lock_post(
        &self,
        post_id: i64,
        school_id: i64,
    ) -> Result<(Transaction<'static, Postgres>, store::LockedPost)> {
        let mut tx = self.pool.begin().await?;
        match store::lock_post(&mut tx, post_id).await? {
            Some(post) if post.school_id == school_id => Ok((tx, post)),
            _ => Err(Error::NotFound("post")),
        }
    }

    /// Why the caller may not change a post: it is not theirs, or there is
    /// no such post in their school.
    async fn refusal(&self, caller: &Caller, post_id: i64) -> Result<Error> {
        Ok(
            match store::post_author(&self.pool, post_id, caller.school_id).await? {
                Some(_) => Error::NotAuthor("post"),
                None => Error::NotFound("post"),
            },
        )
    }

    async fn update_post(
        &self,
        caller: &Caller,
        request: pb::UpdatePostRequest,
    ) -> Result<pb::Post> {
        let mut violations = Violations::new();
        let title = request
            .title
            .as_deref()
            .and_then(|title| violations.check(PostTitle::parse(title)));
        let content = request
            .content
            .as_deref()
            .and_then(|content| violations.check(PostContent::parse(content)));
        violations.finish()?;
        let updated = store::update_post(
            &self.pool,
            request.post_id,
            caller.school_id,
            caller.user_id,
            title.as_ref().map(PostTitle::as_str),
            content.as_ref().map(PostContent::as_str),
        )
        .await?;
        if !updated {
            return Err(self.refusal(caller, request.post_id).await?);
        }
        self.get_post(caller, request.post_id).await
    }

    async fn delete_post(&self, caller: &Caller, post_id: i64) -> Result<()> {
        let deleted = store::delete_post(
            &self.pool,
            post_id,
            caller.school_id,
            caller.user_id,
            caller.is_admin(),
        )
        .await?;
        if !deleted {
            return Err(self.refusal(caller, post_id).await?);
        }
        tracing::info!(post_id, by_admin = caller.is_admin(), "post deleted");
        Ok(())
    }

    async fn create_comment(
        &self,
        caller: &Caller,
        request: pb::CreateCommentRequest,
    ) -> Result<pb::Comment> {
        let content = CommentContent::parse(&request.content).map_err(Error::field)?;
        let (mut tx, post) = self.lock_post(request.post_id, caller.school_id).await?;
        // Locks the post's counters: comments on one post are taken one at
        // a time from here to commit, which keeps the numbering race-free.
        let count = store::add_comment_to_post(&mut tx, request.post_id).await?;
        if count > MAX_COMMENTS_PER_POST {
            return Err(Error::TooManyComments);
        }
        if let Some(parent_id) = request.parent_id {
            match store::parent_is_top_level(&mut tx, parent_id, request.post_id).await? {
                None => return Err(Error::UnknownParent),
                Some(false) => return Err(Error::ReplyToReply),
                Some(true) => {}
            }
        }
        // On an anonymous-only board comments are anonymous too, whatever
        // was asked, as in the app.
        let is_anonymous = request.anonymous || post.anonymous_only;
        let post = store::PostAuthor {
            author_id: post.author_id,
            anonymous: post.anonymous,
        };
        let is_post_author = post.anonymous && post.author_id == caller.user_id;
        let number = store::upsert_commenter(
            &mut tx,
            request.post_id,
            caller.user_id,
            is_anonymous && !is_post_author,
        )
        .await?;
        let (id, created_at) = store::insert_comment(
            &mut tx,
            &NewComment {
                post_id: request.post_id,
                parent_id: request.parent_id,
                author_id: caller.user_id,
                anonymous: is_anonymous,
                content: content.as_str(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(pb::Comment {
            id,
            content: content.as_str().to_owned(),
            author: Some(comment_author(caller.user_id, is_anonymous, number, &post)),
            like_count: 0,
            liked_by_me: false,
            is_mine: true,
            deleted: false,
            create_time: Some(timestamp(created_at)),
            replies: Vec::new(),
        })
    }

    async fn delete_comment(&self, caller: &Caller, comment_id: i64) -> Result<()> {
        let owner = store::comment_owner(&self.pool, comment_id, caller.school_id)
            .await?
            .ok_or(Error::NotFound("comment"))?;
        if owner.author_id != caller.user_id {
            return Err(Error::NotAuthor("comment"));
        }
        let mut tx = self.pool.begin().await?;
        if store::lock_post(&mut tx, owner.post_id).await?.is_none() {
            // The post, and the comment with it, went meanwhile.
            return Err(Error::NotFound("comment"));
        }
        // The comment first: of racing deletions only the one that finds it
        // live goes on to take it off the counts.
        if !store::soft_delete_comment(&mut tx, comment_id).await? {
            // Deleted by another request meanwhile.
            return Err(Error::NotFound("comment"));
        }
        store::remove_comment_from_post(&mut tx, owner.post_id).await?;
        store::commenter_removed_comment(&mut tx, owner.post_id, owner.author_id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn like_post(&self, caller: &Caller, post_id: i64) -> Result<i64> {
        let (mut tx, post) = self.lock_post(post_id, caller.school_id).await?;
        if post.author_id == caller.user_id {
            return Err(Error::Own("post"));
        }
        // The primary key lets one of racing likes by one user in; the
        // others wait for it and then find it there.
        if !store::insert_post_like(&mut tx, post_id, caller.user_id).await? {
            return Err(Error::AlreadyLiked);
        }
        let like_count = store::add_post_like(&mut tx, post_id).await?;
        tx.commit().await?;
        Ok(like_count)
    }

    async fn like_comment(&self, caller: &Caller, comment_id: i64) -> Result<i64> {
        let owner = store::comment_owner(&self.pool, comment_id, caller.school_id)
            .await?
            .ok_or(Error::NotFound("comment"))?;
        if owner.author_id == caller.user_id {
            return Err(Error::Own("comment"));
        }
        let mut tx = self.pool.begin().await?;
        if !store::insert_comment_like(&mut tx, comment_id, caller.user_id).await? {
            return Err(Error::AlreadyLiked);
        }
        let like_count = store::add_comment_like(&mut tx, comment_id).await?;
        tx.commit().await?;
        Ok(like_count)
    }

    async fn scrap_post(&self, caller: &Caller, post_id: i64) -> Result<i64> {
        let (mut tx, post) = self.lock_post(post_id, caller.school_id).await?;
        if post.author_id == caller.user_id {
            return Err(Error::Own("post"));
        }
        let scrap_count = if store::insert_scrap(&mut tx, post_id, caller.user_id).await? {
            store::add_scraps(&mut tx, post_id, 1).await?
        } else {
            store::scrap_count(&mut *tx, post_id).await?
        };
        tx.commit().await?;
        Ok(scrap_count)
    }

    async fn unscrap_post(&self, caller: &Caller, post_id: i64) -> Result<i64> {
        let (mut tx, _) = self.lock_post(post_id, caller.school_id).await?;
        let scrap_count = if store::delete_scrap(&mut tx, post_id, caller.user_id).await? {
            store::add_scraps(&mut tx, post_id, -1).await?
        } else {
            store::scrap_count(&mut *tx, post_id).await?
        };
        tx.commit().await?;
        Ok(scrap_count)
    }

    async fn list_hot_posts(
        &self,
        caller: &Caller,
        request: pb::ListHotPostsRequest,
    ) -> Result<PostPage> {
        let scope = Scope::Hot(caller.school_id);
        let page = self.page::<(i64, i64)>(&scope, request.page_size, &request.page_token)?;
        let before = Self::time_position(page.after)?;
        let keys = store::hot_page(&self.pool, caller.school_id, before, page.fetch()).await?;
        self.timed_page(&scope, keys, page.size, caller.school_id)
            .await
    }

    async fn list_best_posts(
        &self,
        caller: &Caller,
        request: pb::ListBestPostsRequest,
    ) -> Result<(PostPage, Season)> {
        let season = match request.season.trim() {
            "" => Season::current(),
            season => Season::parse(season).map_err(Error::field)?,
        };
        let scope = Scope::Best(caller.school_id, season.key());
        let page = self.page::<(i32, i64)>(&scope, request.page_size, &request.page_token)?;
        let before = page.after.unwrap_or((i32::MAX, i64::MAX));
        let mut keys = store::best_page(
            &self.pool,
            caller.school_id,
            season.key(),
            before,
            page.fetch(),
        )
        .await?;
        let next_page_token = finish_page(&self.cursors, &scope, &mut keys, page.size, |key| {
            (key.like_count, key.post_id)
        });
        let ids: Vec<i64> = keys.iter().map(|key| key.post_id).collect();
        let page = PostPage {
            posts: self.summaries(&ids, caller.school_id).await?,
            next_page_token,
        };
        Ok((page, season))
    }

    async fn search_posts(
        &self,
        caller: &Caller,
        request: pb::SearchPostsRequest,
    ) -> Result<PostPage> {
        let query = SearchQuery::parse(&request.query).map_err(Error::field)?;
        let scope = Scope::Search {
            school_id: caller.school_id,
            board_id: request.board_id,
            query: query.as_str(),
        };
        let page = self.page::<i64>(&scope, request.page_size, &request.page_token)?;
        let before = page.after.unwrap_or(i64::MAX);
        let ids = match request.board_id {
            None => {
                store::search_school_page(
                    &self.pool,
                    caller.school_id,
                    query.as_str(),
                    before,
                    page.fetch(),
                )
                .await?
            }
            Some(board_id) => {
                if store::board(&self.pool, board_id, caller.school_id)
                    .await?
                    .is_none()
                {
                    return Err(Error::NotFound("board"));
                }
                store::search_board_page(
                    &self.pool,
                    caller.school_id,
                    board_id,
                    query.as_str(),
                    before,
                    page.fetch(),
                )
                .await?
            }
        };
        self.id_page(&scope, ids, page.size, caller.school_id).await
    }

    async fn list_my_posts(
        &self,
        caller: &Caller,
        page_size: Option<i32>,
        token: &str,
    ) -> Result<PostPage> {
        let scope = Scope::MyPosts(caller.user_id);
        let page = self.page::<i64>(&scope, page_size, token)?;
        let ids = store::my_posts_page(
            &self.pool,
            caller.user_id,
            caller.school_id,
            page.after.unwrap_or(i64::MAX),
            page.fetch(),
        )
        .await?;
        self.id_page(&scope, ids, page.size, caller.school_id).await
    }

    async fn list_my_commented_posts(
        &self,
        caller: &Caller,
        page_size: Option<i32>,
        token: &str,
    ) -> Result<PostPage> {
        let scope = Scope::MyComments(caller.user_id);
        let page = self.page::<(i64, i64)>(&scope, page_size, token)?;
        let before = Self::time_position(page.after)?;
        let keys =
            store::my_comments_page(&self.pool, caller.user_id, before, page.fetch()).await?;
        self.timed_page(&scope, keys, page.size, caller.school_id)
            .await
    }

    async fn list_my_scraps(
        &self,
        caller: &Caller,
        page_size: Option<i32>,
        token: &str,
    ) -> Result<PostPage> {
        let scope = Scope::MyScraps(caller.user_id);
        let page = self.page::<(i64, i64)>(&scope, page_size, token)?;
        let before = Self::time_position(page.after)?;
        let keys = store::my_scraps_page(&self.pool, caller.user_id, before, page.fetch()).await?;
        self.timed_page(&scope, keys, page.size, caller.school_id)
            .await
    }
}

#[tonic::async_trait]
impl CommunityService for CommunityApi {
    async fn list_boards(
        &self,
        request: Request<pb::ListBoardsRequest>,
    ) -> Result<Response<pb::ListBoardsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let boards = self.0.list_boards(&caller).await?;
        Ok(Response::new(pb::ListBoardsResponse {
            boards: boards.into_iter().map(board_to_pb).collect(),
        }))
    }

    async fn create_board(
        &self,
        request: Request<pb::CreateBoardRequest>,
    ) -> Result<Response<pb::CreateBoardResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let board = self.0.create_board(&caller, request.into_inner()).await?;
        Ok(Response::new(pb::CreateBoardResponse {
            board: Some(board_to_pb(board)),
        }))
    }

    async fn list_board_posts(
        &self,
        request: Request<pb::ListBoardPostsRequest>,
    ) -> Result<Response<pb::ListBoardPostsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let page = self
            .0
            .list_board_posts(&caller, request.into_inner())
            .await?;
        Ok(Response::new(pb::ListBoardPostsResponse {
            posts: page.posts,
            next_page_token: page.next_page_token,
        }))
    }

    async fn create_post(
        &self,
        request: Request<pb::CreatePostRequest>,
    ) -> Result<Response<pb::CreatePostResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let post = self.0.create_post(&caller, request.into_inner()).await?;
        Ok(Response::new(pb::CreatePostResponse { post: Some(post) }))
    }

    async fn get_post(
        &self,
        request: Request<pb::GetPostRequest>,
    ) -> Result<Response<pb::GetPostResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let post = self.0.get_post(&caller, request.get_ref().post_id).await?;
        Ok(Response::new(pb::GetPostResponse { post: Some(post) }))
    }

    async fn update_post(
        &self,
        request: Request<pb::UpdatePostRequest>,
    ) -> Result<Response<pb::UpdatePostResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let post = self.0.update_post(&caller, request.into_inner()).await?;
        Ok(Response::new(pb::UpdatePostResponse { post: Some(post) }))
    }

    async fn delete_post(
        &self,
        request: Request<pb::DeletePostRequest>,
    ) -> Result<Response<pb::DeletePostResponse>, Status> {
        let caller = grpc::caller(&request)?;
        self.0
            .delete_post(&caller, request.get_ref().post_id)
            .await?;
        Ok(Response::new(pb::DeletePostResponse {}))
    }

    async fn create_comment(
        &self,
        request: Request<pb::CreateCommentRequest>,
    ) -> Result<Response<pb::CreateCommentResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let comment = self.0.create_comment(&caller, request.into_inner()).await?;
        Ok(Response::new(pb::CreateCommentResponse {
            comment: Some(comment),
        }))
    }

    async fn delete_comment(
        &self,
        request: Request<pb::DeleteCommentRequest>,
    ) -> Result<Response<pb::DeleteCommentResponse>, Status> {
        let caller = grpc::caller(&request)?;
        self.0
            .delete_comment(&caller, request.get_ref().comment_id)
            .await?;
        Ok(Response::new(pb::DeleteCommentResponse {}))
    }

    async fn like_post(
        &self,
        request: Request<pb::LikePostRequest>,
    ) -> Result<Response<pb::LikePostResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let like_count = self.0.like_post(&caller, request.get_ref().post_id).await?;
        Ok(Response::new(pb::LikePostResponse {
            like_count,
            liked: true,
        }))
    }

    async fn like_comment(
        &self,
        request: Request<pb::LikeCommentRequest>,
    ) -> Result<Response<pb::LikeCommentResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let like_count = self
            .0
            .like_comment(&caller, request.get_ref().comment_id)
            .await?;
        Ok(Response::new(pb::LikeCommentResponse {
            like_count,
            liked: true,
        }))
    }

    async fn scrap_post(
        &self,
        request: Request<pb::ScrapPostRequest>,
    ) -> Result<Response<pb::ScrapPostResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let scrap_count = self
            .0
            .scrap_post(&caller, request.get_ref().post_id)
            .await?;
        Ok(Response::new(pb::ScrapPostResponse {
            scrap_count,
            scrapped: true,
        }))
    }

    async fn unscrap_post(
        &self,
        request: Request<pb::UnscrapPostRequest>,
    ) -> Result<Response<pb::UnscrapPostResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let scrap_count = self
            .0
            .unscrap_post(&caller, request.get_ref().post_id)
            .await?;
        Ok(Response::new(pb::UnscrapPostResponse {
            scrap_count,
            scrapped: false,
        }))
    }

    async fn list_hot_posts(
        &self,
        request: Request<pb::ListHotPostsRequest>,
    ) -> Result<Response<pb::ListHotPostsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let page = self.0.list_hot_posts(&caller, request.into_inner()).await?;
        Ok(Response::new(pb::ListHotPostsResponse {
            posts: page.posts,
            next_page_token: page.next_page_token,
        }))
    }

    async fn list_best_posts(
        &self,
        request: Request<pb::ListBestPostsRequest>,
    ) -> Result<Response<pb::ListBestPostsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let (page, season) = self
            .0
            .list_best_posts(&caller, request.into_inner())
            .await?;
        Ok(Response::new(pb::ListBestPostsResponse {
            posts: page.posts,
            next_page_token: page.next_page_token,
            season: season.to_string(),
        }))
    }

    async fn search_posts(
        &self,
        request: Request<pb::SearchPostsRequest>,
    ) -> Result<Response<pb::SearchPostsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let page = self.0.search_posts(&caller, request.into_inner()).await?;
        Ok(Response::new(pb::SearchPostsResponse {
            posts: page.posts,
            next_page_token: page.next_page_token,
        }))
    }

    async fn list_my_posts(
        &self,
        request: Request<pb::ListMyPostsRequest>,
    ) -> Result<Response<pb::ListMyPostsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let request = request.into_inner();
        let page = self
            .0
            .list_my_posts(&caller, request.page_size, &request.page_token)
            .await?;
        Ok(Response::new(pb::ListMyPostsResponse {
            posts: page.posts,
            next_page_token: page.next_page_token,
        }))
    }

    async fn list_my_commented_posts(
        &self,
        request: Request<pb::ListMyCommentedPostsRequest>,
    ) -> Result<Response<pb::ListMyCommentedPostsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let request = request.into_inner();
        let page = self
            .0
            .list_my_commented_posts(&caller, request.page_size, &request.page_token)
            .await?;
        Ok(Response::new(pb::ListMyCommentedPostsResponse {
            posts: page.posts,
            next_page_token: page.next_page_token,
        }))
    }

    async fn list_my_scraps(
        &self,
        request: Request<pb::ListMyScrapsRequest>,
    ) -> Result<Response<pb::ListMyScrapsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let request = request.into_inner();
        let page = self
            .0
            .list_my_scraps(&caller, request.page_size, &request.page_token)
            .await?;
        Ok(Response::new(pb::ListMyScrapsResponse {
            posts: page.posts,
            next_page_token: page.next_page_token,
        }))
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
        }
    }

    const ANONYMOUS_POST: store::PostAuthor = store::PostAuthor {
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
        let thread = thread_to_pb(
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
        let named_post = store::PostAuthor {
            author_id: 1,
            anonymous: false,
        };
        let thread = thread_to_pb(vec![row(10, None, 1, true, Some(1), false)], &named_post, 9);
        assert_eq!(names(&thread), ["익명1"]);
    }

    #[test]
    fn replies_nest_under_their_parent_in_order() {
        let thread = thread_to_pb(
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
        let thread = thread_to_pb(
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
