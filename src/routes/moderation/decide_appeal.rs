//! `POST /mod/appeals/{id}/decide`: uphold or reverse a decision on appeal.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::appeals::AppealItem;
use crate::db::appeals;
use crate::domain::appeal::{self, Outcome};
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// A decision on an appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecideAppealRequest {
    /// `upheld` (the decision stands) or `reversed` (the comment is approved again, the
    /// ban lifted).
    pub outcome: String,
    /// The reasons, shown to the author: plain text, 1–2000 characters after trimming.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// Decides an appeal, by a moderator other than the one who took the decision appealed
/// (and not its author; admins included): 403 `conflict_of_interest` otherwise, 409
/// `appeal_decided` when decided already. A reversal approves the comment again, with
/// every count, if the rejection is still in force (`comment.approved`), or lifts the
/// ban (`user.unbanned`). Logged as `appeal_upheld` or `appeal_reversed`.
#[utoipa::path(post, path = "/api/v1/mod/appeals/{id}/decide", tag = "moderation", params(("id" = i64, Path, description = "Appeal id")), request_body = DecideAppealRequest, security(("bearer" = [])), responses((status = 200, description = "The appeal, decided", body = AppealItem)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
    body: web::Json<DecideAppealRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = Outcome::parse(&body.outcome)?;
    let note = appeal::outcome_note(&body.note)?;
    let (id, now) = (path.into_inner(), state.clock.now());
    let moderator = caller.0.user.user_id();
    let record = state
        .db
        .write(move |conn| appeals::decide(conn, id, moderator, outcome, &note, now))
        .await?;
    Ok(HttpResponse::Ok().json(AppealItem::new(record, &caller.0.user, now)))
}
