//! `GET /metrics`: Prometheus text.

use actix_web::{HttpResponse, web};

use crate::db::moderation;
use crate::db::schema::comments;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry;
use diesel::dsl::count_star;
use diesel::prelude::*;

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
    let (by_status, queues) = state
        .db
        .read(|conn| {
            let by_status: Vec<(String, i64)> = comments::table
                .group_by(comments::status)
                .select((comments::status, count_star()))
                .load(conn)?;
            Ok((by_status, moderation::queue_totals(conn, None)?))
        })
        .await?;
    for status in ["approved", "pending", "rejected", "deleted"] {
        let n = by_status
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        metrics::gauge!("comments", "status" => status).set(n as f64);
    }
    for (queue, n) in queues {
        metrics::gauge!("moderation_queue_depth", "queue" => queue).set(n as f64);
    }
    let body = telemetry::prometheus()
        .map(|h| h.render())
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
