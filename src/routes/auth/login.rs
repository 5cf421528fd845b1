//! `POST /auth/login`.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;

use super::AuthResponse;
use crate::db::{sessions, users};
use crate::domain::user::plausible_password;
use crate::error::ApiError;
use crate::limits::ClientIp;
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

    let refresh = state.tokens.refresh_token();
    let now = state.clock.now_naive();
    let (user_id, refresh_hash, expires_at) =
        (user.user_id(), refresh.hash.clone(), refresh.expires_at);
    let session = state
        .db
        .write(move |conn| sessions::create(conn, user_id, &refresh_hash, now, expires_at))
        .await?;
    AuthResponse::reply(&state, &user, session, refresh.token)
}
