//! `POST /auth/verify-email`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::links::Purpose;
use crate::db::{mail, users};
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::state::AppState;

/// A verification link's token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyEmailRequest {
    /// The `token` from the mailed link (`…/account/verify-email#token=…`).
    pub token: String,
}

/// Verifies the address a link was mailed to. The link works once, until it expires
/// (`TRIBUNE_EMAIL_VERIFICATION_TTL_SECS`), and only while the account still has that
/// address; otherwise 400 `invalid_link`. Needs no login (the link may be opened
/// anywhere).
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "accounts", request_body = VerifyEmailRequest, responses((status = 204, description = "The address is verified")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check(Action::LinkUse, &client.key())?;
    let link = state.mail.links.verify(Purpose::VerifyEmail, &body.token)?;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            if !mail::spend_link(conn, &link.jti, link.expires_at, now)?
                || !users::mark_email_verified(conn, link.user, &link.email, now)?
            {
                return Err(ApiError::InvalidLink);
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
