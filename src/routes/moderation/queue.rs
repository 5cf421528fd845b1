//! `GET /mod/queue`.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::ModeratedComment;
use crate::db::articles;
use crate::db::moderation::{self, Queue, QueueItem};
use crate::domain::comment::{ArticleKey, CommentId};
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `pending` (default), `reported`, `unmoderated`, `rejected` or `approved`.
    pub queue: Option<String>,
    /// Only this article's comments.
    pub article: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of a queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueResponse {
    pub items: Vec<ModeratedComment>,
    pub next_cursor: Option<String>,
    /// Comments in each queue (for the article, when filtered).
    pub counts: BTreeMap<&'static str, i64>,
}

/// A page of one moderation queue, with totals for all of them.
#[utoipa::path(get, path = "/api/v1/mod/queue", tag = "moderation", params(QueueQuery), security(("bearer" = [])), responses((status = 200, description = "A page of the queue", body = QueueResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let queue = match query.queue.as_deref() {
        None => Queue::Pending,
        Some(q) => Queue::parse(q).ok_or_else(|| {
            ApiError::invalid(
                "queue",
                "must be pending, reported, unmoderated, rejected or approved",
            )
        })?,
    };
    let article = query
        .article
        .as_deref()
        .map(ArticleKey::parse)
        .transpose()
        .map_err(|m| ApiError::invalid("article", m))?;
    let limit = pagination::limit(query.limit)?;
    let scope = format!("queue:{}", queue.name());
    let after = query
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, &scope))
        .transpose()?
        .map(|c| (c.key, c.id));
    let viewer = caller.0.viewer();
    let now = state.clock.now();
    let (rows, flags, counts) = state
        .db
        .read(move |conn| {
            let article_id = match &article {
                Some(key) => match articles::find_by_key(conn, key.as_str())? {
                    Some(a) => Some(a.article_id()),
                    None => return Ok((Vec::new(), HashMap::new(), Vec::new())),
                },
                None => None,
            };
            let rows = moderation::queue_page(conn, queue, article_id, after, limit)?;
            let ids: Vec<CommentId> = rows.iter().map(|r| r.comment.comment_id()).collect();
            let flags = moderation::open_flags_of(conn, &ids)?;
            let counts = moderation::queue_totals(conn, article_id)?;
            Ok((rows, flags, counts))
        })
        .await?;
    let mut flags = flags;
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > page;
    let items: Vec<ModeratedComment> = rows
        .into_iter()
        .take(page)
        .map(|row| {
            let flags = flags.remove(&row.comment.comment_id()).unwrap_or_default();
            ModeratedComment::new(QueueItem { row, flags }, viewer, now)
        })
        .collect();
    let next_cursor = more.then(|| items.last()).flatten().map(|last| {
        let open: i64 = last.flags.values().sum();
        Cursor {
            scope,
            key: open,
            id: last.comment.id,
        }
        .encode()
    });
    let mut totals: BTreeMap<&'static str, i64> = Queue::ALL.iter().map(|(n, _)| (*n, 0)).collect();
    totals.extend(counts);
    Ok(HttpResponse::Ok().json(QueueResponse {
        items,
        next_cursor,
        counts: totals,
    }))
}
