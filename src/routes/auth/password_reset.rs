//! `POST /auth/password-reset` and `POST /auth/password-reset/confirm`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::links::{Purpose, password_fingerprint};
use crate::db::{mail as outbox, sessions, users};
use crate::domain::user::{Email, NewPassword};
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::mail;
use crate::state::AppState;

/// A forgotten password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordResetRequest {
    /// The account's email address.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

/// Mails a single-use link that sets a new password, if a live account has this
/// address and it is verified. The answer is the same 202 (no body) whether or not
/// such an account exists, after the same work (a lookup in a write transaction), so
/// it tells nothing about which addresses have accounts. Rate-limited per address and
/// per client network; 409 `mail_not_configured` without SMTP.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", request_body = PasswordResetRequest, responses((status = 202, description = "If a verified account has this address, a link is on its way")))]
#[tracing::instrument(skip_all)]
pub async fn request(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    state.mail.require()?;
    let email = Email::parse(&body.email).map_err(|m| ApiError::invalid("email", m))?;
    state.limits.check_password_reset(&client, email.as_str())?;
    let (mailer, now) = (state.mail.clone(), state.clock.now_naive());
    state
        .db
        .write(move |conn| {
            let user = users::find_by_login(conn, email.as_str())?;
            // Only to a verified address (`password_reset` refuses any other).
            let queued = user.and_then(|u| mailer.password_reset(&u));
            mail::enqueue(conn, queued, now)
        })
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// A new password, with the token of a reset link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordResetConfirm {
    /// The `token` from the mailed link (`…/account/reset-password#token=…`).
    pub token: String,
    /// 8–256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub new_password: String,
}

/// Sets a new password with a reset link's token and ends every session of the
/// account. The link works once, until it expires (`TRIBUNE_PASSWORD_RESET_TTL_SECS`),
/// and only while the account has the address it was mailed to and the password it
/// was sent against; otherwise 400 `invalid_link`.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts", request_body = PasswordResetConfirm, responses((status = 204, description = "Password set; every session ended")))]
#[tracing::instrument(skip_all)]
pub async fn confirm(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<PasswordResetConfirm>,
) -> Result<HttpResponse, ApiError> {
    let PasswordResetConfirm {
        token,
        new_password,
    } = body.into_inner();
    let new_password =
        NewPassword::parse(&new_password).map_err(|m| ApiError::invalid("new_password", m))?;
    state.limits.check(Action::LinkUse, &client.key())?;
    let link = state.mail.links.verify(Purpose::PasswordReset, &token)?;
    state.limits.check_hashing_total()?;
    let hash = state.passwords.hash(new_password.into_secret()).await?;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            // An account without a password (the publisher's sign-on) gets none this way.
            let user = users::find(conn, link.user)?
                .filter(|u| u.status != "deleted" && u.password_hash.is_some())
                .ok_or(ApiError::InvalidLink)?;
            let same_address = user
                .email_key
                .as_deref()
                .is_some_and(|k| k == crate::domain::user::email_key(&link.email));
            let same_password = link.password.as_deref()
                == Some(password_fingerprint(user.password_hash.as_deref()).as_str());
            if !same_address
                || !same_password
                || !outbox::spend_link(conn, &link.jti, link.expires_at, now)?
            {
                return Err(ApiError::InvalidLink);
            }
            users::set_password_hash(conn, link.user, &hash, now)?;
            sessions::revoke_all(conn, link.user, None, now)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
