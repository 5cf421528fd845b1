//! What a moderator decides about comments: approve, or reject with a reason the
//! author sees; a note for the log; many comments at once.

use super::comment::{CommentId, CommentStatus};
use super::invalid::Invalid;
use super::moderation::Reason;

/// The reasons a moderator may give for a rejection (shown to the author).
pub const REJECTION_REASONS: [&str; 10] = [
    "spam",
    "offensive",
    "abusive",
    "harassment",
    "hate_speech",
    "illegal_content",
    "misinformation",
    "off_topic",
    "advertising",
    "other",
];

/// Longest moderator note, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// Most comments in one bulk decision.
pub const MAX_BULK: usize = 500;

/// What a moderator decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    /// With one of `REJECTION_REASONS`.
    Reject(&'static str),
}

impl Verdict {
    /// A rejection for `reason`, which must be one of `REJECTION_REASONS`.
    pub fn reject(reason: &str) -> Result<Self, Invalid> {
        REJECTION_REASONS
            .iter()
            .find(|r| **r == reason)
            .copied()
            .map(Self::Reject)
            .ok_or_else(|| {
                Invalid::new(
                    "reason",
                    format!("must be one of {}", REJECTION_REASONS.join(", ")),
                )
            })
    }

    /// The verdict named by `action` (`approve` or `reject`, the latter with a reason).
    pub fn parse(action: &str, reason: Option<&str>) -> Result<Self, Invalid> {
        match action {
            "approve" => Ok(Self::Approve),
            "reject" => Self::reject(reason.unwrap_or_default()),
            _ => Err(Invalid::new("action", "must be approve or reject")),
        }
    }

    /// The status the comment gets.
    pub fn status(self) -> CommentStatus {
        match self {
            Self::Approve => CommentStatus::Approved,
            Self::Reject(_) => CommentStatus::Rejected,
        }
    }

    /// Why the comment is not approved: a moderator rejected it.
    pub fn moderation_reason(self) -> Option<Reason> {
        match self {
            Self::Approve => None,
            Self::Reject(_) => Some(Reason::Moderator),
        }
    }

    /// The reason its author sees.
    pub fn rejection_reason(self) -> Option<&'static str> {
        match self {
            Self::Approve => None,
            Self::Reject(reason) => Some(reason),
        }
    }
}

/// A moderator's optional note: trimmed, blank is none, at most `MAX_NOTE_CHARS`.
pub fn note(raw: Option<String>) -> Result<Option<String>, Invalid> {
    let note = raw.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(Invalid::new(
            "note",
            format!("must be at most {MAX_NOTE_CHARS} characters long"),
        ));
    }
    Ok(note)
}

/// The comments of a bulk decision: 1 to `MAX_BULK` ids, each once, in id order.
pub fn bulk_ids(mut ids: Vec<i64>) -> Result<Vec<CommentId>, Invalid> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(Invalid::new(
            "ids",
            format!("give 1 to {MAX_BULK} comment ids"),
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(CommentId).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_reasons_reject() {
        for reason in REJECTION_REASONS {
            assert_eq!(Verdict::reject(reason), Ok(Verdict::Reject(reason)));
        }
        for reason in ["", "Spam", " spam", "rude"] {
            let refused = Verdict::reject(reason).unwrap_err();
            assert_eq!(refused.field, "reason", "{reason:?}");
            assert!(
                refused
                    .message
                    .starts_with("must be one of spam, offensive")
            );
        }
    }

    #[test]
    fn an_action_names_a_verdict_and_a_rejection_needs_a_reason() {
        assert_eq!(Verdict::parse("approve", None), Ok(Verdict::Approve));
        assert_eq!(
            Verdict::parse("approve", Some("junk")),
            Ok(Verdict::Approve)
        );
        assert_eq!(
            Verdict::parse("reject", Some("spam")),
            Ok(Verdict::Reject("spam"))
        );
        assert_eq!(Verdict::parse("reject", None).unwrap_err().field, "reason");
        let unknown = Verdict::parse("delete", Some("spam")).unwrap_err();
        assert_eq!(unknown, Invalid::new("action", "must be approve or reject"));
    }

    #[test]
    fn a_verdict_sets_status_and_reasons() {
        let approve = Verdict::Approve;
        assert_eq!(
            (
                approve.status(),
                approve.moderation_reason(),
                approve.rejection_reason()
            ),
            (CommentStatus::Approved, None, None)
        );
        let reject = Verdict::Reject("spam");
        assert_eq!(
            (
                reject.status(),
                reject.moderation_reason(),
                reject.rejection_reason()
            ),
            (
                CommentStatus::Rejected,
                Some(Reason::Moderator),
                Some("spam")
            )
        );
    }

    #[test]
    fn notes_are_trimmed_blank_is_none_and_long_is_refused() {
        assert_eq!(note(None), Ok(None));
        assert_eq!(note(Some("  \n ".into())), Ok(None));
        assert_eq!(note(Some(" ok ".into())), Ok(Some("ok".into())));
        assert_eq!(note(Some("ä".repeat(1000))), Ok(Some("ä".repeat(1000))));
        let long = note(Some("ä".repeat(1001))).unwrap_err();
        assert_eq!(
            long,
            Invalid::new("note", "must be at most 1000 characters long")
        );
    }

    #[test]
    fn bulk_ids_are_counted_sorted_and_deduplicated() {
        assert_eq!(
            bulk_ids(vec![3, 1, 3, 2]),
            Ok(vec![CommentId(1), CommentId(2), CommentId(3)])
        );
        assert_eq!(bulk_ids(vec![7; 500]), Ok(vec![CommentId(7)]));
        for ids in [Vec::new(), vec![1; 501]] {
            assert_eq!(
                bulk_ids(ids),
                Err(Invalid::new("ids", "give 1 to 500 comment ids"))
            );
        }
    }
}
