//! `DELETE /admin/webhooks/{id}`.

use actix_web::{HttpResponse, web};

use crate::db::webhooks;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::state::AppState;

/// Removes an endpoint and its deliveries (pending ones are not sent).
#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}", tag = "admin", params(("id" = i64, Path, description = "Endpoint id")), security(("bearer" = [])), responses((status = 204, description = "Removed")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Admin,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    state
        .db
        .write(move |conn| webhooks::delete(conn, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
