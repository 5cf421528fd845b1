//! `GET /metrics`: Prometheus text.

use actix_web::{HttpResponse, web};

use crate::db::moderation;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry;

/// Requests by route template and status, latency histograms, pool state, comments by
/// status and moderation queue depths.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain"))
)]
#[tracing::instrument(skip_all)]
pub async fn handle(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    for (pool, in_use, idle) in state.db.pool_state() {
        metrics::gauge!("db_pool_connections", "pool" => pool, "state" => "in_use").set(in_use);
        metrics::gauge!("db_pool_connections", "pool" => pool, "state" => "idle").set(idle);
    }
    let overview = state.db.read(moderation::overview).await?;
    for (status, n) in overview.by_status {
        metrics::gauge!("comments", "status" => status).set(n as f64);
    }
    for (queue, n) in overview.queues {
        metrics::gauge!("moderation_queue_depth", "queue" => queue).set(n as f64);
    }
    let body = telemetry::prometheus()
        .map(|h| h.render())
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
