//! `POST /mod/comments/{id}/approve` and `/reject`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::ModeratedComment;
use crate::db::moderation::{self, Ruling};
use crate::domain::comment::CommentId;
use crate::domain::verdict::{self, Verdict};
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// An approval.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct ApproveRequest {
    /// For the log.
    pub note: Option<String>,
}

impl ApproveRequest {
    /// Reads the optional body: empty is no note, anything else must be a valid request.
    fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        Ok(serde_json::from_slice::<Option<Self>>(body)
            .map_err(|e| ApiError::Malformed(format!("The JSON body could not be read: {e}")))?
            .unwrap_or_default())
    }
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

/// Approves a comment; resolves its flags; counts it.
#[utoipa::path(post, path = "/api/v1/mod/comments/{id}/approve", tag = "moderation", params(("id" = i64, Path, description = "Comment id")), request_body(content = Option<ApproveRequest>, description = "Optional note"), security(("bearer" = [])), responses((status = 200, description = "The comment", body = ModeratedComment)))]
#[tracing::instrument(skip_all)]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request = ApproveRequest::from_body(&body)?;
    let note = verdict::note(request.note)?;
    let id = CommentId(path.into_inner());
    apply(state, caller, id, Verdict::Approve, note).await
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
    let verdict = Verdict::reject(&body.reason)?;
    let note = verdict::note(body.note)?;
    let id = CommentId(path.into_inner());
    apply(state, caller, id, verdict, note).await
}

/// Records the verdict and answers the comment as moderators now see it.
async fn apply(
    state: web::Data<AppState>,
    caller: Moderator,
    id: CommentId,
    verdict: Verdict,
    note: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let ruling = Ruling {
        moderator: caller.0.user.user_id(),
        verdict,
        note,
        at: now.naive_utc(),
    };
    let item = state
        .db
        .write(move |conn| moderation::moderate(conn, id, &ruling))
        .await?;
    Ok(HttpResponse::Ok().json(ModeratedComment::new(item, caller.0.viewer(), now)))
}
