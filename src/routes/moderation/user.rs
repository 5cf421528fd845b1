//! `GET /mod/users/{id}`: one account with its standing.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::UserStanding;
use crate::db::authors;
use crate::domain::user::UserId;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// An account as the author drawer shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthorStanding {
    /// The account as `GET /mod/users` lists it (role, status, ban, counts).
    #[serde(flatten)]
    pub account: UserStanding,
    /// Whole days since the account was created (`created_at`).
    pub account_age_days: i64,
    /// The account's comments waiting in the pending queue.
    pub pending_count: i64,
    /// Moderator notes about the account.
    pub notes_count: i64,
}

/// One account with its standing: role, ban (until, reason), age, approved, rejected
/// and pending comments, notes; 404 for no account or an erased one.
#[utoipa::path(get, path = "/api/v1/mod/users/{id}", tag = "moderation", params(("id" = i64, Path, description = "User id")), security(("bearer" = [])), responses((status = 200, description = "The account", body = AuthorStanding)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(path.into_inner());
    let now = state.clock.now();
    let author = state
        .db
        .read(move |conn| authors::standing(conn, id, now))
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let account = UserStanding::new(&author.user, now, &caller.0.user);
    Ok(HttpResponse::Ok().json(AuthorStanding {
        account_age_days: (now - account.created_at).num_days().max(0),
        account,
        pending_count: author.pending_count,
        notes_count: author.notes_count,
    }))
}
