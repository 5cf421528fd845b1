//! Notices owed to authors: every decision they are told about (a statement of reasons,
//! EU Digital Services Act Art. 17) and every outcome of their appeals.
//!
//! This is the one place such a notice is queued. Every decision and appeal outcome is
//! written to the moderation log through `moderation::log_with_previous`, which calls
//! [`queue`] in the same transaction for the actions [`owed_for`] names. Today the API
//! is the notice (`GET /me/decisions`); the mail outbox will queue its mail here, so a
//! notice commits, or rolls back, with its decision.

use super::DbConnection;
use super::moderation::LogEntry;
use crate::domain::appeal::DECISIONS;
use crate::error::ApiError;

/// Whether a log line of `action` owes its author a notice: a decision they are told
/// about (`domain::appeal::DECISIONS`) or the outcome of their appeal.
pub fn owed_for(action: &str) -> bool {
    DECISIONS.contains(&action) || matches!(action, "appeal_upheld" | "appeal_reversed")
}

/// Queues the notice of the log line `line` (`entry`) for the account it concerns.
pub fn queue(_conn: &mut DbConnection, line: i64, entry: &LogEntry<'_>) -> Result<(), ApiError> {
    // Nothing to send yet: the author reads it at `GET /me/decisions`.
    tracing::debug!(
        line,
        action = entry.action,
        user = entry.user.map(|u| u.0),
        "notice owed to the author"
    );
    Ok(())
}
