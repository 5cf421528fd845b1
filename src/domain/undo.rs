//! Taking back a moderator's last decision on a comment, for a few seconds.

use chrono::{DateTime, TimeDelta, Utc};

use super::comment::CommentStatus;
use super::log::UNDOABLE;
use super::user::UserId;

/// How long after a decision its moderator may undo it, in seconds.
pub const UNDO_WINDOW_SECS: i64 = 30;

/// The latest line of a comment's moderation log, as far as an undo cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastEntry<'a> {
    pub action: &'a str,
    pub actor: Option<UserId>,
    pub at: DateTime<Utc>,
    /// The status before the decision, recorded with it (decisions from before undo
    /// existed have none).
    pub previous: Option<CommentStatus>,
}

/// Why a decision cannot be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The comment's last event is not a decision of the caller's that can be taken
    /// back (another moderator's, an automatic one, an edit, an undo, a deletion…).
    Nothing,
    /// The caller's decision is older than `UNDO_WINDOW_SECS`.
    TooLate,
}

/// Whether `caller` may undo the comment's last decision at `now`: it must be the
/// latest thing that happened to the comment, be the caller's own approval or
/// rejection, still be in force (`current`), and be at most `UNDO_WINDOW_SECS` old.
/// Answers the status to restore.
pub fn may_undo(
    last: Option<LastEntry<'_>>,
    current: CommentStatus,
    caller: UserId,
    now: DateTime<Utc>,
) -> Result<CommentStatus, Refusal> {
    let last = last.ok_or(Refusal::Nothing)?;
    let decided = match last.action {
        "approve" => CommentStatus::Approved,
        "reject" => CommentStatus::Rejected,
        _ => return Err(Refusal::Nothing),
    };
    debug_assert!(UNDOABLE.contains(&last.action));
    if last.actor != Some(caller) || current != decided {
        return Err(Refusal::Nothing);
    }
    let previous = last.previous.ok_or(Refusal::Nothing)?;
    if now - last.at > TimeDelta::seconds(UNDO_WINDOW_SECS) {
        return Err(Refusal::TooLate);
    }
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn approval(by: i64) -> LastEntry<'static> {
        LastEntry {
            action: "approve",
            actor: Some(UserId(by)),
            at: at(0),
            previous: Some(CommentStatus::Pending),
        }
    }

    #[test]
    fn the_moderator_undoes_their_own_decision_within_the_window() {
        let undo = may_undo(
            Some(approval(1)),
            CommentStatus::Approved,
            UserId(1),
            at(30),
        );
        assert_eq!(undo, Ok(CommentStatus::Pending));
        let rejection = LastEntry {
            action: "reject",
            previous: Some(CommentStatus::Approved),
            ..approval(1)
        };
        assert_eq!(
            may_undo(Some(rejection), CommentStatus::Rejected, UserId(1), at(1)),
            Ok(CommentStatus::Approved)
        );
    }

    #[test]
    fn too_late_is_refused() {
        let late = may_undo(
            Some(approval(1)),
            CommentStatus::Approved,
            UserId(1),
            at(31),
        );
        assert_eq!(late, Err(Refusal::TooLate));
    }

    #[test]
    fn only_the_callers_decision_still_in_force_is_undone() {
        let cases = [
            (None, CommentStatus::Approved, 1),
            (Some(approval(2)), CommentStatus::Approved, 1),
            (Some(approval(1)), CommentStatus::Deleted, 1),
            (
                Some(LastEntry {
                    action: "auto_pending",
                    actor: None,
                    ..approval(1)
                }),
                CommentStatus::Pending,
                1,
            ),
            (
                Some(LastEntry {
                    action: "undo",
                    ..approval(1)
                }),
                CommentStatus::Pending,
                1,
            ),
            (
                Some(LastEntry {
                    previous: None,
                    ..approval(1)
                }),
                CommentStatus::Approved,
                1,
            ),
        ];
        for (last, current, caller) in cases {
            assert_eq!(
                may_undo(last, current, UserId(caller), at(1)),
                Err(Refusal::Nothing),
                "{last:?} {current:?}"
            );
        }
    }
}
