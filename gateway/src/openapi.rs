//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! Each path is described once, by its handler's `#[utoipa::path]`, and
//! registered with utoipa-axum's `routes!`, which puts it in the router and
//! the document together (see `routes`). This module holds what is not any
//! one path's: the document's info, tags and security schemes ([`ApiDoc`]),
//! the shape of every problem answer ([`problem`], and the `problems!`
//! macro that names one per meaning), what every operation of a kind can
//! answer, the patterns of request strings and the links between
//! operations ([`complete`]), and the finished JSON handed to the handler
//! that serves it ([`Document`]).

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
///
/// It also adds what no one path's description can say: the `pattern` of
/// the request strings that matter most (`TEXTS`), and the links from
/// one operation's response to the next operations (`LINKS`).
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
    constrain_text(openapi);
    link(openapi);
}

/// How a service reads one string of a request body, which the document
/// says as the property's `pattern`, so that what it allows is exactly
/// what the API accepts: a fuzzer (or a client's validator) then sends
/// values that get through, and values it is told are wrong are refused.
/// White space around a value (what `str::trim` removes: Unicode
/// `White_Space`) never counts, as the services trim it first.
#[derive(Debug, Clone, Copy)]
enum Text {
    /// `validate::line`: `min..=max` characters, none a control character.
    Line(usize, usize),
    /// `validate::text`: the same, but line breaks and tabs may be within.
    Lines(usize, usize),
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A semester, `YYYY-1`, `YYYY-2`, `YYYY-S` or `YYYY-W`, 1990 to 2100.
    Semester,
    /// A time of day, `HH:MM`, 24-hour.
    Time,
}

