//! `POST /admin/webhooks/{id}/deliveries/{delivery_id}/redeliver`.

use actix_web::{HttpResponse, web};

use super::DeliveryView;
use crate::db::webhooks;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::state::AppState;

/// Queues a delivery again from its first attempt, whatever became of it; the event
/// keeps its id, so a receiver that has it already can tell.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "admin", params(("id" = i64, Path, description = "Endpoint id"), ("delivery_id" = i64, Path, description = "Delivery id")), security(("bearer" = [])), responses((status = 202, description = "Queued", body = DeliveryView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Admin,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (endpoint, delivery) = path.into_inner();
    let now = state.clock.now_naive();
    let queued = state
        .db
        .write(move |conn| webhooks::redeliver(conn, endpoint, delivery, now))
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(queued)))
}
