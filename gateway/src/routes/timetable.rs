//! The course catalog, timetables and their picture, the app's first screen
//! (`/me/timetable`), and the admin's course import.
//!
//! The timetable service owns every rule; this module turns JSON into its
//! messages and back, adds nicknames from auth (one `BatchGetUsers` per
//! response), and fills a clash's `conflicts` from the `TimeConflict`
//! status detail. Day and visibility names it does not know are passed on
//! as "unspecified", so the service's one validation names the field. An
//! import's courses are read one at a time (see [`import_courses`]), so a
//! `400` names the first bad course whatever is wrong with it.

use std::collections::HashMap;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use everytime_proto::{auth::v1 as auth_pb, timetable::v1 as pb};
use prost::Message;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{authed, traced};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery, Auth},
    model::{Items, rfc3339},
};

/// The `type_url` of the clash detail the timetable service attaches.
const TIME_CONFLICT_TYPE_URL: &str = "type.googleapis.com/everytime.timetable.v1.TimeConflict";
/// The nickname shown for a user auth no longer knows.
const UNKNOWN_NICKNAME: &str = "(알 수 없음)";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/courses", get(search_courses))
        .route("/api/v1/admin/courses", post(import_courses))
        .route(
            "/api/v1/timetables",
            get(list_timetables).post(create_timetable),
        )
        .route(
            "/api/v1/timetables/{id}",
            get(get_timetable)
                .patch(update_timetable)
                .delete(delete_timetable),
        )
        .route("/api/v1/timetables/{id}/courses", post(add_course))
        .route(
            "/api/v1/timetables/{id}/courses/{course_id}",
            delete(remove_course),
        )
        .route("/api/v1/timetables/{id}/image.svg", get(timetable_image))
        .route("/api/v1/me/timetable", get(my_timetable))
}

/// This area's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        search_courses,
        import_courses,
        list_timetables,
        create_timetable,
        get_timetable,
        update_timetable,
        delete_timetable,
        add_course,
        remove_course,
        timetable_image,
        my_timetable,
    ),
    components(schemas(SessionBody, CourseBody, TimetableBody, UserRef, CoursePage, CourseInputBody)),
    tags((name = "timetable", description = "The course catalog, timetables and their picture"))
)]
pub struct TimetableApi;

// ---------------------------------------------------------------- JSON

/// A weekly session of a course.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionBody {
    /// `MON` ... `SUN`.
    #[schema(example = "MON")]
    pub day: String,
    /// `HH:MM`, 24-hour.
    #[schema(example = "09:00")]
    pub start: String,
    /// `HH:MM`, 24-hour, after `start`.
    #[schema(example = "10:15")]
    pub end: String,
    #[schema(example = "301동 101호")]
    pub room: String,
}

/// A course section of the catalog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseBody {
    pub id: i64,
    #[schema(example = "2026-2")]
    pub semester: String,
    /// The section code, unique per school and semester.
    #[schema(example = "CSE2010-01")]
    pub code: String,
    #[schema(example = "자료구조")]
    pub name: String,
    #[schema(example = "김민준")]
    pub professor: String,
    #[schema(example = 3)]
    pub credits: i32,
    pub sessions: Vec<SessionBody>,
}

/// A user as others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserRef {
    pub id: i64,
    #[schema(example = "새내기")]
    pub nickname: String,
}

/// A timetable.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimetableBody {
    pub id: i64,
    #[schema(example = "2026-2")]
    pub semester: String,
    #[schema(example = "시간표 1")]
    pub name: String,
    /// The semester's timetable that friends see and the first screen shows.
    pub is_primary: bool,
    /// `private`, `friends` or `public`.
    #[schema(example = "friends")]
    pub visibility: String,
    pub owner: UserRef,
    /// By code.
    pub courses: Vec<CourseBody>,
    pub total_credits: i32,
    #[schema(example = "2026-08-20T09:00:00Z")]
    pub created_at: String,
}

/// A page of courses, by code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoursePage {
    pub items: Vec<CourseBody>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
}

