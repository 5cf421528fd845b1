//! Comments, articles, flags: ids, states and the validated inputs.

use super::invalid::Invalid;
use serde::{Deserialize, Serialize};

use super::text::{is_default_ignorable, nfc};

/// A comment's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommentId(pub i64);

/// An article's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArticleId(pub i64);

/// Where a comment stands. Only `Approved` counts and shows to everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    Approved,
    Pending,
    Rejected,
    Deleted,
}

impl CommentStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
            Self::Deleted => "deleted",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approved" => Some(Self::Approved),
            "pending" => Some(Self::Pending),
            "rejected" => Some(Self::Rejected),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// A validated comment body: trimmed, NFC, no control characters but newline and tab,
/// something visible in it. Bidi controls may stay in the source; the rendering drops them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    /// Validates `raw` against a length limit in characters.
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, String> {
        let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
        let body = nfc(unified.trim());
        if body
            .chars()
            .all(|c| c.is_whitespace() || is_default_ignorable(c))
        {
            return Err("must not be empty".into());
        }
        let len = body.chars().count();
        if len > max_chars {
            return Err(format!(
                "must be at most {max_chars} characters long (is {len})"
            ));
        }
        if body
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err("must not contain control characters".into());
        }
        Ok(Self(body))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest article key, in bytes.
pub const ARTICLE_KEY_MAX_BYTES: usize = 512;

/// An article's key: the publisher's id or canonical URL, 1–512 bytes of printable
/// Unicode, kept exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArticleKey(String);

impl ArticleKey {
    /// Validates a key.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.len() > ARTICLE_KEY_MAX_BYTES {
            return Err(format!(
                "must be at most {ARTICLE_KEY_MAX_BYTES} bytes long"
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err("must be printable (no control characters)".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Validates optional article metadata sent with a comment: trimmed, printable, bounded.
pub fn article_text(raw: Option<&str>, max_chars: usize) -> Result<Option<String>, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if raw.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters long"));
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(Some(nfc(raw)))
}

/// Whether a URL given as an article's address is one a page may link to.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.contains(char::is_whitespace)
}

/// An article URL as sent: absent, or an http(s) URL of at most 2048 characters.
pub fn web_url(raw: Option<&str>) -> Result<Option<String>, String> {
    match article_text(raw, 2048)? {
        Some(url) if !is_web_url(&url) => Err("must be an http or https URL".into()),
        other => Ok(other),
    }
}

/// Why a reader flags a comment.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    Spam,
    Abuse,
    OffTopic,
    IllegalContent,
    Other,
}

impl FlagReason {
    /// Every reason, in wire form.
    pub const ALL: [&'static str; 5] = ["spam", "abuse", "off_topic", "illegal_content", "other"];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Abuse => "abuse",
            Self::OffTopic => "off_topic",
            Self::IllegalContent => "illegal_content",
            Self::Other => "other",
        }
    }

    /// Parses the wire form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "spam" => Some(Self::Spam),
            "abuse" => Some(Self::Abuse),
            "off_topic" => Some(Self::OffTopic),
            "illegal_content" => Some(Self::IllegalContent),
            "other" => Some(Self::Other),
            _ => None,
        }
    }

    /// Reasons that need the reader's explanation.
    pub fn needs_note(self) -> bool {
        matches!(self, Self::IllegalContent | Self::Other)
    }
}

/// The longest flag note, in characters.
pub const FLAG_NOTE_MAX_CHARS: usize = 1000;

/// A reader's report, validated: a known reason and, where it needs one, a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub reason: FlagReason,
    pub note: Option<String>,
}

impl Report {
    /// Validates a report; the error names the field and what is wrong.
    pub fn parse(reason: &str, note: Option<&str>) -> Result<Self, Invalid> {
        let reason = FlagReason::parse(reason).ok_or_else(|| {
            let all = FlagReason::ALL.join(", ");
            Invalid::new("reason", format!("must be one of {all}"))
        })?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if reason.needs_note() && note.is_none() {
            return Err(Invalid::new("note", "is required for this reason"));
        }
        if let Some(n) = note
            && (n.chars().count() > FLAG_NOTE_MAX_CHARS
                || n.chars().any(|c| c.is_control() && c != '\n'))
        {
            let message = format!("must be at most {FLAG_NOTE_MAX_CHARS} printable characters");
            return Err(Invalid::new("note", message));
        }
        Ok(Self {
            reason,
            note: note.map(str::to_owned),
        })
    }
}

/// Order of top-level comments in a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    Oldest,
    Newest,
    Top,
}

impl Sort {
    /// Parses the query form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "oldest" => Some(Self::Oldest),
            "newest" => Some(Self::Newest),
            "top" => Some(Self::Top),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_and_normalised() {
        let body = CommentBody::parse("  Xin chào\r\nthế giới  ", 5000).unwrap();
        assert_eq!(body.as_str(), "Xin chào\nthế giới");
        let decomposed = "Nguye\u{302}\u{303}n";
        assert_eq!(
            CommentBody::parse(decomposed, 10).unwrap().as_str(),
            "Nguyễn"
        );
    }

    #[test]
    fn bodies_are_bounded_and_free_of_controls() {
        assert!(CommentBody::parse("   ", 10).is_err());
        assert!(CommentBody::parse("\u{200b}", 10).is_err());
        assert!(CommentBody::parse(" \u{feff}\u{202e} \u{2060}\n\u{ad}", 10).is_err());
        assert!(CommentBody::parse("\u{202e}ok", 10).is_ok());
        assert!(CommentBody::parse("a\u{0}b", 10).is_err());
        assert!(CommentBody::parse("a\u{1b}[31mb", 10).is_err());
        assert!(CommentBody::parse("tab\tok\nline", 20).is_ok());
        assert!(CommentBody::parse(&"ä".repeat(10), 10).is_ok());
        assert!(CommentBody::parse(&"ä".repeat(11), 10).is_err());
    }

    #[test]
    fn article_keys() {
        assert!(ArticleKey::parse("204241014210826959").is_ok());
        assert!(ArticleKey::parse("https://zeitung.de/politik/wahl?id=3&utm=x#c").is_ok());
        assert!(ArticleKey::parse("https://báo.vn/thời-sự/bầu-cử").is_ok());
        assert!(ArticleKey::parse("").is_err());
        assert!(ArticleKey::parse("a\nb").is_err());
        assert!(ArticleKey::parse(&"ü".repeat(256)).is_ok());
        assert!(ArticleKey::parse(&"ü".repeat(257)).is_err());
    }

    #[test]
    fn reports_need_a_known_reason_and_a_note_where_the_reason_asks_for_one() {
        let spam = Report::parse("spam", Some("  ")).unwrap();
        assert_eq!((spam.reason, spam.note), (FlagReason::Spam, None));
        assert_eq!(Report::parse("boring", None).unwrap_err().field, "reason");
        assert_eq!(Report::parse("other", None).unwrap_err().field, "note");
        let long = "x".repeat(FLAG_NOTE_MAX_CHARS + 1);
        assert_eq!(
            Report::parse("other", Some(&long)).unwrap_err().field,
            "note"
        );
        let other = Report::parse("other", Some(" Zeile 1\nZeile 2 ")).unwrap();
        assert_eq!(other.note.as_deref(), Some("Zeile 1\nZeile 2"));
    }
}
