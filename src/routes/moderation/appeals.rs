//! `GET /mod/appeals`: the appeals queue.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ModeratedComment, UserStanding};
use crate::db::appeals::{self, AppealFilter, AppealRecord};
use crate::db::users::User;
use crate::error::ApiError;
use crate::routes::comments::AuthorView;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// An appeal as moderators see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppealItem {
    /// The appeal's id (for `POST /mod/appeals/{id}/decide`).
    pub id: i64,
    /// `open`, `upheld` or `reversed`.
    pub state: String,
    /// When the author filed it.
    pub filed_at: DateTime<Utc>,
    /// The author's text (empty once their account is erased).
    pub text: String,
    /// The author's account and standing (null once erased).
    pub appellant: Option<UserStanding>,
    /// The decision appealed.
    pub decision: AppealedDecision,
    /// The comment as moderators see it now (null for a ban, or a comment no longer
    /// stored).
    pub comment: Option<ModeratedComment>,
    /// The decision on the appeal, once taken.
    pub outcome: Option<AppealOutcome>,
}

/// The decision an appeal contests, as the moderation log has it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppealedDecision {
    /// Its line in the moderation log.
    pub id: i64,
    /// `reject`, `auto_reject` or `ban`.
    pub action: String,
    /// When it was taken.
    pub at: DateTime<Utc>,
    /// The moderator who took it; null for an automatic decision (who may not decide
    /// the appeal, nor may the author).
    pub actor: Option<AuthorView>,
    /// The reason logged: the rejection reason, the automatic rule, or a ban's reason.
    pub reason: Option<String>,
    /// The moderator's note for the log.
    pub note: Option<String>,
}

/// How an appeal was decided (`state` says upheld or reversed).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppealOutcome {
    /// When.
    pub decided_at: DateTime<Utc>,
    /// The moderator who decided (null once their account is erased).
    pub decided_by: Option<AuthorView>,
    /// Their reasons, shown to the author.
    pub note: Option<String>,
}

impl AppealItem {
    /// The view of `record` for `viewer` at `now`.
    pub fn new(record: AppealRecord, viewer: &User, now: DateTime<Utc>) -> Self {
        let AppealRecord {
            appeal,
            line,
            decided_first_by,
            comment,
            appellant,
            decided_by,
        } = record;
        let outcome = appeal.decided_at.map(|at| AppealOutcome {
            decided_at: at.and_utc(),
            decided_by: appeal
                .decided_by
                .zip(decided_by.filter(|n| !n.is_empty()))
                .map(|(id, name)| AuthorView::new(id, name)),
            note: appeal.decision_note.clone(),
        });
        Self {
            id: appeal.id,
            state: appeal.state,
            filed_at: appeal.created_at.and_utc(),
            text: appeal.body,
            appellant: appellant.map(|u| UserStanding::new(&u, now, viewer)),
            decision: AppealedDecision {
                id: line.id,
                action: line.action,
                at: line.at.and_utc(),
                actor: line
                    .actor_id
                    .zip(decided_first_by.filter(|n| !n.is_empty()))
                    .map(|(id, name)| AuthorView::new(id, name)),
                reason: line.reason,
                note: line.note,
            },
            comment: comment.map(|c| ModeratedComment::new(c, viewer_of(viewer), now)),
            outcome,
        }
    }
}

/// The moderator as a viewer of comments.
fn viewer_of(user: &User) -> crate::domain::user::Viewer {
    crate::domain::user::Viewer {
        id: user.user_id(),
        moderator: true,
    }
}

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppealsQuery {
    /// `open` (the default: waiting, oldest first) or `decided` (upheld or reversed,
    /// newest first).
    pub state: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of appeals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppealsResponse {
    /// `open`: oldest first; `decided`: newest first.
    pub items: Vec<AppealItem>,
    /// The cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// The filter named by `state`; anything else is a 422.
fn filter(state: Option<&str>) -> Result<(AppealFilter, &'static str), ApiError> {
    match state.unwrap_or("open") {
        "open" => Ok((AppealFilter::Open, "appeals:open")),
        "decided" => Ok((AppealFilter::Decided, "appeals:decided")),
        _ => Err(ApiError::invalid("state", "must be open or decided")),
    }
}

/// Appeals waiting for a decision (oldest first), or decided ones (newest first), each
/// with the decision appealed, the comment as moderators see it and the author's
/// standing.
#[utoipa::path(get, path = "/api/v1/mod/appeals", tag = "moderation", params(AppealsQuery), security(("bearer" = [])), responses((status = 200, description = "A page of appeals", body = AppealsResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    query: web::Query<AppealsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (which, scope) = filter(query.state.as_deref())?;
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, scope))
        .transpose()?
        .map(|c| c.id);
    let page = state
        .db
        .read(move |conn| appeals::queue(conn, which, after, limit))
        .await?;
    let next_cursor = page
        .last_if_more()
        .map(|r| Cursor::after_id(scope, r.appeal.id));
    let now = state.clock.now();
    let items = page
        .rows
        .into_iter()
        .map(|r| AppealItem::new(r, &caller.0.user, now))
        .collect();
    Ok(HttpResponse::Ok().json(AppealsResponse { items, next_cursor }))
}
