//! Webhook endpoints and their deliveries: the admin API's rows, and the worker's
//! claims under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances sharing
//! a database take different deliveries).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::DbConnection;
use super::events;
use super::schema::{events as event_rows, webhook_deliveries, webhook_endpoints};
use crate::domain::chat::Format;
use crate::domain::event::{Event, EventType};
use crate::error::ApiError;

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// A row of `webhook_endpoints`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    /// The stored subscription (see `domain::webhook::store_event_types`).
    pub event_types: String,
    pub description: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub active: bool,
    /// A delivery gave up after its retries.
    pub failing: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `tribune` or `chat` (see `domain::chat::Format`).
    pub format: String,
}

/// A new endpoint, validated.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub event_types: String,
    pub description: Option<String>,
    pub active: bool,
    pub secret: String,
    pub format: Format,
}

/// Registers an endpoint.
#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    new: &NewEndpoint,
    now: NaiveDateTime,
) -> Result<Endpoint, ApiError> {
    Ok(diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::url.eq(&new.url),
            webhook_endpoints::event_types.eq(&new.event_types),
            webhook_endpoints::description.eq(new.description.as_deref()),
            webhook_endpoints::secret.eq(&new.secret),
            webhook_endpoints::active.eq(new.active),
            webhook_endpoints::failing.eq(false),
            webhook_endpoints::format.eq(new.format.as_str()),
            webhook_endpoints::created_at.eq(now),
            webhook_endpoints::updated_at.eq(now),
        ))
        .returning(webhook_endpoints::all_columns)
        .get_result(conn)?)
}

/// Every endpoint, oldest first.
pub fn list(conn: &mut DbConnection) -> Result<Vec<Endpoint>, ApiError> {
    Ok(webhook_endpoints::table
        .order(webhook_endpoints::id.asc())
        .select(Endpoint::as_select())
        .load(conn)?)
}

/// One endpoint (404 if none).
pub fn find(conn: &mut DbConnection, id: i64) -> Result<Endpoint, ApiError> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound("webhook"))
}

/// Changes to an endpoint; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub event_types: Option<String>,
    pub description: Option<Option<String>>,
    /// `Some(true)` also clears the `failing` flag.
    pub active: Option<bool>,
    /// A new secret; the old one signs beside it for `ROTATION_OVERLAP`.
    pub new_secret: Option<String>,
    pub format: Option<Format>,
}

/// Applies changes to an endpoint.
#[tracing::instrument(skip_all)]
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    changes: &EndpointChanges,
    now: NaiveDateTime,
) -> Result<Endpoint, ApiError> {
    let old = find(conn, id)?;
    let (secret, previous, until) = match &changes.new_secret {
        Some(new) => (
            new.clone(),
            Some(old.secret.clone()),
            Some(now + ROTATION_OVERLAP),
        ),
        None => (
            old.secret.clone(),
            old.previous_secret.clone(),
            old.previous_secret_until,
        ),
    };
    let failing = old.failing && changes.active != Some(true);
    Ok(diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::url.eq(changes.url.as_ref().unwrap_or(&old.url)),
            webhook_endpoints::event_types
                .eq(changes.event_types.as_ref().unwrap_or(&old.event_types)),
            webhook_endpoints::description
                .eq(changes.description.clone().unwrap_or(old.description)),
            webhook_endpoints::secret.eq(secret),
            webhook_endpoints::previous_secret.eq(previous),
            webhook_endpoints::previous_secret_until.eq(until),
            webhook_endpoints::active.eq(changes.active.unwrap_or(old.active)),
            webhook_endpoints::failing.eq(failing),
            webhook_endpoints::format
                .eq(changes.format.map_or(old.format, |f| f.as_str().to_owned())),
            webhook_endpoints::updated_at.eq(now),
        ))
        .returning(webhook_endpoints::all_columns)
        .get_result(conn)?)
}

/// Removes an endpoint and its deliveries.
#[tracing::instrument(skip_all)]
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id)))
        .execute(conn)?;
    let removed = diesel::delete(webhook_endpoints::table.find(id)).execute(conn)?;
    if removed == 0 {
        return Err(ApiError::NotFound("webhook"));
    }
    Ok(())
}

