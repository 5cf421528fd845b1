//! Statements of reasons and appeals (EU Digital Services Act, Art. 17 and 20): which
//! moderation decisions an author is told about, until when and how they can be
//! contested, who may decide an appeal, and what its outcome is.

use chrono::{DateTime, Months, Utc};
use unicode_normalization::UnicodeNormalization;

use super::invalid::Invalid;
use super::user::UserId;

/// The log actions an author is told about: a rejection (by a moderator, or by the word
/// list or the moderation hook), a hold by readers' flags, a ban or suspension.
pub const DECISIONS: [&str; 4] = ["reject", "auto_reject", "auto_hide", "ban"];

/// The decisions that can be appealed. A hold by flags (`auto_hide`) is provisional: the
/// comment waits in the pending queue, and the moderator's decision there is the one
/// to appeal.
pub const APPEALABLE: [&str; 3] = ["reject", "auto_reject", "ban"];

/// The log actions that change a comment's status: the latest of them is the decision
/// in force on the comment. Not `appeal_reversed`: a reversal that restored the comment
/// shows in its status (which `in force` checks too), and one that came after the
/// decision stopped applying changed nothing, so it must not hide a newer decision.
pub const COMMENT_CHANGES: [&str; 7] = [
    "approve",
    "reject",
    "auto_approve",
    "auto_pending",
    "auto_reject",
    "auto_hide",
    "undo",
];

/// The log actions that set or lift a ban (lines without a comment): the latest of them
/// is the one in force on the account. Not `appeal_reversed`, for the reason given at
/// [`COMMENT_CHANGES`]: a reversal that lifted the ban shows in the account's status.
pub const BAN_CHANGES: [&str; 2] = ["ban", "unban"];

/// How long after a decision its author may appeal it, in calendar months.
pub const APPEAL_MONTHS: u32 = 6;

/// Longest appeal, in characters.
pub const MAX_APPEAL_CHARS: usize = 5000;

/// Longest note of a decision on an appeal, in characters.
pub const MAX_OUTCOME_NOTE_CHARS: usize = 2000;

/// The last moment a decision taken at `decided_at` can be appealed.
pub fn deadline(decided_at: DateTime<Utc>) -> DateTime<Utc> {
    decided_at
        .checked_add_months(Months::new(APPEAL_MONTHS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How a decision was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Means {
    /// A moderator decided.
    Moderator,
    /// The banned-word list rejected the text.
    WordList,
    /// The external moderation hook rejected the text.
    Hook,
    /// Readers' flags reached the auto-hide threshold.
    Flags,
}

impl Means {
    /// How the decision of `action`, logged with `reason`, was reached.
    pub fn of(action: &str, reason: Option<&str>) -> Self {
        match (action, reason) {
            ("auto_hide", _) => Self::Flags,
            ("auto_reject", Some("banned_word")) => Self::WordList,
            ("auto_reject", _) => Self::Hook,
            _ => Self::Moderator,
        }
    }

    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Moderator => "moderator",
            Self::WordList => "word_list",
            Self::Hook => "hook",
            Self::Flags => "flags",
        }
    }

    /// Whether no person took the decision.
    pub fn automatic(self) -> bool {
        self != Self::Moderator
    }
}

/// What a moderator decides on an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The decision stands.
    Upheld,
    /// The decision is taken back: the comment is approved, the ban lifted.
    Reversed,
}

impl Outcome {
    /// Parses the request field `outcome`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "upheld" => Ok(Self::Upheld),
            "reversed" => Ok(Self::Reversed),
            _ => Err(Invalid::new("outcome", "must be upheld or reversed")),
        }
    }

    /// The stored and wire form (the appeal's `state` once decided).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upheld => "upheld",
            Self::Reversed => "reversed",
        }
    }

    /// The log action recording it.
    pub fn log_action(self) -> &'static str {
        match self {
            Self::Upheld => "appeal_upheld",
            Self::Reversed => "appeal_reversed",
        }
    }
}

/// Where an appeal stands, as its author sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealState {
    /// It can be filed now.
    Available,
    /// Filed, waiting for a moderator.
    Open,
    Upheld,
    Reversed,
    /// Never filed, and the deadline has passed.
    Expired,
    /// It cannot be filed: the decision is provisional (a hold by flags) or no longer in
    /// force (undone, replaced by a later decision, the ban lifted or over).
    Unavailable,
}

impl AppealState {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Open => "open",
            Self::Upheld => "upheld",
            Self::Reversed => "reversed",
            Self::Expired => "expired",
            Self::Unavailable => "unavailable",
        }
    }
}

/// What an appeal's rules need to know about a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided<'a> {
    /// The log action (`reject`, `auto_reject`, `auto_hide`, `ban`).
    pub action: &'a str,
    pub at: DateTime<Utc>,
    /// Whether it still applies to the comment or the account.
    pub in_force: bool,
    /// The stored state of its appeal (`open`, `upheld`, `reversed`), if one was filed.
    pub appeal: Option<&'a str>,
}

impl Decided<'_> {
    /// Where its appeal stands at `now`.
    pub fn appeal_state(&self, now: DateTime<Utc>) -> AppealState {
        match self.appeal {
            Some("open") => AppealState::Open,
            Some("upheld") => AppealState::Upheld,
            Some(_) => AppealState::Reversed,
            None if !APPEALABLE.contains(&self.action) || !self.in_force => {
                AppealState::Unavailable
            }
            None if now > deadline(self.at) => AppealState::Expired,
            None => AppealState::Available,
        }
    }

    /// The deadline of an appeal, for decisions that can be appealed at all.
    pub fn possible_until(&self) -> Option<DateTime<Utc>> {
        APPEALABLE.contains(&self.action).then(|| deadline(self.at))
    }
}

