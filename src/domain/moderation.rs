//! The automatic moderation rules, applied when a comment is posted or edited.

use std::collections::HashMap;

use super::article::ArticleModeration;
use super::comment::CommentStatus;
use super::settings::{ModerationMode, SiteSettings};
use super::text::fold_key;

/// Why a comment is not approved (or, for `Moderator`, why a human held it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Premoderation,
    NewUser,
    ContainsLink,
    SuspectWord,
    BannedWord,
    Flagged,
    Moderator,
    /// An edit of a comment a moderator had approved, waiting for review again.
    Edited,
    /// The external moderation hook held or rejected it.
    Hook,
    /// The hook failed or timed out and is configured fail-closed.
    HookUnavailable,
}

impl Reason {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Premoderation => "premoderation",
            Self::NewUser => "new_user",
            Self::ContainsLink => "contains_link",
            Self::SuspectWord => "suspect_word",
            Self::BannedWord => "banned_word",
            Self::Flagged => "flagged",
            Self::Moderator => "moderator",
            Self::Edited => "edited",
            Self::Hook => "hook",
            Self::HookUnavailable => "hook_unavailable",
        }
    }

    /// Every reason.
    pub const ALL: [Reason; 10] = [
        Self::Premoderation,
        Self::NewUser,
        Self::ContainsLink,
        Self::SuspectWord,
        Self::BannedWord,
        Self::Flagged,
        Self::Moderator,
        Self::Edited,
        Self::Hook,
        Self::HookUnavailable,
    ];

    /// Parses the wire form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The outcome of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub status: CommentStatus,
    pub reason: Option<Reason>,
}

impl Decision {
    /// The moderation log action for this automatic decision.
    pub fn log_action(self) -> &'static str {
        match self.status {
            CommentStatus::Approved => "auto_approve",
            CommentStatus::Rejected => "auto_reject",
            _ => "auto_pending",
        }
    }
}

/// Words and phrases matched whole, ignoring case, Unicode compatibility forms,
/// invisible characters and look-alike letters of other scripts.
#[derive(Debug, Default)]
pub struct WordList {
    /// Phrases (as sequences of word keys) by their first word.
    by_first: HashMap<String, Vec<Vec<String>>>,
}

/// Splits text into the keys of its words: the folded text (invisible characters gone)
/// is cut into runs of letters and digits, and each run is keyed by its confusable
/// skeleton, so `ѕchеisse` (with Cyrillic letters) is the word `scheisse`. Skeletons are
/// taken per word, after cutting, so word boundaries stay those of the text.
fn words(text: &str) -> Vec<String> {
    fold_key(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| unicode_security::skeleton(t).collect())
        .collect()
}

impl WordList {
    /// Builds the matcher once for a list of entries.
    pub fn new<S: AsRef<str>>(entries: &[S]) -> Self {
        let mut by_first: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for entry in entries {
            let phrase = words(entry.as_ref());
            if let Some(first) = phrase.first() {
                by_first.entry(first.clone()).or_default().push(phrase);
            }
        }
        Self { by_first }
    }

    /// Whether any entry occurs in `words` (the word keys of a text).
    fn matches(&self, words: &[String]) -> bool {
        if self.by_first.is_empty() {
            return false;
        }
        words.iter().enumerate().any(|(i, word)| {
            self.by_first.get(word).is_some_and(|phrases| {
                phrases
                    .iter()
                    .any(|p| words.get(i..i + p.len()).is_some_and(|w| w == p.as_slice()))
            })
        })
    }
}

/// Banned and suspect words, built once per settings change.
#[derive(Debug, Default)]
pub struct Matchers {
    pub banned: WordList,
    pub suspect: WordList,
}

impl Matchers {
    /// Matchers for the settings' word lists.
    pub fn new(settings: &SiteSettings) -> Self {
        Self {
            banned: WordList::new(&settings.banned_words),
            suspect: WordList::new(&settings.suspect_words),
        }
    }
}

/// What the rules look at besides the text.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub settings: &'a SiteSettings,
    /// The article's own mode.
    pub article_moderation: ArticleModeration,
    /// The author's approved comments so far.
    pub author_approved: i64,
}

/// Whether a body contains a link (markdown, autolink or bare address).
pub fn contains_link(body: &str) -> bool {
    let lower = body.to_lowercase();
    lower.contains("http://")
        || lower.contains("https://")
        || lower.contains("www.")
        || lower.contains("](")
}

/// Applies the rules in the contract's order; the first that matches decides.
pub fn evaluate(body: &str, context: Context<'_>, matchers: &Matchers) -> Decision {
    judge_text(body, context.settings, matchers).decide(context)
}

/// What the rules that read a comment's text say of it (banned and suspect words, links
/// under link premoderation): the costly part of [`evaluate`], which needs neither the
/// article nor the author, so a post works it out before its turn at the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextVerdict(Option<Decision>);

