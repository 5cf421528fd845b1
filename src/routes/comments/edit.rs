//! `PATCH /comments/{id}`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{CommentView, hook};
use crate::db::comments;
use crate::domain::comment::CommentId;
use crate::error::ApiError;
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
    let heard = hook::on_edit(&state, &site, &caller, id, &raw).await?;
    let writer = caller.writer();
    let now = state.clock.now_naive();
    let (comment, article) = state
        .db
        .write_articles(move |conn, touched| {
            let revised = comments::revise(conn, id, &raw, writer, &site, heard.as_ref(), now)?;
            touched.article(revised.1.as_str());
            Ok(revised)
        })
        .await?;
    let author = Some(caller.user.username.clone());
    let view = CommentView::new(&comment, author, &article, false, Some(caller.viewer()));
    Ok(HttpResponse::Ok().json(view))
}
