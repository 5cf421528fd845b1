//! `GET /me`.

use actix_web::{HttpResponse, web};

use super::Account;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])), responses((status = 200, description = "The caller's account", body = Account)))]
#[tracing::instrument(skip_all)]
pub async fn handle(state: web::Data<AppState>, caller: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(Account::new(&caller.user, state.clock.now()))
}
