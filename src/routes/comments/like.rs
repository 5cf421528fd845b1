//! `PUT` and `DELETE /comments/{id}/like`.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::db::reactions;
use crate::domain::comment::CommentId;
use crate::error::ApiError;
use crate::limits::Action;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// A comment's likes after the change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LikeResponse {
    pub likes: i64,
    pub liked_by_me: bool,
}

/// Likes a comment (idempotent).
#[utoipa::path(put, path = "/api/v1/comments/{id}/like", tag = "comments", params(("id" = i64, Path, description = "Comment id")), security(("bearer" = [])), responses((status = 200, description = "Liked", body = LikeResponse)))]
#[tracing::instrument(skip_all)]
pub async fn put(
    state: web::Data<AppState>,
    caller: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    set(state, caller, CommentId(path.into_inner()), true).await
}

/// Takes a like back (idempotent).
#[utoipa::path(delete, path = "/api/v1/comments/{id}/like", tag = "comments", params(("id" = i64, Path, description = "Comment id")), security(("bearer" = [])), responses((status = 200, description = "Not liked", body = LikeResponse)))]
#[tracing::instrument(skip_all)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    set(state, caller, CommentId(path.into_inner()), false).await
}

async fn set(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: CommentId,
    liked: bool,
) -> Result<HttpResponse, ApiError> {
    caller.ensure_can_write(state.clock.now())?;
    state
        .limits
        .check(Action::Like, &caller.user.id.to_string())?;
    let now = state.clock.now_naive();
    let user = caller.user.user_id();
    let likes = state
        .db
        .write_articles(move |conn, touched| {
            let comment = crate::db::comments::others(conn, id, user, "like")?;
            touched.article(crate::db::events::article_key_of(conn, &comment)?);
            if liked {
                reactions::like(conn, id, user, now)
            } else {
                reactions::unlike(conn, id, user)
            }
        })
        .await?;
    Ok(HttpResponse::Ok().json(LikeResponse {
        likes,
        liked_by_me: liked,
    }))
}
