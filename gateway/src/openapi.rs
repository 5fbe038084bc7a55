//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! Each path is described once, by its handler's `#[utoipa::path]`, and
//! registered with utoipa-axum's `routes!`, which puts it in the router and
//! the document together (see `routes`). This module holds what is not any
//! one path's: the document's info, tags and security schemes ([`ApiDoc`]),
//! the shape of every problem answer ([`problem`], and the `problems!`
//! macro that names one per meaning), and the finished JSON handed to the
//! handler that serves it ([`Document`]).

use std::{collections::BTreeMap, sync::Arc};

use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, Ref, RefOr,
        response::{Response, ResponseBuilder},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

/// The document's root: what the paths add to.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Everytime API",
        version = "1",
        description = "The public REST/JSON API of the Everytime university community and timetable backend. \
                       Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`."
    ),
    components(schemas(
        crate::error::Problem,
        crate::error::FieldProblem,
        crate::routes::timetable::ConflictBody
    )),
    modifiers(&Security),
    security(("bearer" = []), ("cookie" = [])),
    tags(
        (name = "system", description = "Health, readiness and keys"),
        (name = "auth", description = "Schools, sign-up, sign-in, tokens and sessions"),
        (name = "users", description = "The caller's own user"),
        (name = "admin", description = "Administration (role admin)"),
        (name = "community", description = "Boards, posts, comments, 공감, scraps, HOT, BEST, search"),
        (name = "timetable", description = "The course catalog, timetables and their picture"),
        (name = "friends", description = "Friend requests, friends, their timetables and 공강 찾기 (free time)"),
        (name = "reviews", description = "강의평가: anonymous reviews of a lecture, their summary and likes"),
        (name = "grades", description = "학점계산기: grades per semester, averages, credits and the target"),
        (name = "messages", description = "쪽지: conversations started from a post or comment, anonymous when it was"),
        (name = "notifications", description = "알림: comments, replies, HOT, blinding, 쪽지 and friend requests, and their live stream"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("access_token"))),
        );
    }
}

/// The finished document as JSON, built once when the app is, and given to
/// the handler that serves it as a request extension.
#[derive(Debug, Clone)]
pub struct Document(pub Arc<str>);

