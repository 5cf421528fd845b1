//! `POST /auth/refresh`.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AuthResponse;
use crate::auth::tokens::hash_refresh_token;
use crate::db::sessions::{self, Rotation};
use crate::db::users;
use crate::domain::user::UserStatus;
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::state::AppState;

/// A refresh token to exchange.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new pair. Each token works once: presenting a used
/// one revokes its whole session (someone else has a copy). A session older than its
/// absolute lifetime is not refreshed.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "accounts", request_body = RefreshRequest, responses((status = 200, description = "A new token pair", body = AuthResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check(Action::Refresh, &client.key())?;
    let old_hash = hash_refresh_token(&body.refresh_token);
    let next = state.tokens.refresh_token();
    let now = state.clock.now_naive();
    let (new_hash, expires_at) = (next.hash.clone(), next.expires_at);
    let max_age = state.tokens.session_max_age();
    let (rotation, user) = state
        .db
        .write(move |conn| {
            let rotation = sessions::rotate(conn, &old_hash, &new_hash, now, expires_at, max_age)?;
            let user = match rotation {
                Rotation::Rotated { user, .. } => users::find(conn, user)?,
                Rotation::Invalid | Rotation::Replayed => None,
            };
            Ok((rotation, user))
        })
        .await?;
    match (rotation, user) {
        (Rotation::Rotated { session, .. }, Some(user))
            if user.status_at(state.clock.now()) != UserStatus::Deleted =>
        {
            Ok(HttpResponse::Ok()
                .insert_header(CacheControl(vec![CacheDirective::NoStore]))
                .json(AuthResponse::new(&state, &user, session, next.token)?))
        }
        (Rotation::Replayed, _) => Err(ApiError::Unauthorized(
            "This refresh token was already used; its session is revoked.",
        )),
        _ => Err(ApiError::Unauthorized(
            "The refresh token is invalid or expired.",
        )),
    }
}
