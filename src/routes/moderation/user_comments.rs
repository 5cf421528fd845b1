//! `GET /mod/users/{id}/comments`: every comment of an account, in any status.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::ModeratedComment;
use crate::db::authors;
use crate::domain::comment::{CommentId, CommentStatus};
use crate::domain::user::UserId;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserCommentsQuery {
    /// Only comments of this status: `approved`, `pending`, `rejected` or `deleted`
    /// (absent: all).
    pub status: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl UserCommentsQuery {
    /// The status filter, where the page starts, and its size; the cursor must come
    /// from the same filter.
    fn parse(self) -> Result<(Option<CommentStatus>, Option<CommentId>, i64), ApiError> {
        let status = self
            .status
            .as_deref()
            .map(|s| {
                CommentStatus::parse(s).ok_or_else(|| {
                    ApiError::invalid("status", "must be approved, pending, rejected or deleted")
                })
            })
            .transpose()?;
        let before = self
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, &scope(status)))
            .transpose()?
            .map(|c| CommentId(c.id));
        Ok((status, before, pagination::limit(self.limit)?))
    }
}

/// A page of an account's comments, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserCommentsResponse {
    /// Newest first, each as the queues show it.
    pub items: Vec<ModeratedComment>,
    /// The cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// The cursor scope of a status filter (a cursor works only with the same filter).
fn scope(status: Option<CommentStatus>) -> String {
    format!(
        "user_comments:{}",
        status.map_or("all", CommentStatus::as_str)
    )
}

/// Every comment of an account, newest first, as moderators see them (article, flags,
/// previous text); 404 for no account or an erased one.
#[utoipa::path(get, path = "/api/v1/mod/users/{id}/comments", tag = "moderation", params(("id" = i64, Path, description = "User id"), UserCommentsQuery), security(("bearer" = [])), responses((status = 200, description = "A page of comments", body = UserCommentsResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
    query: web::Query<UserCommentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(path.into_inner());
    let (status, before, limit) = query.into_inner().parse()?;
    let now = state.clock.now();
    let page = state
        .db
        .read(move |conn| authors::comments_of(conn, id, status, before, limit, now))
        .await?;
    let next_cursor = page
        .last_if_more()
        .map(|last| Cursor::after_id(&scope(status), last.row.comment.id));
    let viewer = caller.0.viewer();
    let items = page.rows.into_iter();
    let items = items
        .map(|i| ModeratedComment::new(i, viewer, now))
        .collect();
    Ok(HttpResponse::Ok().json(UserCommentsResponse { items, next_cursor }))
}
