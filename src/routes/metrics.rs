//! `GET /metrics`: Prometheus text.

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use crate::cache::Fresh;

use crate::db::moderation;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry;

/// How long the database totals may lag.
const OVERVIEW_SECS: i64 = 5;

/// Requests by route template and status, latency histograms, pool state, comments by
/// status and moderation queue depths (at most five seconds old), cache sizes in bytes.
/// Only for operators: see `gate::Access::Operator`.
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
    let overview = state
        .caches
        .overview
        .get_or_load(&(), |_| async {
            let overview = state.db.read(moderation::overview).await?;
            let until = state.clock.now_naive() + chrono::TimeDelta::seconds(OVERVIEW_SECS);
            Ok::<_, ApiError>(Fresh::until(Arc::new(overview), Some(until)))
        })
        .await?;
    for (status, n) in &overview.by_status {
        metrics::gauge!("comments", "status" => *status).set(*n as f64);
    }
    for (queue, n) in &overview.queues {
        metrics::gauge!("moderation_queue_depth", "queue" => *queue).set(*n as f64);
    }
    metrics::gauge!("webhook_backlog").set(overview.webhook_backlog as f64);
    metrics::gauge!("webhook_endpoints_failing").set(overview.webhook_endpoints_failing as f64);
    let caches = &state.caches;
    for (cache, bytes) in [
        ("counts", caches.counts.bytes()),
        ("count_answers", caches.count_answers.bytes()),
        ("pages", caches.pages.bytes()),
        ("page_rows", caches.page_rows.bytes()),
        ("callers", caches.callers.bytes()),
        ("site", caches.site.bytes()),
    ] {
        metrics::gauge!("cache_bytes", "cache" => cache).set(bytes as f64);
    }
    let body = telemetry::prometheus()
        .map(|h| h.render())
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
