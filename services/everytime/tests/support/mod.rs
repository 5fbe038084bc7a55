//! Starts the whole stack on free ports with a fresh database, and calls
//! the gateway over real HTTP.

#![allow(dead_code)]

use everytime::{Stack, StackConfig};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestStack {
    pub stack: Stack,
    pub base: String,
    pub http: reqwest::Client,
}

/// A response: status, headers and the body as JSON (or `Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts a problem+json with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "content type of {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "code of {}", self.text);
        assert_eq!(
            self.body["status"], status,
            "status member of {}",
            self.text
        );
        assert_eq!(self.body["type"], "about:blank");
        assert!(self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
        self
    }

    /// The fields named in `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|error| error["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every `Set-Cookie` header.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect()
    }
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: Value,
    pub id: i64,
    pub token: String,
    pub refresh: String,
}

impl TestStack {
    pub async fn start() -> TestStack {
        Self::start_with(|_| {}).await
    }

    /// A stack with the administrator [`admin_account`] (school 1), and
    /// that administrator's access token.
    pub async fn start_with_admin() -> (TestStack, String) {
        Self::start_with_admin_and(|_| {}).await
    }

    /// [`TestStack::start_with_admin`], configured by `configure` too.
    pub async fn start_with_admin_and(
        configure: impl FnOnce(&mut StackConfig),
    ) -> (TestStack, String) {
        let stack = Self::start_with(|config| {
            config.auth.admin = Some(admin_account());
            configure(config);
        })
        .await;
        let signed_in = stack.sign_in_with("admin", ADMIN_PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
        let token = signed_in.body["access_token"]
            .as_str()
            .expect("a token")
            .to_owned();
        (stack, token)
    }

    pub async fn start_with(configure: impl FnOnce(&mut StackConfig)) -> TestStack {
        let url = everytime_devkit::postgres::test_database()
            .await
            .expect("a test database");
        let mut config = StackConfig::new(&url);
        // Tests sign many users up from one address; the limit has its own test.
        config.gateway.auth_rate_limit_per_minute = 100_000;
        // Tests write faster than a user may; the write limits' own tests turn them on.
        config.community.write_limits = everytime_community::domain::WriteLimits::off();
        configure(&mut config);
        let stack = Stack::start(config).await.expect("the stack starts");
        TestStack {
            base: stack.gateway_url(),
            stack,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.call(Method::PUT, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, token, None).await
    }

    pub async fn sign_up_at(&self, username: &str, school_id: i64) -> Reply {
        self.post(
            "/api/v1/auth/sign-up",
            None,
            sign_up_body(username, school_id),
        )
        .await
    }

    pub async fn sign_in_with(&self, username: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/sign-in",
            None,
            json!({"username": username, "password": password}),
        )
        .await
    }

    /// Signs an existing `username` in: a new session.
    pub async fn sign_in(&self, username: &str) -> Session {
        let signed_in = self.sign_in_with(username, PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
        Session {
            id: signed_in.body["user"]["id"].as_i64().expect("an id"),
            user: signed_in.body["user"].clone(),
            token: signed_in.body["access_token"]
                .as_str()
                .expect("a token")
                .to_owned(),
            refresh: signed_in.body["refresh_token"]
                .as_str()
                .expect("a refresh token")
                .to_owned(),
        }
    }

    /// Signs `username` up at school 1 and in.
    pub async fn user(&self, username: &str) -> Session {
        self.user_at(username, 1).await
    }

    /// Signs `username` up at `school_id` and in.
    pub async fn user_at(&self, username: &str, school_id: i64) -> Session {
        let created = self.sign_up_at(username, school_id).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        self.sign_in(username).await
    }

    /// The `restricted_until` of `token`'s `GET /users/me` once it is a
    /// time: the gateway's cache hears of a blinding from community's
    /// stream within moments, so it is asked again for up to 5 s.
    pub async fn restricted_until(&self, token: &str) -> String {
        let started = std::time::Instant::now();
        loop {
            let me = self.get("/api/v1/users/me", Some(token)).await;
            assert_eq!(me.status, StatusCode::OK, "{}", me.text);
            if let Some(until) = me.body["restricted_until"].as_str() {
                return until.to_owned();
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "not restricted: {}",
                me.text
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// How many times `service` has answered `method` (e.g.
    /// `/everytime.auth.v1.UserService/GetMe`) with `Ok`, from the metrics
    /// page.
    pub async fn rpc_count(&self, service: &str, method: &str) -> u64 {
        let url = self
            .stack
            .metrics_url()
            .expect("the test stack serves metrics");
        let page = self
            .http
            .get(url)
            .send()
            .await
            .expect("the metrics listener answers")
            .text()
            .await
            .expect("a page");
        let series = format!(
            r#"grpc_server_requests_total{{service="{service}",method="{method}",code="Ok"}} "#
        );
        page.lines()
            .find_map(|line| line.strip_prefix(&series))
            .map_or(0, |count| count.trim().parse().expect("a count"))
    }
}

/// The administrator's password in [`admin_account`].
pub const ADMIN_PASSWORD: &str = "admin password";

/// The administrator the admin tests sign in as: `admin`, of school 1.
pub fn admin_account() -> everytime_auth::AdminAccount {
    everytime_auth::AdminAccount {
        username: "admin".into(),
        password: ADMIN_PASSWORD.into(),
        email: "admin@localhost".into(),
        nickname: "관리자".into(),
    }
}

/// A valid sign-up body; the nickname is derived from the username.
pub fn sign_up_body(username: &str, school_id: i64) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@example.ac.kr"),
        "password": PASSWORD,
        "nickname": nickname_for(username),
        "name": "김테스트",
        "school_id": school_id,
    })
}

/// A nickname of at most 10 characters derived from a username.
pub fn nickname_for(username: &str) -> String {
    format!("닉{}", &username[..username.len().min(9)])
}

/// Waits until some statement waits on a lock in the database of `url`.
pub async fn until_waiting_on_a_lock(url: &str) {
    use std::time::{Duration, Instant};

    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(url).await.expect("connects");
    let started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock'",
        )
        .fetch_one(&mut connection)
        .await
        .expect("reads pg_stat_activity");
        if waiting > 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no request reached the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
