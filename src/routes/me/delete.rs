//! `DELETE /me`.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;

use crate::db::users;
use crate::error::{ApiError, Forbidden};
use crate::limits::ClientIp;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// Confirmation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EraseRequest {
    /// The current password; ignored for accounts without one (single sign-on).
    #[serde(default)]
    pub password: String,
}

/// Erases the caller's account and everything it wrote (right to erasure).
#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", request_body = EraseRequest, security(("bearer" = [])), responses((status = 204, description = "Account erased")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    client: ClientIp,
    body: web::Json<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    if let Some(hash) = caller.user.password_hash.clone() {
        let limits = &state.limits;
        limits.check_password_check(caller.user.user_id(), &client)?;
        let verified = state
            .passwords
            .verify(SecretString::from(body.into_inner().password), Some(hash))
            .await?;
        if !verified {
            limits.count_wrong_password(&caller.user.username);
            return Err(ApiError::Forbidden(Forbidden::WrongPassword));
        }
    }
    let now = state.clock.now_naive();
    let user = caller.user.user_id();
    state
        .db
        .write(move |conn| users::erase(conn, user, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
