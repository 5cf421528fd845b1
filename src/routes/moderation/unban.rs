//! `POST /mod/users/{id}/unban`.

use actix_web::{HttpResponse, web};

use super::{UserStanding, account_below};
use crate::db::moderation::{self, LogEntry};
use crate::db::users;
use crate::domain::user::UserId;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// Lifts a ban or suspension.
#[utoipa::path(post, path = "/api/v1/mod/users/{id}/unban", tag = "moderation", params(("id" = i64, Path, description = "User id")), security(("bearer" = [])), responses((status = 200, description = "The account", body = UserStanding)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let target = UserId(path.into_inner());
    let moderator = caller.0.user.user_id();
    let moderator_role = caller.0.user.role();
    let now = state.clock.now();
    let at = state.clock.now_naive();
    let user = state
        .db
        .write(move |conn| {
            account_below(conn, target, moderator_role, now)?;
            users::unban(conn, target, at)?;
            moderation::log(
                conn,
                &LogEntry {
                    actor: Some(moderator),
                    action: "unban",
                    comment: None,
                    user: Some(target.0),
                    reason: None,
                    note: None,
                    at,
                },
            )?;
            users::find(conn, target)?.ok_or(ApiError::NotFound("user"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserStanding::new(&user, now)))
}
