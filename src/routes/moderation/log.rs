//! `GET /mod/log`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::moderation::{self, LogFilter};
use crate::error::ApiError;
use crate::routes::comments::AuthorView;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    pub comment_id: Option<i64>,
    /// Decisions about this account (its comments, bans, role).
    pub user_id: Option<i64>,
    /// Decisions made by this moderator.
    pub moderator_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One decision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogItem {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Null for automatic decisions.
    pub actor: Option<AuthorView>,
    /// `approve`, `reject`, `auto_approve`, `auto_pending`, `auto_reject`, `auto_hide`,
    /// `ban`, `unban`, `role_change`, `settings_change` or `article_change`.
    pub action: String,
    pub comment_id: Option<i64>,
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// A page of the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogResponse {
    pub items: Vec<LogItem>,
    pub next_cursor: Option<String>,
}

/// The moderation log, newest first.
#[utoipa::path(get, path = "/api/v1/mod/log", tag = "moderation", params(LogQuery), security(("bearer" = [])), responses((status = 200, description = "A page of the log", body = LogResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Moderator,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let before = query
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, "log"))
        .transpose()?
        .map(|c| c.id);
    let filter = LogFilter {
        comment: query.comment_id,
        user: query.user_id,
        moderator: query.moderator_id,
    };
    let rows = state
        .db
        .read(move |conn| moderation::log_page(conn, filter, before, limit))
        .await?;
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = (rows.len() > page)
        .then(|| rows.get(page - 1))
        .flatten()
        .map(|(r, _)| {
            Cursor {
                scope: "log".into(),
                key: 0,
                id: r.id,
            }
            .encode()
        });
    let items = rows
        .into_iter()
        .take(page)
        .map(|(row, username)| LogItem {
            id: row.id,
            at: row.at.and_utc(),
            actor: row
                .actor_id
                .zip(username)
                .map(|(id, username)| AuthorView::new(id, username)),
            action: row.action,
            comment_id: row.comment_id,
            user_id: row.user_id,
            reason: row.reason,
            note: row.note,
        })
        .collect();
    Ok(HttpResponse::Ok().json(LogResponse { items, next_cursor }))
}
