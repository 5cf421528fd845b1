//! `POST /comments/{id}/appeal`: the author contests the decision on their comment.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::appeals;
use crate::domain::appeal;
use crate::domain::comment::CommentId;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::routes::me::decisions::DecisionView;
use crate::state::AppState;

/// An appeal against a decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealRequest {
    /// Why the decision is wrong, in the author's words: plain text, 1–5000 characters
    /// after trimming; newlines and tabs kept. Moderators read it.
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
}

/// Appeals the rejection in force on one of the caller's comments (by a moderator, the
/// word list or the moderation hook), within six months of it and once. A banned or
/// suspended author may appeal too. 404 alike for no comment, someone else's comment and
/// a comment with no rejection in force; 409 `already_appealed`; 422
/// `appeal_window_passed` after six months.
#[utoipa::path(post, path = "/api/v1/comments/{id}/appeal", tag = "comments", params(("id" = i64, Path, description = "Comment id")), request_body = AppealRequest, security(("bearer" = [])), responses((status = 201, description = "The decision with its appeal, now open", body = DecisionView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    path: web::Path<i64>,
    body: web::Json<AppealRequest>,
) -> Result<HttpResponse, ApiError> {
    let text = appeal::appeal_text(&body.text)?;
    let id = CommentId(path.into_inner());
    let now = state.clock.now();
    let author = caller.user;
    let record = state
        .db
        .write(move |conn| appeals::appeal_comment(conn, &author, id, &text, now))
        .await?;
    Ok(HttpResponse::Created().json(DecisionView::new(record, now)))
}
