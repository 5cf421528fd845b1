//! `PATCH /admin/webhooks/{id}`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{WebhookView, WebhookWithSecret, checked_url, description, event_types};
use crate::db::webhooks::{self, EndpointChanges};
use crate::domain::chat::Format;
use crate::domain::webhook::generate_secret;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::state::AppState;

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateWebhook {
    /// A new URL (checked like a new endpoint's).
    pub url: Option<String>,
    /// The event types to receive from now on.
    #[schema(value_type = Option<Vec<crate::domain::event::EventType>>)]
    pub event_types: Option<Vec<String>>,
    /// A new description (empty: none).
    pub description: Option<String>,
    /// `false`: events from now on are not queued for it (queued ones wait); `true`
    /// resumes it and clears `failing`.
    pub active: Option<bool>,
    /// `true`: generate a new secret (answered this once); the old one keeps signing
    /// beside it for 24 hours, so receivers can switch without losing events.
    #[serde(default)]
    pub rotate_secret: bool,
    /// `tribune` or `chat` (see `CreateWebhook`).
    pub format: Option<Format>,
}

/// Changes an endpoint; with `rotate_secret`, answers the new secret too.
#[utoipa::path(patch, path = "/api/v1/admin/webhooks/{id}", tag = "admin", params(("id" = i64, Path, description = "Endpoint id")), request_body = UpdateWebhook, security(("bearer" = [])), responses((status = 200, description = "The endpoint (with `secret` when rotated)", body = WebhookWithSecret)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Admin,
    path: web::Path<i64>,
    body: web::Json<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let url = match &body.url {
        Some(raw) => Some(checked_url(&state, raw).await?),
        None => None,
    };
    let changes = EndpointChanges {
        url,
        event_types: body.event_types.as_deref().map(event_types).transpose()?,
        description: body
            .description
            .is_some()
            .then(|| description(body.description.as_deref()))
            .transpose()?,
        active: body.active,
        new_secret: body.rotate_secret.then(generate_secret),
        format: body.format,
    };
    let id = path.into_inner();
    let now = state.clock.now();
    let endpoint = state
        .db
        .write(move |conn| webhooks::update(conn, id, &changes, now.naive_utc()))
        .await?;
    let webhook = WebhookView::new(&endpoint, now);
    if body.rotate_secret {
        return Ok(HttpResponse::Ok().json(WebhookWithSecret {
            webhook,
            secret: endpoint.secret,
        }));
    }
    Ok(HttpResponse::Ok().json(webhook))
}
