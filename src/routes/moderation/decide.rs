//! `POST /mod/comments/{id}/approve` and `/reject`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ModeratedComment, REJECTION_REASONS, check_note, load_item};
use crate::db::comments;
use crate::db::moderation::{self, Decision};
use crate::domain::comment::{CommentId, CommentStatus};
use crate::domain::moderation::Reason;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// An approval.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct ApproveRequest {
    /// For the log.
    pub note: Option<String>,
}

/// A rejection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RejectRequest {
    /// Shown to the author: `spam`, `offensive`, `abusive`, `harassment`, `hate_speech`,
    /// `illegal_content`, `misinformation`, `off_topic`, `advertising` or `other`.
    pub reason: String,
    /// For the log.
    pub note: Option<String>,
}

/// Checks a rejection reason.
pub(crate) fn rejection_reason(reason: &str) -> Result<&'static str, ApiError> {
    REJECTION_REASONS
        .iter()
        .find(|r| **r == reason)
        .copied()
        .ok_or_else(|| {
            ApiError::invalid(
                "reason",
                format!("must be one of {}", REJECTION_REASONS.join(", ")),
            )
        })
}

/// What a moderator decided.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Verdict {
    Approve,
    Reject(&'static str),
}

impl Verdict {
    /// The decision to record.
    pub(crate) fn decision<'a>(
        self,
        moderator: Moderator,
        note: Option<&'a str>,
        at: chrono::NaiveDateTime,
    ) -> Decision<'a> {
        let moderator = Some(moderator.0.user.user_id());
        match self {
            Verdict::Approve => Decision {
                moderator,
                status: CommentStatus::Approved,
                moderation_reason: None,
                rejection_reason: None,
                note,
                at,
            },
            Verdict::Reject(reason) => Decision {
                moderator,
                status: CommentStatus::Rejected,
                moderation_reason: Some(Reason::Moderator),
                rejection_reason: Some(reason),
                note,
                at,
            },
        }
    }
}

/// Approves a comment; resolves its flags; counts it.
#[utoipa::path(post, path = "/api/v1/mod/comments/{id}/approve", tag = "moderation", params(("id" = i64, Path, description = "Comment id")), request_body(content = Option<ApproveRequest>, description = "Optional note"), security(("bearer" = [])), responses((status = 200, description = "The comment", body = ModeratedComment)))]
#[tracing::instrument(skip_all)]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // The body is optional; when present it must be a valid request.
    let request: ApproveRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApproveRequest::default()
    } else {
        serde_json::from_slice::<Option<ApproveRequest>>(&body)
            .map_err(|e| ApiError::Malformed(format!("The JSON body could not be read: {e}")))?
            .unwrap_or_default()
    };
    let note = check_note(request.note)?;
    apply(
        state,
        caller,
        CommentId(path.into_inner()),
        Verdict::Approve,
        note,
    )
    .await
}

/// Rejects a comment with a reason its author sees; resolves its flags; uncounts it.
#[utoipa::path(post, path = "/api/v1/mod/comments/{id}/reject", tag = "moderation", params(("id" = i64, Path, description = "Comment id")), request_body = RejectRequest, security(("bearer" = [])), responses((status = 200, description = "The comment", body = ModeratedComment)))]
#[tracing::instrument(skip_all)]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
    body: web::Json<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let reason = rejection_reason(&body.reason)?;
    let note = check_note(body.note)?;
    apply(
        state,
        caller,
        CommentId(path.into_inner()),
        Verdict::Reject(reason),
        note,
    )
    .await
}

async fn apply(
    state: web::Data<AppState>,
    caller: Moderator,
    id: CommentId,
    verdict: Verdict,
    note: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let at = state.clock.now_naive();
    let now = state.clock.now();
    let viewer = caller.0.viewer();
    let item = state
        .db
        .write(move |conn| {
            let comment = comments::find(conn, id)?.ok_or(ApiError::NotFound("comment"))?;
            moderation::decide(
                conn,
                &comment,
                &verdict.decision(caller, note.as_deref(), at),
            )?;
            load_item(conn, id.0, viewer, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}
