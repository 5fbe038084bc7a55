//! The gRPC handlers of `everytime.auth.v1`: `AuthService` and `UserService`.

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{TimeDelta, Utc};
use everytime_common::{
    grpc::{self, timestamp},
    token::{Caller, Role, TokenSettings},
    validate::{FieldError, Violations},
};
use everytime_proto::auth::v1::{
    self as pb, auth_service_server::AuthService, user_service_server::UserService,
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tonic::{Request, Response, Status};

use crate::{
    domain::{Email, Name, Nickname, Password, SchoolName, Username},
    error::{Error, Result},
    keys::{KeyRing, Subject},
    limits::{self, AttemptKeys, SignInLimits},
    password::Passwords,
    store::{self, UserRow},
};

/// At most this many ids per `BatchGetUsers`: enough for the gateway to
/// name everyone on a post in one call (its author and the authors of up
/// to 1,000 comments, community's `MAX_COMMENTS_PER_POST`).
const MAX_BATCH: usize = 1024;
/// Longer User-Agent strings are cut to this many characters.
const MAX_USER_AGENT: usize = 256;

/// Everything the handlers share.
#[derive(Debug)]
pub struct State {
    pub pool: PgPool,
    pub passwords: Passwords,
    pub keys: Arc<KeyRing>,
    pub tokens: TokenSettings,
    pub limits: SignInLimits,
}

/// `everytime.auth.v1.AuthService`.
#[derive(Debug, Clone)]
pub struct AuthApi(pub Arc<State>);

/// `everytime.auth.v1.UserService`.
#[derive(Debug, Clone)]
pub struct UserApi(pub Arc<State>);

fn to_user(row: UserRow, include_email: bool) -> pb::User {
    let role = match Role::from_name(&row.role) {
        Role::Admin => pb::Role::Admin,
        Role::User => pb::Role::User,
    };
    pb::User {
        id: row.id,
        username: row.username,
        email: include_email.then_some(row.email),
        nickname: row.nickname,
        name: row.name,
        school: Some(pb::School {
            id: row.school_id,
            name: row.school_name,
        }),
        role: role.into(),
        create_time: Some(timestamp(row.created_at)),
    }
}

fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn ttl(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

fn client_ip<T>(request: &Request<T>, client: Option<&pb::ClientInfo>) -> String {
    client
        .map(|client| client.ip_address.trim())
        .filter(|ip| !ip.is_empty())
        .map(str::to_owned)
        .or_else(|| request.remote_addr().map(|addr| addr.ip().to_string()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The client's User-Agent as a session shows it: control characters
/// dropped (a NUL cannot be stored), cut to [`MAX_USER_AGENT`] characters.
fn user_agent(client: Option<&pb::ClientInfo>) -> String {
    client
        .map(|client| {
            client
                .user_agent
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_USER_AGENT)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

impl State {
    async fn user(&self, id: i64) -> Result<UserRow> {
        store::user_by_id(&self.pool, id)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    fn access_token(&self, user: &UserRow, session_id: i64) -> Result<String> {
        self.keys.access_token(
            &self.tokens,
            &Subject {
                user_id: user.id,
                session_id,
                school_id: user.school_id,
                role: Role::from_name(&user.role),
            },
        )
    }

    fn token_pair(&self, access_token: String, refresh_token: String) -> pb::TokenPair {
        pb::TokenPair {
            access_token,
            access_token_expires_in: i64::try_from(self.tokens.access_token_ttl.as_secs())
                .unwrap_or(i64::MAX),
            refresh_token,
            refresh_token_expires_in: i64::try_from(self.tokens.refresh_token_ttl.as_secs())
                .unwrap_or(i64::MAX),
        }
    }

    /// Starts a session for `user` and hands out its first tokens.
    async fn start_session(&self, user: &UserRow, user_agent: &str) -> Result<pb::TokenPair> {
        let refresh_token = new_refresh_token();
        let expires_at = Utc::now() + ttl(self.tokens.refresh_token_ttl);
        let mut tx = self.pool.begin().await?;
        let session_id = store::insert_session(&mut tx, user.id, user_agent, expires_at).await?;
        store::insert_refresh_token(
            &mut tx,
            session_id,
            &hash_refresh_token(&refresh_token),
            expires_at,
        )
        .await?;
        tx.commit().await?;
        let access_token = self.access_token(user, session_id)?;
        Ok(self.token_pair(access_token, refresh_token))
    }

    async fn sign_in(
        &self,
        username: &str,
        password: String,
        ip: &str,
        user_agent: &str,
    ) -> Result<pb::SignInResponse> {
        let mut violations = Violations::new();
        if username.trim().is_empty() {
            violations.push(FieldError::new("username", "must not be empty"));
        }
        if password.is_empty() {
            violations.push(FieldError::new("password", "must not be empty"));
        }
        violations.finish().map_err(Error::Invalid)?;

        let username = username.trim();
        let attempt = AttemptKeys::new(username, ip);
        limits::begin_attempt(&self.pool, &attempt, &self.limits).await?;

        // An unknown username is checked against a dummy hash: the same work,
        // the same answer. One that no user could have (not a valid
        // username) is unknown without asking the database.
        let credentials = match Username::parse(username) {
            Ok(username) => store::credentials(&self.pool, username.as_str()).await?,
            Err(_) => None,
        };
        let (user_id, hash) = match credentials {
            Some((id, hash)) => (Some(id), Some(hash)),
            None => (None, None),
        };
        let matches = self.passwords.verify(password, hash).await?;
        let Some(user_id) = user_id.filter(|_| matches) else {
            return Err(Error::InvalidCredentials);
        };
        limits::succeeded(&self.pool, &attempt).await?;

        let user = self.user(user_id).await?;
        let tokens = self.start_session(&user, user_agent).await?;
        Ok(pb::SignInResponse {
            user: Some(to_user(user, true)),
            tokens: Some(tokens),
        })
    }

    async fn refresh(&self, refresh_token: &str) -> Result<pb::RefreshTokenResponse> {
        if refresh_token.trim().is_empty() {
            return Err(Error::Invalid(vec![FieldError::new(
                "refresh_token",
                "must not be empty",
            )]));
        }
        let mut tx = self.pool.begin().await?;
        let Some(row) =
            store::refresh_token_for_update(&mut tx, &hash_refresh_token(refresh_token.trim()))
                .await?
        else {
            return Err(Error::InvalidRefreshToken);
        };
        if row.session_revoked {
            return Err(Error::InvalidRefreshToken);
        }
        if row.spent {
            // Someone holds a token that was already traded: end the session
            // so neither the thief nor the owner can go on with it.
            store::revoke_session(&mut *tx, row.session_id).await?;
            tx.commit().await?;
            tracing::warn!(
                session_id = row.session_id,
                "spent refresh token reused; session revoked"
            );
            return Err(Error::RefreshTokenReused);
        }
        if row.expires_at <= Utc::now() {
            return Err(Error::InvalidRefreshToken);
        }
        let next = new_refresh_token();
        let expires_at = Utc::now() + ttl(self.tokens.refresh_token_ttl);
        store::spend_refresh_token(&mut tx, row.id).await?;
        store::insert_refresh_token(
            &mut tx,
            row.session_id,
            &hash_refresh_token(&next),
            expires_at,
        )
        .await?;
        store::touch_session(&mut tx, row.session_id, expires_at).await?;
        tx.commit().await?;

        let user = self.user(row.user_id).await?;
        let access_token = self.access_token(&user, row.session_id)?;
        Ok(pb::RefreshTokenResponse {
            tokens: Some(self.token_pair(access_token, next)),
            user: Some(to_user(user, true)),
        })
    }

    async fn sign_up(&self, request: pb::SignUpRequest) -> Result<pb::SignUpResponse> {
        let mut violations = Violations::new();
        let username = violations.check(Username::parse(&request.username));
        let email = violations.check(Email::parse(&request.email));
        let password = violations.check(Password::parse("password", &request.password));
        let nickname = violations.check(Nickname::parse(&request.nickname));
        let name = violations.check(Name::parse(&request.name));
        if request.school_id <= 0 {
            violations.push(FieldError::new("school_id", "is required"));
        }
        let (Some(username), Some(email), Some(password), Some(nickname), Some(name), true) = (
            username,
            email,
            password,
            nickname,
            name,
            violations.is_empty(),
        ) else {
            return Err(Error::Invalid(
                violations.finish().err().unwrap_or_default(),
            ));
        };
        if !store::school_exists(&self.pool, request.school_id).await? {
            return Err(Error::UnknownSchool);
        }
        let taken = store::taken(
            &self.pool,
            username.as_str(),
            email.as_str(),
            nickname.as_str(),
        )
        .await?;
        if !taken.is_empty() {
            return Err(Error::Taken(taken));
        }
        let password_hash = self.passwords.hash(password.into_inner()).await?;
        // The unique constraints still decide when two sign-ups race.
        let id = store::insert_user(
            &self.pool,
            &store::NewUser {
                school_id: request.school_id,
                username: username.as_str(),
                email: email.as_str(),
                nickname: nickname.as_str(),
                name: name.as_str(),
                password_hash: &password_hash,
            },
        )
        .await?;
        let user = self.user(id).await?;
        tracing::info!(user_id = id, school_id = user.school_id, "user signed up");
        Ok(pb::SignUpResponse {
            user: Some(to_user(user, true)),
        })
    }

    async fn change_password(&self, caller: &Caller, current: String, new: &str) -> Result<()> {
        let new_password =
            Password::parse("new_password", new).map_err(|error| Error::Invalid(vec![error]))?;
        let hash = store::password_hash(&self.pool, caller.user_id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        if !self.passwords.verify(current, Some(hash)).await? {
            return Err(Error::WrongPassword);
        }
        let new_hash = self.passwords.hash(new_password.into_inner()).await?;
        let mut tx = self.pool.begin().await?;
        store::set_password_hash(&mut tx, caller.user_id, &new_hash).await?;
        let revoked =
            store::revoke_other_sessions(&mut tx, caller.user_id, caller.session_id).await?;
        tx.commit().await?;
        tracing::info!(
            user_id = caller.user_id,
            revoked,
            "password changed; other sessions revoked"
        );
        Ok(())
    }
}

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn list_schools(
        &self,
        _request: Request<pb::ListSchoolsRequest>,
    ) -> Result<Response<pb::ListSchoolsResponse>, Status> {
        let schools = store::list_schools(&self.0.pool).await?;
        Ok(Response::new(pb::ListSchoolsResponse {
            schools: schools
                .into_iter()
                .map(|school| pb::School {
                    id: school.id,
                    name: school.name,
                })
                .collect(),
        }))
    }

    async fn create_school(
        &self,
        request: Request<pb::CreateSchoolRequest>,
    ) -> Result<Response<pb::CreateSchoolResponse>, Status> {
        let caller = grpc::caller(&request)?;
        if !caller.is_admin() {
            return Err(Error::AdminOnly.into());
        }
        let name = SchoolName::parse(&request.get_ref().name)
            .map_err(|error| Error::Invalid(vec![error]))?;
        let school = store::insert_school(&self.0.pool, name.as_str()).await?;
        tracing::info!(school_id = school.id, "school created");
        Ok(Response::new(pb::CreateSchoolResponse {
            school: Some(pb::School {
                id: school.id,
                name: school.name,
            }),
        }))
    }

    async fn sign_up(
        &self,
        request: Request<pb::SignUpRequest>,
    ) -> Result<Response<pb::SignUpResponse>, Status> {
        Ok(Response::new(self.0.sign_up(request.into_inner()).await?))
    }

    async fn sign_in(
        &self,
        request: Request<pb::SignInRequest>,
    ) -> Result<Response<pb::SignInResponse>, Status> {
        let ip = client_ip(&request, request.get_ref().client.as_ref());
        let user_agent = user_agent(request.get_ref().client.as_ref());
        let request = request.into_inner();
        let response = self
            .0
            .sign_in(&request.username, request.password, &ip, &user_agent)
            .await?;
        Ok(Response::new(response))
    }

    async fn refresh_token(
        &self,
        request: Request<pb::RefreshTokenRequest>,
    ) -> Result<Response<pb::RefreshTokenResponse>, Status> {
        Ok(Response::new(
            self.0.refresh(&request.get_ref().refresh_token).await?,
        ))
    }

    async fn sign_out(
        &self,
        request: Request<pb::SignOutRequest>,
    ) -> Result<Response<pb::SignOutResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let state = &self.0;
        store::revoke_session(&state.pool, caller.session_id).await?;
        if let Some(token) = request
            .get_ref()
            .refresh_token
            .as_deref()
            .filter(|token| !token.trim().is_empty())
        {
            let session = store::session_of_refresh_token(
                &state.pool,
                &hash_refresh_token(token.trim()),
                caller.user_id,
            )
            .await?;
            if let Some(session_id) = session {
                store::revoke_session(&state.pool, session_id).await?;
            }
        }
        Ok(Response::new(pb::SignOutResponse {}))
    }

    async fn list_sessions(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let sessions = store::live_sessions(&self.0.pool, caller.user_id).await?;
        Ok(Response::new(pb::ListSessionsResponse {
            sessions: sessions
                .into_iter()
                .map(|session| pb::Session {
                    id: session.id,
                    create_time: Some(timestamp(session.created_at)),
                    last_use_time: Some(timestamp(session.last_used_at)),
                    user_agent: session.user_agent,
                    current: session.id == caller.session_id,
                })
                .collect(),
        }))
    }

    async fn revoke_session(
        &self,
        request: Request<pb::RevokeSessionRequest>,
    ) -> Result<Response<pb::RevokeSessionResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let found =
            store::revoke_session_of(&self.0.pool, request.get_ref().session_id, caller.user_id)
                .await?;
        if !found {
            return Err(Error::NotFound("session").into());
        }
        Ok(Response::new(pb::RevokeSessionResponse {}))
    }

    async fn get_jwks(
        &self,
        _request: Request<pb::GetJwksRequest>,
    ) -> Result<Response<pb::GetJwksResponse>, Status> {
        let keys = self.0.keys.published().await?;
        Ok(Response::new(pb::GetJwksResponse {
            keys: keys.into_iter().map(pb::Jwk::from).collect(),
        }))
    }
}

#[tonic::async_trait]
impl UserService for UserApi {
    async fn get_me(
        &self,
        request: Request<pb::GetMeRequest>,
    ) -> Result<Response<pb::GetMeResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let user = self.0.user(caller.user_id).await?;
        Ok(Response::new(pb::GetMeResponse {
            user: Some(to_user(user, true)),
        }))
    }

    async fn update_me(
        &self,
        request: Request<pb::UpdateMeRequest>,
    ) -> Result<Response<pb::UpdateMeResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let nickname = request
            .nickname
            .as_deref()
            .and_then(|nickname| violations.check(Nickname::parse(nickname)));
        let name = request
            .name
            .as_deref()
            .and_then(|name| violations.check(Name::parse(name)));
        violations.finish().map_err(Error::Invalid)?;
        store::update_profile(
            &self.0.pool,
            caller.user_id,
            nickname.as_ref().map(Nickname::as_str),
            name.as_ref().map(Name::as_str),
        )
        .await?;
        let user = self.0.user(caller.user_id).await?;
        Ok(Response::new(pb::UpdateMeResponse {
            user: Some(to_user(user, true)),
        }))
    }

    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> Result<Response<pb::ChangePasswordResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let request = request.into_inner();
        self.0
            .change_password(&caller, request.current_password, &request.new_password)
            .await?;
        Ok(Response::new(pb::ChangePasswordResponse {}))
    }

    async fn batch_get_users(
        &self,
        request: Request<pb::BatchGetUsersRequest>,
    ) -> Result<Response<pb::BatchGetUsersResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let ids = &request.get_ref().user_ids;
        if ids.len() > MAX_BATCH {
            return Err(Error::Invalid(vec![FieldError::new(
                "user_ids",
                format!("at most {MAX_BATCH} ids per call"),
            )])
            .into());
        }
        let profiles = store::profiles(&self.0.pool, ids, caller.school_id).await?;
        Ok(Response::new(pb::BatchGetUsersResponse {
            users: profiles
                .into_iter()
                .map(|profile| pb::UserProfile {
                    id: profile.id,
                    nickname: profile.nickname,
                    school_id: profile.school_id,
                })
                .collect(),
        }))
    }

    async fn get_user_by_username(
        &self,
        request: Request<pb::GetUserByUsernameRequest>,
    ) -> Result<Response<pb::GetUserByUsernameResponse>, Status> {
        let caller = grpc::caller(&request)?;
        // What is not a valid username names no user.
        let username =
            Username::parse(&request.get_ref().username).map_err(|_| Error::NotFound("user"))?;
        let profile = store::profile_by_username(&self.0.pool, username.as_str(), caller.school_id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        Ok(Response::new(pb::GetUserByUsernameResponse {
            user: Some(pb::UserProfile {
                id: profile.id,
                nickname: profile.nickname,
                school_id: profile.school_id,
            }),
        }))
    }
}
