//! `POST /mod/comments/{id}/undo`: take back one's latest decision on a comment.

use actix_web::{HttpResponse, web};

use super::ModeratedComment;
use crate::db::undo;
use crate::domain::comment::CommentId;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// Undoes the caller's approval or rejection of a comment within 30 seconds, if
/// nothing has happened to the comment since: it gets back its status, reasons and
/// unresolved flags, the counts follow, and the log records `undo`. 409
/// `nothing_to_undo` when the comment's latest event is not such a decision of the
/// caller's (someone else's decision, an edit, an automatic hide, a deletion, an
/// earlier undo), 409 `undo_window_passed` after 30 seconds.
#[utoipa::path(post, path = "/api/v1/mod/comments/{id}/undo", tag = "moderation", params(("id" = i64, Path, description = "Comment id")), security(("bearer" = [])), responses((status = 200, description = "The comment as it was before the decision", body = ModeratedComment)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = CommentId(path.into_inner());
    let moderator = caller.0.user.user_id();
    let now = state.clock.now();
    let item = state
        .db
        .write(move |conn| undo::undo_decision(conn, id, moderator, now))
        .await?;
    Ok(HttpResponse::Ok().json(ModeratedComment::new(item, caller.0.viewer(), now)))
}
