//! Administration (role `admin`; others get `403` from the services, which
//! check the role: the gateway only passes the caller's token on).
//!
//! A course import is passed on as it came: the timetable service reads
//! each course's JSON, names every field of the wrong type and the first
//! bad course in order, and checks that the school exists.

mod json;

use axum::{Json, extract::State, http::StatusCode};
use everytime_proto::{
    auth::v1::{self as auth_pb, auth_service_client::AuthServiceClient},
    timetable::v1::{self as timetable_pb, catalog_service_client::CatalogServiceClient},
};
use prost_types::ListValue;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use crate::{
    error::{ApiResult, required},
    extract::{ApiJson, Auth},
    model::SchoolBody,
    openapi::{NotAdmin, problems},
    state::{AppState, authed, call},
};

/// This area's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_school))
        .routes(routes!(import_courses))
}

problems! {
    SchoolNameTaken = (409, "The name is taken");
    ImportRefused = (400, "The fields of the first bad course (in order, whether a value breaks a rule or has the wrong type), a bad semester, more than 500 courses, or an unknown school; nothing was imported");
    ImportTooLarge = (413, "The body is over 64 KiB: send fewer courses per request");
}

/// Creates a school.
#[utoipa::path(post, path = "/api/v1/admin/schools", tag = "admin", request_body = CreateSchoolBody,
    responses(
        (status = 201, description = "The new school", body = SchoolBody),
        NotAdmin,
        SchoolNameTaken,
    ))]
pub async fn create_school(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateSchoolBody>,
) -> ApiResult<(StatusCode, Json<SchoolBody>)> {
    let school = call(
        &state.clients.auth,
        authed(auth_pb::CreateSchoolRequest { name: body.name }, &auth),
        AuthServiceClient::create_school,
    )
    .await?
    .school;
    Ok((
        StatusCode::CREATED,
        Json(required(school, "CreateSchool")?.into()),
    ))
}

/// Imports courses, upserting by (school, semester, code).
#[utoipa::path(post, path = "/api/v1/admin/courses", tag = "admin", request_body = ImportCoursesBody,
    responses(
        (status = 200, description = "Imported", body = ImportedBody),
        ImportRefused,
        NotAdmin,
        ImportTooLarge,
    ))]
pub async fn import_courses(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ImportCoursesBody>,
) -> ApiResult<Json<ImportedBody>> {
    // The courses go on as the person wrote them: the service reads their
    // shape and judges their values, and names the first bad course.
    let request = authed(
        timetable_pb::ImportCoursesRequest {
            school_id: body.school_id,
            semester: body.semester,
            courses: Vec::new(),
            courses_json: Some(list_value(body.courses)),
        },
        &auth,
    );
    let imported = call(
        &state.clients.catalog,
        request,
        CatalogServiceClient::import_courses,
    )
    .await?
    .imported;
    Ok(Json(ImportedBody { imported }))
}

/// JSON values as protobuf `ListValue`, kept as they are (a number becomes
/// a double, as JSON numbers are).
fn list_value(values: Vec<serde_json::Value>) -> ListValue {
    ListValue {
        values: values.into_iter().map(value).collect(),
    }
}

fn value(json: serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    use serde_json::Value as Json;
    let kind = match json {
        Json::Null => Kind::NullValue(prost_types::NullValue::NullValue.into()),
        Json::Bool(flag) => Kind::BoolValue(flag),
        Json::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or(f64::NAN)),
        Json::String(text) => Kind::StringValue(text),
        Json::Array(items) => Kind::ListValue(list_value(items)),
        Json::Object(members) => Kind::StructValue(prost_types::Struct {
            fields: members
                .into_iter()
                .map(|(name, member)| (name, value(member)))
                .collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}

#[cfg(test)]
mod tests {
    use prost_types::value::Kind;

    use super::*;

    #[test]
    fn json_values_keep_their_shape_as_protobuf_values() {
        let list = list_value(vec![
            serde_json::json!({"code": "CSE2010-01", "credits": 3, "sessions": [{"day": "MON"}], "x": null}),
            serde_json::json!("CSE2010-01"),
            serde_json::json!(2.5),
            serde_json::json!(true),
        ]);

        let Some(Kind::StructValue(course)) = &list.values[0].kind else {
            panic!("an object is a struct: {list:?}");
        };
        assert_eq!(
            course.fields["code"].kind,
            Some(Kind::StringValue("CSE2010-01".into()))
        );
        assert_eq!(course.fields["credits"].kind, Some(Kind::NumberValue(3.0)));
        assert_eq!(course.fields["x"].kind, Some(Kind::NullValue(0)));
        let Some(Kind::ListValue(sessions)) = &course.fields["sessions"].kind else {
            panic!("an array is a list");
        };
        assert!(matches!(
            sessions.values[0].kind,
            Some(Kind::StructValue(_))
        ));
        assert_eq!(
            list.values[1].kind,
            Some(Kind::StringValue("CSE2010-01".into()))
        );
        assert_eq!(list.values[2].kind, Some(Kind::NumberValue(2.5)));
        assert_eq!(list.values[3].kind, Some(Kind::BoolValue(true)));
    }
}
