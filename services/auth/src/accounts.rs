//! Accounts: schools, sign-up, the caller's user and profile, password
//! changes, other users' public profiles, and the bootstrap administrator.
//!
//! Unique values are checked before the insert so every taken field is
//! named at once; the unique constraints still decide when two sign-ups
//! race, and are mapped to the same errors here, where the query is called.

use chrono::{DateTime, Utc};
use everytime_common::{
    db::ResultExt,
    token::Caller,
    validate::{self, FieldError},
};
use everytime_proto::auth::v1 as pb;

use crate::{
    AdminAccount, StartError, State,
    domain::{
        DELETED_EMAIL_HOLD, Email, MAX_BATCH_USERS, NICKNAME_CHANGE_INTERVAL, Name, Nickname,
        Password, SchoolName, Username,
    },
    error::{Error, Result, Taken},
    store::{
        events, schools,
        sessions::revoke_other_sessions,
        users::{self, NewUser, TakenValues, UserRow},
    },
    wire,
};

/// A user by id; `user_not_found` when there is none.
pub(crate) async fn user(state: &State, id: i64) -> Result<UserRow> {
    users::user_by_id(&state.pool, id)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// Maps the unique constraints of a user row (and its school's foreign key)
/// to what the client sees.
fn on_user_constraints<T>(result: sqlx::Result<T>) -> Result<T> {
    result
        .on_constraint("users_username_key", || Error::Taken(vec![Taken::Username]))
        .on_constraint("users_email_key", || Error::Taken(vec![Taken::Email]))
        .on_constraint("users_nickname_key", || Error::Taken(vec![Taken::Nickname]))
        .on_constraint("users_school_id_fkey", || Error::UnknownSchool)
}

/// Every school, by name.
pub async fn list_schools(
    state: &State,
    _request: pb::ListSchoolsRequest,
) -> Result<pb::ListSchoolsResponse> {
    let schools = schools::list_schools(&state.pool).await?;
    Ok(pb::ListSchoolsResponse {
        schools: schools.into_iter().map(wire::school).collect(),
    })
}

/// One school; `unknown_school` when the id names none.
pub async fn get_school(
    state: &State,
    request: pb::GetSchoolRequest,
) -> Result<pb::GetSchoolResponse> {
    // No school has an id below 1: no need to ask the database.
    if request.id <= 0 {
        return Err(Error::SchoolNotFound);
    }
    let school = schools::school_by_id(&state.pool, request.id)
        .await?
        .ok_or(Error::SchoolNotFound)?;
    Ok(pb::GetSchoolResponse {
        school: Some(wire::school(school)),
    })
}

/// A new school; administrators only, each name once.
pub async fn create_school(
    state: &State,
    caller: &Caller,
    request: pb::CreateSchoolRequest,
) -> Result<pb::CreateSchoolResponse> {
    if !caller.is_admin() {
        return Err(Error::AdminOnly);
    }
    let name = SchoolName::parse(&request.name).map_err(|error| Error::Invalid(vec![error]))?;
    let school = schools::insert_school(&state.pool, name.as_str())
        .await
        .on_constraint("schools_name_key", || Error::Taken(vec![Taken::SchoolName]))?;
    tracing::info!(school_id = school.id, "school created");
    Ok(pb::CreateSchoolResponse {
        school: Some(wire::school(school)),
    })
}

/// A new user: every invalid field named at once, then every taken one.
pub async fn sign_up(state: &State, request: pb::SignUpRequest) -> Result<pb::SignUpResponse> {
    let (username, email, password, nickname, name, ()) = validate::all((
        Username::parse_new(&request.username),
        Email::parse(&request.email),
        Password::parse("password", &request.password),
        Nickname::parse_new(&request.nickname),
        Name::parse(&request.name),
        validate::ensure(request.school_id > 0, "school_id", "is required"),
    ))?;
    if !schools::school_exists(&state.pool, request.school_id).await? {
        return Err(Error::UnknownSchool);
    }
    let since = Utc::now() - DELETED_EMAIL_HOLD;
    if users::deleted_since(&state.pool, &email_digest(email.as_str()), since).await? {
        return Err(Error::RecentlyDeleted);
    }
    let taken = taken_values(
        users::taken(
            &state.pool,
            username.as_str(),
            email.as_str(),
            nickname.as_str(),
        )
        .await?,
    );
    if !taken.is_empty() {
        return Err(Error::Taken(taken));
    }
    let password_hash = state.passwords.hash(password.into_inner()).await?;
    // The unique constraints still decide when two sign-ups race.
    let id = on_user_constraints(
        users::insert_user(
            &state.pool,
            &NewUser {
                school_id: request.school_id,
                username: username.as_str(),
                email: email.as_str(),
                nickname: nickname.as_str(),
                name: name.as_str(),
                password_hash: &password_hash,
            },
        )
        .await,
    )?;
    let user = user(state, id).await?;
    tracing::info!(user_id = id, school_id = user.school_id, "user signed up");
    Ok(pb::SignUpResponse {
        user: Some(wire::own_user(user)),
    })
}

/// The taken values in the order the API names them.
fn taken_values(values: TakenValues) -> Vec<Taken> {
    [
        (values.username, Taken::Username),
        (values.email, Taken::Email),
        (values.nickname, Taken::Nickname),
    ]
    .into_iter()
    .filter_map(|(is_taken, taken)| is_taken.then_some(taken))
    .collect()
}

/// The caller's own user.
pub async fn get_me(
    state: &State,
    caller: &Caller,
    _request: pb::GetMeRequest,
) -> Result<pb::GetMeResponse> {
    Ok(pb::GetMeResponse {
        user: Some(wire::own_user(user(state, caller.user_id).await?)),
    })
}

/// Changes the caller's nickname and/or name; an absent one stays. A
/// nickname changes at most once in [`NICKNAME_CHANGE_INTERVAL`] (sending
/// the current one again is no change). In the same transaction, a new
/// nickname emits `NicknameChanged` and a new name `ProfileChanged`.
pub async fn update_me(
    state: &State,
    caller: &Caller,
    request: pb::UpdateMeRequest,
) -> Result<pb::UpdateMeResponse> {
    let (nickname, name) = validate::all((
        request
            .nickname
            .as_deref()
            .map(Nickname::parse_new)
            .transpose(),
        request.name.as_deref().map(Name::parse).transpose(),
    ))?;
    let mut tx = state.pool.begin().await?;
    let (current, changed_at) = users::nickname_for_update(&mut tx, caller.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let nickname = nickname.filter(|nickname| nickname.as_str() != current);
    if nickname.is_some()
        && let Some(until) = changeable_at(changed_at, Utc::now())
    {
        return Err(Error::NicknameRecentlyChanged(until));
    }
    on_user_constraints(
        users::update_profile(
            &mut tx,
            caller.user_id,
            nickname.as_ref().map(Nickname::as_str),
            name.as_ref().map(Name::as_str),
        )
        .await,
    )?;
    if nickname.is_some() {
        events::record_user_event(&mut tx, events::NICKNAME_CHANGED, caller.user_id).await?;
    }
    if name.is_some() {
        events::record_user_event(&mut tx, events::PROFILE_CHANGED, caller.user_id).await?;
    }
    tx.commit().await?;
    Ok(pb::UpdateMeResponse {
        user: Some(wire::own_user(user(state, caller.user_id).await?)),
    })
}

/// When a nickname changed at `changed_at` may change again, if that is
/// still to come at `now`.
pub fn changeable_at(
    changed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    changed_at
        .map(|changed_at| changed_at + NICKNAME_CHANGE_INTERVAL)
        .filter(|until| *until > now)
}

/// 회원 탈퇴: checks the password (a wrong one counts as a failed sign-in of
/// the username, like a wrong current password), then, in one transaction,
/// erases the account (its sessions end and are recorded as ended),
/// remembers the email's digest for a day, and emits `UserDeleted`.
pub async fn delete_me(
    state: &State,
    caller: &Caller,
    request: pb::DeleteMeRequest,
) -> Result<pb::DeleteMeResponse> {
    let account = user(state, caller.user_id).await?;
    let hash = users::password_hash(&state.pool, caller.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let attempt = crate::limits::AttemptKeys::username(&account.username);
    crate::limits::begin_attempt(&state.pool, &attempt, &state.limits).await?;
    if !state.passwords.verify(request.password, Some(hash)).await? {
        return Err(Error::WrongDeletePassword);
    }
    crate::limits::succeeded(&state.pool, &attempt).await?;
    let mut tx = state.pool.begin().await?;
    let Some(email) = users::delete_user(&mut tx, caller.user_id).await? else {
        return Err(Error::NotFound("user"));
    };
    users::remember_deleted(&mut tx, &email_digest(&email)).await?;
    events::record_user_event(&mut tx, events::USER_DELETED, caller.user_id).await?;
    tx.commit().await?;
    tracing::info!(user_id = caller.user_id, "account deleted");
    Ok(pb::DeleteMeResponse {})
}

/// The digest a deleted account's email is remembered by: SHA-256 of the
/// lowercased address (emails are unique whatever their case).
fn email_digest(email: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(email.to_lowercase().as_bytes()).to_vec()
}

/// Changes the caller's password after checking the current one, and
/// revokes every other session of theirs in the same transaction.
pub async fn change_password(
    state: &State,
    caller: &Caller,
    request: pb::ChangePasswordRequest,
) -> Result<pb::ChangePasswordResponse> {
    let new_password = Password::parse("new_password", &request.new_password)
        .map_err(|error| Error::Invalid(vec![error]))?;
    let hash = users::password_hash(&state.pool, caller.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    // Wrong current passwords count as the username's sign-in failures, so
    // a stolen access token cannot guess at full speed either.
    let attempt =
        crate::limits::AttemptKeys::username(&user(state, caller.user_id).await?.username);
    crate::limits::begin_attempt(&state.pool, &attempt, &state.limits).await?;
    if !state
        .passwords
        .verify(request.current_password, Some(hash))
        .await?
    {
        return Err(Error::WrongPassword);
    }
    crate::limits::succeeded(&state.pool, &attempt).await?;
    let new_hash = state.passwords.hash(new_password.into_inner()).await?;
    let mut tx = state.pool.begin().await?;
    users::set_password_hash(&mut tx, caller.user_id, &new_hash).await?;
    let revoked = revoke_other_sessions(&mut tx, caller.user_id, caller.session_id).await?;
    tx.commit().await?;
    tracing::info!(
        user_id = caller.user_id,
        revoked,
        "password changed; other sessions revoked"
    );
    Ok(pb::ChangePasswordResponse {})
}

/// Public profiles of the caller's schoolmates among the ids, at most
/// [`MAX_BATCH_USERS`] per call; ids of other schools are left out.
pub async fn batch_get_users(
    state: &State,
    caller: &Caller,
    request: pb::BatchGetUsersRequest,
) -> Result<pb::BatchGetUsersResponse> {
    if request.user_ids.len() > MAX_BATCH_USERS {
        return Err(Error::Invalid(vec![FieldError::new(
            "user_ids",
            format!("at most {MAX_BATCH_USERS} ids per call"),
        )]));
    }
    let profiles = users::profiles(&state.pool, &request.user_ids, caller.school_id).await?;
    Ok(pb::BatchGetUsersResponse {
        users: profiles.into_iter().map(wire::profile).collect(),
    })
}

/// The public profile of a schoolmate by username.
pub async fn get_user_by_username(
    state: &State,
    caller: &Caller,
    request: pb::GetUserByUsernameRequest,
) -> Result<pb::GetUserByUsernameResponse> {
    // What is not a valid username names no user.
    let username = Username::parse(&request.username).map_err(|_| Error::NotFound("user"))?;
    let profile = users::profile_by_username(&state.pool, username.as_str(), caller.school_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    Ok(pb::GetUserByUsernameResponse {
        user: Some(wire::profile(profile)),
    })
}

/// Creates the configured administrator at start-up, or updates its
/// password, email and nickname when it exists. An account of that username
/// that is not an administrator stops start-up: configuration never
/// promotes an account (whoever registered the name first would become
/// admin). Its username and nickname may be reserved ones: the admin is
/// staff. `ProfileChanged` is emitted in the same transaction, so caches of
/// the administrator's profile and nickname drop what they kept.
pub(crate) async fn bootstrap_admin(
    state: &State,
    admin: &AdminAccount,
) -> std::result::Result<(), StartError> {
    let invalid = |error: FieldError| StartError::Admin(error.to_string());
    let username = Username::parse(&admin.username).map_err(invalid)?;
    let email = Email::parse(&admin.email).map_err(invalid)?;
    let nickname = Nickname::parse(&admin.nickname).map_err(invalid)?;
    let password = Password::parse("ADMIN_PASSWORD", &admin.password).map_err(invalid)?;
    let hash = state
        .passwords
        .hash(password.into_inner())
        .await
        .map_err(Error::from)?;
    let mut tx = state.pool.begin().await.map_err(Error::from)?;
    let upserted = on_user_constraints(
        users::upsert_admin(
            &mut *tx,
            username.as_str(),
            email.as_str(),
            nickname.as_str(),
            &hash,
        )
        .await,
    )
    .map_err(|error| match error {
        // Another account has the email or nickname: say which setting to
        // change rather than take it from that account.
        Error::Taken(taken) => {
            let settings: Vec<_> = taken.iter().map(|taken| taken.setting()).collect();
            StartError::Admin(format!(
                "the value of {} belongs to another account than {}; choose another",
                settings.join(" and "),
                username.as_str(),
            ))
        }
        other => StartError::Setup(other),
    })?;
    let Some(id) = upserted else {
        return Err(StartError::Admin(format!(
            "ADMIN_USERNAME {} belongs to an existing account that is not an administrator, \
             and configuration never promotes an account; choose another ADMIN_USERNAME",
            username.as_str(),
        )));
    };
    events::record_user_event(&mut tx, events::PROFILE_CHANGED, id)
        .await
        .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    tracing::info!(
        user_id = id,
        username = username.as_str(),
        "administrator ready"
    );
    Ok(())
}
