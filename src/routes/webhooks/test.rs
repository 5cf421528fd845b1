//! `POST /admin/webhooks/{id}/test`.

use actix_web::{HttpResponse, web};

use super::DeliveryView;
use crate::db::webhooks;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::state::AppState;

/// Queues a `webhook.test` event for this endpoint only (even while inactive it waits
/// for it), signed like every other.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/{id}/test", tag = "admin", params(("id" = i64, Path, description = "Endpoint id")), security(("bearer" = [])), responses((status = 202, description = "Queued", body = DeliveryView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Admin,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = path.into_inner();
    let now = state.clock.now_naive();
    let queued = state
        .db
        .write(move |conn| webhooks::send_test(conn, endpoint, now))
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(queued)))
}
