//! `GET /comments/{id}`.

use actix_web::{HttpResponse, web};

use super::CommentView;
use crate::db::{articles, comments, reactions};
use crate::domain::comment::CommentId;
use crate::domain::thread;
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
    let view = state
        .db
        .read(move |conn| {
            let comment = comments::find(conn, id)?.ok_or(ApiError::NotFound("comment"))?;
            let in_thread = comments::thread(conn, comment.thread_id)?;
            let nodes: Vec<_> = in_thread.iter().map(|(c, _)| c.node()).collect();
            let visible = viewer.is_some_and(|v| v.moderator)
                || thread::shown(&nodes, viewer.map(|v| v.id)).contains(&id);
            let Some((comment, username)) = in_thread
                .into_iter()
                .find(|(c, _)| c.id == id.0)
                .filter(|_| visible)
            else {
                return Err(ApiError::NotFound("comment"));
            };
            let article =
                articles::find(conn, crate::domain::comment::ArticleId(comment.article_id))?
                    .ok_or(ApiError::NotFound("comment"))?;
            let liked = match viewer {
                Some(v) => reactions::liked_among(conn, v.id, &[comment.id])?.contains(&comment.id),
                None => false,
            };
            Ok(CommentView::new(
                &comment,
                username,
                &article.key,
                liked,
                viewer,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
