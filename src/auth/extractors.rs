//! `CurrentUser`: the caller's account, loaded from the database on every request so
//! roles, bans, erasure and revoked sessions take effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::db::users::{self, User};
use crate::domain::user::SessionId;
use crate::error::ApiError;
use crate::startup::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session the access token belongs to.
    pub session: SessionId,
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("AppState missing")))?;
            let token = token?;
            let auth = state.tokens.verify_access(&token)?;
            let user = state
                .db
                .read(move |conn| users::find_by_session(conn, auth.user, auth.session))
                .await?
                .ok_or(ApiError::Unauthorized(
                    "The session has ended; log in again.",
                ))?;
            Ok(CurrentUser {
                user,
                session: auth.session,
            })
        })
    }
}

/// The token of an `Authorization: Bearer …` header.
fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized("An access token is required."))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("The Authorization header is unreadable."))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::Unauthorized("Use Authorization: Bearer <token>."))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("Use Authorization: Bearer <token>."));
    }
    Ok(token.trim().to_owned())
}