fn day_name(day: i32) -> String {
    match pb::Day::try_from(day) {
        Ok(pb::Day::Monday) => "MON",
        Ok(pb::Day::Tuesday) => "TUE",
        Ok(pb::Day::Wednesday) => "WED",
        Ok(pb::Day::Thursday) => "THU",
        Ok(pb::Day::Friday) => "FRI",
        Ok(pb::Day::Saturday) => "SAT",
        Ok(pb::Day::Sunday) => "SUN",
        _ => "",
    }
    .to_owned()
}

/// The wire day of `MON` ... `SUN`; anything else is unspecified, which
/// the service refuses naming the field.
fn day_value(name: &str) -> i32 {
    match name.trim() {
        "MON" => pb::Day::Monday,
        "TUE" => pb::Day::Tuesday,
        "WED" => pb::Day::Wednesday,
        "THU" => pb::Day::Thursday,
        "FRI" => pb::Day::Friday,
        "SAT" => pb::Day::Saturday,
        "SUN" => pb::Day::Sunday,
        _ => pb::Day::Unspecified,
    }
    .into()
}

fn visibility_name(visibility: i32) -> String {
    match pb::Visibility::try_from(visibility) {
        Ok(pb::Visibility::Public) => "public",
        Ok(pb::Visibility::Friends) => "friends",
        _ => "private",
    }
    .to_owned()
}

fn visibility_value(name: &str) -> i32 {
    match name.trim() {
        "private" => pb::Visibility::Private,
        "friends" => pb::Visibility::Friends,
        "public" => pb::Visibility::Public,
        _ => pb::Visibility::Unspecified,
    }
    .into()
}

impl From<pb::Course> for CourseBody {
    fn from(course: pb::Course) -> Self {
        CourseBody {
            id: course.id,
            semester: course.semester,
            code: course.code,
            name: course.name,
            professor: course.professor,
            credits: course.credits,
            sessions: course
                .sessions
                .into_iter()
                .map(|session| SessionBody {
                    day: day_name(session.day),
                    start: session.start,
                    end: session.end,
                    room: session.room,
                })
                .collect(),
        }
    }
}

/// Nicknames by user id.
pub type Nicknames = HashMap<i64, String>;

/// A [`UserRef`] for `id` with its nickname.
pub fn user_ref(id: i64, nicknames: &Nicknames) -> UserRef {
    UserRef {
        id,
        nickname: nicknames
            .get(&id)
            .cloned()
            .unwrap_or_else(|| UNKNOWN_NICKNAME.to_owned()),
    }
}

/// The JSON of a timetable, its owner named from `nicknames`.
pub fn timetable_body(timetable: pb::Timetable, nicknames: &Nicknames) -> TimetableBody {
    TimetableBody {
        owner: user_ref(timetable.owner_id, nicknames),
        id: timetable.id,
        semester: timetable.semester,
        name: timetable.name,
        is_primary: timetable.is_primary,
        visibility: visibility_name(timetable.visibility),
        courses: timetable
            .courses
            .into_iter()
            .map(CourseBody::from)
            .collect(),
        total_credits: timetable.total_credits,
        created_at: rfc3339(timetable.create_time.as_ref()),
    }
}

/// The nicknames of `ids` (repeats and all) in one `BatchGetUsers`; auth
/// answers only for users of the caller's school.
pub async fn nicknames(
    state: &AppState,
    auth: &Auth,
    ids: impl IntoIterator<Item = i64>,
) -> ApiResult<Nicknames> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Nicknames::new());
    }
    let users = state
        .clients
        .users
        .clone()
        .batch_get_users(authed(
            auth_pb::BatchGetUsersRequest { user_ids: ids },
            auth,
        ))
        .await?
        .into_inner()
        .users;
    Ok(users
        .into_iter()
        .map(|user| (user.id, user.nickname))
        .collect())
}

/// One timetable's JSON, with its owner's nickname.
pub async fn named_timetable(
    state: &AppState,
    auth: &Auth,
    timetable: pb::Timetable,
) -> ApiResult<TimetableBody> {
    let names = nicknames(state, auth, [timetable.owner_id]).await?;
    Ok(timetable_body(timetable, &names))
}

/// The message a call must have returned; its absence is a fault of the service.
pub fn required<T>(value: Option<T>, what: &str) -> ApiResult<T> {
    value.ok_or_else(|| ApiError::internal(format_args!("{what} returned nothing")))
}

