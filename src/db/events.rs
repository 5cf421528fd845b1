//! The outbox: events written in the transaction of the change that causes them, each
//! with a pending delivery for every active endpoint that wants its type. A rolled-back
//! change (a failed request's savepoint) takes its event and deliveries with it; a
//! committed one keeps them until a worker delivers them (see `crate::webhooks`).
//!
//! A new comment's event is the exception in timing, not in outcome: a post leaves it
//! to the end of its batch (`tally`), where the batch's events and their deliveries are
//! written together, in the order of the posts; a post that fails leaves none there. A
//! failure while writing them (nothing but the database itself can fail there) fails the
//! whole batch: every post in it is told so, and none of it is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::articles;
use super::comments::Comment;
use super::prepared::{Prepared, insert_in_runs};
use super::schema::{events, webhook_deliveries, webhook_endpoints};
use crate::domain::comment::ArticleId;
use crate::domain::event::{CommentEventData, Event, EventType, new_event_id};
use crate::domain::user::UserId;
use crate::error::ApiError;

/// Stores an event and queues it for every active endpoint subscribed to its type.
/// Answers the stored row's id.
pub fn emit(conn: &mut DbConnection, event: &Event, now: NaiveDateTime) -> Result<i64, ApiError> {
    let id = store(conn, event, now)?;
    let pattern = format!("% {} %", event.kind.as_str());
    let endpoints: Vec<i64> = webhook_endpoints::table
        .filter(webhook_endpoints::active.eq(true))
        .filter(webhook_endpoints::event_types.like(pattern))
        .select(webhook_endpoints::id)
        .load(conn)?;
    for endpoint in endpoints {
        enqueue(conn, id, event.article_key.as_deref(), endpoint, now)?;
    }
    Ok(id)
}

/// An event written later with others in one statement: a batch's new comments (see
/// `tally`), queued to endpoints as [`emit`] does.
#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewEvent {
    pub event_id: String,
    pub event_type: &'static str,
    pub article_key: Option<String>,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

impl NewEvent {
    /// A comment event, as [`emit_comment`] would store it.
    pub fn comment(
        kind: EventType,
        comment: &Comment,
        article_key: &str,
        now: NaiveDateTime,
    ) -> Self {
        let data = comment_data(comment, article_key, None);
        Self {
            event_id: new_event_id(),
            event_type: kind.as_str(),
            article_key: Some(article_key.to_owned()),
            // (A comment's data always serialises.)
            payload: serde_json::to_string(&data).unwrap_or_else(|_| "null".to_owned()),
            created_at: now,
        }
    }
}

/// Stores events, in order, in a few multi-row statements, and queues each for every
/// active endpoint subscribed to its type, as [`emit`] does one.
pub fn emit_all(conn: &mut DbConnection, new: &[NewEvent]) -> Result<(), ApiError> {
    if new.is_empty() {
        return Ok(());
    }
    // The endpoints of each type among them, looked up once.
    let mut wanted: Vec<(&str, Vec<i64>)> = Vec::new();
    for event in new {
        if !wanted.iter().any(|(kind, _)| *kind == event.event_type) {
            let pattern = format!("% {} %", event.event_type);
            let endpoints: Vec<i64> = webhook_endpoints::table
                .filter(webhook_endpoints::active.eq(true))
                .filter(webhook_endpoints::event_types.like(pattern))
                .select(webhook_endpoints::id)
                .load(conn)?;
            wanted.push((event.event_type, endpoints));
        }
    }
    let endpoints_of = |event: &NewEvent| {
        wanted
            .iter()
            .find(|(kind, _)| *kind == event.event_type)
            .map(|(_, endpoints)| endpoints.as_slice())
            .unwrap_or_default()
    };
    if new.iter().all(|event| endpoints_of(event).is_empty()) {
        return insert_in_runs!(conn, events::table, events::id, new);
    }
    // Queued somewhere: each event needs its row's id.
    for event in new {
        let id: i64 = diesel::insert_into(events::table)
            .values(event)
            .returning(events::id)
            .prepared()
            .get_result(conn)?;
        for &endpoint in endpoints_of(event) {
            enqueue(
                conn,
                id,
                event.article_key.as_deref(),
                endpoint,
                event.created_at,
            )?;
        }
    }
    Ok(())
}

