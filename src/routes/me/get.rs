//! `GET /me`.

use actix_web::{HttpResponse, web};

use super::{Account, account_now};
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
    let user = account_now(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(Account::new(&user, state.clock.now())))
}
