//! `POST /me/email/verify`.

use actix_web::{HttpResponse, web};

use crate::error::{ApiError, Conflict};
use crate::limits::Action;
use crate::mail;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// Mails a new verification link to the caller's address (an earlier link keeps
/// working until it expires). 409 `mail_not_configured` without SMTP, 409
/// `email_already_verified` or `no_email`; rate-limited per account.
#[utoipa::path(post, path = "/api/v1/me/email/verify", tag = "accounts", security(("bearer" = [])), responses((status = 202, description = "A verification mail is queued")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    state.mail.require()?;
    let user = caller.user;
    if user.email.is_none() {
        return Err(ApiError::Conflict(Conflict::NoEmail));
    }
    if user.email_verified() {
        return Err(ApiError::Conflict(Conflict::EmailAlreadyVerified));
    }
    state
        .limits
        .check(Action::VerifyEmail, &user.id.to_string())?;
    let nonce = hex::encode(rand::random::<[u8; 12]>());
    let queued = state.mail.verification(&user, &nonce);
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| mail::enqueue(conn, queued, now))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
