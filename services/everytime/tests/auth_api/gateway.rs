//! The gateway's own contract: problem+json errors and the public endpoints.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{PASSWORD, TestStack};

#[tokio::test]
async fn errors_are_problem_json_for_400_401_404_405_413_415() {
    let stack = TestStack::start().await;
    let session = stack.user("probe").await;

    let malformed = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/sign-in"))
                .header("content-type", "application/json")
                .body("{\"username\": "),
        )
        .await;
    malformed.assert_problem(400, "malformed_json");

    let missing_field = stack
        .post("/api/v1/auth/sign-in", None, json!({"username": "probe"}))
        .await;
    missing_field.assert_problem(400, "invalid_input");
    assert_eq!(missing_field.error_fields(), ["password"]);

    let wrong_type = stack.post("/api/v1/auth/sign-up", None, json!({"username": "x", "email": "e@x.kr", "password": PASSWORD, "nickname": "닉네임", "name": "이름", "school_id": "one"})).await;
    wrong_type.assert_problem(400, "invalid_input");
    assert_eq!(wrong_type.error_fields(), ["school_id"]);

    stack
        .get("/api/v1/users/me", None)
        .await
        .assert_problem(401, "missing_token");
    stack
        .get("/api/v1/no/such/route", None)
        .await
        .assert_problem(404, "not_found");
    // Outside the API every path is the web app; a missing file is a 404.
    stack
        .get("/nothing-here.js", None)
        .await
        .assert_problem(404, "not_found");
    stack
        .delete("/api/v1/schools", None)
        .await
        .assert_problem(405, "method_not_allowed");

    let huge = json!({"username": "probe", "password": "x".repeat(70 * 1024)});
    stack
        .post("/api/v1/auth/sign-in", None, huge)
        .await
        .assert_problem(413, "payload_too_large");

    let form = stack
        .send(
            stack
                .http
                .patch(stack.url("/api/v1/users/me"))
                .bearer_auth(&session.token)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("nickname=hello"),
        )
        .await;
    form.assert_problem(415, "unsupported_media_type");

    let bad_id = stack
        .delete("/api/v1/auth/sessions/abc", Some(&session.token))
        .await;
    bad_id.assert_problem(400, "invalid_input");
    assert_eq!(bad_id.error_fields(), ["id"]);
}

