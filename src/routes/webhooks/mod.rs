//! `/admin/webhooks`: endpoints that receive events, their deliveries, test events.

pub mod create;
pub mod delete;
pub mod deliveries;
pub mod list;
pub mod redeliver;
pub mod test;
pub mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::webhooks::{Delivery, Endpoint};
use crate::domain::chat::Format;
use crate::domain::webhook::{self, EndpointUrl};
use crate::error::ApiError;
use crate::state::AppState;

/// Longest description of an endpoint.
const MAX_DESCRIPTION_CHARS: usize = 500;

/// A webhook endpoint (its secret is shown only when created or rotated).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    /// The endpoint's id.
    pub id: i64,
    /// Where events are POSTed.
    pub url: String,
    /// The event types it receives.
    pub event_types: Vec<String>,
    /// The admin's note on what it is for.
    pub description: Option<String>,
    /// Inactive endpoints are not sent events that happen meanwhile; deliveries queued
    /// before wait until it is active again.
    pub active: bool,
    /// A delivery failed after a day of retries; cleared by setting `active: true`.
    pub failing: bool,
    /// What a delivery's body is: Tribune's envelope, or a chat message.
    pub format: Format,
    /// While a rotated-out secret still signs beside the new one: until when.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebhookView {
    /// The view of a stored endpoint at `now`.
    pub fn new(endpoint: &Endpoint, now: DateTime<Utc>) -> Self {
        Self {
            id: endpoint.id,
            url: endpoint.url.clone(),
            event_types: webhook::stored_event_types(&endpoint.event_types),
            description: endpoint.description.clone(),
            active: endpoint.active,
            failing: endpoint.failing,
            format: Format::from_stored(&endpoint.format),
            previous_secret_until: endpoint
                .previous_secret_until
                .map(|t| t.and_utc())
                .filter(|t| *t > now),
            created_at: endpoint.created_at.and_utc(),
            updated_at: endpoint.updated_at.and_utc(),
        }
    }
}

/// An endpoint with its new secret, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (`whsec_…`): keep it, it is not shown again.
    pub secret: String,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    /// The delivery's id (for redelivery).
    pub id: i64,
    /// The event's id, sent as `Tribune-Event-Id`.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `pending` (queued or waiting to retry), `delivered` or `failed` (retries over).
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// The receiver's status code at the last attempt, if it answered.
    pub status_code: Option<i32>,
    /// How long the last attempt took, in milliseconds.
    pub latency_ms: Option<i64>,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
    /// When a pending delivery is tried next.
    pub next_attempt_at: DateTime<Utc>,
    /// When it was queued (or queued again by a redelivery).
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            status_code: d.last_status_code,
            latency_ms: d.last_latency_ms,
            error: d.last_error,
            next_attempt_at: d.next_attempt_at.and_utc(),
            created_at: d.created_at.and_utc(),
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
        }
    }
}

/// A valid endpoint URL that reaches only addresses Tribune may call (checked again
/// at every delivery).
pub async fn checked_url(state: &AppState, raw: &str) -> Result<String, ApiError> {
    let url = EndpointUrl::parse(raw).map_err(|m| ApiError::invalid("url", m))?;
    crate::webhooks::check_url(&url, state.webhooks.settings.allow_private)
        .await
        .map_err(|refused| ApiError::invalid("url", refused.to_string()))?;
    Ok(url.as_str().to_owned())
}

/// The stored subscription for a request's `event_types`.
pub fn event_types(list: &[String]) -> Result<String, ApiError> {
    let types =
        webhook::parse_event_types(list).map_err(|m| ApiError::invalid("event_types", m))?;
    Ok(webhook::store_event_types(&types))
}

/// A description of at most 500 characters (empty: none).
pub fn description(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let text = raw.map(str::trim).filter(|d| !d.is_empty());
    if text.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        return Err(ApiError::invalid(
            "description",
            "must be at most 500 characters",
        ));
    }
    Ok(text.map(str::to_owned))
}
