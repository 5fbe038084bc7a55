//! 신고: reporting a post or comment, and the administrators' list of what
//! was reported with restoring an item. Blinding itself is the community
//! service's (it counts the reporters and blinds at the threshold).

use std::collections::BTreeMap;

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::community::v1::{
    self as pb, community_service_client::CommunityServiceClient,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{NoSuchComment, NoSuchPost, OwnComment, OwnPost, PageQuery, TooFast};
use crate::{
    error::ApiResult,
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    openapi::{NotAdmin, problems},
    state::{AppState, authed, call},
};

problems! {
    BadReport = (400, "`reason` is not one of off_topic, abuse, obscene, commercial, fraud, spam, political");
    AlreadyReported = (409, "`already_reported`: the caller reported it already");
    BadReportPage = (400, "Bad limit or cursor");
    NoSuchReported = (404, "`report_not_found`: nothing of this kind and id was reported in the admin's school");
    BadReportedKind = (400, "`kind` is not post or comment");
}

/// Why something is reported.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportBody {
    /// `off_topic` (게시판 성격에 부적절함), `abuse` (욕설/비하), `obscene`
    /// (음란물/불건전한 만남 및 대화), `commercial` (상업적 광고 및 판매),
    /// `fraud` (유출/사칭/사기), `spam` (낚시/놀람/도배) or `political`
    /// (정당/정치인 비하 및 선거운동).
    #[schema(example = "abuse")]
    pub reason: String,
}

/// A report was taken.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedBody {
    /// Always true.
    pub reported: bool,
}

/// A reported post or comment, for administrators.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedItemBody {
    /// `post` or `comment`.
    #[schema(example = "post")]
    pub kind: String,
    pub id: i64,
    /// The post, or the comment's post.
    pub post_id: i64,
    pub report_count: i32,
    /// How many reports gave each reason.
    #[schema(example = json!({"abuse": 2, "spam": 1}))]
    pub reasons: BTreeMap<String, i32>,
    pub blinded: bool,
    /// What was reported, as written (administrators see it even while it
    /// is blinded): a post's title, a line break and the start of its
    /// content, or the start of a comment (100 characters of content).
    #[schema(example = "족보 팝니다\n연락 주세요")]
    pub excerpt: String,
}

/// A page of reported items, most reported first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedPage {
    pub items: Vec<ReportedItemBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// 신고 of a post: once per user, never one's own. The post is blinded once 5 different users (`REPORTS_TO_BLIND`) reported it.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/reports", tag = "community", request_body = ReportBody,
    params(("post_id" = i64, Path, description = "The post")),
    responses(
        (status = 201, description = "Reported", body = ReportedBody),
        BadReport,
        OwnPost,
        NoSuchPost,
        AlreadyReported,
        TooFast,
    ))]
pub async fn report_post(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(post_id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReportBody>,
) -> ApiResult<(StatusCode, Json<ReportedBody>)> {
    call(
        &state.clients.community,
        authed(
            pb::ReportPostRequest {
                post_id,
                reason: body.reason,
            },
            &auth,
        ),
        CommunityServiceClient::report_post,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ReportedBody { reported: true })))
}

/// 신고 of a comment: the same rules as a post's.
#[utoipa::path(post, path = "/api/v1/comments/{comment_id}/reports", tag = "community", request_body = ReportBody,
    params(("comment_id" = i64, Path, description = "The comment")),
    responses(
        (status = 201, description = "Reported", body = ReportedBody),
        BadReport,
        OwnComment,
        NoSuchComment,
        AlreadyReported,
        TooFast,
    ))]
pub async fn report_comment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(comment_id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReportBody>,
) -> ApiResult<(StatusCode, Json<ReportedBody>)> {
    call(
        &state.clients.community,
        authed(
            pb::ReportCommentRequest {
                comment_id,
                reason: body.reason,
            },
            &auth,
        ),
        CommunityServiceClient::report_comment,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ReportedBody { reported: true })))
}

/// Administrators: the reported posts and comments of their school, most reported first.
#[utoipa::path(get, path = "/api/v1/admin/reports", tag = "admin", params(PageQuery),
    responses(
        (status = 200, description = "A page of reported items", body = ReportedPage),
        BadReportPage,
        NotAdmin,
    ))]
pub async fn list_reports(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<ReportedPage>> {
    let (page_size, page_token) = query.page()?;
    let page = call(
        &state.clients.community,
        authed(
            pb::ListReportsRequest {
                page_size,
                page_token,
            },
            &auth,
        ),
        CommunityServiceClient::list_reports,
    )
    .await?;
    Ok(Json(ReportedPage {
        items: page
            .items
            .into_iter()
            .map(|item| ReportedItemBody {
                kind: item.kind,
                id: item.id,
                post_id: item.post_id,
                report_count: item.report_count,
                reasons: item.reasons.into_iter().collect(),
                blinded: item.blinded,
                excerpt: item.excerpt,
            })
            .collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}

/// Administrators: un-blinds a post or comment and clears its reports (it no longer counts against its author).
#[utoipa::path(post, path = "/api/v1/admin/reports/{kind}/{id}/restore", tag = "admin",
    params(("kind" = String, Path, description = "`post` or `comment`"), ("id" = i64, Path, description = "The post or comment")),
    responses(
        (status = 204, description = "Restored"),
        BadReportedKind,
        NotAdmin,
        NoSuchReported,
    ))]
pub async fn restore_reported(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((kind, id)): ApiPath<(String, i64)>,
) -> ApiResult<StatusCode> {
    call(
        &state.clients.community,
        authed(pb::RestoreReportedRequest { kind, id }, &auth),
        CommunityServiceClient::restore_reported,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
