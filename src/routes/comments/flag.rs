//! `POST /comments/{id}/flags`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::moderation::{self, Decision};
use crate::db::{reactions, settings};
use crate::domain::comment::CommentStatus;
use crate::domain::comment::{CommentId, FLAG_NOTE_MAX_CHARS, FlagReason};
use crate::domain::moderation::Reason;
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
    let FlagRequest { reason, note } = body.into_inner();
    let reason = FlagReason::parse(&reason).ok_or_else(|| {
        ApiError::invalid(
            "reason",
            format!("must be one of {}", FlagReason::ALL.join(", ")),
        )
    })?;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if reason.needs_note() && note.is_none() {
        return Err(ApiError::invalid("note", "is required for this reason"));
    }
    if let Some(n) = &note
        && (n.chars().count() > FLAG_NOTE_MAX_CHARS
            || n.chars().any(|c| c.is_control() && c != '\n'))
    {
        return Err(ApiError::invalid(
            "note",
            format!("must be at most {FLAG_NOTE_MAX_CHARS} printable characters"),
        ));
    }
    let now = state.clock.now_naive();
    let user = caller.user.user_id();
    let flag = state
        .db
        .write(move |conn| {
            let comment = crate::db::comments::others(conn, id, user, "flag")?;
            let flag = reactions::flag(conn, id, user, reason, note.as_deref(), now)?;
            let open = moderation::count_flag(conn, comment.id)?;
            let threshold = settings::load(conn)?.auto_hide_flags;
            if threshold > 0 && open >= threshold {
                moderation::decide(
                    conn,
                    &comment,
                    &Decision {
                        moderator: None,
                        status: CommentStatus::Pending,
                        moderation_reason: Some(Reason::Flagged),
                        rejection_reason: None,
                        note: None,
                        at: now,
                    },
                )?;
            }
            Ok(flag)
        })
        .await?;
    Ok(HttpResponse::Created().json(FlagView {
        id: flag.id,
        comment_id: flag.comment_id,
        reason: flag.reason,
        note: flag.note,
        created_at: flag.created_at.and_utc(),
    }))
}
