//! A small JSON client of the gateway, for seeding and for fresh tokens:
//! every answer but the expected status is an error naming the request.

use anyhow::{Context, Result, bail};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The password of every seeded user.
pub const PASSWORD: &str = "correct horse battery";

/// The gateway at `base`.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A signed-in user: the access token seeding uses, and the refresh token
/// each stack's copy of the database still holds unspent.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub access: String,
    pub refresh: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: base.to_owned(),
        }
    }

    /// Sends one request; the status and the JSON body (`null` if none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value)> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| path.to_owned())?;
        let status = response.status();
        let text = response.text().await.with_context(|| path.to_owned())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// [`Api::call`] that fails unless the status is `expected`.
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        expected: u16,
    ) -> Result<Value> {
        let (status, answer) = self.call(method.clone(), path, token, body).await?;
        if status.as_u16() != expected {
            bail!("{method} {path}: {status} (expected {expected}) {answer}");
        }
        Ok(answer)
    }

    pub async fn get(&self, path: &str, token: &str) -> Result<Value> {
        self.expect(Method::GET, path, Some(token), None, 200).await
    }

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        expected: u16,
    ) -> Result<Value> {
        self.expect(Method::POST, path, Some(token), Some(body), expected)
            .await
    }

    /// Signs in; the user with both tokens.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<User> {
        let body = self
            .expect(
                Method::POST,
                "/api/v1/auth/sign-in",
                None,
                Some(&json!({"username": username, "password": password})),
                200,
            )
            .await?;
        Ok(User {
            id: body["user"]["id"].as_i64().context("a user id")?,
            username: username.to_owned(),
            access: body["access_token"]
                .as_str()
                .context("an access token")?
                .to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .context("a refresh token")?
                .to_owned(),
        })
    }

    /// Signs a new user of school 1 up and in.
    pub async fn sign_up(&self, username: &str, nickname: &str) -> Result<User> {
        self.expect(
            Method::POST,
            "/api/v1/auth/sign-up",
            None,
            Some(&json!({
                "username": username,
                "email": format!("{username}@load.ac.kr"),
                "password": PASSWORD,
                "nickname": nickname,
                "name": "부하",
                "school_id": 1,
            })),
            201,
        )
        .await?;
        self.sign_in(username, PASSWORD).await
    }

    /// A fresh access token from `refresh` (no password hashing: each
    /// stack gets tokens of its own cheaply, whatever time has passed).
    pub async fn refresh(&self, refresh: &str) -> Result<String> {
        let body = self
            .expect(
                Method::POST,
                "/api/v1/auth/refresh",
                None,
                Some(&json!({"refresh_token": refresh})),
                200,
            )
            .await?;
        Ok(body["access_token"]
            .as_str()
            .context("an access token")?
            .to_owned())
    }
}
