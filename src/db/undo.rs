//! Undoing a moderator's latest decision on a comment, within a few seconds.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::DbConnection;
use super::comments::{self as comment_rows, shift_counters_flagged};
use super::moderation::{self, LogEntry, QueueItem};
use super::schema::{comments, flags, moderation_log};
use crate::domain::comment::{CommentId, CommentStatus};
use crate::domain::undo::{self, LastEntry, Refusal};
use crate::domain::user::UserId;
use crate::error::{ApiError, Conflict};

/// The latest log line of a comment, with the state a decision replaced.
#[derive(Debug, Clone, Queryable)]
struct LastLine {
    action: String,
    actor_id: Option<i64>,
    at: NaiveDateTime,
    prev_status: Option<String>,
    prev_moderation_reason: Option<String>,
    prev_rejection_reason: Option<String>,
    prev_moderated_by: Option<i64>,
    prev_moderated_at: Option<NaiveDateTime>,
}

/// Takes back `moderator`'s latest decision on a comment (see `domain::undo`): the
/// comment gets its status, reasons and moderator back, the flags the decision
/// resolved are open again, the counters follow, and the undo is logged. 404 for no
/// comment, 409 `nothing_to_undo` or `undo_window_passed`.
#[tracing::instrument(skip_all)]
pub fn undo_decision(
    conn: &mut DbConnection,
    id: CommentId,
    moderator: UserId,
    now: DateTime<Utc>,
) -> Result<QueueItem, ApiError> {
    let comment = comment_rows::find(conn, id)?.ok_or(ApiError::NotFound("comment"))?;
    let last: Option<LastLine> = moderation_log::table
        .filter(moderation_log::comment_id.eq(id.0))
        .order(moderation_log::id.desc())
        .select((
            moderation_log::action,
            moderation_log::actor_id,
            moderation_log::at,
            moderation_log::prev_status,
            moderation_log::prev_moderation_reason,
            moderation_log::prev_rejection_reason,
            moderation_log::prev_moderated_by,
            moderation_log::prev_moderated_at,
        ))
        .first(conn)
        .optional()?;
    let entry = last.as_ref().map(|l| LastEntry {
        action: &l.action,
        actor: l.actor_id.map(UserId),
        at: l.at.and_utc(),
        previous: l.prev_status.as_deref().and_then(CommentStatus::parse),
    });
    let restored = undo::may_undo(entry, comment.status(), moderator, now).map_err(|r| {
        ApiError::Conflict(match r {
            Refusal::Nothing => Conflict::NothingToUndo,
            Refusal::TooLate => Conflict::UndoWindowPassed,
        })
    })?;
    let Some(last) = last else {
        return Err(ApiError::Conflict(Conflict::NothingToUndo));
    };
    let at = now.naive_utc();
    // The flags this decision resolved (same moderator, same instant) are open again.
    diesel::update(
        flags::table
            .filter(flags::comment_id.eq(id.0))
            .filter(flags::resolved_by.eq(moderator.0))
            .filter(flags::resolved_at.eq(last.at)),
    )
    .set((
        flags::resolved_at.eq(None::<NaiveDateTime>),
        flags::resolved_by.eq(None::<i64>),
    ))
    .execute(conn)?;
    let open: i64 = flags::table
        .filter(flags::comment_id.eq(id.0))
        .filter(flags::resolved_at.is_null())
        .count()
        .get_result(conn)?;
    // Only if the comment is still as read: of two undos (or an undo and a decision)
    // at once, the second finds it changed and is refused (PostgreSQL re-checks the
    // condition after waiting for the first's row lock).
    let changed = diesel::update(
        comments::table
            .find(id.0)
            .filter(comments::status.eq(&comment.status))
            .filter(comments::updated_at.eq(comment.updated_at)),
    )
    .set((
        comments::status.eq(restored.as_str()),
        comments::moderation_reason.eq(&last.prev_moderation_reason),
        comments::rejection_reason.eq(&last.prev_rejection_reason),
        comments::moderated_by.eq(last.prev_moderated_by),
        comments::moderated_at.eq(last.prev_moderated_at),
        comments::open_flags.eq(open),
        comments::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(ApiError::Conflict(Conflict::NothingToUndo));
    }
    shift_counters_flagged(conn, &comment, Some(comment.status()), restored, open)?;
    moderation::log(
        conn,
        &LogEntry {
            actor: Some(moderator),
            action: "undo",
            comment: Some(id),
            user: comment.author(),
            reason: Some(&last.action),
            note: None,
            at,
        },
    )?;
    moderation::item(conn, id)?.ok_or(ApiError::NotFound("comment"))
}