/// A delivery as the admin API lists it.
#[derive(Debug, Clone, Queryable)]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

type DeliveryColumns = (
    webhook_deliveries::id,
    event_rows::event_id,
    event_rows::event_type,
    webhook_deliveries::status,
    webhook_deliveries::attempts,
    webhook_deliveries::last_status_code,
    webhook_deliveries::last_latency_ms,
    webhook_deliveries::last_error,
    webhook_deliveries::next_attempt_at,
    webhook_deliveries::created_at,
    webhook_deliveries::delivered_at,
);

const DELIVERY_COLUMNS: DeliveryColumns = (
    webhook_deliveries::id,
    event_rows::event_id,
    event_rows::event_type,
    webhook_deliveries::status,
    webhook_deliveries::attempts,
    webhook_deliveries::last_status_code,
    webhook_deliveries::last_latency_ms,
    webhook_deliveries::last_error,
    webhook_deliveries::next_attempt_at,
    webhook_deliveries::created_at,
    webhook_deliveries::delivered_at,
);

/// An endpoint's most recent deliveries, newest first (404 for no endpoint).
#[tracing::instrument(skip_all)]
pub fn deliveries(
    conn: &mut DbConnection,
    endpoint: i64,
    limit: i64,
) -> Result<Vec<Delivery>, ApiError> {
    find(conn, endpoint)?;
    Ok(webhook_deliveries::table
        .inner_join(event_rows::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(DELIVERY_COLUMNS)
        .load(conn)?)
}

fn delivery(conn: &mut DbConnection, endpoint: i64, id: i64) -> Result<Delivery, ApiError> {
    webhook_deliveries::table
        .inner_join(event_rows::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint))
        .filter(webhook_deliveries::id.eq(id))
        .select(DELIVERY_COLUMNS)
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound("delivery"))
}

/// Sends a delivery again, from its first attempt, whatever became of it (the event
/// keeps its id).
#[tracing::instrument(skip_all)]
pub fn redeliver(
    conn: &mut DbConnection,
    endpoint: i64,
    id: i64,
    now: NaiveDateTime,
) -> Result<Delivery, ApiError> {
    delivery(conn, endpoint, id)?;
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::lease_token.eq(None::<String>),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::created_at.eq(now),
            webhook_deliveries::updated_at.eq(now),
            webhook_deliveries::delivered_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    delivery(conn, endpoint, id)
}

/// Queues a `webhook.test` event for one endpoint only.
#[tracing::instrument(skip_all)]
pub fn send_test(
    conn: &mut DbConnection,
    endpoint: i64,
    now: NaiveDateTime,
) -> Result<Delivery, ApiError> {
    find(conn, endpoint)?;
    let data = serde_json::json!({ "message": "a test event from Tribune" });
    let event = events::store(conn, &Event::new(EventType::WebhookTest, None, &data), now)?;
    let id = events::enqueue(conn, event, None, endpoint, now)?;
    delivery(conn, endpoint, id)
}

/// A delivery a worker holds: what to send, where, signed how.
#[derive(Debug, Clone, Queryable)]
pub struct Claimed {
    pub delivery_id: i64,
    pub attempts: i32,
    /// When it was queued: retries stop a day (`retry_for`) later.
    pub queued_at: NaiveDateTime,
    pub endpoint_id: i64,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub event_created_at: NaiveDateTime,
    /// The endpoint's `format`.
    pub format: String,
}

impl Claimed {
    /// The secrets that sign now.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<String> {
        let mut secrets = vec![self.secret.clone()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until > now
        {
            secrets.push(previous.clone());
        }
        secrets
    }
}

/// Whether any delivery is due (a read, so an idle worker writes nothing).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    let found: Option<i64> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(
            webhook_deliveries::lease_until
                .is_null()
                .or(webhook_deliveries::lease_until.lt(now)),
        )
        .select(webhook_deliveries::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Pending deliveries (the backlog), for metrics.
pub fn backlog(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .count()
        .get_result(conn)?)
}

/// Endpoints flagged `failing`, for metrics.
pub fn failing(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::failing.eq(true))
        .count()
        .get_result(conn)?)
}

