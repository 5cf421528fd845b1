//! `/auth/*`: registration, login, single sign-on, refresh, logout.

pub mod login;
pub mod logout;
pub mod password_reset;
pub mod refresh;
pub mod register;
pub mod sso;
pub mod verify_email;

use actix_web::HttpResponse;
use actix_web::http::header::{CacheControl, CacheDirective};
use serde::Serialize;

use crate::db::users::User;
use crate::domain::user::SessionId;
use crate::error::ApiError;
use crate::routes::me::Account;
use crate::state::AppState;

/// A logged-in answer: the account and a token pair.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthResponse {
    /// The account.
    pub user: Account,
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Exchange at `/auth/refresh` for a new pair; single use.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

impl AuthResponse {
    /// The answer handing `user` a new token pair for `session`: 200, never stored by
    /// caches on the way.
    pub fn reply(
        state: &AppState,
        user: &User,
        session: SessionId,
        refresh_token: String,
    ) -> Result<HttpResponse, ApiError> {
        Ok(HttpResponse::Ok()
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            .json(Self::new(state, user, session, refresh_token)?))
    }

    /// Signs an access token for `session` and bundles the pair.
    pub fn new(
        state: &AppState,
        user: &User,
        session: SessionId,
        refresh_token: String,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            access_token: state.tokens.access_token(user.user_id(), session)?,
            user: Account::new(user, state.clock.now()),
            refresh_token,
            token_type: "Bearer",
            expires_in: state.tokens.access_ttl_secs(),
        })
    }
}
