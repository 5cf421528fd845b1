//! `POST /mod/users/{id}/unban`.

use actix_web::{HttpResponse, web};

use super::UserStanding;
use crate::db::moderation;
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
    let moderator = caller.0.user.clone();
    let now = state.clock.now();
    let user = state
        .db
        .write(move |conn| moderation::lift_ban(conn, &moderator, target, now))
        .await?;
    Ok(HttpResponse::Ok().json(UserStanding::new(&user, now, &caller.0.user)))
}