/// Stores an event without queueing it anywhere (the test event queues itself).
pub fn store(conn: &mut DbConnection, event: &Event, now: NaiveDateTime) -> Result<i64, ApiError> {
    Ok(diesel::insert_into(events::table)
        .values((
            events::event_id.eq(new_event_id()),
            events::event_type.eq(event.kind.as_str()),
            events::article_key.eq(event.article_key.as_deref()),
            events::payload.eq(event.data.to_string()),
            events::created_at.eq(now),
        ))
        .returning(events::id)
        .prepared()
        .get_result(conn)?)
}

/// Queues one event (of the article `article_key`, if any) for one endpoint, due now;
/// answers the delivery's id.
pub fn enqueue(
    conn: &mut DbConnection,
    event: i64,
    article_key: Option<&str>,
    endpoint: i64,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    Ok(diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::event_id.eq(event),
            webhook_deliveries::endpoint_id.eq(endpoint),
            webhook_deliveries::article_key.eq(article_key),
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::created_at.eq(now),
            webhook_deliveries::updated_at.eq(now),
        ))
        .returning(webhook_deliveries::id)
        .prepared()
        .get_result(conn)?)
}

/// The `data` of a comment event: the comment as it is after the change.
pub fn comment_data(
    comment: &Comment,
    article_key: &str,
    moderator: Option<UserId>,
) -> CommentEventData {
    CommentEventData {
        comment_id: comment.id,
        article_key: article_key.to_owned(),
        parent_id: comment.parent_id,
        thread_id: comment.thread_id,
        author_id: comment.author_id,
        status: comment.status.clone(),
        moderation_reason: comment.moderation_reason.clone(),
        rejection_reason: comment.rejection_reason.clone(),
        moderator_id: moderator.map(|m| m.0),
        body: comment.body.clone(),
        html: comment.html.clone(),
        created_at: comment.created_at.and_utc(),
        edited_at: comment.edited_at.map(|t| t.and_utc()),
    }
}

/// Emits a comment event for a comment whose article key the caller knows.
pub fn emit_comment(
    conn: &mut DbConnection,
    kind: EventType,
    comment: &Comment,
    article_key: &str,
    moderator: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let data = comment_data(comment, article_key, moderator);
    emit(
        conn,
        &Event::new(kind, Some(article_key.to_owned()), &data),
        now,
    )?;
    Ok(())
}

/// The key of a comment's article (looked up for changes that do not carry it).
pub fn article_key_of(conn: &mut DbConnection, comment: &Comment) -> Result<String, ApiError> {
    Ok(articles::find(conn, ArticleId(comment.article_id))?
        .map(|a| a.key)
        .unwrap_or_default())
}

/// How far one pass of [`prune_batch`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Events deleted (with their finished deliveries).
    pub events: usize,
    /// The last event id looked at: the next batch starts after it.
    pub through: i64,
    /// No older events remain after `through`.
    pub done: bool,
}

/// Deletes, among the `limit` events after id `after`, those created before `cutoff`,
/// with their delivered or failed deliveries. An event with a delivery still pending
/// (retrying, or redelivered by an admin) stays, and so do its deliveries. Events are
/// read in id order (which is commit order within a few milliseconds), so a pass stops
/// at the first event that is not old enough.
pub fn prune_batch(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    after: i64,
    limit: i64,
) -> Result<Pruned, ApiError> {
    let rows: Vec<(i64, NaiveDateTime)> = events::table
        .filter(events::id.gt(after))
        .order(events::id.asc())
        .limit(limit)
        .select((events::id, events::created_at))
        .load(conn)?;
    let old: Vec<i64> = rows
        .iter()
        .take_while(|(_, created_at)| *created_at < cutoff)
        .map(|(id, _)| *id)
        .collect();
    let Some(&through) = old.last() else {
        return Ok(Pruned {
            events: 0,
            through: after,
            done: true,
        });
    };
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::event_id.eq_any(&old))
            .filter(webhook_deliveries::status.ne("pending")),
    )
    .execute(conn)?;
    let pending = webhook_deliveries::table.filter(webhook_deliveries::event_id.eq(events::id));
    let deleted = diesel::delete(
        events::table
            .filter(events::id.eq_any(&old))
            .filter(diesel::dsl::not(diesel::dsl::exists(pending))),
    )
    .execute(conn)?;
    Ok(Pruned {
        events: deleted,
        through,
        done: old.len() < rows.len() || (rows.len() as i64) < limit,
    })
}
