//! Boards, posts, comments, 공감, scraps, HOT, BEST, search.
//!
//! Handlers live by what they act on (`boards`, `posts`, `comments`,
//! `feeds`); their JSON and how a service post becomes it are in
//! `json`. Named authors' nicknames come from auth in one `BatchGetUsers`
//! per response ([`crate::authors`]), started alongside the community call
//! whenever the ids are known before it answers. A write and the lookup
//! made beside it always both run to the end: the lookup failing never
//! cancels a write on its way to the database.

mod boards;
mod comments;
mod feeds;
mod json;
mod posts;
mod reports;

use everytime_proto::community::v1::{
    self as pb, community_service_client::CommunityServiceClient,
};
use tonic::transport::Channel;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use crate::{
    authors::Nicknames,
    error::{ApiError, ApiResult},
    extract::Auth,
    openapi::problems,
    state::{AppState, authed, call},
};

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(boards::list_boards, boards::create_board))
        .routes(routes!(feeds::list_board_posts, posts::create_post))
        .routes(routes!(feeds::list_hot_posts))
        .routes(routes!(feeds::list_best_posts))
        .routes(routes!(feeds::search_posts))
        .routes(routes!(
            posts::get_post,
            posts::update_post,
            posts::delete_post
        ))
        .routes(routes!(comments::create_comment))
        .routes(routes!(posts::like_post))
        .routes(routes!(posts::scrap_post, posts::unscrap_post))
        .routes(routes!(comments::delete_comment))
        .routes(routes!(comments::like_comment))
        .routes(routes!(feeds::list_my_posts))
        .routes(routes!(feeds::list_my_comments))
        .routes(routes!(feeds::list_my_scraps))
        .routes(routes!(reports::report_post))
        .routes(routes!(reports::report_comment))
        .routes(routes!(reports::list_reports))
        .routes(routes!(reports::restore_reported))
}

problems! {
    BoardNameTaken = (409, "The school has a board of this name");
    BadPage = (400, "Bad limit or cursor");
    NoSuchBoard = (404, "No such board in the caller's school");
    NoSuchPost = (404, "No such post in the caller's school");
    NotAuthor = (403, "Not the author");
    NotAuthorOrAdmin = (403, "Neither the author nor an administrator");
    BadComment = (400, "A limit is broken, or `parent_id` is a reply or not a comment of this post");
    NoSuchComment = (404, "No such comment in the caller's school");
    OwnPost = (403, "Your own post (code `own_post`)");
    AlreadyLiked = (409, "Already liked (code `already_liked`)");
    OwnComment = (403, "Your own comment (code `own_post`)");
    BadBestPage = (400, "Bad season, limit or cursor");
    BadSearch = (400, "Bad q, board_id, limit or cursor");
    /// Writing while restricted for blinded items (신고).
    WriteRestricted = (403, "`write_restricted`: 3 of the caller's posts or comments were blinded within 30 days; no posts, comments or 쪽지 for 7 days (`detail` says until when)");
    /// The per-user write limits (API.md Conventions), with `Retry-After`.
    TooFast = (429, "Writing too fast (code `too_fast`); `Retry-After` says when to try again");
}

impl PageQuery {
    /// `page_size` and `page_token` for the service.
    pub(crate) fn page(self) -> ApiResult<(Option<i32>, String)> {
        Ok((
            limit_param(self.limit.as_deref())?,
            self.cursor.unwrap_or_default(),
        ))
    }
}

/// A whole-number query parameter: absent or blank is `None`; anything
/// else that is not a whole number is a `400` naming it.
fn number_param(field: &str, raw: Option<&str>) -> ApiResult<Option<i64>> {
    match raw.map(str::trim).filter(|raw| !raw.is_empty()) {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid_field("invalid_input", field, "must be a whole number")),
    }
}

/// `?limit` for the service, which checks its range (1..100): values out of
/// `i32` are sent saturated so they get the same range error. A `limit`
/// given blank is no number, as the document says (`400`); absent is the
/// default.
pub(crate) fn limit_param(raw: Option<&str>) -> ApiResult<Option<i32>> {
    if raw.is_some_and(|raw| raw.trim().is_empty()) {
        return Err(ApiError::invalid_field(
            "invalid_input",
            "limit",
            "must be a whole number between 1 and 100",
        ));
    }
    Ok(number_param("limit", raw)?
        .map(|limit| i32::try_from(limit).unwrap_or(if limit > 0 { i32::MAX } else { i32::MIN })))
}

