//! `GET /mod/log`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::moderation::{self, LogFilter, LogRow};
use crate::domain::comment::CommentId;
use crate::domain::log;
use crate::domain::user::UserId;
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
    /// Only lines of this action (see `LogItem.action`).
    pub action: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl LogQuery {
    /// The filters; an unknown action is a 422.
    fn filter(&self) -> Result<LogFilter, ApiError> {
        let action = self.action.as_deref().map(log::parse_action).transpose()?;
        Ok(LogFilter {
            comment: self.comment_id.map(CommentId),
            user: self.user_id.map(UserId),
            moderator: self.moderator_id.map(UserId),
            action,
        })
    }
}

/// One decision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogItem {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Null for automatic decisions.
    pub actor: Option<AuthorView>,
    /// `approve`, `reject`, `auto_approve`, `auto_pending`, `auto_reject`, `auto_hide`,
    /// `ban`, `unban`, `role_change`, `settings_change`, `article_change`, `undo` (a
    /// moderator took back their decision: `reason` names it), `note_add` or
    /// `note_delete` (a moderator note about `user_id`: `note` names the note, not its
    /// text), `appeal` (the author, as `actor`, appealed a decision: `reason` names its
    /// action), `appeal_upheld` or `appeal_reversed` (a moderator decided an appeal:
    /// `note` is their reasons, shown to the author).
    pub action: String,
    pub comment_id: Option<i64>,
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

impl From<(LogRow, Option<String>)> for LogItem {
    fn from((row, username): (LogRow, Option<String>)) -> Self {
        Self {
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
        }
    }
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
        .map(|c| Cursor::decode(c, SCOPE))
        .transpose()?
        .map(|c| c.id);
    let filter = query.filter()?;
    let page = state
        .db
        .read(move |conn| moderation::log_page(conn, filter, before, limit))
        .await?;
    let next_cursor = page.last_if_more().map(|(row, _)| cursor_at(row.id));
    let items = page.rows.into_iter().map(LogItem::from).collect();
    Ok(HttpResponse::Ok().json(LogResponse { items, next_cursor }))
}

/// The cursor scope: log lines, newest first.
const SCOPE: &str = "log";

/// The cursor of the page after the one ending at `id`.
fn cursor_at(id: i64) -> String {
    Cursor::after_id(SCOPE, id)
}
