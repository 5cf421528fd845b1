//! `GET /admin/webhooks`.

use actix_web::{HttpResponse, web};

use super::WebhookView;
use crate::db::webhooks;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::state::AppState;

/// Every endpoint, oldest first (without secrets).
#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "admin", security(("bearer" = [])), responses((status = 200, description = "The endpoints", body = Vec<WebhookView>)))]
#[tracing::instrument(skip_all)]
pub async fn handle(state: web::Data<AppState>, _caller: Admin) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let endpoints = state.db.read(webhooks::list).await?;
    let views: Vec<WebhookView> = endpoints.iter().map(|e| WebhookView::new(e, now)).collect();
    Ok(HttpResponse::Ok().json(views))
}