/// The text rules of [`evaluate`], in its order.
pub fn judge_text(body: &str, settings: &SiteSettings, matchers: &Matchers) -> TextVerdict {
    let words = words(body);
    let held = |reason| TextVerdict(Some(held(reason)));
    if matchers.banned.matches(&words) {
        return TextVerdict(Some(Decision {
            status: CommentStatus::Rejected,
            reason: Some(Reason::BannedWord),
        }));
    }
    if matchers.suspect.matches(&words) {
        return held(Reason::SuspectWord);
    }
    if settings.premod_links && contains_link(body) {
        return held(Reason::ContainsLink);
    }
    TextVerdict(None)
}

/// Held for review for `reason`.
fn held(reason: Reason) -> Decision {
    Decision {
        status: CommentStatus::Pending,
        reason: Some(reason),
    }
}

impl TextVerdict {
    /// The rules' decision, given the text's verdict (worked out under `context`'s
    /// settings) and the article and author of `context`.
    pub fn decide(self, context: Context<'_>) -> Decision {
        if let Some(decision) = self.0 {
            return decision;
        }
        let premoderated = match context.article_moderation {
            ArticleModeration::Pre => true,
            ArticleModeration::Post => false,
            ArticleModeration::Default => context.settings.moderation_mode == ModerationMode::Pre,
        };
        if premoderated {
            return held(Reason::Premoderation);
        }
        if context.author_approved < context.settings.new_user_threshold {
            return held(Reason::NewUser);
        }
        Decision {
            status: CommentStatus::Approved,
            reason: None,
        }
    }
}

/// A comment as it was before its author's edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Before {
    pub status: CommentStatus,
    pub reason: Option<Reason>,
    /// A moderator has decided on it (and, if it is approved, approved it).
    pub moderator_approved: bool,
}