/// The problem of a timetable-service status; a clash gets `conflicts`.
fn problem(status: tonic::Status) -> ApiError {
    let conflicts = tonic_types::pb::Status::decode(status.details())
        .ok()
        .and_then(|details| {
            details
                .details
                .into_iter()
                .find(|any| any.type_url == TIME_CONFLICT_TYPE_URL)
        })
        .and_then(|any| pb::TimeConflict::decode(any.value.as_slice()).ok());
    let error = ApiError::from(status);
    match conflicts {
        Some(detail) => {
            let courses: Vec<CourseBody> =
                detail.conflicts.into_iter().map(CourseBody::from).collect();
            error.with_extra(
                "conflicts",
                serde_json::to_value(courses).unwrap_or_default(),
            )
        }
        None => error,
    }
}

// ---------------------------------------------------------------- catalog

/// The course search's query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CoursesQuery {
    /// `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W` (required).
    pub semester: Option<String>,
    /// Text the name, professor or code contains (case-insensitive, 1–50 characters).
    pub q: Option<String>,
    /// Only courses meeting on this day (`MON` ... `SUN`).
    pub day: Option<String>,
    /// 1..100, default 20.
    pub limit: Option<i32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Searches the caller's school's courses of a semester, by code.
#[utoipa::path(get, path = "/api/v1/courses", tag = "timetable", params(CoursesQuery),
    responses(
        (status = 200, description = "A page of courses, by code", body = CoursePage),
        (status = 400, description = "A bad semester, q, day, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn search_courses(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<CoursesQuery>,
) -> ApiResult<Json<CoursePage>> {
    let page = state
        .clients
        .catalog
        .clone()
        .search_courses(authed(
            pb::SearchCoursesRequest {
                semester: query.semester.unwrap_or_default(),
                query: query.q.unwrap_or_default(),
                day: query.day.as_deref().map(day_value),
                page_size: query.limit,
                page_token: query.cursor.unwrap_or_default(),
            },
            &auth,
        ))
        .await?
        .into_inner();
    Ok(Json(CoursePage {
        items: page.courses.into_iter().map(CourseBody::from).collect(),
        next_cursor: Some(page.next_page_token).filter(|token| !token.is_empty()),
    }))
}

/// A course section to import (each item of `courses`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CourseInputBody {
    /// 1–30 characters without spaces, unique per school and semester.
    #[schema(example = "CSE2010-01")]
    pub code: String,
    /// 1–100 characters.
    #[schema(example = "자료구조")]
    pub name: String,
    /// Up to 50 characters; empty when not yet assigned.
    #[schema(example = "김민준")]
    pub professor: String,
    /// 0–30.
    #[schema(example = 3)]
    pub credits: i32,
    /// 1–14 sessions that do not overlap each other; rooms up to 50 characters.
    pub sessions: Vec<SessionBody>,
}

/// A batch of courses for one school's semester.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportCoursesBody {
    #[schema(example = 1)]
    pub school_id: i64,
    #[schema(example = "2026-2")]
    pub semester: String,
    /// 1–500 courses, in a body of at most 64 KiB: about 250 courses of
    /// typical length fit (Korean text takes 3 bytes a character), a larger
    /// body is `413`. Import a bigger catalog in several requests. A `400`
    /// names the first bad course in order; a bad one imports nothing.
    #[schema(value_type = Vec<CourseInputBody>)]
    pub courses: Vec<serde_json::Value>,
}

/// How many courses were imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedBody {
    #[schema(example = 320)]
    pub imported: i32,
}

/// A field of a course's JSON with the wrong type, or missing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ShapeError {
    field: String,
    message: &'static str,
}

/// Reads the fields of a course's (or session's) JSON, noting each one
/// with the wrong shape.
struct Reader<'o, 'e> {
    object: &'o serde_json::Map<String, serde_json::Value>,
    prefix: String,
    errors: &'e mut Vec<ShapeError>,
}

