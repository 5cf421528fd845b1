//! `GET /mod/queue`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::ModeratedComment;
use crate::db::moderation::{self, Queue, QueueFilter, QueueListing};
use crate::domain::comment::{ArticleKey, CommentId};
use crate::domain::user::Viewer;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `pending` (default; held comments, including edits of approved comments waiting
    /// for review again as `moderation_reason: edited`), `reported`, `unmoderated`,
    /// `rejected` or `approved`.
    pub queue: Option<String>,
    /// Only this article's comments.
    pub article: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl QueueQuery {
    /// The page asked for; the cursor must come from the same queue.
    fn parse(self) -> Result<QueueFilter, ApiError> {
        let queue = match self.queue.as_deref() {
            None => Queue::Pending,
            Some(q) => Queue::parse(q).ok_or_else(|| {
                ApiError::invalid(
                    "queue",
                    "must be pending, reported, unmoderated, rejected or approved",
                )
            })?,
        };
        let article = self
            .article
            .as_deref()
            .map(ArticleKey::parse)
            .transpose()
            .map_err(|m| ApiError::invalid("article", m))?;
        let limit = pagination::limit(self.limit)?;
        let after = self
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, &scope(queue)))
            .transpose()?
            .map(|c| (c.key, CommentId(c.id)));
        Ok(QueueFilter {
            queue,
            article,
            after,
            limit,
        })
    }
}

/// The cursor scope of a queue.
fn scope(queue: Queue) -> String {
    format!("queue:{}", queue.name())
}

/// A page of a queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueResponse {
    pub items: Vec<ModeratedComment>,
    pub next_cursor: Option<String>,
    /// Comments in each queue (for the article, when filtered).
    pub counts: BTreeMap<&'static str, i64>,
}

impl QueueResponse {
    /// The page of `queue` as `moderator` sees it at `now`.
    fn new(
        listing: QueueListing,
        queue: Queue,
        moderator: Viewer,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        // The cursor carries the open flags the reported queue is ordered by.
        let next_cursor = listing.page.last_if_more().map(|last| {
            Cursor {
                scope: scope(queue),
                key: i64::try_from(last.flags.len()).unwrap_or(i64::MAX),
                id: last.row.comment.id,
            }
            .encode()
        });
        let items = listing.page.rows.into_iter();
        Self {
            items: items
                .map(|i| ModeratedComment::new(i, moderator, now))
                .collect(),
            next_cursor,
            counts: listing.totals.into_iter().collect(),
        }
    }
}

/// A page of one moderation queue, with totals for all of them.
#[utoipa::path(get, path = "/api/v1/mod/queue", tag = "moderation", params(QueueQuery), security(("bearer" = [])), responses((status = 200, description = "A page of the queue", body = QueueResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().parse()?;
    let queue = filter.queue;
    let listing = state
        .db
        .read(move |conn| moderation::queue(conn, &filter))
        .await?;
    let now = state.clock.now();
    Ok(HttpResponse::Ok().json(QueueResponse::new(listing, queue, caller.0.viewer(), now)))
}
