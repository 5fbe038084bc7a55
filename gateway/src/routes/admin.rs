//! Administration (role `admin`; others get `403` from the services).

use axum::{Json, Router, extract::State, http::StatusCode, routing::post};
use everytime_proto::auth::v1 as pb;
use serde::Deserialize;
use utoipa::ToSchema;

use super::authed;
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{ApiJson, Auth},
    model::SchoolBody,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/admin/schools", post(create_school))
}

/// A new school.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSchoolBody {
    /// 1–50 characters, unique.
    #[schema(example = "한국대학교")]
    pub name: String,
}

/// Creates a school.
#[utoipa::path(post, path = "/api/v1/admin/schools", tag = "admin", request_body = CreateSchoolBody,
    responses(
        (status = 201, description = "The new school", body = SchoolBody),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_school(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateSchoolBody>,
) -> ApiResult<(StatusCode, Json<SchoolBody>)> {
    let school = state
        .clients
        .auth
        .clone()
        .create_school(authed(pb::CreateSchoolRequest { name: body.name }, &auth))
        .await?
        .into_inner()
        .school
        .ok_or_else(|| ApiError::internal("CreateSchool returned no school"))?;
    Ok((StatusCode::CREATED, Json(school.into())))
}