/// The strings of the request bodies that lead to everything else (a
/// board, a post, a comment, a 쪽지, a timetable and its entries), by
/// component and property.
const TEXTS: &[(&str, &str, Text)] = &[
    ("CreateBoardBody", "name", Text::Line(1, 30)),
    ("CreateBoardBody", "description", Text::Lines(0, 200)),
    ("CreatePostBody", "title", Text::Line(1, 100)),
    ("CreatePostBody", "content", Text::Lines(1, 10_000)),
    ("UpdatePostBody", "title", Text::Line(1, 100)),
    ("UpdatePostBody", "content", Text::Lines(1, 10_000)),
    ("CreateCommentBody", "content", Text::Lines(1, 300)),
    ("StartConversationBody", "content", Text::Lines(1, 1000)),
    ("SendMessageBody", "content", Text::Lines(1, 1000)),
    ("CreateTimetableBody", "semester", Text::Semester),
    ("CreateTimetableBody", "name", Text::Line(1, 40)),
    ("UpdateTimetableBody", "name", Text::Line(1, 40)),
    (
        "UpdateTimetableBody",
        "visibility",
        Text::OneOf(&["private", "friends", "public"]),
    ),
    ("CopyTimetableBody", "name", Text::Line(1, 40)),
    ("AddCustomEntryBody", "name", Text::Line(1, 40)),
    ("AddCustomEntryBody", "place", Text::Line(0, 40)),
    ("AddCustomEntryBody", "memo", Text::Lines(0, 200)),
    (
        "EntrySessionBody",
        "day",
        Text::OneOf(&["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]),
    ),
    ("EntrySessionBody", "start", Text::Time),
    ("EntrySessionBody", "end", Text::Time),
];

/// What `str::trim` removes: Unicode `White_Space`, as a class's ranges.
const WHITE_SPACE: &str = r"\x09-\x0D\x20\x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// What `char::is_control` is true of (`Cc`), as a class's ranges.
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// [`CONTROL`] but tab, line feed and carriage return.
const CONTROL_BUT_BREAKS: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F";
/// The longest length a pattern counts: validators' regex engines refuse
/// a counted repetition much longer (jsonschema-rs refuses 10,000), so a
/// longer limit is the description's alone.
const LONGEST_COUNTED: usize = 1000;

impl Text {
    /// The pattern: trimmed white space, then the value itself.
    fn pattern(self) -> String {
        let value = match self {
            Text::Line(min, max) => Self::characters(CONTROL, min, max),
            Text::Lines(min, max) => Self::characters(CONTROL_BUT_BREAKS, min, max),
            Text::OneOf(words) => format!("(?:{})", words.join("|")),
            Text::Semester => "(?:199[0-9]|20[0-9][0-9]|2100)-[12SW]".to_owned(),
            Text::Time => "(?:[01][0-9]|2[0-3]):[0-5][0-9]".to_owned(),
        };
        format!("^[{WHITE_SPACE}]*{value}[{WHITE_SPACE}]*$")
    }

    /// `min..=max` characters, none of `forbidden`, the first and the last
    /// not white space either (or none at all when `min` is 0).
    fn characters(forbidden: &str, min: usize, max: usize) -> String {
        let end = format!("[^{forbidden}{WHITE_SPACE}]");
        let within = format!("[^{forbidden}]");
        let between = if max > LONGEST_COUNTED {
            format!("{within}*")
        } else {
            format!("{within}{{{},{}}}", min.max(2) - 2, max.max(2) - 2)
        };
        let some = match (min, max) {
            (_, 1) => end,
            (0 | 1, _) => format!("{end}(?:{between}{end})?"),
            _ => format!("{end}{between}{end}"),
        };
        if min == 0 {
            format!("(?:{some})?")
        } else {
            some
        }
    }
}

/// Sets the pattern of each of [`TEXTS`].
fn constrain_text(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Schema;
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    for (component, property, text) in TEXTS {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*component) else {
            continue;
        };
        if let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(*property) {
            property.pattern = Some(text.pattern());
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

/// Links of one response to the operations its values lead to.
struct Links {
    /// The operation (its `operationId`) and the status of the response.
    from: (&'static str, u16),
    /// The operations it leads to, each a link named after it.
    to: &'static [&'static str],
    /// Their parameters, each a runtime expression (`$response.body#/id`,
    /// `$request.path.post_id`).
    parameters: &'static [(&'static str, &'static str)],
    /// Members of their request bodies, each a runtime expression.
    body: &'static [(&'static str, &'static str)],
}

impl Links {
    const fn parameters(
        from: (&'static str, u16),
        to: &'static [&'static str],
        parameters: &'static [(&'static str, &'static str)],
    ) -> Self {
        Links {
            from,
            to,
            parameters,
            body: &[],
        }
    }
}

/// Where a response's values go next: what a client follows from a
/// created post to its comments, 공감 and reports, from a timetable to its
/// courses and entries. Clients read them as documentation; the fuzzer's
/// stateful phase follows them to chain requests (create a post, comment
/// on it, like the comment, ...). Each starts from a response that always
/// has the value: a list may be empty, so only the boards (every school
/// has some) lead on from a list.
const LINKS: &[Links] = &[
    // Boards -> their posts.
    Links::parameters(
        ("list_boards", 200),
        &["list_board_posts", "create_post"],
        &[("board_id", "$response.body#/items/0/id")],
    ),
    Links::parameters(
        ("create_board", 201),
        &["list_board_posts", "create_post"],
        &[("board_id", "$response.body#/id")],
    ),
    // A post -> the post, its comments, 공감, scrap and reports.
    Links::parameters(
        ("create_post", 201),
        &[
            "get_post",
            "update_post",
            "delete_post",
            "create_comment",
            "like_post",
            "scrap_post",
            "unscrap_post",
            "report_post",
        ],
        &[("post_id", "$response.body#/id")],
    ),
    Links::parameters(
        ("create_post", 201),
        &["list_board_posts"],
        &[("board_id", "$response.body#/board/id")],
    ),
    Links {
        from: ("create_post", 201),
        to: &["start_conversation"],
        parameters: &[],
        body: &[("post_id", "$response.body#/id")],
    },
    Links::parameters(
        ("update_post", 200),
        &["get_post", "delete_post", "create_comment"],
        &[("post_id", "$response.body#/id")],
    ),
    // A comment -> its deletion, 공감, reports, a reply and a 쪽지.
    Links::parameters(
        ("create_comment", 201),
        &["delete_comment", "like_comment", "report_comment"],
        &[("comment_id", "$response.body#/id")],
    ),
    Links {
        from: ("create_comment", 201),
        to: &["create_comment"],
        parameters: &[("post_id", "$request.path.post_id")],
        body: &[("parent_id", "$response.body#/id")],
    },
    Links {
        from: ("create_comment", 201),
        to: &["start_conversation"],
        parameters: &[],
        body: &[("comment_id", "$response.body#/id")],
    },
    // A 쪽지 conversation -> its messages, a reply, leaving and blocking.
    Links::parameters(
        ("start_conversation", 201),
        &[
            "list_messages",
            "send_message",
            "delete_conversation",
            "block_conversation",
        ],
        &[("conversation_id", "$response.body#/conversation/id")],
    ),
    Links::parameters(
        ("send_message", 201),
        &["list_messages", "block_conversation"],
        &[("conversation_id", "$request.path.conversation_id")],
    ),
    // A timetable -> the timetable, its changes, courses, entries and copy.
    Links::parameters(
        ("create_timetable", 201),
        TIMETABLE,
        &[("id", "$response.body#/id")],
    ),
    Links::parameters(
        ("create_timetable", 201),
        &["fill_from_timetable"],
        &[("semester", "$response.body#/semester")],
    ),
    Links::parameters(
        ("copy_timetable", 201),
        TIMETABLE,
        &[("id", "$response.body#/id")],
    ),
    Links::parameters(
        ("add_course", 201),
        &["remove_course"],
        &[
            ("id", "$response.body#/id"),
            ("course_id", "$response.body#/courses/0/id"),
        ],
    ),
    Links::parameters(
        ("add_custom_entry", 201),
        &["remove_custom_entry"],
        &[
            ("id", "$response.body#/id"),
            ("entry_id", "$response.body#/custom_entries/0/id"),
        ],
    ),
    // A review -> its 공감 and deletion.
    Links::parameters(
        ("create_review", 201),
        &["like_review", "delete_review"],
        &[("review_id", "$response.body#/id")],
    ),
    // A friend request -> accepting or withdrawing it; the new friend ->
    // their timetable, or unfriending.
    Links::parameters(
        ("send_request", 201),
        &["accept_request", "delete_request"],
        &[("id", "$response.body#/id")],
    ),
    Links::parameters(
        ("accept_request", 200),
        &["friend_timetable", "remove_friend"],
        &[("user_id", "$response.body#/friend/id")],
    ),
    // A new school -> its catalog.
    Links {
        from: ("create_school", 201),
        to: &["import_courses"],
        parameters: &[],
        body: &[("school_id", "$response.body#/id")],
    },
];

/// What a timetable's id leads to.
const TIMETABLE: &[&str] = &[
    "get_timetable",
    "update_timetable",
    "delete_timetable",
    "copy_timetable",
    "add_course",
    "add_custom_entry",
    "timetable_image",
];

/// Adds [`LINKS`] to the responses they start from. A row whose operation
/// or status is not in the document adds nothing (the document's test
/// checks that the links it relies on are there).
fn link(openapi: &mut utoipa::openapi::OpenApi) {
    use serde_json::{Map, Value, json};
    use utoipa::openapi::{extensions::Extensions, link::LinkBuilder};
    let members = |pairs: &[(&str, &str)]| -> Map<String, Value> {
        pairs
            .iter()
            .map(|(name, expression)| (name.to_string(), json!(expression)))
            .collect()
    };
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ];
        for operation in operations.into_iter().flatten() {
            let id = operation.operation_id.as_deref().unwrap_or_default();
            for links in LINKS.iter().filter(|links| links.from.0 == id) {
                let status = links.from.1.to_string();
                let Some(RefOr::T(response)) = operation.responses.responses.get_mut(&status)
                else {
                    continue;
                };
                for to in links.to {
                    // utoipa 5.5 writes `Link`'s own fields in snake_case
                    // (`operation_id`, `request_body`), which no OpenAPI
                    // reader knows; its extensions are written as named.
                    let mut fields = vec![("operationId", json!(to))];
                    if !links.parameters.is_empty() {
                        fields.push(("parameters", members(links.parameters).into()));
                    }
                    if !links.body.is_empty() {
                        fields.push(("requestBody", members(links.body).into()));
                    }
                    let link = LinkBuilder::new()
                        .extensions(Some(Extensions::from_iter(fields)))
                        .build();
                    response.links.insert(to.to_string(), RefOr::T(link));
                }
            }
        }
    }
}