/// Why an appeal is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No decision that can be appealed (or not the caller's): 404.
    NoDecision,
    /// The decision was appealed already: 409.
    AlreadyAppealed,
    /// The deadline has passed: 422.
    TooLate,
}

/// Whether the author may appeal `decision` (if any) at `now`.
pub fn may_appeal(decision: Option<Decided<'_>>, now: DateTime<Utc>) -> Result<(), Refusal> {
    let decision = decision.ok_or(Refusal::NoDecision)?;
    match decision.appeal_state(now) {
        AppealState::Available => Ok(()),
        AppealState::Expired => Err(Refusal::TooLate),
        AppealState::Unavailable => Err(Refusal::NoDecision),
        AppealState::Open | AppealState::Upheld | AppealState::Reversed => {
            Err(Refusal::AlreadyAppealed)
        }
    }
}

/// Whether `caller` may decide an appeal by `appellant` against a decision taken by
/// `first` (`None`: automatic): nobody decides on their own decision or their own
/// appeal, admins included.
pub fn may_decide(first: Option<UserId>, appellant: UserId, caller: UserId) -> bool {
    first != Some(caller) && appellant != caller
}

/// Checks and normalises a text of `field`: trimmed, NFC, `\r\n` as `\n`, 1 to `max`
/// characters, no control characters other than newline and tab.
fn text(field: &'static str, raw: &str, max: usize) -> Result<String, Invalid> {
    let text: String = raw.replace("\r\n", "\n").trim().nfc().collect();
    if text.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Invalid::new(
            field,
            "must not contain control characters other than newline and tab",
        ));
    }
    if text.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    Ok(text)
}

/// The author's appeal (the request field `text`).
pub fn appeal_text(raw: &str) -> Result<String, Invalid> {
    text("text", raw, MAX_APPEAL_CHARS)
}

/// The deciding moderator's reasons, shown to the author (the request field `note`).
pub fn outcome_note(raw: &str) -> Result<String, Invalid> {
    text("note", raw, MAX_OUTCOME_NOTE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + days * 86_400, 0).unwrap()
    }

    fn rejection() -> Decided<'static> {
        Decided {
            action: "reject",
            at: at(0),
            in_force: true,
            appeal: None,
        }
    }

    #[test]
    fn a_decision_in_force_is_appealed_once_within_six_months() {
        assert_eq!(may_appeal(Some(rejection()), at(180)), Ok(()));
        assert_eq!(
            deadline(at(0)),
            at(0).checked_add_months(Months::new(6)).unwrap()
        );
        assert_eq!(
            may_appeal(Some(rejection()), at(185)),
            Err(Refusal::TooLate)
        );
        for state in ["open", "upheld", "reversed"] {
            let appealed = Decided {
                appeal: Some(state),
                ..rejection()
            };
            // Even after the deadline, a second appeal is a conflict, not a late one.
            assert_eq!(
                may_appeal(Some(appealed), at(400)),
                Err(Refusal::AlreadyAppealed)
            );
        }
    }

    #[test]
    fn holds_and_decisions_no_longer_in_force_are_not_appealed() {
        let hold = Decided {
            action: "auto_hide",
            ..rejection()
        };
        let undone = Decided {
            in_force: false,
            ..rejection()
        };
        for decision in [None, Some(hold), Some(undone)] {
            assert_eq!(may_appeal(decision, at(1)), Err(Refusal::NoDecision));
        }
        assert_eq!(hold.possible_until(), None);
        assert_eq!(hold.appeal_state(at(1)), AppealState::Unavailable);
        assert_eq!(rejection().appeal_state(at(200)), AppealState::Expired);
    }

    #[test]
    fn nobody_decides_on_their_own_decision_or_appeal() {
        let (first, author, other) = (UserId(1), UserId(2), UserId(3));
        assert!(!may_decide(Some(first), author, first));
        assert!(!may_decide(None, author, author));
        assert!(may_decide(Some(first), author, other));
        assert!(may_decide(None, author, first));
    }

    #[test]
    fn the_means_tell_automatic_decisions_apart() {
        assert_eq!(Means::of("reject", Some("spam")), Means::Moderator);
        assert_eq!(Means::of("ban", Some("troll")), Means::Moderator);
        assert_eq!(
            Means::of("auto_reject", Some("banned_word")),
            Means::WordList
        );
        assert_eq!(Means::of("auto_reject", Some("hook")), Means::Hook);
        assert_eq!(Means::of("auto_hide", Some("flagged")), Means::Flags);
        assert!(!Means::Moderator.automatic() && Means::Hook.automatic());
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(appeal_text("  bitte prüfen \r\n").unwrap(), "bitte prüfen");
        assert_eq!(appeal_text("   ").unwrap_err().field, "text");
        assert!(appeal_text(&"x".repeat(MAX_APPEAL_CHARS)).is_ok());
        assert!(appeal_text(&"x".repeat(MAX_APPEAL_CHARS + 1)).is_err());
        assert!(appeal_text("a\u{7}b").is_err());
        assert_eq!(outcome_note("").unwrap_err().field, "note");
        assert_eq!(Outcome::parse("reversed"), Ok(Outcome::Reversed));
        assert_eq!(Outcome::parse("Reversed").unwrap_err().field, "outcome");
    }
}
