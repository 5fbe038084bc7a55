//! A stand-in for auth that answers `GetSchool` as the published contract
//! says (a school it knows, else `NOT_FOUND` with reason `unknown_school`),
//! served over real gRPC on 127.0.0.1:0. Every other RPC is `UNIMPLEMENTED`:
//! the timetable service asks auth nothing else once it has the token keys.

use std::net::SocketAddr;

use everytime_proto::auth::v1::{
    self as auth_pb,
    auth_service_server::{AuthService, AuthServiceServer},
};
use tokio::task::JoinHandle;
use tonic::{Code, Request, Response, Status, transport::server::TcpIncoming};

/// The schools it knows: 1 to 3.
pub const KNOWN_SCHOOLS: std::ops::RangeInclusive<i64> = 1..=3;

/// Serves the stand-in until the handle is aborted.
pub async fn start() -> (SocketAddr, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("has an address");
    let task = tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(AuthServiceServer::new(Schools))
            .serve_with_incoming(TcpIncoming::from(listener))
            .await
            .expect("the stand-in auth runs");
    });
    (addr, task)
}

struct Schools;

#[tonic::async_trait]
impl AuthService for Schools {
    async fn get_school(
        &self,
        request: Request<auth_pb::GetSchoolRequest>,
    ) -> Result<Response<auth_pb::GetSchoolResponse>, Status> {
        let id = request.into_inner().id;
        if !KNOWN_SCHOOLS.contains(&id) {
            return Err(everytime_common::grpc::status(
                Code::NotFound,
                "unknown_school",
                "no such school",
            ));
        }
        Ok(Response::new(auth_pb::GetSchoolResponse {
            school: Some(auth_pb::School {
                id,
                name: format!("학교 {id}"),
            }),
        }))
    }

    async fn list_schools(
        &self,
        _request: Request<auth_pb::ListSchoolsRequest>,
    ) -> Result<Response<auth_pb::ListSchoolsResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn create_school(
        &self,
        _request: Request<auth_pb::CreateSchoolRequest>,
    ) -> Result<Response<auth_pb::CreateSchoolResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn sign_up(
        &self,
        _request: Request<auth_pb::SignUpRequest>,
    ) -> Result<Response<auth_pb::SignUpResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn sign_in(
        &self,
        _request: Request<auth_pb::SignInRequest>,
    ) -> Result<Response<auth_pb::SignInResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn refresh_token(
        &self,
        _request: Request<auth_pb::RefreshTokenRequest>,
    ) -> Result<Response<auth_pb::RefreshTokenResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn sign_out(
        &self,
        _request: Request<auth_pb::SignOutRequest>,
    ) -> Result<Response<auth_pb::SignOutResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn list_sessions(
        &self,
        _request: Request<auth_pb::ListSessionsRequest>,
    ) -> Result<Response<auth_pb::ListSessionsResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn revoke_session(
        &self,
        _request: Request<auth_pb::RevokeSessionRequest>,
    ) -> Result<Response<auth_pb::RevokeSessionResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }

    async fn get_jwks(
        &self,
        _request: Request<auth_pb::GetJwksRequest>,
    ) -> Result<Response<auth_pb::GetJwksResponse>, Status> {
        Err(Status::unimplemented("not stood in for"))
    }
}
