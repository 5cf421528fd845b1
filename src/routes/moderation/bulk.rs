//! `POST /mod/comments/bulk`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::db::moderation::{self, Moderated, Ruling};
use crate::domain::verdict::{self, Verdict};
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

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

impl From<Moderated> for BulkResponse {
    fn from(done: Moderated) -> Self {
        Self {
            updated: done.updated.into_iter().map(|id| id.0).collect(),
            not_found: done.not_found.into_iter().map(|id| id.0).collect(),
        }
    }
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
    let ids = verdict::bulk_ids(body.ids)?;
    let ruling = Ruling {
        moderator: caller.0.user.user_id(),
        verdict: Verdict::parse(&body.action, body.reason.as_deref())?,
        note: verdict::note(body.note)?,
        at: state.clock.now_naive(),
    };
    let done = state
        .db
        .write(move |conn| moderation::moderate_all(conn, &ids, &ruling))
        .await?;
    Ok(HttpResponse::Ok().json(BulkResponse::from(done)))
}
