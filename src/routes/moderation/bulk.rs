//! `POST /mod/comments/bulk`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::check_note;
use super::decide::{Verdict, rejection_reason};
use crate::db::comments;
use crate::db::moderation;
use crate::domain::comment::{CommentId, CommentStatus};
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// Most comments in one bulk decision.
const MAX_IDS: usize = 500;

/// One decision for many comments.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkRequest {
    /// 1–500 comment ids.
    pub ids: Vec<i64>,
    /// `approve` or `reject`.
    pub action: String,
    /// Required for `reject` (see the reject endpoint).
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// What happened to each id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResponse {
    pub updated: Vec<i64>,
    /// Ids with no comment, or a deleted one.
    pub not_found: Vec<i64>,
}

/// Approves or rejects many comments in one transaction.
#[utoipa::path(post, path = "/api/v1/mod/comments/bulk", tag = "moderation", request_body = BulkRequest, security(("bearer" = [])), responses((status = 200, description = "What happened to each id", body = BulkResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    body: web::Json<BulkRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.ids.is_empty() || body.ids.len() > MAX_IDS {
        return Err(ApiError::invalid(
            "ids",
            format!("give 1 to {MAX_IDS} comment ids"),
        ));
    }
    let verdict = match body.action.as_str() {
        "approve" => Verdict::Approve,
        "reject" => Verdict::Reject(rejection_reason(
            body.reason.as_deref().unwrap_or_default(),
        )?),
        _ => return Err(ApiError::invalid("action", "must be approve or reject")),
    };
    let note = check_note(body.note)?;
    let mut ids = body.ids;
    ids.sort_unstable();
    ids.dedup();
    let at = state.clock.now_naive();
    let result = state
        .db
        .write(move |conn| {
            let mut result = BulkResponse {
                updated: Vec::new(),
                not_found: Vec::new(),
            };
            for id in ids {
                match comments::find(conn, CommentId(id))?
                    .filter(|c| c.status() != CommentStatus::Deleted)
                {
                    Some(comment) => {
                        moderation::decide(
                            conn,
                            &comment,
                            &verdict.decision(caller.clone(), note.as_deref(), at),
                        )?;
                        result.updated.push(id);
                    }
                    None => result.not_found.push(id),
                }
            }
            Ok(result)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
