//! `PUT /admin/users/{id}/role`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::moderation::{self, LogEntry};
use crate::db::users;
use crate::domain::user::{Role, UserId, UserStatus};
use crate::error::{ApiError, Conflict};
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
    let at = state.clock.now_naive();
    let user = state
        .db
        .write(move |conn| {
            let user = users::find(conn, target)?
                .filter(|u| u.status_at(now) != UserStatus::Deleted)
                .ok_or(ApiError::NotFound("user"))?;
            if user.role() == Role::Admin && role != Role::Admin && users::count_admins(conn)? <= 1
            {
                return Err(ApiError::Conflict(Conflict::LastAdmin));
            }
            users::set_role(conn, target, role, at)?;
            moderation::log(
                conn,
                &LogEntry {
                    actor: Some(admin),
                    action: "role_change",
                    comment: None,
                    user: Some(target.0),
                    reason: Some(role.as_str()),
                    note: Some(&format!("from {}", user.role)),
                    at,
                },
            )?;
            users::find(conn, target)?.ok_or(ApiError::NotFound("user"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserStanding::new(&user, now)))
}
