//! The external moderation hook: its configuration, how its answer is read, and how
//! its verdict combines with the built-in rules (banned words still win).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::comment::CommentStatus;
use super::moderation::{Decision, Reason};
use super::verdict::REJECTION_REASONS;

/// Shortest and longest hook timeout, milliseconds.
pub const TIMEOUT_MS: (u64, u64) = (100, 5000);
/// The default timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 500;
/// Longest statement of reasons kept from an answer, in characters.
const MAX_STATEMENT_CHARS: usize = 2000;
/// Most flags kept from an answer.
const MAX_FLAGS: usize = 20;

/// The hook as an admin configured it (stored as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookConfig {
    pub url: String,
    /// Signs requests like webhooks (`Tribune-Signature`).
    pub secret: String,
    pub timeout_ms: u64,
    /// When the hook fails or times out: hold the comment (`true`) or let the built-in
    /// rules decide (`false`, the default).
    pub fail_closed: bool,
}

/// What the hook said, or why it said nothing: stored with the comment and shown to
/// moderators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HookOutcome {
    /// `answered` (a verdict or flags), `no_opinion` (204), `timed_out` or `failed`.
    pub result: String,
    /// The status the hook asked for, if any.
    pub status: Option<String>,
    /// Its reason for a rejection (one of the contract's rejection reasons).
    pub reason: Option<String>,
    /// Its statement of reasons.
    pub statement: Option<String>,
    /// Scores by label (`spam`, `toxic`, …), as the hook gave them.
    #[schema(value_type = Object)]
    pub flags: BTreeMap<String, f64>,
    /// How long the call took, milliseconds.
    pub latency_ms: i64,
    /// Why the call failed, for `failed` and `timed_out`.
    pub error: Option<String>,
}

impl HookOutcome {
    /// A call that produced no usable answer.
    pub fn failed(timed_out: bool, error: String, latency_ms: i64) -> Self {
        Self {
            result: if timed_out { "timed_out" } else { "failed" }.into(),
            status: None,
            reason: None,
            statement: None,
            flags: BTreeMap::new(),
            latency_ms,
            error: Some(error),
        }
    }

    /// Whether the hook could not be asked or gave nothing usable.
    pub fn is_failure(&self) -> bool {
        matches!(self.result.as_str(), "timed_out" | "failed")
    }

    /// A one-line summary for the moderation log.
    pub fn summary(&self) -> String {
        let mut text = format!("hook {}", self.result);
        if let Some(status) = &self.status {
            text.push_str(&format!(": {status}"));
        }
        for (label, score) in &self.flags {
            text.push_str(&format!(" {label}={score}"));
        }
        text
    }
}

/// What Tribune sends the hook (signed like webhooks), before the comment is stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HookRequest {
    /// `comment.posting` or `comment.editing`.
    pub event: &'static str,
    /// The comment being edited (null for a new one).
    pub comment_id: Option<i64>,
    /// The source text (Markdown).
    pub body: String,
    /// The rendered HTML.
    pub html: String,
    pub author: HookAuthor,
    pub article: HookArticle,
    /// The comment replied to, if any.
    pub parent_id: Option<i64>,
}

/// The author, as the hook sees them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HookAuthor {
    pub id: i64,
    /// `reader`, `moderator` or `admin`.
    pub role: String,
    /// `active`, `suspended` or `banned`.
    pub status: String,
    /// Approved comments so far.
    pub approved_count: i64,
    /// Rejected comments so far.
    pub rejected_count: i64,
}

/// The article, as the hook sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HookArticle {
    pub key: String,
    /// Its URL, when known.
    pub url: Option<String>,
}

/// What the hook may answer with 200 (204: no opinion).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct HookAnswer {
    /// `approved`, `pending` or `rejected`; absent: let the rules decide.
    pub status: Option<String>,
    /// For `rejected`: one of the contract's rejection reasons (`spam`, `offensive`, …).
    pub reason: Option<String>,
    /// The statement of reasons, shown to moderators.
    pub statement: Option<String>,
    /// Scores by label, e.g. `{"spam": 0.97, "toxic": 0.1}`.
    #[schema(value_type = Object)]
    pub flags: Option<BTreeMap<String, f64>>,
}

/// What the hook said about one comment, with what to do if it failed.
#[derive(Debug, Clone)]
pub struct Heard {
    pub outcome: HookOutcome,
    pub fail_closed: bool,
}

impl Heard {
    /// `combine` for this answer.
    pub fn decide(&self, rules: Decision) -> (Decision, Option<String>) {
        combine(rules, &self.outcome, self.fail_closed)
    }

