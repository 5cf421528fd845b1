//! Notices owed to authors: every decision they are told about (a statement of reasons,
//! EU Digital Services Act Art. 17) and every outcome of their appeals.
//!
//! This is the one place such a notice is queued. Every decision and appeal outcome is
//! written to the moderation log through `moderation::log_with_previous`, which calls
//! [`queue`] in the same transaction for the actions [`owed_for`] names. The API is one
//! notice (`GET /me/decisions`); the other is a mail, queued here in the mail outbox,
//! so it commits, or rolls back, with its decision.
//!
//! A mail is queued when this database's instances send mail (`meta::MAIL_KEY`, written
//! at start) and the author has a verified address (the worker checks both again before
//! sending). One mail per log line (its idempotency key). A moderator's decision may be
//! undone for `UNDO_WINDOW_SECS`: its mail is due only after that, and the worker drops
//! a decision's mail when the decision no longer applies (undone, decided again,
//! reversed), so an author is not told of a decision that was taken back at once.

use chrono::TimeDelta;
use diesel::prelude::*;

use super::DbConnection;
use super::mail as outbox;
use super::meta;
use super::moderation::LogEntry;
use super::schema::appeals;
use super::users;
use crate::domain::appeal::DECISIONS;
use crate::domain::undo::UNDO_WINDOW_SECS;
use crate::error::ApiError;
use crate::mail::{self, templates::Kind};

/// Whether a log line of `action` owes its author a notice: a decision they are told
/// about (`domain::appeal::DECISIONS`) or the outcome of their appeal.
pub fn owed_for(action: &str) -> bool {
    DECISIONS.contains(&action) || matches!(action, "appeal_upheld" | "appeal_reversed")
}

/// Queues the notice of the log line `line` (`entry`) for the account it concerns.
pub fn queue(conn: &mut DbConnection, line: i64, entry: &LogEntry<'_>) -> Result<(), ApiError> {
    tracing::debug!(
        line,
        action = entry.action,
        user = entry.user.map(|u| u.0),
        "notice owed to the author"
    );
    let Some(user) = entry.user else {
        return Ok(());
    };
    if meta::get(conn, meta::MAIL_KEY)?.as_deref() != Some("on") {
        return Ok(());
    }
    let Some(account) = users::find(conn, user)? else {
        return Ok(());
    };
    let (kind, decision, appeal) = if DECISIONS.contains(&entry.action) {
        (Kind::DecisionNotice, line, None)
    } else {
        // The appeal this outcome decided, updated just before in this transaction.
        let found: Option<(i64, i64)> = appeals::table
            .filter(appeals::user_id.eq(user.0))
            .filter(appeals::decided_at.eq(entry.at))
            .filter(appeals::state.ne("open"))
            .select((appeals::id, appeals::decision_id))
            .order(appeals::id.desc())
            .first(conn)
            .optional()?;
        let Some((appeal, decision)) = found else {
            return Ok(());
        };
        (Kind::AppealOutcome, decision, Some(appeal))
    };
    // A moderator's decision can be undone for a while: tell the author once it stands.
    let due = if entry.actor.is_some() && kind == Kind::DecisionNotice {
        entry.at + TimeDelta::seconds(UNDO_WINDOW_SECS + 1)
    } else {
        entry.at
    };
    if let Some(notice) = mail::notice(&account, kind, line, decision, appeal) {
        outbox::enqueue_due(conn, &notice, entry.at, due)?;
    }
    Ok(())
}
