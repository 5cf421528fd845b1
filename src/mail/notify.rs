//! The notifier, run by each mail worker before it sends: puts waiting reply notices
//! into mails (one per subscription and batch window), and queues the moderators'
//! digests once per period. Both only *queue* mail, in one transaction with what they
//! record, so the outbox's promises hold: a notice goes into exactly one mail (its row
//! records the mail's key in the transaction that queues it), and a digest's
//! idempotency key names its moderator and period, so instances sharing a database
//! queue it once.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::templates::{DigestFigures, ListedReply};
use super::{Mail, ReplyBatch};
use crate::clock::Clock;
use crate::db::mail as outbox;
use crate::db::subscriptions as subs;
use crate::db::{Db, DbConnection, digest, users};
use crate::domain::user::{UserId, UserStatus};
use crate::error::ApiError;

/// A reply's text is shortened to this many characters in a mail.
const EXCERPT_CHARS: usize = 600;

/// The notifier's memory between passes: the hour it last queued digests for.
#[derive(Debug, Default)]
pub struct Notifier {
    digest_hour: Option<i64>,
}

impl Notifier {
    /// One pass: reply batches that are due, and digests when a new hour began. Errors
    /// are logged; the next pass tries again.
    pub async fn pass(&mut self, db: &Db, clock: &Clock, mail: &Arc<Mail>) {
        if let Err(error) = replies(db, clock, mail).await {
            tracing::warn!(%error, "notifier: cannot queue reply mails");
        }
        let now = clock.now();
        let hour = now.timestamp().div_euclid(3600);
        if self.digest_hour != Some(hour) {
            match digests(db, now, mail).await {
                Ok(()) => self.digest_hour = Some(hour),
                Err(error) => tracing::warn!(%error, "notifier: cannot queue digests"),
            }
        }
    }
}

/// Queues a mail for every subscription whose first waiting reply has waited the batch
/// window; it lists every reply waiting then.
async fn replies(db: &Db, clock: &Clock, mail: &Arc<Mail>) -> Result<(), ApiError> {
    if !db.read(subs::any_waiting).await? {
        return Ok(());
    }
    let now = clock.now_naive();
    let window = TimeDelta::from_std(mail.settings.notify_batch).unwrap_or(TimeDelta::zero());
    let ripe = now - window;
    let mailer = mail.clone();
    db.write(move |conn| {
        for subscription in subs::due_subscriptions(conn, now, ripe)? {
            bundle(conn, &mailer, subscription, now)?;
        }
        Ok(())
    })
    .await
}

/// Puts the waiting notices of one subscription into one mail, or skips them when the
/// recipient may not get it (erased, banned, switched off, no verified address) or none
/// of the replies still shows.
fn bundle(
    conn: &mut DbConnection,
    mail: &Mail,
    subscription: i64,
    now: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    let Some(sub) = subs::lock(conn, subscription)? else {
        return Ok(());
    };
    let waiting = subs::waiting(conn, subscription)?;
    let Some(first) = waiting.first().map(|w| w.notice_id) else {
        return Ok(());
    };
    let notices: Vec<i64> = waiting.iter().map(|w| w.notice_id).collect();
    let listed: Vec<ListedReply> = waiting
        .iter()
        .filter(|w| subs::still_approved(&w.status))
        .map(|w| ListedReply {
            author: w.author.clone().unwrap_or_else(|| "?".into()),
            body: excerpt(&w.body),
        })
        .collect();
    let found = users::find(conn, UserId(sub.user_id))?.map(|u| (sub, u));
    let queued = match found {
        Some((sub, user))
            if !listed.is_empty()
                && user.notify_replies
                && user.status_at(now.and_utc()) == UserStatus::Active =>
        {
            let key = format!("replies:{}:{first}", user.id);
            let article = subs::article_of(conn, &sub)?;
            let (name, url) = match &article {
                Some((key, title, url)) => (title.clone().unwrap_or(key.clone()), url.clone()),
                None => (String::new(), None),
            };
            let batch = ReplyBatch {
                subscription: sub.id,
                whole_article: sub.article_id.is_some(),
                article: &name,
                url: url.as_deref(),
                replies: &listed,
            };
            let new = mail.replies(&user, &key, &batch);
            match new {
                Some(new) => {
                    outbox::enqueue(conn, &new, now)?;
                    Some(key)
                }
                None => None,
            }
        }
        _ => None,
    };
    subs::mark(conn, &notices, queued.as_deref().unwrap_or("skipped"))
}

/// A reply's text for a mail: its Markdown source, at most `EXCERPT_CHARS` characters.
fn excerpt(body: &str) -> String {
    let mut chars = body.chars();
    let short: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{}…", short.trim_end())
    } else {
        short
    }
}

/// Queues the digests of this hour: each subscriber's daily digest at the first pass of
/// a UTC day with anything to report (key `digest:<id>:<day>`), and, after that, an
/// hourly one while the oldest pending comment has waited `digest_alert_hours` or more
/// (key `digest:<id>:<day>T<hour>`).
async fn digests(db: &Db, now: DateTime<Utc>, mail: &Arc<Mail>) -> Result<(), ApiError> {
    let recipients = db.read(move |conn| digest::recipients(conn, now)).await?;
    if recipients.is_empty() {
        return Ok(());
    }
    let mailer = mail.clone();
    let naive = now.naive_utc();
    db.write(move |conn| {
        let figures = digest::figures(conn, naive - TimeDelta::hours(24))?;
        if figures.pending == 0 && figures.new_reports == 0 {
            return Ok(());
        }
        let waited = figures.oldest_pending.map(|t| naive - t);
        let shown = DigestFigures {
            new_reports: figures.new_reports,
            pending: figures.pending,
            oldest_hours: waited.map(|w| w.num_hours()),
        };
        let alert = mailer.settings.digest_alert_hours;
        let overdue = alert > 0
            && waited.is_some_and(|w| w.num_hours() >= i64::try_from(alert).unwrap_or(i64::MAX));
        let day = now.format("%Y-%m-%d");
        let hour = now.format("%Y-%m-%dT%H");
        for user in recipients {
            let daily = mailer.digest(&user, &format!("digest:{}:{day}", user.id), shown);
            let Some(daily) = daily else { continue };
            if outbox::enqueue(conn, &daily, naive)? || !overdue {
                continue;
            }
            let hourly = mailer.digest(&user, &format!("digest:{}:{hour}", user.id), shown);
            if let Some(hourly) = hourly {
                outbox::enqueue(conn, &hourly, naive)?;
            }
        }
        Ok(())
    })
    .await
}
