//! `POST /mod/users/{id}/ban`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{UserStanding, account_below};
use crate::db::moderation::{self, Decision, LogEntry};
use crate::db::users;
use crate::domain::comment::CommentStatus;
use crate::domain::moderation::Reason;
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
    let target = UserId(path.into_inner());
    let BanRequest {
        until,
        reason,
        reject_pending,
    } = body.into_inner();
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::invalid(
            "reason",
            "must be 1 to 500 characters long",
        ));
    }
    let now = state.clock.now();
    if until.is_some_and(|u| u <= now) {
        return Err(ApiError::invalid("until", "must be in the future"));
    }
    if target == caller.0.user.user_id() {
        return Err(ApiError::invalid("id", "you cannot ban yourself"));
    }
    let moderator = caller.0.user.user_id();
    let moderator_role = caller.0.user.role();
    let at = state.clock.now_naive();
    let user = state
        .db
        .write(move |conn| {
            account_below(conn, target, moderator_role, now)?;
            let until = until.map(|u| u.naive_utc());
            users::ban(conn, target, until, &reason, at)?;
            let note = until.map(|u| format!("until {}", u.and_utc().to_rfc3339()));
            moderation::log(
                conn,
                &LogEntry {
                    actor: Some(moderator),
                    action: "ban",
                    comment: None,
                    user: Some(target.0),
                    reason: Some(&reason),
                    note: note.as_deref(),
                    at,
                },
            )?;
            if reject_pending {
                for comment in moderation::pending_by(conn, target)? {
                    moderation::decide(
                        conn,
                        &comment,
                        &Decision {
                            moderator: Some(moderator),
                            status: CommentStatus::Rejected,
                            moderation_reason: Some(Reason::Moderator),
                            rejection_reason: Some("other"),
                            note: Some("author banned"),
                            at,
                        },
                    )?;
                }
            }
            users::find(conn, target)?.ok_or(ApiError::NotFound("user"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserStanding::new(&user, now)))
}