impl<'o> Reader<'o, '_> {
    fn fail(&mut self, name: &str, message: &'static str) {
        self.errors.push(ShapeError {
            field: format!("{}.{name}", self.prefix),
            message,
        });
    }

    fn string(&mut self, name: &str) -> String {
        match self.object.get(name) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(_) => {
                self.fail(name, "must be a string");
                String::new()
            }
            None => {
                self.fail(name, "is required");
                String::new()
            }
        }
    }

    /// An integer; one beyond `i32` is clamped, which keeps it outside
    /// every range the service allows, so the service names it.
    fn int(&mut self, name: &str) -> i32 {
        match self.object.get(name).map(|value| (value, value.as_i64())) {
            Some((_, Some(number))) => {
                i32::try_from(number).unwrap_or(if number < 0 { i32::MIN } else { i32::MAX })
            }
            Some((serde_json::Value::Number(number), None)) if number.is_u64() => i32::MAX,
            Some(_) => {
                self.fail(name, "must be an integer");
                0
            }
            None => {
                self.fail(name, "is required");
                0
            }
        }
    }

    fn array(&mut self, name: &str) -> &'o [serde_json::Value] {
        match self.object.get(name) {
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => {
                self.fail(name, "must be an array");
                &[]
            }
            None => {
                self.fail(name, "is required");
                &[]
            }
        }
    }
}

/// The course at `index` of an import as the service takes it, or every
/// field of it whose JSON has the wrong shape (`courses[3].credits`). Its
/// values are left for the service to judge.
fn course_input(
    index: usize,
    value: &serde_json::Value,
) -> Result<pb::CourseInput, Vec<ShapeError>> {
    let prefix = format!("courses[{index}]");
    let Some(object) = value.as_object() else {
        return Err(vec![ShapeError {
            field: prefix,
            message: "must be an object",
        }]);
    };
    let mut errors = Vec::new();
    let mut course = Reader {
        object,
        prefix: prefix.clone(),
        errors: &mut errors,
    };
    let code = course.string("code");
    let name = course.string("name");
    let professor = course.string("professor");
    let credits = course.int("credits");
    let sessions_json = course.array("sessions");
    let mut sessions = Vec::with_capacity(sessions_json.len());
    for (number, session) in sessions_json.iter().enumerate() {
        let prefix = format!("{prefix}.sessions[{number}]");
        let Some(object) = session.as_object() else {
            errors.push(ShapeError {
                field: prefix,
                message: "must be an object",
            });
            continue;
        };
        let mut session = Reader {
            object,
            prefix,
            errors: &mut errors,
        };
        sessions.push(pb::ClassSession {
            day: day_value(&session.string("day")),
            start: session.string("start"),
            end: session.string("end"),
            room: session.string("room"),
        });
    }
    if errors.is_empty() {
        Ok(pb::CourseInput {
            code,
            name,
            professor,
            credits,
            sessions,
        })
    } else {
        Err(errors)
    }
}

/// The index `field` (`courses[3].credits`) names, if it names a course.
fn course_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("courses[")?;
    let (index, after) = rest.split_once(']')?;
    (after.is_empty() || after.starts_with('.') || after.starts_with('['))
        .then(|| index.parse().ok())
        .flatten()
}

/// The answer to an import the service refused. The service stops at the
/// first bad course; when that is the stand-in of a course with the wrong
/// shape, the answer names that course's shape errors instead.
fn import_problem(status: tonic::Status, shapes: &HashMap<usize, Vec<ShapeError>>) -> ApiError {
    use tonic_types::StatusExt;
    let blamed = status
        .get_error_details()
        .bad_request()
        .and_then(|bad| bad.field_violations.first().map(|v| v.field.clone()))
        .and_then(|field| course_index(&field));
    match blamed.and_then(|index| shapes.get(&index)) {
        Some(errors) if status.code() == tonic::Code::InvalidArgument => {
            let mut errors = errors.iter();
            let first = errors.next().map_or_else(
                || ApiError::invalid_field("invalid_input", "courses", "is invalid"),
                |first| {
                    ApiError::invalid_field("invalid_input", first.field.clone(), first.message)
                },
            );
            errors.fold(first, |error, next| {
                error.with_field(next.field.clone(), next.message)
            })
        }
        _ => ApiError::from(status),
    }
}