#[tokio::test]
async fn health_openapi_and_jwks_are_public() {
    let stack = TestStack::start().await;

    let health = stack.get("/healthz", None).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );

    let ready = stack.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["services"]["auth"], "serving");

    let openapi = stack.get("/api/v1/openapi.json", None).await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(
        openapi.body["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.1")
    );
    let paths = openapi.body["paths"].as_object().expect("paths");
    // Every endpoint of API.md, with its method.
    let endpoints = [
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/.well-known/jwks.json"),
        ("get", "/api/v1/schools"),
        ("post", "/api/v1/auth/sign-up"),
        ("post", "/api/v1/auth/sign-in"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/sign-out"),
        ("get", "/api/v1/users/me"),
        ("patch", "/api/v1/users/me"),
        ("delete", "/api/v1/users/me"),
        ("put", "/api/v1/users/me/password"),
        ("get", "/api/v1/auth/sessions"),
        ("delete", "/api/v1/auth/sessions/{id}"),
        ("post", "/api/v1/admin/schools"),
        ("post", "/api/v1/admin/courses"),
        ("get", "/api/v1/boards"),
        ("post", "/api/v1/boards"),
        ("get", "/api/v1/boards/{board_id}/posts"),
        ("post", "/api/v1/boards/{board_id}/posts"),
        ("get", "/api/v1/posts/{post_id}"),
        ("patch", "/api/v1/posts/{post_id}"),
        ("delete", "/api/v1/posts/{post_id}"),
        ("post", "/api/v1/posts/{post_id}/comments"),
        ("delete", "/api/v1/comments/{comment_id}"),
        ("put", "/api/v1/posts/{post_id}/like"),
        ("put", "/api/v1/comments/{comment_id}/like"),
        ("put", "/api/v1/posts/{post_id}/scrap"),
        ("delete", "/api/v1/posts/{post_id}/scrap"),
        ("get", "/api/v1/posts/hot"),
        ("get", "/api/v1/posts/best"),
        ("get", "/api/v1/posts/search"),
        ("get", "/api/v1/me/posts"),
        ("get", "/api/v1/me/comments"),
        ("get", "/api/v1/me/scraps"),
        ("get", "/api/v1/courses"),
        ("get", "/api/v1/timetables"),
        ("post", "/api/v1/timetables"),
        ("get", "/api/v1/timetables/{id}"),
        ("patch", "/api/v1/timetables/{id}"),
        ("delete", "/api/v1/timetables/{id}"),
        ("post", "/api/v1/timetables/{id}/courses"),
        ("delete", "/api/v1/timetables/{id}/courses/{course_id}"),
        ("get", "/api/v1/timetables/{id}/image.svg"),
        ("get", "/api/v1/me/timetable"),
        ("post", "/api/v1/friends/requests"),
        ("get", "/api/v1/friends/requests"),
        ("post", "/api/v1/friends/requests/{id}/accept"),
        ("delete", "/api/v1/friends/requests/{id}"),
        ("get", "/api/v1/friends"),
        ("delete", "/api/v1/friends/{user_id}"),
        ("get", "/api/v1/friends/{user_id}/timetable"),
        ("post", "/api/v1/timetables/{id}/custom-entries"),
        (
            "delete",
            "/api/v1/timetables/{id}/custom-entries/{entry_id}",
        ),
        ("post", "/api/v1/timetables/{id}/copy"),
        ("get", "/api/v1/free-time"),
        ("post", "/api/v1/courses/{course_id}/reviews"),
        ("get", "/api/v1/courses/{course_id}/reviews"),
        ("delete", "/api/v1/reviews/{review_id}"),
        ("put", "/api/v1/reviews/{review_id}/like"),
        ("get", "/api/v1/me/reviews"),
        ("put", "/api/v1/me/grades/{semester}"),
        ("get", "/api/v1/me/grades"),
        ("put", "/api/v1/me/grades/target"),
        ("post", "/api/v1/me/grades/{semester}/from-timetable"),
        ("post", "/api/v1/messages"),
        ("get", "/api/v1/messages"),
        ("get", "/api/v1/messages/{conversation_id}"),
        ("post", "/api/v1/messages/{conversation_id}"),
        ("delete", "/api/v1/messages/{conversation_id}"),
        ("post", "/api/v1/messages/{conversation_id}/block"),
        ("get", "/api/v1/messages/unread-count"),
        ("get", "/api/v1/notifications"),
        ("get", "/api/v1/notifications/unread-count"),
        ("post", "/api/v1/notifications/read"),
        ("get", "/api/v1/notifications/stream"),
    ];
    for (method, path) in endpoints {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path} is documented; documented paths: {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    // What any operation of a kind can answer is documented on each: 400
    // for parameters and bodies, 413 and 415 for bodies, 401 where a token
    // is needed, 503 and 504 wherever a backend is called; path ids are
    // integers from 1.
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let statuses = |wanted: &[&str]| {
                for status in wanted {
                    assert!(
                        operation["responses"].get(*status).is_some(),
                        "{method} {path} documents {status}"
                    );
                }
            };
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !parameters.is_empty() {
                statuses(&["400"]);
            }
            for parameter in parameters.iter().filter(|p| p["in"] == "path") {
                if parameter["schema"]["type"] == "integer" {
                    assert_eq!(parameter["schema"]["minimum"], 1, "{method} {path}");
                }
            }
            if operation.get("requestBody").is_some() {
                statuses(&["400", "413", "415"]);
            }
            let public = operation["security"]
                .as_array()
                .is_some_and(|requirements| requirements.iter().all(|r| r == &json!({})));
            if !public {
                statuses(&["401"]);
            }
            if path.starts_with("/api/v1/") && path != "/api/v1/openapi.json" {
                statuses(&["503", "504"]);
            }
        }
    }

    let jwks = stack.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, StatusCode::OK);
    let key = &jwks.body["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let session = stack.user("jwks").await;
    let header = jsonwebtoken::decode_header(&session.token).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
}

