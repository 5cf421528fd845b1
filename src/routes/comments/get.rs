//! `GET /comments/{id}`.

use actix_web::{HttpResponse, web};

use super::CommentView;
use crate::db::comments;
use crate::domain::comment::CommentId;
use crate::error::ApiError;
use crate::routes::extract::MaybeUser;
use crate::state::AppState;

/// One comment, under the same visibility rules as a thread.
#[utoipa::path(get, path = "/api/v1/comments/{id}", tag = "comments", params(("id" = i64, Path, description = "Comment id")), security((), ("bearer" = [])), responses((status = 200, description = "The comment", body = CommentView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: MaybeUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = CommentId(path.into_inner());
    let viewer = caller.viewer();
    let ((comment, username), article, liked) = state
        .db
        .read(move |conn| comments::visible_one(conn, id, viewer))
        .await?
        .ok_or(ApiError::NotFound("comment"))?;
    let view = CommentView::new(&comment, username, &article, liked, viewer);
    Ok(HttpResponse::Ok().json(view))
}
