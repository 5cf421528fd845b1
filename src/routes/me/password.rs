//! `PUT /me/password`.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;

use crate::db::{sessions, users};
use crate::domain::user::NewPassword;
use crate::error::{ApiError, Forbidden};
use crate::limits::ClientIp;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// A password change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    /// 8–256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub new_password: String,
}

/// Changes the password and ends every other session of the account.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", request_body = ChangePassword, security(("bearer" = [])), responses((status = 204, description = "Password changed; other sessions ended")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    client: ClientIp,
    body: web::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let ChangePassword {
        current_password,
        new_password,
    } = body.into_inner();
    let new_password =
        NewPassword::parse(&new_password).map_err(|m| ApiError::invalid("new_password", m))?;
    let limits = &state.limits;
    limits.check_password_check(caller.user.user_id(), &client)?;
    let verified = state
        .passwords
        .verify(
            SecretString::from(current_password),
            caller.user.password_hash.clone(),
        )
        .await?;
    if !verified {
        limits.count_wrong_password(&caller.user.username);
        return Err(ApiError::Forbidden(Forbidden::WrongPassword));
    }
    let hash = state.passwords.hash(new_password.into_secret()).await?;
    let now = state.clock.now_naive();
    let (user, keep) = (caller.user.user_id(), caller.session);
    state
        .db
        .write(move |conn| {
            users::set_password_hash(conn, user, &hash, now)?;
            sessions::revoke_all(conn, user, Some(keep), now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
