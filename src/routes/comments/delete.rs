//! `DELETE /comments/{id}`.

use actix_web::{HttpResponse, web};

use crate::db::{comments, events};
use crate::domain::comment::CommentId;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// Deletes the caller's comment: text erased, status `deleted`, counts updated; it stays
/// as a placeholder while it has visible replies. Idempotent for the author: deleting
/// an already deleted comment of one's own answers 204 again (so a retry after a lost
/// answer succeeds); someone else's comment is 403, a missing one 404.
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "comments", params(("id" = i64, Path, description = "Comment id")), security(("bearer" = [])), responses((status = 204, description = "Deleted (also when it already was)")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = CommentId(path.into_inner());
    let now = state.clock.now_naive();
    let author = caller.user.user_id();
    state
        .db
        .write_articles(move |conn, touched| {
            if let Some(comment) = comments::find(conn, id)? {
                touched.article(events::article_key_of(conn, &comment)?);
            }
            comments::delete_own(conn, id, author, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