/// Imports courses, upserting by (school, semester, code).
#[utoipa::path(post, path = "/api/v1/admin/courses", tag = "admin", request_body = ImportCoursesBody,
    responses(
        (status = 200, description = "Imported", body = ImportedBody),
        (status = 400, description = "The fields of the first bad course (in order, whether a value breaks a rule or has the wrong type), a bad semester, more than 500 courses, or an unknown school; nothing was imported", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB: send fewer courses per request", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn import_courses(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ImportCoursesBody>,
) -> ApiResult<Json<ImportedBody>> {
    if !auth.caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "admin_only",
            "only administrators may do this",
        ));
    }
    // Schools are auth's; the catalog cannot tell an unknown id on its own.
    let schools = state
        .clients
        .auth
        .clone()
        .list_schools(traced(auth_pb::ListSchoolsRequest {}))
        .await?
        .into_inner()
        .schools;
    if !schools.iter().any(|school| school.id == body.school_id) {
        return Err(ApiError::invalid_field(
            "unknown_school",
            "school_id",
            "is not a known school",
        ));
    }
    // Every rule is the service's, and it reports the first bad course in
    // order. A course with the wrong shape cannot be sent as it is, so an
    // empty course stands in for it: the service refuses every course
    // without a session (and so does its schema), so it still checks the
    // semester, the count and every course before it, in order, and
    // nothing is imported.
    let mut shapes: HashMap<usize, Vec<ShapeError>> = HashMap::new();
    let courses: Vec<pb::CourseInput> = body
        .courses
        .iter()
        .enumerate()
        .map(|(index, value)| {
            course_input(index, value).unwrap_or_else(|errors| {
                shapes.insert(index, errors);
                pb::CourseInput::default()
            })
        })
        .collect();
    let imported = state
        .clients
        .catalog
        .clone()
        .import_courses(authed(
            pb::ImportCoursesRequest {
                school_id: body.school_id,
                semester: body.semester,
                courses,
            },
            &auth,
        ))
        .await
        .map_err(|status| import_problem(status, &shapes))?
        .into_inner()
        .imported;
    if !shapes.is_empty() {
        // The service refuses a course without a session; if it ever did
        // not, a batch with a bad course went in.
        return Err(ApiError::internal(
            "the catalog accepted an import with a stand-in for a malformed course",
        ));
    }
    Ok(Json(ImportedBody { imported }))
}

// ---------------------------------------------------------------- timetables

/// An optional semester.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SemesterQuery {
    /// `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`.
    pub semester: Option<String>,
}

/// The caller's own timetables: of one semester, or of every semester (newest first).
#[utoipa::path(get, path = "/api/v1/timetables", tag = "timetable", params(SemesterQuery),
    responses(
        (status = 200, description = "The caller's timetables", body = Items<TimetableBody>),
        (status = 400, description = "A malformed semester", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_timetables(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SemesterQuery>,
) -> ApiResult<Json<Items<TimetableBody>>> {
    let timetables = state
        .clients
        .timetables
        .clone()
        .list_timetables(authed(
            pb::ListTimetablesRequest {
                semester: query.semester,
            },
            &auth,
        ))
        .await?
        .into_inner()
        .timetables;
    let names = nicknames(&state, &auth, [auth.caller.user_id]).await?;
    Ok(Json(Items {
        items: timetables
            .into_iter()
            .map(|timetable| timetable_body(timetable, &names))
            .collect(),
    }))
}

/// A new timetable.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTimetableBody {
    #[schema(example = "2026-2")]
    pub semester: String,
    /// 1–40 characters; `시간표 1`, `시간표 2`, … when absent.
    pub name: Option<String>,
}

/// Creates a timetable; the first of a semester is primary. New timetables are visible to friends.
#[utoipa::path(post, path = "/api/v1/timetables", tag = "timetable", request_body = CreateTimetableBody,
    responses(
        (status = 201, description = "The new timetable", body = TimetableBody),
        (status = 400, description = "A bad semester or name, or 20 timetables in the semester already", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateTimetableBody>,
) -> ApiResult<(StatusCode, Json<TimetableBody>)> {
    let created = state
        .clients
        .timetables
        .clone()
        .create_timetable(authed(
            pb::CreateTimetableRequest {
                semester: body.semester,
                name: body.name,
            },
            &auth,
        ))
        .await?
        .into_inner()
        .timetable;
    let timetable = required(created, "CreateTimetable")?;
    Ok((
        StatusCode::CREATED,
        Json(named_timetable(&state, &auth, timetable).await?),
    ))
}

/// A timetable: the caller's own, a friend's when `friends` or `public`, anyone's of the school when `public`.
#[utoipa::path(get, path = "/api/v1/timetables/{id}", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 200, description = "The timetable", body = TimetableBody),
        (status = 404, description = "No such timetable, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TimetableBody>> {
    let found = state
        .clients
        .timetables
        .clone()
        .get_timetable(authed(pb::GetTimetableRequest { timetable_id: id }, &auth))
        .await?
        .into_inner()
        .timetable;
    let timetable = required(found, "GetTimetable")?;
    Ok(Json(named_timetable(&state, &auth, timetable).await?))
}

/// Changes to a timetable; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTimetableBody {
    /// 1–40 characters.
    pub name: Option<String>,
    /// `true` makes it the semester's primary (the others stop being); `false` on the primary is `400`.
    pub is_primary: Option<bool>,
    /// `private`, `friends` or `public`.
    pub visibility: Option<String>,
}

/// Renames a timetable, makes it primary, or changes its visibility.
#[utoipa::path(patch, path = "/api/v1/timetables/{id}", tag = "timetable", request_body = UpdateTimetableBody,
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 200, description = "The updated timetable", body = TimetableBody),
        (status = 400, description = "A bad name or visibility", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Visible to the caller but not theirs", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such timetable, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateTimetableBody>,
) -> ApiResult<Json<TimetableBody>> {
    let updated = state
        .clients
        .timetables
        .clone()
        .update_timetable(authed(
            pb::UpdateTimetableRequest {
                timetable_id: id,
                name: body.name,
                is_primary: body.is_primary,
                visibility: body.visibility.as_deref().map(visibility_value),
            },
            &auth,
        ))
        .await?
        .into_inner()
        .timetable;
    let timetable = required(updated, "UpdateTimetable")?;
    Ok(Json(named_timetable(&state, &auth, timetable).await?))
}

