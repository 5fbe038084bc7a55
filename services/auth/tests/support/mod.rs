//! Starts a real auth service on 127.0.0.1:0 with a fresh database, and
//! talks to it with the generated tonic clients.

#![allow(dead_code)]

use std::net::SocketAddr;

use everytime_auth::Config;
use everytime_devkit::server::TestServer;
use everytime_proto::auth::v1::{
    self as pb, auth_service_client::AuthServiceClient, user_service_client::UserServiceClient,
};
use tonic::transport::Channel;

pub struct TestAuth {
    pub addr: SocketAddr,
    /// Its database, for a second start on the same data.
    pub database_url: String,
    pub channel: Channel,
    server: TestServer,
}

impl TestAuth {
    pub async fn start() -> TestAuth {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> TestAuth {
        let url = everytime_devkit::postgres::test_database()
            .await
            .unwrap_or_else(|error| panic!("a test database: {error}"));
        Self::start_on(url, configure).await
    }

    /// Starts on an existing database (a restart).
    pub async fn start_on(url: String, configure: impl FnOnce(&mut Config)) -> TestAuth {
        let mut config = Config::new(url.clone());
        configure(&mut config);
        let server = TestServer::start("auth", move |listener, shutdown| {
            everytime_auth::serve(config, listener, shutdown)
        })
        .await;
        TestAuth {
            addr: server.addr,
            database_url: url,
            channel: server.channel.clone(),
            server,
        }
    }

    pub fn auth(&self) -> AuthServiceClient<Channel> {
        AuthServiceClient::new(self.channel.clone())
    }

    pub fn users(&self) -> UserServiceClient<Channel> {
        UserServiceClient::new(self.channel.clone())
    }

    /// Signs up `username` (nickname and email derived from it) at school 1.
    pub async fn sign_up(&self, username: &str) -> pb::User {
        self.sign_up_at(username, 1).await
    }

    pub async fn sign_up_at(&self, username: &str, school_id: i64) -> pb::User {
        self.auth()
            .sign_up(sign_up_request(username, school_id))
            .await
            .expect("signs up")
            .into_inner()
            .user
            .expect("a user")
    }

    pub async fn sign_in(&self, username: &str) -> pb::SignInResponse {
        self.sign_in_with(username, PASSWORD)
            .await
            .expect("signs in")
    }

    pub async fn sign_in_with(
        &self,
        username: &str,
        password: &str,
    ) -> Result<pb::SignInResponse, tonic::Status> {
        self.auth()
            .sign_in(pb::SignInRequest {
                username: username.into(),
                password: password.into(),
                client: Some(pb::ClientInfo {
                    user_agent: "integration-test".into(),
                    ip_address: "192.0.2.1".into(),
                }),
                device_token: String::new(),
            })
            .await
            .map(tonic::Response::into_inner)
    }

    /// Signs up and in; returns the user and their access token.
    pub async fn user_with_token(&self, username: &str) -> (pb::User, String) {
        let user = self.sign_up(username).await;
        let signed_in = self.sign_in(username).await;
        (user, signed_in.tokens.expect("tokens").access_token)
    }

    /// Stops it and waits until it has drained.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}

pub const PASSWORD: &str = "correct horse battery";

pub fn sign_up_request(username: &str, school_id: i64) -> pb::SignUpRequest {
    pb::SignUpRequest {
        username: username.into(),
        email: format!("{username}@example.ac.kr"),
        password: PASSWORD.into(),
        nickname: nickname_for(username),
        name: "김테스트".into(),
        school_id,
    }
}

/// A nickname of at most 10 characters derived from a username.
pub fn nickname_for(username: &str) -> String {
    format!("닉{}", &username[..username.len().min(9)])
}

/// `message` with `authorization: Bearer <token>` metadata.
pub use everytime_devkit::status::authed;

/// The `ErrorInfo` reason and the `BadRequest` fields of a status.
pub use everytime_devkit::status::reason_and_fields;
