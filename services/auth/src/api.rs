//! The tonic trait impls of `everytime.auth.v1`, `AuthService`,
//! `UserService` and `EventService`, and nothing else: each RPC takes the
//! caller from the verified token (where it needs one), hands the message to
//! its use case ([`crate::accounts`], [`crate::sessions`], [`crate::keys`],
//! [`crate::events`]) and wraps
//! the answer (`everytime_common::grpc::{unpack, reply}`); the use case's
//! [`crate::error::Error`] becomes the status.

use std::sync::Arc;

use everytime_common::{
    grpc::{reply, status, unpack, verify_error_status},
    token::{Caller, bearer},
};
use everytime_proto::auth::v1::{
    self as pb, auth_service_server::AuthService, event_service_server::EventService,
    user_service_server::UserService,
};
use tonic::{Code, Request, Response, Status};

use crate::{State, accounts, events, keys, keys::PublishedKeys, sessions};

/// `everytime.auth.v1.AuthService`.
#[derive(Debug, Clone)]
pub struct AuthApi(pub Arc<State>);

/// `everytime.auth.v1.UserService`.
#[derive(Debug, Clone)]
pub struct UserApi(pub Arc<State>);

/// `everytime.auth.v1.EventService`.
#[derive(Debug, Clone)]
pub struct EventApi(pub Arc<State>);

#[tonic::async_trait]
impl EventService for EventApi {
    type WatchEventsStream = events::EventStream;

    async fn watch_events(
        &self,
        request: Request<pb::WatchEventsRequest>,
    ) -> Result<Response<Self::WatchEventsStream>, Status> {
        Ok(Response::new(events::watch_events(
            &self.0.pool,
            &self.0.events,
            request.into_inner(),
        )))
    }

    async fn acknowledge_events(
        &self,
        request: Request<pb::AcknowledgeEventsRequest>,
    ) -> Result<Response<pb::AcknowledgeEventsResponse>, Status> {
        reply(events::acknowledge_events(&self.0.pool, request.into_inner()).await)
    }
}

/// The caller of a public RPC that also takes a bearer token (`SignOut`):
/// the auth layer lets public RPCs through unchecked, so a token sent with
/// one is verified here, against the keys auth publishes, with the layer's
/// answers; none sent is no caller.
async fn optional_caller<T>(state: &State, request: &Request<T>) -> Result<Option<Caller>, Status> {
    let Some(token) = request
        .metadata()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(bearer)
    else {
        return Ok(None);
    };
    let verifier = state
        .tokens
        .verifier(Arc::new(PublishedKeys(state.keys.clone())));
    verifier
        .verify(token)
        .await
        .map(Some)
        .map_err(|error| verify_error_status(&error))
}

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn list_schools(
        &self,
        request: Request<pb::ListSchoolsRequest>,
    ) -> Result<Response<pb::ListSchoolsResponse>, Status> {
        reply(accounts::list_schools(&self.0, request.into_inner()).await)
    }

    async fn get_school(
        &self,
        request: Request<pb::GetSchoolRequest>,
    ) -> Result<Response<pb::GetSchoolResponse>, Status> {
        reply(accounts::get_school(&self.0, request.into_inner()).await)
    }

    async fn create_school(
        &self,
        request: Request<pb::CreateSchoolRequest>,
    ) -> Result<Response<pb::CreateSchoolResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(accounts::create_school(&self.0, &caller, request).await)
    }

    async fn sign_up(
        &self,
        request: Request<pb::SignUpRequest>,
    ) -> Result<Response<pb::SignUpResponse>, Status> {
        reply(accounts::sign_up(&self.0, request.into_inner()).await)
    }

    async fn sign_in(
        &self,
        request: Request<pb::SignInRequest>,
    ) -> Result<Response<pb::SignInResponse>, Status> {
        let peer = request.remote_addr();
        reply(sessions::sign_in(&self.0, request.into_inner(), peer).await)
    }

    async fn refresh_token(
        &self,
        request: Request<pb::RefreshTokenRequest>,
    ) -> Result<Response<pb::RefreshTokenResponse>, Status> {
        reply(sessions::refresh_token(&self.0, request.into_inner()).await)
    }

    async fn sign_out(
        &self,
        request: Request<pb::SignOutRequest>,
    ) -> Result<Response<pb::SignOutResponse>, Status> {
        let caller = optional_caller(&self.0, &request).await?;
        let request = request.into_inner();
        let has_refresh_token = request
            .refresh_token
            .as_deref()
            .is_some_and(|token| !token.trim().is_empty());
        if caller.is_none() && !has_refresh_token {
            return Err(status(
                Code::Unauthenticated,
                "missing_token",
                "an access token or a refresh token is required",
            ));
        }
        reply(sessions::sign_out(&self.0, caller.as_ref(), request).await)
    }

    async fn list_sessions(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(sessions::list_sessions(&self.0, &caller, request).await)
    }

    async fn revoke_session(
        &self,
        request: Request<pb::RevokeSessionRequest>,
    ) -> Result<Response<pb::RevokeSessionResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(sessions::revoke_session(&self.0, &caller, request).await)
    }

    async fn get_jwks(
        &self,
        request: Request<pb::GetJwksRequest>,
    ) -> Result<Response<pb::GetJwksResponse>, Status> {
        reply(keys::get_jwks(&self.0, request.into_inner()).await)
    }
}

#[tonic::async_trait]
impl UserService for UserApi {
    async fn get_me(
        &self,
        request: Request<pb::GetMeRequest>,
    ) -> Result<Response<pb::GetMeResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(accounts::get_me(&self.0, &caller, request).await)
    }

    async fn update_me(
        &self,
        request: Request<pb::UpdateMeRequest>,
    ) -> Result<Response<pb::UpdateMeResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(accounts::update_me(&self.0, &caller, request).await)
    }

    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> Result<Response<pb::ChangePasswordResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(accounts::change_password(&self.0, &caller, request).await)
    }

    async fn delete_me(
        &self,
        request: Request<pb::DeleteMeRequest>,
    ) -> Result<Response<pb::DeleteMeResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(accounts::delete_me(&self.0, &caller, request).await)
    }

    async fn batch_get_users(
        &self,
        request: Request<pb::BatchGetUsersRequest>,
    ) -> Result<Response<pb::BatchGetUsersResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(accounts::batch_get_users(&self.0, &caller, request).await)
    }

    async fn get_user_by_username(
        &self,
        request: Request<pb::GetUserByUsernameRequest>,
    ) -> Result<Response<pb::GetUserByUsernameResponse>, Status> {
        let (caller, request) = unpack(request)?;
        reply(accounts::get_user_by_username(&self.0, &caller, request).await)
    }
}
