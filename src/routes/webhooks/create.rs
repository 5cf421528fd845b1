//! `POST /admin/webhooks`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{WebhookView, WebhookWithSecret, checked_url, description, event_types};
use crate::db::webhooks::{self, NewEndpoint};
use crate::domain::chat::Format;
use crate::domain::webhook::generate_secret;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::state::AppState;

/// A new endpoint.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateWebhook {
    /// `http` or `https` URL; it must resolve to public addresses only (unless the
    /// operator set `TRIBUNE_WEBHOOK_ALLOW_PRIVATE`).
    pub url: String,
    /// Event types to receive, e.g. `["comment.created", "comment.flagged"]`.
    #[schema(value_type = Vec<crate::domain::event::EventType>)]
    pub event_types: Vec<String>,
    /// What it is for (at most 500 characters).
    pub description: Option<String>,
    /// Deliver to it (default true).
    pub active: Option<bool>,
    /// `tribune` (default): the signed envelope; `chat`: a `{"text": …}` message for a
    /// chat channel's incoming webhook (Slack, Mattermost, Rocket.Chat, Google Chat,
    /// Discord's `…/slack` URL).
    pub format: Option<Format>,
}

/// Registers an endpoint and answers its signing secret, this once.
#[utoipa::path(post, path = "/api/v1/admin/webhooks", tag = "admin", request_body = CreateWebhook, security(("bearer" = [])), responses((status = 201, description = "The endpoint with its secret", body = WebhookWithSecret)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Admin,
    body: web::Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let new = NewEndpoint {
        url: checked_url(&state, &body.url).await?,
        event_types: event_types(&body.event_types)?,
        description: description(body.description.as_deref())?,
        active: body.active.unwrap_or(true),
        secret: generate_secret(),
        format: body.format.unwrap_or_default(),
    };
    let now = state.clock.now();
    let endpoint = state
        .db
        .write(move |conn| webhooks::create(conn, &new, now.naive_utc()))
        .await?;
    Ok(HttpResponse::Created().json(WebhookWithSecret {
        webhook: WebhookView::new(&endpoint, now),
        secret: endpoint.secret,
    }))
}
