//! The outbox: events written in the transaction of the change that causes them, each
//! with a pending delivery for every active endpoint that wants its type. A rolled-back
//! change (a failed request's savepoint) takes its event and deliveries with it; a
//! committed one keeps them until a worker delivers them (see `crate::webhooks`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::articles;
use super::comments::Comment;
use super::prepared::Prepared;
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
        enqueue(conn, id, endpoint, now)?;
    }
    Ok(id)
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

/// Queues one event for one endpoint, due now; answers the delivery's id.
pub fn enqueue(
    conn: &mut DbConnection,
    event: i64,
    endpoint: i64,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    Ok(diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::event_id.eq(event),
            webhook_deliveries::endpoint_id.eq(endpoint),
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
