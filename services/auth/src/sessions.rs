//! Sessions: sign-in (behind the sign-in limits), refresh with rotation and
//! reuse detection, sign-out, and the caller's sessions.
//!
//! A session is one sign-in on one device. Its refresh tokens are opaque
//! random strings stored as SHA-256 hashes; each use spends the token and
//! hands out the next, and a spent one presented again revokes the whole
//! session (someone else holds a copy). Access tokens are signed by
//! [`crate::keys`] and name the session, so sign-out and revocation can be
//! checked against it.

use std::net::SocketAddr;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use everytime_common::{
    token::{Caller, Role},
    validate::{self, FieldError},
};
use everytime_proto::auth::v1 as pb;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{
    State, accounts,
    domain::{DEVICE_TOKEN_TTL, MAX_LISTED_SESSIONS, UserAgent, Username},
    error::{Error, Result},
    keys::Subject,
    limits::{self, AttemptKeys},
    store::{
        devices, events, sessions as store,
        users::{self, UserRow},
    },
    wire,
};

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

/// The address sign-in limits count against: the one the gateway reports
/// for its client, else the peer's, else `unknown`.
fn client_ip(client: Option<&pb::ClientInfo>, peer: Option<SocketAddr>) -> String {
    client
        .map(|client| client.ip_address.trim())
        .filter(|ip| !ip.is_empty())
        .map(str::to_owned)
        .or_else(|| peer.map(|addr| addr.ip().to_string()))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn access_token(state: &State, user: &UserRow, session_id: i64) -> Result<String> {
    state.keys.access_token(
        &state.tokens,
        &Subject {
            user_id: user.id,
            session_id,
            school_id: user.school_id,
            role: Role::from_name(&user.role),
        },
    )
}

/// Starts a session for `user` and hands out its first tokens.
async fn start_session(
    state: &State,
    user: &UserRow,
    user_agent: &UserAgent,
) -> Result<pb::TokenPair> {
    let refresh_token = new_refresh_token();
    let expires_at = Utc::now() + ttl(state.tokens.refresh_token_ttl);
    let mut tx = state.pool.begin().await?;
    let session_id =
        store::insert_session(&mut tx, user.id, user_agent.as_str(), expires_at).await?;
    store::insert_refresh_token(
        &mut tx,
        session_id,
        &hash_refresh_token(&refresh_token),
        expires_at,
    )
    .await?;
    tx.commit().await?;
    let access_token = access_token(state, user, session_id)?;
    Ok(wire::token_pair(&state.tokens, access_token, refresh_token))
}

/// Checks a username and password and starts a session. `peer` is the
/// transport's remote address, used when the client reports none.
///
/// A device token of an earlier sign-in of the same user makes this a
/// known device: the attempt then counts against that device alone, so
/// failures for the username or from the address (a stranger guessing, a
/// campus behind one address) never hold up its owner.
pub async fn sign_in(
    state: &State,
    request: pb::SignInRequest,
    peer: Option<SocketAddr>,
) -> Result<pb::SignInResponse> {
    let ip = client_ip(request.client.as_ref(), peer);
    let user_agent = request
        .client
        .as_ref()
        .map(|client| UserAgent::clean(&client.user_agent))
        .unwrap_or_default();
    let (username, password) = (request.username, request.password);

    validate::all((
        validate::ensure(!username.trim().is_empty(), "username", "must not be empty"),
        validate::ensure(!password.is_empty(), "password", "must not be empty"),
    ))?;

    let username = username.trim();
    // An unknown username is checked against a dummy hash: the same work,
    // the same answer. One that no user could have (not a valid
    // username) is unknown without asking the database.
    let credentials = match Username::parse(username) {
        Ok(username) => users::credentials(&state.pool, username.as_str()).await?,
        Err(_) => None,
    };
    let (user_id, hash) = match credentials {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    let device = known_device(state, &request.device_token, user_id).await?;
    let attempt = match &device {
        Some(device) => AttemptKeys::device(&device.hash),
        None => AttemptKeys::new(username, &ip),
    };
    limits::begin_attempt(&state.pool, &attempt, &state.limits).await?;

    let matches = state.passwords.verify(password, hash).await?;
    let Some(user_id) = user_id.filter(|_| matches) else {
        return Err(Error::InvalidCredentials);
    };
    limits::succeeded(&state.pool, &attempt).await?;

    let user = accounts::user(state, user_id).await?;
    let tokens = start_session(state, &user, &user_agent).await?;
    let device_token = remember_device(state, user_id, device).await?;
    Ok(pb::SignInResponse {
        user: Some(wire::own_user(user)),
        tokens: Some(tokens),
        device_token,
    })
}

/// A device token presented at sign-in, live and of the user signing in.
#[derive(Debug)]
struct KnownDevice {
    token: String,
    hash: Vec<u8>,
}

/// The presented device token, if it is live and `user_id`'s (a token of
/// another user, or of nobody, is simply not a known device).
async fn known_device(
    state: &State,
    token: &str,
    user_id: Option<i64>,
) -> Result<Option<KnownDevice>> {
    let token = token.trim();
    let Some(user_id) = user_id.filter(|_| !token.is_empty()) else {
        return Ok(None);
    };
    let hash = hash_refresh_token(token);
    let owner = devices::device_user(&state.pool, &hash).await?;
    Ok((owner == Some(user_id)).then(|| KnownDevice {
        token: token.to_owned(),
        hash,
    }))
}

/// After a successful sign-in: keeps a known device for another
/// [`DEVICE_TOKEN_TTL`], or hands out a new device token.
async fn remember_device(
    state: &State,
    user_id: i64,
    device: Option<KnownDevice>,
) -> Result<String> {
    let expires_at = Utc::now() + ttl(DEVICE_TOKEN_TTL);
    if let Some(device) = device {
        devices::extend_device(&state.pool, &device.hash, expires_at).await?;
        return Ok(device.token);
    }
    let token = new_refresh_token();
    devices::insert_device(
        &state.pool,
        &hash_refresh_token(&token),
        user_id,
        expires_at,
    )
    .await?;
    Ok(token)
}

/// Trades a refresh token for the next one and a new access token; a spent
/// one revokes its session.
pub async fn refresh_token(
    state: &State,
    request: pb::RefreshTokenRequest,
) -> Result<pb::RefreshTokenResponse> {
    let refresh_token = request.refresh_token.trim();
    if refresh_token.is_empty() {
        return Err(Error::Invalid(vec![FieldError::new(
            "refresh_token",
            "must not be empty",
        )]));
    }
    let mut tx = state.pool.begin().await?;
    let Some(row) =
        store::refresh_token_for_update(&mut tx, &hash_refresh_token(refresh_token)).await?
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
    // However often it was refreshed, a session ends at its absolute lifetime.
    let started_before = Utc::now()
        .checked_sub_signed(ttl(state.tokens.session_max_age))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    if events::end_session_started_before(&mut tx, row.session_id, started_before).await? {
        tx.commit().await?;
        return Err(Error::InvalidRefreshToken);
    }
    let next = new_refresh_token();
    let expires_at = Utc::now() + ttl(state.tokens.refresh_token_ttl);
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

    let user = accounts::user(state, row.user_id).await?;
    let access_token = access_token(state, &user, row.session_id)?;
    Ok(pb::RefreshTokenResponse {
        tokens: Some(wire::token_pair(&state.tokens, access_token, next)),
        user: Some(wire::own_user(user)),
    })
}

/// Ends a session: with a caller (a bearer token was sent), the caller's
/// session, and the refresh token's when that is the caller's too; without
/// one, the session of the refresh token alone. Holding a refresh token is
/// proof enough to end its session (whoever holds it could go on
/// refreshing), so an idle client whose access token has expired still
/// signs out; a token that names no session is refused.
pub async fn sign_out(
    state: &State,
    caller: Option<&Caller>,
    request: pb::SignOutRequest,
) -> Result<pb::SignOutResponse> {
    let refresh_token = request
        .refresh_token
        .as_deref()
        .map(str::trim)
        .filter(|token| !token.is_empty());
    match caller {
        Some(caller) => sign_out_caller(state, caller, refresh_token).await?,
        None => {
            let token = refresh_token.ok_or(Error::InvalidRefreshToken)?;
            sign_out_refresh_token(state, token).await?;
        }
    }
    Ok(pb::SignOutResponse {})
}

/// Ends the caller's session, and the session of `refresh_token` when that
/// is the caller's too.
async fn sign_out_caller(
    state: &State,
    caller: &Caller,
    refresh_token: Option<&str>,
) -> Result<()> {
    store::revoke_session(&state.pool, caller.session_id).await?;
    if let Some(token) = refresh_token {
        let session = store::session_of_refresh_token(
            &state.pool,
            &hash_refresh_token(token),
            caller.user_id,
        )
        .await?;
        if let Some(session_id) = session {
            store::revoke_session(&state.pool, session_id).await?;
        }
    }
    Ok(())
}

/// Ends the session of `refresh_token`, whatever its state: spent,
/// expired or already ended, the session ends (again) all the same.
async fn sign_out_refresh_token(state: &State, refresh_token: &str) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    let row = store::refresh_token_for_update(&mut tx, &hash_refresh_token(refresh_token))
        .await?
        .ok_or(Error::InvalidRefreshToken)?;
    store::revoke_session(&mut *tx, row.session_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's live sessions, newest first (at most
/// [`MAX_LISTED_SESSIONS`]).
pub async fn list_sessions(
    state: &State,
    caller: &Caller,
    _request: pb::ListSessionsRequest,
) -> Result<pb::ListSessionsResponse> {
    let sessions = store::live_sessions(&state.pool, caller.user_id, MAX_LISTED_SESSIONS).await?;
    Ok(pb::ListSessionsResponse {
        sessions: sessions
            .into_iter()
            .map(|session| wire::session(session, caller.session_id))
            .collect(),
    })
}

/// Revokes one of the caller's sessions; another user's is not found.
pub async fn revoke_session(
    state: &State,
    caller: &Caller,
    request: pb::RevokeSessionRequest,
) -> Result<pb::RevokeSessionResponse> {
    if !store::revoke_session_of(&state.pool, request.session_id, caller.user_id).await? {
        return Err(Error::NotFound("session"));
    }
    Ok(pb::RevokeSessionResponse {})
}
