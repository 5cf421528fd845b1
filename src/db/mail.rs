//! The mail outbox and spent links. A mail is queued in the transaction of its cause
//! (rolled back with it) under an idempotency key that makes a second queueing of the
//! same cause a no-op; the mail worker (`crate::mail`) claims due mails under a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances sharing a database take
//! different ones) and records each attempt only while it still holds the lease.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{mail_outbox, used_links};
use super::{DbConnection, on_each_backend};
use crate::domain::user::{Language, UserId};
use crate::error::ApiError;
use crate::mail::templates::Kind;

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// One mail per cause: the same key queued twice is one mail.
    pub key: String,
    pub kind: Kind,
    pub user: Option<UserId>,
    pub recipient: String,
    pub language: Language,
    /// The template's values (never a secret: links are signed when the mail is sent).
    pub payload: serde_json::Value,
}

/// Queues a mail, due now; answers whether it was new (not queued before by its key).
pub fn enqueue(
    conn: &mut DbConnection,
    mail: &NewMail,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    enqueue_due(conn, mail, now, now)
}

/// Queues a mail, due at `due` (not before `now`); answers whether it was new.
#[tracing::instrument(skip_all, fields(kind = mail.kind.as_str()))]
pub fn enqueue_due(
    conn: &mut DbConnection,
    mail: &NewMail,
    now: NaiveDateTime,
    due: NaiveDateTime,
) -> Result<bool, ApiError> {
    let row = (
        mail_outbox::idempotency_key.eq(&mail.key),
        mail_outbox::kind.eq(mail.kind.as_str()),
        mail_outbox::user_id.eq(mail.user.map(|u| u.0)),
        mail_outbox::recipient.eq(&mail.recipient),
        mail_outbox::language.eq(mail.language.as_str()),
        mail_outbox::payload.eq(mail.payload.to_string()),
        mail_outbox::status.eq("pending"),
        mail_outbox::attempts.eq(0),
        mail_outbox::next_attempt_at.eq(due.max(now)),
        mail_outbox::created_at.eq(now),
        mail_outbox::updated_at.eq(now),
    );
    let inserted = on_each_backend!(conn, |c| diesel::insert_into(mail_outbox::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(inserted == 1)
}

/// A mail a worker holds.
#[derive(Debug, Clone, Queryable)]
pub struct Claimed {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub user_id: Option<i64>,
    pub recipient: String,
    pub language: String,
    pub payload: String,
    pub attempts: i32,
    /// When it was queued: retries stop `retry_for` later.
    pub queued_at: NaiveDateTime,
}

/// Whether any mail is due (a read, so an idle worker writes nothing).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    let found: Option<i64> = mail_outbox::table
        .filter(mail_outbox::status.eq("pending"))
        .filter(mail_outbox::next_attempt_at.le(now))
        .filter(
            mail_outbox::lease_until
                .is_null()
                .or(mail_outbox::lease_until.lt(now)),
        )
        .select(mail_outbox::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Takes up to `limit` due mails, oldest first, under a lease `token` until
/// `lease_until`; rows another instance holds are skipped.
#[tracing::instrument(skip_all)]
pub fn claim(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, ApiError> {
    const PICK: &str = "SELECT id FROM mail_outbox WHERE status = 'pending' \
        AND next_attempt_at <= {now} AND (lease_until IS NULL OR lease_until < {now}) \
        ORDER BY id LIMIT {limit}";
    match conn {
        DbConnection::Postgres(c) => {
            let pick = PICK.replace("{now}", "$3").replace("{limit}", "$4");
            diesel::sql_query(format!(
                "UPDATE mail_outbox SET lease_token = $1, lease_until = $2 \
                 WHERE id IN ({pick} FOR UPDATE SKIP LOCKED)"
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
                "UPDATE mail_outbox SET lease_token = ?1, lease_until = ?2 WHERE id IN ({pick})"
            ))
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .execute(c)?;
        }
    }
    Ok(mail_outbox::table
        .filter(mail_outbox::lease_token.eq(token))
        .filter(mail_outbox::status.eq("pending"))
        .order(mail_outbox::id.asc())
        .select((
            mail_outbox::id,
            mail_outbox::idempotency_key,
            mail_outbox::kind,
            mail_outbox::user_id,
            mail_outbox::recipient,
            mail_outbox::language,
            mail_outbox::payload,
            mail_outbox::attempts,
            mail_outbox::created_at,
        ))
        .load(conn)?)
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The SMTP server took it.
    Sent,
    /// A temporary failure: try again at the time.
    RetryAt(NaiveDateTime, String),
    /// A permanent failure, or retries are over.
    Failed(String),
    /// Not sent, and never will be: the account is gone, its address changed, or it is
    /// not verified for a kind that needs it.
    Dropped(String),
}

/// Records an attempt of a mail still held under `token` (a lease that ran out and was
/// taken by another worker records nothing); answers whether it was recorded. A sent
/// mail keeps no template values.
#[tracing::instrument(skip_all)]
pub fn record(
    conn: &mut DbConnection,
    mail: &Claimed,
    token: &str,
    outcome: &Outcome,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let (status, next_at, error, sent_at) = match outcome {
        Outcome::Sent => ("sent", now, None, Some(now)),
        Outcome::RetryAt(at, e) => ("pending", *at, Some(e.as_str()), None),
        Outcome::Failed(e) => ("failed", now, Some(e.as_str()), None),
        Outcome::Dropped(e) => ("dropped", now, Some(e.as_str()), None),
    };
    let payload = if status == "pending" {
        mail.payload.clone()
    } else {
        "{}".to_owned()
    };
    let updated = diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(mail.id))
            .filter(mail_outbox::lease_token.eq(token)),
    )
    .set((
        mail_outbox::status.eq(status),
        mail_outbox::attempts.eq(mail.attempts.saturating_add(1)),
        mail_outbox::next_attempt_at.eq(next_at),
        mail_outbox::lease_token.eq(None::<String>),
        mail_outbox::lease_until.eq(None::<NaiveDateTime>),
        mail_outbox::last_error.eq(error),
        mail_outbox::payload.eq(payload),
        mail_outbox::updated_at.eq(now),
        mail_outbox::sent_at.eq(sent_at),
    ))
    .execute(conn)?;
    Ok(updated > 0)
}

/// Deletes finished mails (sent, failed, dropped) queued before `cutoff`, at most
/// `limit`; answers how many.
pub fn prune(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> Result<usize, ApiError> {
    let old: Vec<i64> = mail_outbox::table
        .filter(mail_outbox::status.ne("pending"))
        .filter(mail_outbox::created_at.lt(cutoff))
        .order(mail_outbox::id.asc())
        .limit(limit)
        .select(mail_outbox::id)
        .load(conn)?;
    diesel::delete(used_links::table.filter(used_links::expires_at.lt(cutoff))).execute(conn)?;
    Ok(diesel::delete(mail_outbox::table.filter(mail_outbox::id.eq_any(old))).execute(conn)?)
}

/// Forgets every mail to an account (its erasure): pending ones are not sent.
pub fn forget_user(conn: &mut DbConnection, user: UserId) -> Result<(), ApiError> {
    diesel::delete(mail_outbox::table.filter(mail_outbox::user_id.eq(user.0))).execute(conn)?;
    Ok(())
}

/// Pending mails (the backlog), for metrics.
pub fn backlog(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.eq("pending"))
        .count()
        .get_result(conn)?)
}

/// Spends a link's `jti` (kept until `expires_at`); `false` when it was spent before.
#[tracing::instrument(skip_all)]
pub fn spend_link(
    conn: &mut DbConnection,
    jti: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    diesel::delete(used_links::table.filter(used_links::expires_at.le(now))).execute(conn)?;
    let row = (
        used_links::jti.eq(jti),
        used_links::expires_at.eq(expires_at),
    );
    let inserted = on_each_backend!(conn, |c| diesel::insert_into(used_links::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(inserted == 1)
}
