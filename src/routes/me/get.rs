//! `GET /me`.

use actix_web::{HttpResponse, web};

use super::Account;
use crate::db::users;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// The caller's account.
///
/// Read afresh: its counts of approved and rejected comments include the caller's
/// comments up to this moment.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])), responses((status = 200, description = "The caller's account", body = Account)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    // (The caller as authenticated may be a second old, and its counts with it: `cache`.)
    let id = caller.user.user_id();
    let user = state
        .db
        .read(move |conn| users::find(conn, id))
        .await?
        .ok_or(ApiError::Unauthorized(
            "The session has ended; log in again.",
        ))?;
    Ok(HttpResponse::Ok().json(Account::new(&user, state.clock.now())))
}