    /// The stored form (JSON).
    pub fn stored(&self) -> Option<String> {
        serde_json::to_string(&self.outcome).ok()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    status: Option<String>,
    reason: Option<String>,
    statement: Option<String>,
    #[serde(default)]
    flags: BTreeMap<String, f64>,
}

/// Reads the hook's answer: 204 is no opinion; 200 with JSON `{status?, reason?,
/// statement?, flags?}` is a verdict; anything else (other codes, garbage, unknown
/// statuses or reasons) is a failure.
pub fn read_answer(code: u16, body: &[u8], latency_ms: i64) -> HookOutcome {
    let fail = |error: String| HookOutcome::failed(false, error, latency_ms);
    match code {
        204 => HookOutcome {
            result: "no_opinion".into(),
            status: None,
            reason: None,
            statement: None,
            flags: BTreeMap::new(),
            latency_ms,
            error: None,
        },
        200 => {
            let Ok(answer) = serde_json::from_slice::<Answer>(body) else {
                return fail("the answer is not the expected JSON".into());
            };
            let status = answer.status.as_deref();
            if !matches!(status, None | Some("approved" | "pending" | "rejected")) {
                return fail("unknown status".into());
            }
            let reason = answer.reason.filter(|_| status == Some("rejected"));
            if status == Some("rejected")
                && !reason
                    .as_deref()
                    .is_some_and(|r| REJECTION_REASONS.contains(&r))
            {
                return fail("a rejection needs a reason from the contract's list".into());
            }
            if answer.flags.len() > MAX_FLAGS || answer.flags.values().any(|s| !s.is_finite()) {
                return fail("too many flags, or a score that is not a number".into());
            }
            HookOutcome {
                result: "answered".into(),
                status: status.map(str::to_owned),
                reason,
                statement: answer
                    .statement
                    .map(|s| s.chars().take(MAX_STATEMENT_CHARS).collect()),
                flags: answer.flags,
                latency_ms,
                error: None,
            }
        }
        other => fail(format!("answered {other}")),
    }
}

/// The decision once the hook is heard: a banned word keeps its rejection; a status
/// the hook asked for wins over the other rules; a failed hook holds the comment when
/// configured fail-closed (unless the rules already hold or reject it), and otherwise
/// leaves the rules' decision. Answers the decision and, for a hook rejection, the
/// reason the author sees.
pub fn combine(
    rules: Decision,
    outcome: &HookOutcome,
    fail_closed: bool,
) -> (Decision, Option<String>) {
    if rules.reason == Some(Reason::BannedWord) {
        return (rules, None);
    }
    if outcome.is_failure() {
        if fail_closed && rules.status == CommentStatus::Approved {
            let held = Decision {
                status: CommentStatus::Pending,
                reason: Some(Reason::HookUnavailable),
            };
            return (held, None);
        }
        return (rules, None);
    }
    match outcome.status.as_deref() {
        Some("approved") => (
            Decision {
                status: CommentStatus::Approved,
                reason: None,
            },
            None,
        ),
        Some("pending") => (
            Decision {
                status: CommentStatus::Pending,
                reason: Some(Reason::Hook),
            },
            None,
        ),
        Some("rejected") => (
            Decision {
                status: CommentStatus::Rejected,
                reason: Some(Reason::Hook),
            },
            outcome.reason.clone(),
        ),
        _ => (rules, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPROVED: Decision = Decision {
        status: CommentStatus::Approved,
        reason: None,
    };

    #[test]
    fn answers_are_read_strictly() {
        let ok = read_answer(
            200,
            br#"{"status":"rejected","reason":"spam","statement":"Werbung","flags":{"spam":0.97}}"#,
            12,
        );
        assert_eq!(ok.result, "answered");
        assert_eq!(ok.status.as_deref(), Some("rejected"));
        assert_eq!(ok.reason.as_deref(), Some("spam"));
        assert_eq!(ok.flags["spam"], 0.97);
        assert_eq!(read_answer(204, b"", 3).result, "no_opinion");
        for (code, body) in [
            (200, &b"not json"[..]),
            (200, br#"{"status":"banned"}"#),
            (200, br#"{"status":"rejected"}"#),
            (200, br#"{"status":"rejected","reason":"ugly"}"#),
            (200, br#"{"verdict":"ok"}"#),
            (500, b""),
            (302, b""),
        ] {
            assert!(read_answer(code, body, 1).is_failure(), "{code} {body:?}");
        }
    }

    #[test]
    fn banned_words_win_and_the_hook_status_wins_over_the_other_rules() {
        let banned = Decision {
            status: CommentStatus::Rejected,
            reason: Some(Reason::BannedWord),
        };
        let approve = read_answer(200, br#"{"status":"approved"}"#, 1);
        assert_eq!(combine(banned, &approve, false).0, banned);
        let suspect = Decision {
            status: CommentStatus::Pending,
            reason: Some(Reason::SuspectWord),
        };
        assert_eq!(combine(suspect, &approve, false).0, APPROVED);
        let reject = read_answer(200, br#"{"status":"rejected","reason":"spam"}"#, 1);
        let (decision, reason) = combine(APPROVED, &reject, false);
        assert_eq!(decision.status, CommentStatus::Rejected);
        assert_eq!(decision.reason, Some(Reason::Hook));
        assert_eq!(reason.as_deref(), Some("spam"));
        let flags_only = read_answer(200, br#"{"flags":{"toxic":0.2}}"#, 1);
        assert_eq!(combine(suspect, &flags_only, false).0, suspect);
    }

    #[test]
    fn a_failed_hook_holds_only_when_fail_closed() {
        let failed = HookOutcome::failed(true, "timed out".into(), 500);
        assert_eq!(combine(APPROVED, &failed, false).0, APPROVED);
        let (held, _) = combine(APPROVED, &failed, true);
        assert_eq!(held.status, CommentStatus::Pending);
        assert_eq!(held.reason, Some(Reason::HookUnavailable));
    }
}