/// Deletes a timetable; if it was primary, the oldest remaining one of the semester becomes primary.
#[utoipa::path(delete, path = "/api/v1/timetables/{id}", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Visible to the caller but not theirs", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such timetable, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .timetables
        .clone()
        .delete_timetable(authed(
            pb::DeleteTimetableRequest { timetable_id: id },
            &auth,
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A course to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddCourseBody {
    pub course_id: i64,
}

/// Adds a course. A clash is `409 time_conflict` with `conflicts`: the courses in the way.
#[utoipa::path(post, path = "/api/v1/timetables/{id}/courses", tag = "timetable", request_body = AddCourseBody,
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 201, description = "The timetable with the course", body = TimetableBody),
        (status = 400, description = "A course of another semester or school", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such timetable or course", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`time_conflict` (with `conflicts: [Course]`, never empty), `already_added`, or `add_contended` (the timetable kept changing during the add; try again)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_course(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AddCourseBody>,
) -> ApiResult<(StatusCode, Json<TimetableBody>)> {
    let added = state
        .clients
        .timetables
        .clone()
        .add_course(authed(
            pb::AddCourseRequest {
                timetable_id: id,
                course_id: body.course_id,
            },
            &auth,
        ))
        .await
        .map_err(problem)?
        .into_inner()
        .timetable;
    let timetable = required(added, "AddCourse")?;
    Ok((
        StatusCode::CREATED,
        Json(named_timetable(&state, &auth, timetable).await?),
    ))
}

/// Removes a course from a timetable.
#[utoipa::path(delete, path = "/api/v1/timetables/{id}/courses/{course_id}", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable"), ("course_id" = i64, Path, description = "The course")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such timetable, or the course is not in it", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_course(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, course_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    state
        .clients
        .timetables
        .clone()
        .remove_course(authed(
            pb::RemoveCourseRequest {
                timetable_id: id,
                course_id,
            },
            &auth,
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The weekly grid as SVG (days × hours, each course's name and room); same visibility as the timetable.
#[utoipa::path(get, path = "/api/v1/timetables/{id}/image.svg", tag = "timetable",
    params(("id" = i64, Path, description = "The timetable")),
    responses(
        (status = 200, description = "The picture", content_type = "image/svg+xml", body = String),
        (status = 404, description = "No such timetable, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn timetable_image(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let svg = state
        .clients
        .timetables
        .clone()
        .render_timetable(authed(
            pb::RenderTimetableRequest { timetable_id: id },
            &auth,
        ))
        .await?
        .into_inner()
        .svg;
    let mut response = svg.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    // Who may see it depends on the caller: never share it from a cache.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    // Opened on its own, the picture may not run or fetch anything.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// The app's first screen.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTimetableBody {
    /// The caller's primary timetable of the semester; `null` when they have none.
    pub timetable: Option<TimetableBody>,
    /// The caller's friends, newest friendship first.
    pub friends: Vec<UserRef>,
}

/// The caller's primary timetable and friend list in one call; `semester` defaults to the current one
/// (January–June `YYYY-1`, July–December `YYYY-2`, Korean time).
#[utoipa::path(get, path = "/api/v1/me/timetable", tag = "timetable", params(SemesterQuery),
    responses(
        (status = 200, description = "The first screen", body = MyTimetableBody),
        (status = 400, description = "A malformed semester", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn my_timetable(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SemesterQuery>,
) -> ApiResult<Json<MyTimetableBody>> {
    let mut timetables = state.clients.timetables.clone();
    let mut friends = state.clients.friends.clone();
    let (primary, friend_list) = tokio::try_join!(
        timetables.get_primary_timetable(authed(
            pb::GetPrimaryTimetableRequest {
                semester: query.semester.unwrap_or_default(),
            },
            &auth,
        )),
        friends.list_friends(authed(pb::ListFriendsRequest {}, &auth)),
    )?;
    let timetable = primary.into_inner().timetable;
    let friend_ids: Vec<i64> = friend_list
        .into_inner()
        .friends
        .into_iter()
        .map(|friend| friend.user_id)
        .collect();
    let names = nicknames(
        &state,
        &auth,
        friend_ids
            .iter()
            .copied()
            .chain(timetable.as_ref().map(|t| t.owner_id)),
    )
    .await?;
    Ok(Json(MyTimetableBody {
        timetable: timetable.map(|timetable| timetable_body(timetable, &names)),
        friends: friend_refs(friend_ids, &names),
    }))
}

/// Friends as [`UserRef`]s, in the order the service lists them (newest
/// friendship first, as API lists are unless stated otherwise).
pub fn friend_refs(ids: Vec<i64>, nicknames: &Nicknames) -> Vec<UserRef> {
    ids.into_iter().map(|id| user_ref(id, nicknames)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_visibilities_round_trip_and_unknown_ones_are_unspecified() {
        for name in ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] {
            assert_eq!(day_name(day_value(name)), name);
        }
        assert_eq!(day_value("mon"), 0);
        for name in ["private", "friends", "public"] {
            assert_eq!(visibility_name(visibility_value(name)), name);
        }
        assert_eq!(visibility_value("everyone"), 0);
    }

    #[test]
    fn a_clash_status_becomes_a_problem_with_conflicts() {
        use everytime_common::grpc::ERROR_DOMAIN;
        let course = pb::Course {
            id: 3,
            semester: "2026-2".into(),
            code: "CSE2010-01".into(),
            name: "자료구조".into(),
            professor: "김민준".into(),
            credits: 3,
            sessions: vec![pb::ClassSession {
                day: pb::Day::Monday.into(),
                start: "09:00".into(),
                end: "10:15".into(),
                room: "301동".into(),
            }],
        };
        let info = tonic_types::pb::ErrorInfo {
            reason: "time_conflict".into(),
            domain: ERROR_DOMAIN.into(),
            metadata: HashMap::new(),
        };
        let details = tonic_types::pb::Status {
            code: tonic::Code::AlreadyExists as i32,
            message: "clash".into(),
            details: vec![
                prost_types::Any {
                    type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
                    value: info.encode_to_vec(),
                },
                prost_types::Any {
                    type_url: TIME_CONFLICT_TYPE_URL.into(),
                    value: pb::TimeConflict {
                        conflicts: vec![course],
                    }
                    .encode_to_vec(),
                },
            ],
        };
        let status = tonic::Status::with_details(
            tonic::Code::AlreadyExists,
            "clash",
            details.encode_to_vec().into(),
        );

        let problem = serde_json::to_value(problem(status).problem()).expect("serializes");

        assert_eq!(problem["status"], 409);
        assert_eq!(problem["code"], "time_conflict");
        assert_eq!(problem["conflicts"][0]["code"], "CSE2010-01");
        assert_eq!(problem["conflicts"][0]["sessions"][0]["day"], "MON");
    }

    fn shape_fields(index: usize, value: serde_json::Value) -> Vec<(String, &'static str)> {
        course_input(index, &value)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| (error.field, error.message))
            .collect()
    }

    #[test]
    fn a_well_shaped_course_is_passed_on_for_the_service_to_judge() {
        let course = course_input(
            0,
            &serde_json::json!({"code": " CSE2010-01 ", "name": "", "professor": "김민준", "credits": 99,
                "sessions": [{"day": "Monday", "start": "9", "end": "25:00", "room": ""}]}),
        )
        .expect("the shape is right");
        assert_eq!(course.code, " CSE2010-01 ");
        assert_eq!(course.credits, 99);
        assert_eq!(course.sessions[0].day, i32::from(pb::Day::Unspecified));
        assert_eq!(course.sessions[0].start, "9");
        let huge = course_input(
            0,
            &serde_json::json!({"code": "A", "name": "B", "professor": "", "credits": 1_u64 << 40, "sessions": []}),
        )
        .expect("an integer");
        assert_eq!(huge.credits, i32::MAX, "still out of every range");
    }

    #[test]
    fn every_field_with_the_wrong_shape_is_named() {
        assert_eq!(
            shape_fields(
                3,
                serde_json::json!({"code": 7, "name": "자료구조", "credits": "three",
                    "sessions": [{"day": "MON", "start": "09:00", "end": null, "room": ""}, 5]})
            ),
            [
                ("courses[3].code".to_owned(), "must be a string"),
                ("courses[3].professor".to_owned(), "is required"),
                ("courses[3].credits".to_owned(), "must be an integer"),
                ("courses[3].sessions[0].end".to_owned(), "must be a string"),
                ("courses[3].sessions[1]".to_owned(), "must be an object"),
            ]
        );
        assert_eq!(
            shape_fields(0, serde_json::json!("CSE2010-01")),
            [("courses[0]".to_owned(), "must be an object")]
        );
        assert_eq!(
            shape_fields(
                1,
                serde_json::json!({"code": "A", "name": "B", "professor": "", "credits": 2.5, "sessions": {}})
            ),
            [
                ("courses[1].credits".to_owned(), "must be an integer"),
                ("courses[1].sessions".to_owned(), "must be an array"),
            ]
        );
    }

    #[test]
    fn a_refusal_names_the_shape_errors_only_when_it_stopped_at_a_stand_in() {
        use everytime_common::validate::FieldError;
        let shapes: HashMap<usize, Vec<ShapeError>> = [(
            3,
            vec![ShapeError {
                field: "courses[3].credits".into(),
                message: "must be an integer",
            }],
        )]
        .into();
        let fields = |error: ApiError| -> Vec<String> {
            error
                .problem()
                .errors
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let refused = |field: &str| {
            everytime_common::grpc::invalid_input(&[FieldError::new(field, "is invalid")])
        };

        assert_eq!(
            fields(import_problem(refused("courses[1].credits"), &shapes)),
            ["courses[1].credits"]
        );
        assert_eq!(
            fields(import_problem(refused("semester"), &shapes)),
            ["semester"]
        );
        assert_eq!(
            fields(import_problem(refused("courses"), &shapes)),
            ["courses"]
        );
        assert_eq!(
            fields(import_problem(refused("courses[3].code"), &shapes)),
            ["courses[3].credits"]
        );
        assert_eq!(course_index("courses[12].sessions[0].day"), Some(12));
        assert_eq!(course_index("courses[12]"), Some(12));
        assert_eq!(course_index("courses[1]x"), None);
        assert_eq!(course_index("courses"), None);
    }

    #[test]
    fn friends_keep_the_services_order_and_get_their_nicknames() {
        let names: Nicknames = [
            (1, "다은".to_owned()),
            (2, "가영".to_owned()),
            (3, "나래".to_owned()),
        ]
        .into();

        let friends = friend_refs(vec![3, 1, 4, 2], &names);

        let listed: Vec<(i64, &str)> = friends
            .iter()
            .map(|friend| (friend.id, friend.nickname.as_str()))
            .collect();
        assert_eq!(
            listed,
            [(3, "나래"), (1, "다은"), (4, UNKNOWN_NICKNAME), (2, "가영")]
        );
    }
}
