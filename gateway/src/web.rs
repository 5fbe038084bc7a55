//! The web client: the app in a browser, served from the gateway's own
//! origin so it talks to the API with the HttpOnly cookies and nothing else.
//!
//! Its files (`gateway/web/`: HTML, CSS, ES modules, no build step) are
//! embedded at compile time by `build.rs`, so the binary and the container
//! need nothing beside them. Every path outside the API's prefixes that is
//! not a file answers `index.html`, and the app's router draws the screen
//! of that URL (history-style URLs survive a reload). Every file goes out
//! with a strict Content-Security-Policy (no inline script, nothing from
//! another origin) and an ETag, revalidated on each load (`no-cache`), so a
//! new release is picked up at once and an unchanged file costs a `304`.

use axum::{
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};

use crate::error::ApiError;

/// One embedded file of the web client.
#[derive(Debug)]
pub struct WebFile {
    /// Its URL path, e.g. `/js/api.js`.
    pub path: &'static str,
    pub content_type: &'static str,
    /// A quoted hash of the content.
    pub etag: &'static str,
    pub bytes: &'static [u8],
}

/// Every file under `gateway/web/`, as the build found them.
pub static FILES: &[WebFile] = include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// Where the API and the operational endpoints live: these never fall back
/// to the app (an unknown API path is a problem+json `404`).
const RESERVED: [&str; 5] = ["/api", "/.well-known", "/healthz", "/readyz", "/metrics"];

/// The policy of every page: scripts, styles, images and requests from the
/// gateway's own origin only (images also as `data:`/`blob:` URLs, for the
/// timetable picture), no plugins, no framing, no `<base>` tricks.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether `path` belongs to the API rather than the app.
pub fn is_reserved(path: &str) -> bool {
    RESERVED.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The embedded file at `path`, if there is one.
pub fn file(path: &str) -> Option<&'static WebFile> {
    FILES.iter().find(|file| file.path == path)
}

/// The router's fallback: the app's files and screens outside the API, the
/// problem+json `404` inside it.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if is_reserved(path) {
        return ApiError::route_not_found().into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::method_not_allowed().into_response();
    }
    let file = match file(path) {
        Some(file) => file,
        // A missing asset is a 404, not the page: a typo in a script path
        // then shows as what it is.
        None if last_segment_has_extension(path) => {
            return ApiError::route_not_found().into_response();
        }
        None => file("/index.html").expect("web/index.html is embedded"),
    };
    respond(file, &headers)
}

fn last_segment_has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|segment| segment.contains('.'))
}

fn respond(file: &WebFile, request: &HeaderMap) -> Response {
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == file.etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            )],
            file.bytes,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_static(file.etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_and_operational_paths_never_fall_back_to_the_app() {
        for path in [
            "/api",
            "/api/v1/nope",
            "/.well-known/jwks.json",
            "/healthz",
            "/readyz",
            "/metrics",
        ] {
            assert!(is_reserved(path), "{path}");
        }
        for path in ["/", "/boards/3", "/apiary", "/metricsboard", "/login"] {
            assert!(!is_reserved(path), "{path}");
        }
    }

    #[test]
    fn the_app_is_embedded_with_types_and_tags() {
        let index = file("/index.html").expect("index.html");
        assert!(index.content_type.starts_with("text/html"));
        let script = file("/js/main.js").expect("main.js");
        assert!(script.content_type.starts_with("text/javascript"));
        for file in FILES {
            assert!(file.etag.starts_with('"') && file.etag.ends_with('"'));
            assert!(!file.bytes.is_empty(), "{} is empty", file.path);
        }
    }

    /// An attribute like ` onclick=`: ` on`, letters, `=`.
    fn has_inline_handler(html: &str) -> bool {
        html.match_indices(" on").any(|(at, _)| {
            let rest = &html[at + 3..];
            let name = rest.len()
                - rest
                    .trim_start_matches(|c: char| c.is_ascii_lowercase())
                    .len();
            name > 0 && rest[name..].starts_with('=')
        })
    }

    #[test]
    fn pages_carry_no_inline_script_or_remote_origin() {
        for file in FILES.iter().filter(|file| file.path.ends_with(".html")) {
            let html = std::str::from_utf8(file.bytes).expect("UTF-8");
            for script in html.split("<script").skip(1) {
                let tag = &script[..script.find('>').expect("closed tag")];
                assert!(tag.contains("src=\"/"), "{}: inline script", file.path);
            }
            assert!(!has_inline_handler(html), "{}: inline handler", file.path);
            assert!(
                !html.contains("http://") && !html.contains("https://"),
                "{}",
                file.path
            );
            assert!(!html.contains("style=\""), "{}: inline style", file.path);
        }
    }
}
