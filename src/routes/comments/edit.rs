//! `PATCH /comments/{id}`.

use actix_web::{HttpResponse, web};
use chrono::TimeDelta;
use serde::Deserialize;

use super::create::log_automatic;
use super::{CommentView, own_comment};
use crate::db::articles;
use crate::db::comments::{self, Edit};
use crate::domain::comment::{ArticleId, CommentBody, CommentId, CommentStatus};
use crate::domain::markdown;
use crate::domain::moderation::{self, Context};
use crate::error::{ApiError, Conflict, Forbidden};
use crate::limits::Action;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// New text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EditComment {
    /// Markdown, same rules as when posting.
    #[schema(min_length = 1)]
    pub body: String,
}

/// Edits the caller's comment within the edit window; the new text passes the rules again.
#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "comments", params(("id" = i64, Path, description = "Comment id")), request_body = EditComment, security(("bearer" = [])), responses((status = 200, description = "The edited comment", body = CommentView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    path: web::Path<i64>,
    body: web::Json<EditComment>,
) -> Result<HttpResponse, ApiError> {
    caller.ensure_can_write(state.clock.now())?;
    state
        .limits
        .check(Action::Edit, &caller.user.id.to_string())?;
    let id = CommentId(path.into_inner());
    let raw = body.into_inner().body;
    let site = state.site().await?;
    let now = state.clock.now_naive();
    let author = caller.user.user_id();
    let author_approved = caller.user.approved_count;
    let (comment, key) = state
        .db
        .write(move |conn| {
            let comment = own_comment(conn, id, author)?;
            if comment.status() == CommentStatus::Rejected {
                return Err(ApiError::Forbidden(Forbidden::NotAllowed));
            }
            if now - comment.created_at > TimeDelta::seconds(site.settings.edit_window_seconds) {
                return Err(ApiError::Conflict(Conflict::EditWindowPassed));
            }
            let text = CommentBody::parse(&raw, site.settings.max_comment_chars())
                .map_err(|m| ApiError::invalid("body", m))?;
            let html = markdown::render(text.as_str());
            let article = articles::find(conn, ArticleId(comment.article_id))?
                .ok_or(ApiError::NotFound("comment"))?;
            // The author's own comment does not vouch for itself.
            let approved_before =
                author_approved - i64::from(comment.status() == CommentStatus::Approved);
            let decision = moderation::evaluate(
                text.as_str(),
                Context {
                    settings: &site.settings,
                    article_moderation: &article.moderation,
                    author_approved: approved_before,
                },
                &site.matchers,
            );
            let updated = comments::edit(
                conn,
                &comment,
                &Edit {
                    body: text.as_str(),
                    html: &html,
                    status: decision.status,
                    moderation_reason: decision.reason.map(|r| r.as_str()),
                    now,
                },
            )?;
            log_automatic(conn, &updated, decision, now)?;
            Ok((updated, article.key))
        })
        .await?;
    let liked = false;
    let view = CommentView::new(
        &comment,
        Some(caller.user.username.clone()),
        &key,
        liked,
        Some(caller.viewer()),
    );
    Ok(HttpResponse::Ok().json(view))
}
