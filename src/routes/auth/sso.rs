//! `POST /auth/sso`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AuthResponse;
use crate::auth::sso::PublisherIdentity;
use crate::db::users::{self, SsoProfile};
use crate::domain::user::{Email, Language, Username};
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::state::AppState;

/// A token from the publisher's login system.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SsoRequest {
    /// JWT with `sub`, `iat`, `exp` and `jti` (optional `username`, `email`,
    /// `email_verified`: `true` when the publisher vouches for the address, which then
    /// counts as verified; `iss` and `aud` as configured), signed by the publisher; it
    /// works once.
    pub token: String,
}

/// Logs in the publisher's reader, creating or updating the linked account.
#[utoipa::path(post, path = "/api/v1/auth/sso", tag = "accounts", request_body = SsoRequest, responses((status = 200, description = "Logged in through the publisher", body = AuthResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<SsoRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check(Action::Login, &client.key())?;
    let verifier = state
        .sso
        .as_ref()
        .ok_or(ApiError::NotFound("single sign-on configuration"))?;
    let identity = verifier.verify(&body.token)?;
    let profile = profile(&identity, state.mail.settings.default_language);
    let refresh = state.tokens.refresh_token();
    let now = state.clock.now_naive();
    let (refresh_hash, expires_at) = (refresh.hash.clone(), refresh.expires_at);
    let (user, session) = state
        .db
        .write(move |conn| {
            let issued = (refresh_hash.as_str(), expires_at);
            users::sso_sign_on(conn, identity.once.as_ref(), &profile, issued, now)
        })
        .await?;
    AuthResponse::reply(&state, &user, session, refresh.token)
}

/// The account a verified identity asks for: its name made valid if it is not, its
/// email if it is one.
fn profile(identity: &PublisherIdentity, language: Language) -> SsoProfile {
    let username = identity.username.as_deref();
    SsoProfile {
        subject: identity.subject.clone(),
        username: username
            .map(|name| Username::parse(name).unwrap_or_else(|_| Username::derive(name))),
        email: identity.email.as_deref().and_then(|e| Email::parse(e).ok()),
        email_verified: identity.email_verified,
        language,
    }
}
