//! `PUT /admin/users/{id}/role`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::users;
use crate::domain::user::{Role, UserId};
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::routes::moderation::UserStanding;
use crate::state::AppState;

/// A new role.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoleRequest {
    /// `reader`, `moderator` or `admin`.
    pub role: String,
}

/// Gives an account a role; takes effect on its next request. The last admin cannot
/// give up the role (409 `last_admin`).
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "admin", params(("id" = i64, Path, description = "User id")), request_body = RoleRequest, security(("bearer" = [])), responses((status = 200, description = "The account", body = UserStanding)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Admin,
    path: web::Path<i64>,
    body: web::Json<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let role = Role::parse(&body.role)
        .ok_or_else(|| ApiError::invalid("role", "must be reader, moderator or admin"))?;
    let target = UserId(path.into_inner());
    let admin = caller.0.user.user_id();
    let now = state.clock.now();
    let user = state
        .db
        .write(move |conn| users::change_role(conn, Some(admin), target, role, now))
        .await?;
    Ok(HttpResponse::Ok().json(UserStanding::new(&user, now, &caller.0.user)))
}
