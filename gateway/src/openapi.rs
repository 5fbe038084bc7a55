//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! served at `/api/v1/openapi.json`.

use std::sync::LazyLock;

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::routes::{admin, auth, system, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Everytime API",
        version = "1",
        description = "The public REST/JSON API of the Everytime university community and timetable backend. \
                       Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`."
    ),
    paths(
        system::healthz,
        system::readyz,
        system::jwks,
        system::openapi_json,
        auth::list_schools,
        auth::sign_up,
        auth::sign_in,
        auth::refresh,
        auth::sign_out,
        auth::list_sessions,
        auth::revoke_session,
        users::get_me,
        users::update_me,
        users::change_password,
        admin::create_school,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldProblem)),
    modifiers(&Security),
    security(("bearer" = []), ("cookie" = [])),
    tags(
        (name = "system", description = "Health, readiness and keys"),
        (name = "auth", description = "Schools, sign-up, sign-in, tokens and sessions"),
        (name = "users", description = "The caller's own user"),
        (name = "admin", description = "Administration (role admin)"),
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

/// The whole document: the core above plus each area's own part.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(crate::routes::community::CommunityApi::openapi());
    document.merge(crate::routes::timetable::TimetableApi::openapi());
    document.merge(crate::routes::friends::FriendsApi::openapi());
    document
}

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        openapi()
            .to_pretty_json()
            .unwrap_or_else(|error| format!(r#"{{"error": "{error}"}}"#))
    });
    &DOCUMENT
}