/// Takes up to `limit` due deliveries of active endpoints, oldest first, under a lease
/// `token` until `lease_until`; rows another instance holds are skipped.
#[tracing::instrument(skip_all)]
pub fn claim(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, ApiError> {
    // One article's events reach an endpoint in order: a delivery is picked only when no
    // earlier one of the same endpoint and article is still pending (in flight, or waiting
    // for a retry). Events of no article are not held back.
    const PICK: &str = "SELECT d.id FROM webhook_deliveries d \
        JOIN webhook_endpoints e ON e.id = d.endpoint_id \
        WHERE d.status = 'pending' AND e.active AND d.next_attempt_at <= {now} \
        AND (d.lease_until IS NULL OR d.lease_until < {now}) \
        AND (d.article_key IS NULL OR NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
            WHERE p.endpoint_id = d.endpoint_id AND p.article_key = d.article_key \
            AND p.status = 'pending' AND p.id < d.id)) \
        ORDER BY d.id LIMIT {limit}";
    match conn {
        DbConnection::Postgres(c) => {
            let pick = PICK.replace("{now}", "$3").replace("{limit}", "$4");
            diesel::sql_query(format!(
                "UPDATE webhook_deliveries SET lease_token = $1, lease_until = $2 \
                 WHERE id IN ({pick} FOR UPDATE OF d SKIP LOCKED)"
            ))
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            let pick = PICK.replace("{now}", "?3").replace("{limit}", "?4");
            diesel::sql_query(format!(
                "UPDATE webhook_deliveries SET lease_token = ?1, lease_until = ?2 \
                 WHERE id IN ({pick})"
            ))
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .execute(c)?;
        }
    }
    Ok(webhook_deliveries::table
        .inner_join(event_rows::table)
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::lease_token.eq(token))
        .filter(webhook_deliveries::status.eq("pending"))
        .order(webhook_deliveries::id.asc())
        .select((
            webhook_deliveries::id,
            webhook_deliveries::attempts,
            webhook_deliveries::created_at,
            webhook_endpoints::id,
            webhook_endpoints::url,
            webhook_endpoints::secret,
            webhook_endpoints::previous_secret,
            webhook_endpoints::previous_secret_until,
            event_rows::event_id,
            event_rows::event_type,
            event_rows::payload,
            event_rows::created_at,
            webhook_endpoints::format,
        ))
        .load(conn)?)
}

/// What became of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The receiver's status code, if it answered.
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    /// Why it failed, if it did (short, no secrets).
    pub error: Option<String>,
}

/// The delivery's next state after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Delivered,
    RetryAt(NaiveDateTime),
    /// Retries are over: the delivery failed and its endpoint is flagged.
    GiveUp,
}

/// Records an attempt of a delivery still held under `token` (a lease that ran out
/// and was taken by another worker records nothing). Answers whether it was recorded.
#[tracing::instrument(skip_all)]
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    token: &str,
    attempt: &Attempt,
    next: Next,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let (status, next_at, delivered_at) = match next {
        Next::Delivered => ("delivered", now, Some(now)),
        Next::RetryAt(at) => ("pending", at, None),
        Next::GiveUp => ("failed", now, None),
    };
    let updated = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(claimed.delivery_id))
            .filter(webhook_deliveries::lease_token.eq(token)),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::attempts.eq(claimed.attempts.saturating_add(1)),
        webhook_deliveries::next_attempt_at.eq(next_at),
        webhook_deliveries::lease_token.eq(None::<String>),
        webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::last_status_code.eq(attempt.status_code),
        webhook_deliveries::last_latency_ms.eq(Some(attempt.latency_ms)),
        webhook_deliveries::last_error.eq(attempt.error.as_deref()),
        webhook_deliveries::updated_at.eq(now),
        webhook_deliveries::delivered_at.eq(delivered_at),
    ))
    .execute(conn)?;
    if updated > 0 && next == Next::GiveUp {
        diesel::update(webhook_endpoints::table.find(claimed.endpoint_id))
            .set(webhook_endpoints::failing.eq(true))
            .execute(conn)?;
    }
    Ok(updated > 0)
}
