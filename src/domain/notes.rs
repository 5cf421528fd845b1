//! Moderator notes: what moderators write down about an account, for each other.

use unicode_normalization::UnicodeNormalization;

use super::invalid::Invalid;

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// A note's text: trimmed, NFC, `\r\n` as `\n`, 1 to `MAX_NOTE_CHARS` characters, no
/// control characters other than newline and tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteBody(String);

impl NoteBody {
    /// Checks and normalises a note (the request field `body`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text: String = raw.replace("\r\n", "\n").trim().nfc().collect();
        if text.is_empty() {
            return Err(Invalid::new("body", "must not be empty"));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Invalid::new(
                "body",
                "must not contain control characters other than newline and tab",
            ));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(Invalid::new(
                "body",
                format!("must be at most {MAX_NOTE_CHARS} characters long"),
            ));
        }
        Ok(Self(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a moderator may delete a note: its author may, and admins may.
pub fn may_delete(caller: super::user::UserId, is_admin: bool, author: Option<i64>) -> bool {
    is_admin || author == Some(caller.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::UserId;

    #[test]
    fn notes_are_trimmed_normalised_and_bounded() {
        let note = NoteBody::parse("  Cafe\u{301}\r\nzweite Zeile\t ").unwrap();
        assert_eq!(note.as_str(), "Café\nzweite Zeile");
        assert_eq!(
            NoteBody::parse(&"ä".repeat(2000))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            2000
        );
        for bad in ["", "  \n ", "a\u{7}b"] {
            assert_eq!(NoteBody::parse(bad).unwrap_err().field, "body", "{bad:?}");
        }
        let long = NoteBody::parse(&"ä".repeat(2001)).unwrap_err();
        assert_eq!(long.message, "must be at most 2000 characters long");
    }

    #[test]
    fn the_author_and_admins_may_delete_a_note() {
        assert!(may_delete(UserId(1), false, Some(1)));
        assert!(!may_delete(UserId(2), false, Some(1)));
        assert!(may_delete(UserId(2), true, Some(1)));
        assert!(!may_delete(UserId(2), false, None));
        assert!(may_delete(UserId(2), true, None));
    }
}
