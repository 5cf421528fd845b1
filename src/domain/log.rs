//! The moderation log's actions (the migrations `CHECK` the same words).

use super::invalid::Invalid;

/// Every action the log records.
pub const ACTIONS: [&str; 17] = [
    "approve",
    "reject",
    "auto_approve",
    "auto_pending",
    "auto_reject",
    "auto_hide",
    "ban",
    "unban",
    "role_change",
    "settings_change",
    "article_change",
    "undo",
    "note_add",
    "note_delete",
    "appeal",
    "appeal_upheld",
    "appeal_reversed",
];

/// The actions a moderator's undo can take back: decisions on a comment.
pub const UNDOABLE: [&str; 2] = ["approve", "reject"];

/// An action to filter the log by (the query parameter `action`).
pub fn parse_action(raw: &str) -> Result<&'static str, Invalid> {
    ACTIONS
        .iter()
        .find(|a| **a == raw)
        .copied()
        .ok_or_else(|| Invalid::new("action", format!("must be one of {}", ACTIONS.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_actions_filter_the_log() {
        for action in ACTIONS {
            assert_eq!(parse_action(action), Ok(action));
        }
        for bad in ["", "Approve", "delete", "approve "] {
            let refused = parse_action(bad).unwrap_err();
            assert_eq!(refused.field, "action");
            assert!(
                refused
                    .message
                    .starts_with("must be one of approve, reject")
            );
        }
    }
}
