//! `GET /admin/webhooks/{id}/deliveries`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::DeliveryView;
use crate::db::webhooks;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// How many (1–100, default 50).
    pub limit: Option<i64>,
}

/// An endpoint's most recent deliveries, newest first: status, attempts, the last
/// answer's code and latency.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/{id}/deliveries", tag = "admin", params(("id" = i64, Path, description = "Endpoint id"), DeliveriesQuery), security(("bearer" = [])), responses((status = 200, description = "Recent deliveries", body = Vec<DeliveryView>)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Admin,
    path: web::Path<i64>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be 1–100"));
    }
    let id = path.into_inner();
    let rows = state
        .db
        .read(move |conn| webhooks::deliveries(conn, id, limit))
        .await?;
    let views: Vec<DeliveryView> = rows.into_iter().map(DeliveryView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}
