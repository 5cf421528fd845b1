//! `POST /auth/sso`.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AuthResponse;
use crate::db::users::{self, SsoProfile};
use crate::db::{sessions, sso_tokens};
use crate::domain::user::{Email, Username};
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::state::AppState;

/// A token from the publisher's login system.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SsoRequest {
    /// JWT with `sub`, `iat`, `exp` and `jti` (optional `username`, `email`; `iss` and
    /// `aud` as configured), signed by the publisher; it works once.
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
    let profile = SsoProfile {
        subject: identity.subject,
        username: identity
            .username
            .as_deref()
            .map(|name| Username::parse(name).unwrap_or_else(|_| Username::derive(name))),
        email: identity.email.as_deref().and_then(|e| Email::parse(e).ok()),
    };
    let refresh = state.tokens.refresh_token();
    let now = state.clock.now_naive();
    let (refresh_hash, expires_at) = (refresh.hash.clone(), refresh.expires_at);
    let once = identity.once;
    let (user, session) = state
        .db
        .write(move |conn| {
            // In the same transaction as the sign-on: a sign-on that fails (say, with a
            // 503 for a concurrent first sign-on) has not used the token up.
            if let Some((jti, until)) = &once
                && !sso_tokens::claim(conn, jti, *until, now)?
            {
                return Err(ApiError::InvalidCredentials);
            }
            let user = users::upsert_sso(conn, &profile, now)?;
            let session = sessions::create(conn, user.user_id(), &refresh_hash, now, expires_at)?;
            Ok((user, session))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(AuthResponse::new(&state, &user, session, refresh.token)?))
}
