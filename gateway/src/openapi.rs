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
