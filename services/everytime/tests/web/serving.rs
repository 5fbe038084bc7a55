//! How the gateway serves the web client, over real HTTP and without a
//! browser: the page on every app path, the files with their types, tags
//! and security headers, the API's own 404s, and a module graph in which
//! every import resolves.

use std::collections::{BTreeSet, VecDeque};

use reqwest::{StatusCode, header};

use crate::support::TestStack;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn get(stack: &TestStack, path: &str) -> reqwest::Response {
    stack
        .http
        .get(stack.url(path))
        .send()
        .await
        .expect("the gateway answers")
}

fn header(response: &reqwest::Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("{name} on {}", response.url()))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_app_path_answers_the_page_with_a_strict_policy() {
    let stack = TestStack::start().await;
    for path in [
        "/",
        "/login",
        "/boards/12",
        "/posts/3/edit",
        "/timetable?semester=2026-2",
        "/me",
    ] {
        let response = get(&stack, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            header(&response, header::CONTENT_SECURITY_POLICY),
            CSP,
            "{path}"
        );
        assert_eq!(header(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header(&response, header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(header(&response, header::CACHE_CONTROL), "no-cache");
        let html = response.text().await.unwrap();
        assert!(html.contains("<div id=\"app\">"), "{path}: {html}");
        assert!(html.contains("<html lang=\"ko\">"));
        assert!(html.contains(r#"<script type="module" src="/js/main.js"></script>"#));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn files_have_their_types_and_revalidate_by_etag() {
    let stack = TestStack::start().await;
    let script = get(&stack, "/js/main.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        header(&script, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    let etag = header(&script, header::ETAG).to_owned();
    let again = stack
        .http
        .get(stack.url("/js/main.js"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, header::ETAG), etag);

    let style = get(&stack, "/css/app.css").await;
    assert_eq!(
        header(&style, header::CONTENT_TYPE),
        "text/css; charset=utf-8"
    );
    let icon = get(&stack, "/favicon.svg").await;
    assert_eq!(header(&icon, header::CONTENT_TYPE), "image/svg+xml");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_and_missing_files_keep_their_problem_answers() {
    let stack = TestStack::start().await;
    for path in [
        "/api/v1/no-such-route",
        "/api/nope",
        "/.well-known/nope",
        "/metrics",
        "/js/no-such-module.js",
    ] {
        let response = get(&stack, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "application/problem+json",
            "{path}"
        );
    }
    let posted = stack
        .http
        .post(stack.url("/boards/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        header(&posted, header::CONTENT_TYPE),
        "application/problem+json"
    );
}

/// The relative module specifiers a script imports (`from './x.js'`,
/// `import('./y.js')`, `import './z.js'`).
fn imports(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in [
        "from '",
        "import('",
        "import '",
        "from \"",
        "import(\"",
        "import \"",
    ] {
        for (at, _) in source.match_indices(marker) {
            let rest = &source[at + marker.len()..];
            let quote = marker.chars().last().unwrap();
            if let Some(end) = rest.find(quote) {
                let specifier = &rest[..end];
                if specifier.starts_with("./")
                    || specifier.starts_with("../")
                    || specifier.starts_with('/')
                {
                    found.push(specifier.to_owned());
                }
            }
        }
    }
    found
}

fn resolve(from: &str, specifier: &str) -> String {
    if specifier.starts_with('/') {
        return specifier.to_owned();
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in specifier.split('/') {
        match segment {
            "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_module_and_stylesheet_the_page_loads_is_served() {
    let stack = TestStack::start().await;
    let html = get(&stack, "/").await.text().await.unwrap();
    let mut queue: VecDeque<String> = html
        .split(['"', '\''])
        .filter(|value| {
            value.starts_with('/')
                && (value.ends_with(".js") || value.ends_with(".css") || value.ends_with(".svg"))
        })
        .map(str::to_owned)
        .collect();
    assert!(queue.iter().any(|path| path == "/js/main.js"), "{html}");
    let mut seen = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let response = get(&stack, &path).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{path} (imported by the app)"
        );
        if path.ends_with(".js") {
            let source = response.text().await.unwrap();
            for specifier in imports(&source) {
                queue.push_back(resolve(&path, &specifier));
            }
        }
    }
    assert!(seen.len() >= 10, "the app loads {seen:?}");
}

#[test]
fn specifiers_resolve_like_a_browser() {
    assert_eq!(resolve("/js/pages/a.js", "../api.js"), "/js/api.js");
    assert_eq!(resolve("/js/main.js", "./pages/b.js"), "/js/pages/b.js");
    assert_eq!(
        imports(
            "import { a } from './a.js';\nimport './b.js';\nconst c = await import('../c.js');"
        ),
        ["./a.js", "../c.js", "./b.js"]
    );
}
