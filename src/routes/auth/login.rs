//! `POST /auth/login`.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;

use super::AuthResponse;
use crate::db::{sessions, users};
use crate::domain::user::plausible_password;
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::mail;
use crate::state::AppState;

/// Credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// Username or email address.
    pub login: String,
    pub password: String,
}

/// The longest login worth looking up (an email address is at most 254 bytes).
const MAX_LOGIN_BYTES: usize = 320;

/// Logs in by username or email. Unknown accounts and wrong passwords get the same 401
/// after the same work (a dummy hash is verified when there is no account).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest, responses((status = 200, description = "Logged in", body = AuthResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { login, password } = body.into_inner();
    state.limits.check_login(&client, &login)?;
    let user = if login.len() <= MAX_LOGIN_BYTES {
        state
            .db
            .read(move |conn| users::find_by_login(conn, &login))
            .await?
    } else {
        None
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    // An implausible password is not hashed as sent, but still costs one verification.
    let password = Some(password)
        .filter(|p| plausible_password(p))
        .unwrap_or_default();
    let verified = state
        .passwords
        .verify(SecretString::from(password), stored)
        .await?;
    let Some(user) = user.filter(|_| verified) else {
        return Err(ApiError::InvalidCredentials);
    };
    // While taken addresses are hidden, an account logs in once its address is
    // verified (else registering would tell by logging in whether an address was
    // free). Its owner, who knows the password, gets a fresh link; queued off the
    // answer's path, so the answer takes no longer than a wrong password's.
    if state.mail.settings.hide_email_taken && user.email.is_some() && !user.email_verified() {
        if state
            .limits
            .check(Action::VerifyEmail, &user.id.to_string())
            .is_ok()
        {
            let nonce = hex::encode(rand::random::<[u8; 12]>());
            let queued = state.mail.verification(&user, &nonce);
            let (db, now) = (state.db.clone(), state.clock.now_naive());
            tokio::spawn(async move {
                if let Err(error) = db.write(move |conn| mail::enqueue(conn, queued, now)).await {
                    tracing::warn!(%error, "cannot queue a verification mail at login");
                }
            });
        }
        return Err(ApiError::InvalidCredentials);
    }

    let refresh = state.tokens.refresh_token();
    let now = state.clock.now_naive();
    let (user_id, refresh_hash, expires_at) =
        (user.user_id(), refresh.hash.clone(), refresh.expires_at);
    // A new session changes nothing a cache holds (the callers' cache keeps sessions it
    // has seen, and this one is new): nothing goes stale. (Everything did, and a flood of
    // logins emptied the cached counts fifty times a second.)
    let session = state
        .db
        .write_articles(move |conn, _| {
            sessions::create(conn, user_id, &refresh_hash, now, expires_at)
        })
        .await?;
    AuthResponse::reply(&state, &user, session, refresh.token)
}