/// What an edit leads to, given what the rules say about the new text: a rejection
/// stands; a comment held by flags, by a moderator or for review of an earlier edit
/// stays held with its reason (an edit must not undo a hold); a comment a moderator
/// approved that the rules approve again waits for review as `edited` (else a reviewed
/// text could be swapped for anything); otherwise the rules decide.
pub fn after_edit(before: Before, rules: Decision) -> Decision {
    if rules.status == CommentStatus::Rejected {
        return rules;
    }
    let held = matches!(
        before.reason,
        Some(Reason::Flagged | Reason::Moderator | Reason::Edited)
    );
    if before.status == CommentStatus::Pending && held {
        return Decision {
            status: CommentStatus::Pending,
            reason: before.reason,
        };
    }
    let reviewed = before.status == CommentStatus::Approved && before.moderator_approved;
    if reviewed && rules.status == CommentStatus::Approved {
        return Decision {
            status: CommentStatus::Pending,
            reason: Some(Reason::Edited),
        };
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SiteSettings {
        SiteSettings {
            banned_words: vec!["scheiße".into(), "ass".into(), "Đồ ngu".into()],
            suspect_words: vec!["idiot".into(), "lügenpresse".into()],
            ..SiteSettings::default()
        }
    }

    fn decide(body: &str, settings: &SiteSettings, article: &str, approved: i64) -> Decision {
        let context = Context {
            settings,
            article_moderation: ArticleModeration::parse(article).unwrap(),
            author_approved: approved,
        };
        evaluate(body, context, &Matchers::new(settings))
    }

    #[test]
    fn banned_words_match_whole_words_after_folding() {
        let s = settings();
        for body in [
            "Scheiße!",
            "SCHEISSE",
            "so eine scheisse.",
            "ＳＣＨＥＩＳＳＥ",
            "what an ass",
            "ĐỒ NGU quá",
        ] {
            assert_eq!(
                decide(body, &s, "default", 10).reason,
                Some(Reason::BannedWord),
                "{body}"
            );
            assert_eq!(
                decide(body, &s, "default", 10).status,
                CommentStatus::Rejected
            );
        }
        for body in ["Scheißegal", "a class act", "assistant", "đồ ngon"] {
            assert_eq!(
                decide(body, &s, "default", 10).status,
                CommentStatus::Approved,
                "{body}"
            );
        }
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let mut s = settings();
        s.premod_links = true;
        s.new_user_threshold = 3;
        let cases = [
            (
                "scheiße idiot https://x.de",
                "pre",
                0,
                Some(Reason::BannedWord),
            ),
            ("Idiot https://x.de", "pre", 0, Some(Reason::SuspectWord)),
            ("see https://x.de", "pre", 0, Some(Reason::ContainsLink)),
            (
                "see [this](https://x.de)",
                "post",
                0,
                Some(Reason::ContainsLink),
            ),
            ("plain text", "pre", 10, Some(Reason::Premoderation)),
            ("plain text", "default", 0, Some(Reason::NewUser)),
            ("plain text", "post", 2, Some(Reason::NewUser)),
            ("plain text", "default", 3, None),
        ];
        for (body, article, approved, reason) in cases {
            assert_eq!(
                decide(body, &s, article, approved).reason,
                reason,
                "{body} / {article} / {approved}"
            );
        }
        s.moderation_mode = ModerationMode::Pre;
        assert_eq!(
            decide("plain", &s, "default", 9).reason,
            Some(Reason::Premoderation)
        );
        assert_eq!(decide("plain", &s, "post", 9).reason, None);
    }

    #[test]
    fn an_edit_keeps_a_hold_and_sends_reviewed_text_back_to_review() {
        let approved = Decision {
            status: CommentStatus::Approved,
            reason: None,
        };
        let suspect = Decision {
            status: CommentStatus::Pending,
            reason: Some(Reason::SuspectWord),
        };
        let banned = Decision {
            status: CommentStatus::Rejected,
            reason: Some(Reason::BannedWord),
        };
        let before = |status, reason, moderator_approved| Before {
            status,
            reason,
            moderator_approved,
        };
        let pending = |reason| Decision {
            status: CommentStatus::Pending,
            reason: Some(reason),
        };
        for held in [Reason::Flagged, Reason::Moderator, Reason::Edited] {
            let b = before(CommentStatus::Pending, Some(held), true);
            assert_eq!(after_edit(b, approved), pending(held), "{held:?}");
            assert_eq!(after_edit(b, suspect), pending(held), "{held:?}");
            assert_eq!(after_edit(b, banned), banned, "{held:?}");
        }
        let reviewed = before(CommentStatus::Approved, None, true);
        assert_eq!(after_edit(reviewed, approved), pending(Reason::Edited));
        assert_eq!(after_edit(reviewed, suspect), suspect);
        assert_eq!(after_edit(reviewed, banned), banned);
        let unreviewed = before(CommentStatus::Approved, None, false);
        assert_eq!(after_edit(unreviewed, approved), approved);
        let new_user = before(CommentStatus::Pending, Some(Reason::NewUser), false);
        assert_eq!(after_edit(new_user, approved), approved);
    }

    #[test]
    fn reasons_read_back_from_their_wire_form() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(Reason::parse("whatever"), None);
    }

    #[test]
    fn thousands_of_entries_build_and_match() {
        let entries: Vec<String> = (0..5000).map(|i| format!("wort{i}")).collect();
        let list = WordList::new(&entries);
        assert!(list.matches(&words("ein wort4999 hier")));
        assert!(!list.matches(&words("ein wort5000 hier")));
    }

    #[test]
    fn invisible_characters_and_look_alikes_do_not_hide_a_word() {
        let s = SiteSettings {
            banned_words: vec!["scheisse".into()],
            suspect_words: vec!["idiot".into()],
            ..SiteSettings::default()
        };
        for body in [
            "sch\u{200b}eisse",
            "sch\u{ad}eisse",
            "so eine sch\u{2060}eiße!",
            "\u{455}ch\u{435}isse",
            "\u{405}CH\u{415}ISSE",
            "sch\u{202e}eisse",
        ] {
            assert_eq!(
                decide(body, &s, "default", 10).reason,
                Some(Reason::BannedWord),
                "{body:?}"
            );
        }
        for body in ["id\u{2060}iot", "id\u{200d}iot", "\u{456}di\u{43e}t"] {
            assert_eq!(
                decide(body, &s, "default", 10).reason,
                Some(Reason::SuspectWord),
                "{body:?}"
            );
        }
        // Invisible characters join, they do not split: a word stays a word.
        assert_eq!(decide("sch eisse", &s, "default", 10).reason, None);
    }
}

/// The site settings in force and the word-list matchers built from them.
#[derive(Debug)]
pub struct Site {
    pub settings: SiteSettings,
    pub matchers: std::sync::Arc<Matchers>,
    /// The external moderation hook, when an admin configured one.
    pub hook: Option<crate::domain::hook::HookConfig>,
}

impl Site {
    /// The settings with their matchers, reusing `previous`' matchers when the word lists
    /// did not change (building them for 10,000 entries is not free, and settings are
    /// re-read whenever any commit may have changed them).
    pub fn new(settings: SiteSettings, previous: Option<&Self>) -> Self {
        let matchers = match previous {
            Some(p)
                if p.settings.banned_words == settings.banned_words
                    && p.settings.suspect_words == settings.suspect_words =>
            {
                p.matchers.clone()
            }
            _ => std::sync::Arc::new(Matchers::new(&settings)),
        };
        Self {
            settings,
            matchers,
            hook: None,
        }
    }

    /// Bytes held, roughly: the word lists, once as text and about twice in matchers.
    pub fn weight(&self) -> usize {
        let words = |list: &[String]| list.iter().map(|w| 3 * (w.len() + 48)).sum::<usize>();
        std::mem::size_of::<Self>()
            + words(&self.settings.banned_words)
            + words(&self.settings.suspect_words)
    }
}