#[tokio::test]
async fn openapi_links_lead_from_what_was_created_to_what_can_be_done_with_it() {
    let stack = TestStack::start().await;

    let openapi = stack.get("/api/v1/openapi.json", None).await;

    let paths = openapi.body["paths"].as_object().expect("paths");
    let operations: Vec<(&str, &serde_json::Value)> = paths
        .values()
        .flat_map(|item| item.as_object().expect("a path item").values())
        .map(|operation| (operation["operationId"].as_str().expect("an id"), operation))
        .collect();
    let mut ids: Vec<&str> = operations.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let all = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), all, "every operationId is unique");
    let operation = |id: &str| {
        let found: Vec<_> = operations
            .iter()
            .filter(|(other, _)| *other == id)
            .collect();
        assert_eq!(found.len(), 1, "exactly one operation is {id}");
        found[0].1
    };
    // Every link leads to an operation of the document, by parameters it
    // has, and with a body only where it takes one.
    let mut links = 0;
    for (id, source) in &operations {
        for (status, response) in source["responses"].as_object().expect("responses") {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                links += 1;
                let target = operation(link["operationId"].as_str().expect("operationId"));
                let parameters: Vec<&str> = target["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|parameter| parameter["name"].as_str().expect("a name"))
                    .collect();
                for (parameter, expression) in link["parameters"].as_object().into_iter().flatten()
                {
                    assert!(
                        parameters.contains(&parameter.as_str()),
                        "{id} {status} link {name}: the target has no parameter {parameter}"
                    );
                    assert!(expression.as_str().is_some_and(|e| e.starts_with('$')));
                }
                if link.get("requestBody").is_some() {
                    assert!(target.get("requestBody").is_some(), "{id} {status} {name}");
                }
            }
        }
    }
    assert!(links >= 40, "only {links} links");
    // The ones the fuzzer's stateful phase goes deep by.
    let link = |from: &str, status: &str, to: &str| {
        operation(from)["responses"][status]["links"][to].clone()
    };
    assert_eq!(
        link("create_post", "201", "get_post"),
        json!({"operationId": "get_post", "parameters": {"post_id": "$response.body#/id"}})
    );
    for to in [
        "update_post",
        "delete_post",
        "create_comment",
        "like_post",
        "scrap_post",
        "report_post",
    ] {
        assert_eq!(
            link("create_post", "201", to)["parameters"],
            json!({"post_id": "$response.body#/id"}),
            "create_post -> {to}"
        );
    }
    assert_eq!(
        link("list_boards", "200", "create_post")["parameters"],
        json!({"board_id": "$response.body#/items/0/id"})
    );
    for to in ["delete_comment", "like_comment", "report_comment"] {
        assert_eq!(
            link("create_comment", "201", to)["parameters"],
            json!({"comment_id": "$response.body#/id"}),
            "create_comment -> {to}"
        );
    }
    assert_eq!(
        link("create_comment", "201", "create_comment"),
        json!({
            "operationId": "create_comment",
            "parameters": {"post_id": "$request.path.post_id"},
            "requestBody": {"parent_id": "$response.body#/id"},
        })
    );
    for to in [
        "get_timetable",
        "update_timetable",
        "delete_timetable",
        "add_course",
        "add_custom_entry",
    ] {
        assert_eq!(
            link("create_timetable", "201", to)["parameters"],
            json!({"id": "$response.body#/id"}),
            "create_timetable -> {to}"
        );
    }
    assert_eq!(
        link("start_conversation", "201", "send_message")["parameters"],
        json!({"conversation_id": "$response.body#/conversation/id"})
    );
    assert_eq!(
        link("send_request", "201", "accept_request")["parameters"],
        json!({"id": "$response.body#/id"})
    );
    // The strings those requests send say what the services accept.
    let schemas = &openapi.body["components"]["schemas"];
    for (schema, property) in [
        ("CreatePostBody", "title"),
        ("CreatePostBody", "content"),
        ("CreateCommentBody", "content"),
        ("CreateTimetableBody", "semester"),
        ("CreateTimetableBody", "name"),
    ] {
        assert!(
            schemas[schema]["properties"][property]["pattern"].is_string(),
            "{schema}.{property} has a pattern"
        );
    }
}