/// A request of the community service for a page of posts and nothing
/// else (`page_size`, `page_token`).
trait PageRequest {
    fn new(page_size: Option<i32>, page_token: String) -> Self;
}

macro_rules! page_requests {
    ($($request:ty),* $(,)?) => {
        $(impl PageRequest for $request {
            fn new(page_size: Option<i32>, page_token: String) -> Self {
                Self { page_size, page_token }
            }
        })*
    };
}

page_requests!(
    pb::ListHotPostsRequest,
    pb::ListMyPostsRequest,
    pb::ListMyCommentedPostsRequest,
    pb::ListMyScrapsRequest,
);

/// A reply of the community service that is a page of posts.
trait PostList {
    fn into_page(self) -> (Vec<pb::PostSummary>, String);
}

macro_rules! post_lists {
    ($($reply:ty),* $(,)?) => {
        $(impl PostList for $reply {
            fn into_page(self) -> (Vec<pb::PostSummary>, String) {
                (self.posts, self.next_page_token)
            }
        })*
    };
}

post_lists!(
    pb::ListBoardPostsResponse,
    pb::ListHotPostsResponse,
    pb::SearchPostsResponse,
    pb::ListMyPostsResponse,
    pb::ListMyCommentedPostsResponse,
    pb::ListMyScrapsResponse,
);

/// A list of posts as JSON: `rpc` with `message` and the caller's token,
/// then one nickname lookup for the page.
async fn list_posts<M, R: PostList>(
    state: &AppState,
    auth: &Auth,
    message: M,
    rpc: impl AsyncFnOnce(
        &mut CommunityServiceClient<Channel>,
        tonic::Request<M>,
    ) -> Result<tonic::Response<R>, tonic::Status>,
) -> ApiResult<axum::Json<PostPage>> {
    let (posts, next_page_token) = call(&state.clients.community, authed(message, auth), rpc)
        .await?
        .into_page();
    Ok(axum::Json(
        post_page(state, auth, posts, next_page_token).await?,
    ))
}

/// A page of posts as JSON from an RPC that takes nothing but `?limit`
/// and `?cursor`.
async fn list_page<M: PageRequest, R: PostList>(
    state: &AppState,
    auth: &Auth,
    query: PageQuery,
    rpc: impl AsyncFnOnce(
        &mut CommunityServiceClient<Channel>,
        tonic::Request<M>,
    ) -> Result<tonic::Response<R>, tonic::Status>,
) -> ApiResult<axum::Json<PostPage>> {
    let (page_size, page_token) = query.page()?;
    list_posts(state, auth, M::new(page_size, page_token), rpc).await
}

/// A page of the service's posts as JSON, with one nickname lookup.
async fn post_page(
    state: &AppState,
    auth: &Auth,
    posts: Vec<pb::PostSummary>,
    next_page_token: String,
) -> ApiResult<PostPage> {
    let names = Nicknames::fetch(state, auth, summary_author_ids(&posts)).await?;
    Ok(PostPage {
        items: posts
            .into_iter()
            .map(|post| summary_body(&names, post))
            .collect(),
        next_cursor: Some(next_page_token).filter(|token| !token.is_empty()),
    })
}

/// A post of the service as JSON, with one nickname lookup.
async fn named_post(state: &AppState, auth: &Auth, post: pb::Post) -> ApiResult<PostBody> {
    let names = Nicknames::fetch(state, auth, post_author_ids(&post)).await?;
    post_body(&names, post)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_params_accept_blank_and_refuse_words() {
        assert_eq!(number_param("board_id", None).unwrap(), None);
        assert_eq!(number_param("board_id", Some(" ")).unwrap(), None);
        assert_eq!(number_param("board_id", Some("42")).unwrap(), Some(42));
        let error = number_param("board_id", Some("abc")).unwrap_err().problem();
        assert_eq!(
            (error.status, error.errors[0].field.as_str()),
            (400, "board_id")
        );
        assert_eq!(limit_param(Some("99999999999")).unwrap(), Some(i32::MAX));
        assert_eq!(limit_param(Some("-99999999999")).unwrap(), Some(i32::MIN));
        assert_eq!(
            limit_param(Some("1.5")).unwrap_err().problem().errors[0].field,
            "limit"
        );
        assert_eq!(limit_param(None).unwrap(), None, "absent: the default");
        assert_eq!(
            limit_param(Some("")).unwrap_err().problem().errors[0].field,
            "limit",
            "blank is no number"
        );
    }
}
