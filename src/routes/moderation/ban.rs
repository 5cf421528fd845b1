//! `POST /mod/users/{id}/ban`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::UserStanding;
use crate::db::moderation;
use crate::domain::standing::Ban;
use crate::domain::user::UserId;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// A ban.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BanRequest {
    /// End of a suspension; absent or null: permanent.
    pub until: Option<DateTime<Utc>>,
    /// Why, for the log and for other moderators (1–500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// Also reject the user's pending comments.
    #[serde(default)]
    pub reject_pending: bool,
}

/// Bans or suspends an account: it can still read and log in, not post, edit, like or
/// flag. Moderators may ban readers; admins also moderators.
#[utoipa::path(post, path = "/api/v1/mod/users/{id}/ban", tag = "moderation", params(("id" = i64, Path, description = "User id")), request_body = BanRequest, security(("bearer" = [])), responses((status = 200, description = "The account", body = UserStanding)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
    body: web::Json<BanRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let moderator = caller.0.user.clone();
    let now = state.clock.now();
    let ban = Ban::new(
        moderator.user_id(),
        UserId(path.into_inner()),
        body.until,
        &body.reason,
        body.reject_pending,
        now,
    )?;
    let user = state
        .db
        .write(move |conn| moderation::ban_account(conn, &moderator, &ban, now))
        .await?;
    Ok(HttpResponse::Ok().json(UserStanding::new(&user, now, &caller.0.user)))
}
