//! `POST /comments/{id}/flags`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::reactions::{self, Flag};
use crate::domain::comment::{CommentId, FlagReason, Report};
use crate::error::ApiError;
use crate::limits::Action;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// A reader's report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FlagRequest {
    /// `spam`, `abuse`, `off_topic`, `illegal_content` or `other`.
    #[schema(value_type = FlagReason)]
    pub reason: String,
    /// Required for `illegal_content` and `other`; at most 1000 characters.
    pub note: Option<String>,
}

/// A stored flag.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlagView {
    pub id: i64,
    pub comment_id: i64,
    pub reason: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Flag> for FlagView {
    fn from(flag: Flag) -> Self {
        Self {
            id: flag.id,
            comment_id: flag.comment_id,
            reason: flag.reason,
            note: flag.note,
            created_at: flag.created_at.and_utc(),
        }
    }
}

/// Flags someone else's comment for the moderators, once per reader.
#[utoipa::path(post, path = "/api/v1/comments/{id}/flags", tag = "comments", params(("id" = i64, Path, description = "Comment id")), request_body = FlagRequest, security(("bearer" = [])), responses((status = 201, description = "The flag", body = FlagView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    path: web::Path<i64>,
    body: web::Json<FlagRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.ensure_can_write(state.clock.now())?;
    state
        .limits
        .check(Action::Flag, &caller.user.id.to_string())?;
    let id = CommentId(path.into_inner());
    let report = Report::parse(&body.reason, body.note.as_deref())?;
    let now = state.clock.now_naive();
    let user = caller.user.user_id();
    let flag = state
        .db
        .write(move |conn| reactions::report(conn, id, user, &report, now))
        .await?;
    Ok(HttpResponse::Created().json(FlagView::from(flag)))
}