impl Document {
    /// The JSON of `openapi`.
    pub fn new(openapi: &utoipa::openapi::OpenApi) -> Self {
        let json = openapi
            .to_pretty_json()
            .unwrap_or_else(|error| format!(r#"{{"error": "{error}"}}"#));
        Document(json.into())
    }
}

/// One problem answer of a path: `status` with a [`Problem`] body as
/// `application/problem+json`, described for that path.
///
/// [`Problem`]: crate::error::Problem
pub fn problem(status: u16, description: &str) -> BTreeMap<String, RefOr<Response>> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", content)
        .build();
    BTreeMap::from([(status.to_string(), RefOr::T(response))])
}

/// Declares problem answers, each a unit type implementing
/// `utoipa::IntoResponses` that a path lists in its `responses(...)`:
/// `Name = (status, "what it means on the paths that use it");`.
macro_rules! problems {
    ($($(#[$attr:meta])* $name:ident = ($status:literal, $description:literal);)*) => {
        $(
            $(#[$attr])*
            #[derive(Debug)]
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> std::collections::BTreeMap<
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
                > {
                    $crate::openapi::problem($status, $description)
                }
            }
        )*
    };
}
pub(crate) use problems;

problems! {
    /// Any authenticated path without a valid token.
    NotSignedIn = (401, "Not signed in");
    /// The paths only administrators may call.
    NotAdmin = (403, "Not an administrator");
    /// A body that breaks one of the service's limits.
    LimitBroken = (400, "A limit is broken");
    /// A `?semester` that is not `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`.
    BadSemester = (400, "A malformed semester");
}

/// Completes the document with what every operation of a kind can answer,
/// whatever its own `responses(...)` lists, so the document is exact
/// without every path repeating it:
///
/// - a path or query parameter: `400` (e.g. an id that is not a positive
///   64-bit integer, a `limit` out of 1..100); path ids are documented as
///   integers from 1, and `limit` as 1..100;
/// - a request body: `400` (malformed JSON or a missing field), `413`
///   (over 64 KiB) and `415` (not `application/json`);
/// - a token required (no `security(())` of its own): `401`, and `403`
///   (`csrf_rejected`) on a write, which a cookie-authenticated request
///   from another origin gets;
/// - every path under `/api/v1` but the document itself: `503` (a backend
///   is down, or the database is) and `504` (a backend or the request took
///   too long).
pub fn complete(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{HttpMethod, path::ParameterIn};
    for (path, item) in openapi.paths.paths.iter_mut() {
        let api = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
        for (method, operation) in [
            (HttpMethod::Get, item.get.as_mut()),
            (HttpMethod::Put, item.put.as_mut()),
            (HttpMethod::Post, item.post.as_mut()),
            (HttpMethod::Delete, item.delete.as_mut()),
            (HttpMethod::Patch, item.patch.as_mut()),
        ] {
            let Some(operation) = operation else {
                continue;
            };
            let mut add = |status: u16, description: &str| {
                for (status, response) in problem(status, description) {
                    operation
                        .responses
                        .responses
                        .entry(status)
                        .or_insert(response);
                }
            };
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            if !parameters.is_empty() {
                add(
                    400,
                    "A path, query or header parameter is malformed (the field names it)",
                );
            }
            if operation.request_body.is_some() {
                add(
                    400,
                    "The body is malformed or breaks a limit (the field names it)",
                );
                add(413, "The body is over 64 KiB");
                add(415, "The body is not `application/json`");
            }
            let public = operation
                .security
                .as_ref()
                .is_some_and(|requirements| requirements.iter().all(is_anonymous));
            if !public {
                add(
                    401,
                    "No valid access token (`missing_token`, `invalid_token`, `token_expired`, `session_revoked`)",
                );
                if method != HttpMethod::Get {
                    add(
                        403,
                        "A cookie-authenticated write from an origin that is not allowed (`csrf_rejected`)",
                    );
                }
            }
            if api {
                add(
                    503,
                    "A backend or the database is unavailable; try again (`Retry-After`)",
                );
                add(504, "A backend or the request took too long");
            }
            for parameter in operation.parameters.iter_mut().flatten() {
                let bounds = match (&parameter.parameter_in, parameter.name.as_str()) {
                    (ParameterIn::Path, _) => Some((1, None)),
                    (ParameterIn::Query, "limit") => Some((1, Some(100))),
                    (ParameterIn::Header, "Last-Event-ID") => Some((0, None)),
                    _ => None,
                };
                if let Some((minimum, maximum)) = bounds {
                    bound_integer(parameter.schema.as_mut(), minimum, maximum);
                }
            }
        }
    }
}

/// An empty security requirement: the operation needs no token.
fn is_anonymous(requirement: &utoipa::openapi::security::SecurityRequirement) -> bool {
    serde_json::to_value(requirement)
        .is_ok_and(|value| value.as_object().is_some_and(|o| o.is_empty()))
}

/// Sets the bounds of an integer schema (nullable or not).
fn bound_integer(
    schema: Option<&mut RefOr<utoipa::openapi::schema::Schema>>,
    minimum: isize,
    maximum: Option<isize>,
) {
    use utoipa::openapi::{
        Type,
        schema::{Schema, SchemaType},
    };
    let Some(RefOr::T(Schema::Object(object))) = schema else {
        return;
    };
    let integer = match &object.schema_type {
        SchemaType::Type(kind) => *kind == Type::Integer,
        SchemaType::Array(kinds) => kinds.contains(&Type::Integer),
        SchemaType::AnyValue => false,
    };
    if integer {
        object.minimum = Some(utoipa::Number::Int(minimum));
        if let Some(maximum) = maximum {
            object.maximum = Some(utoipa::Number::Int(maximum));
        }
    }
}
