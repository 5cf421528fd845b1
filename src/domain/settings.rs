//! Site-wide moderation and comment settings, kept in the database.

use serde::{Deserialize, Serialize};

crate::domain::text_enum! {
    /// When comments are moderated, site-wide.
    ModerationMode {
        Pre => "pre",
        Post => "post",
    }
}

/// Site settings with the contract's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SiteSettings {
    /// `post` (publish, moderate afterwards) or `pre` (hold every comment).
    pub moderation_mode: ModerationMode,
    /// Hold comments that contain links.
    pub premod_links: bool,
    /// Hold comments of authors with fewer approved comments than this.
    pub new_user_threshold: i64,
    pub banned_words: Vec<String>,
    pub suspect_words: Vec<String>,
    /// How long an author may edit a comment, seconds.
    pub edit_window_seconds: i64,
    /// Longest comment body, characters.
    pub max_comment_length: i64,
    /// Distinct flags that send a comment back to pending (0: never).
    pub auto_hide_flags: i64,
    /// A flag counts toward `auto_hide_flags` only if its reader's account is in good
    /// standing and at least this old, hours ...
    pub flag_min_account_age_hours: i64,
    /// ... or has at least this many approved comments.
    pub flag_min_approved: i64,
    pub registration_open: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            moderation_mode: ModerationMode::Post,
            premod_links: false,
            new_user_threshold: 0,
            banned_words: Vec::new(),
            suspect_words: Vec::new(),
            edit_window_seconds: 900,
            max_comment_length: 5000,
            auto_hide_flags: 5,
            flag_min_account_age_hours: 24,
            flag_min_approved: 1,
            registration_open: true,
        }
    }
}

impl SiteSettings {
    /// The body length limit as a count.
    pub fn max_comment_chars(&self) -> usize {
        usize::try_from(self.max_comment_length)
            .unwrap_or(5000)
            .max(1)
    }
}

/// A validated change to any subset of the settings; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub moderation_mode: Option<ModerationMode>,
    pub premod_links: Option<bool>,
    pub new_user_threshold: Option<i64>,
    pub banned_words: Option<Vec<String>>,
    pub suspect_words: Option<Vec<String>>,
    pub edit_window_seconds: Option<i64>,
    pub max_comment_length: Option<i64>,
    pub auto_hide_flags: Option<i64>,
    pub flag_min_account_age_hours: Option<i64>,
    pub flag_min_approved: Option<i64>,
    pub registration_open: Option<bool>,
}

impl SettingsChange {
    /// Applies the change; returns the names of the fields whose value changed.
    pub fn apply(self, settings: &mut SiteSettings) -> Vec<&'static str> {
        fn set<T: PartialEq>(
            changed: &mut Vec<&'static str>,
            name: &'static str,
            field: &mut T,
            value: Option<T>,
        ) {
            if let Some(value) = value {
                if *field != value {
                    changed.push(name);
                }
                *field = value;
            }
        }
        let s = settings;
        let mut changed = Vec::new();
        let c = &mut changed;
        set(
            c,
            "moderation_mode",
            &mut s.moderation_mode,
            self.moderation_mode,
        );
        set(c, "premod_links", &mut s.premod_links, self.premod_links);
        set(
            c,
            "new_user_threshold",
            &mut s.new_user_threshold,
            self.new_user_threshold,
        );
        set(c, "banned_words", &mut s.banned_words, self.banned_words);
        set(c, "suspect_words", &mut s.suspect_words, self.suspect_words);
        set(
            c,
            "edit_window_seconds",
            &mut s.edit_window_seconds,
            self.edit_window_seconds,
        );
        set(
            c,
            "max_comment_length",
            &mut s.max_comment_length,
            self.max_comment_length,
        );
        set(
            c,
            "auto_hide_flags",
            &mut s.auto_hide_flags,
            self.auto_hide_flags,
        );
        set(
            c,
            "flag_min_account_age_hours",
            &mut s.flag_min_account_age_hours,
            self.flag_min_account_age_hours,
        );
        set(
            c,
            "flag_min_approved",
            &mut s.flag_min_approved,
            self.flag_min_approved,
        );
        set(
            c,
            "registration_open",
            &mut s.registration_open,
            self.registration_open,
        );
        changed
    }
}

/// `value` if it lies in `min..=max`.
pub fn in_range(value: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be between {min} and {max}"))
    }
}

/// A word list: at most 10,000 entries of 1–200 printable characters, trimmed, without
/// repeats.
pub fn word_list(words: Vec<String>) -> Result<Vec<String>, String> {
    if words.len() > 10_000 {
        return Err("at most 10000 entries".into());
    }
    let mut cleaned: Vec<String> = Vec::with_capacity(words.len());
    for word in words {
        let word = word.trim().to_owned();
        if word.is_empty() || word.chars().count() > 200 || word.chars().any(char::is_control) {
            return Err("entries must be 1 to 200 printable characters".into());
        }
        if !cleaned.contains(&word) {
            cleaned.push(word);
        }
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reports_only_the_fields_whose_value_moved() {
        let mut settings = SiteSettings::default();
        let change = SettingsChange {
            moderation_mode: Some(ModerationMode::Pre),
            premod_links: Some(false),
            auto_hide_flags: Some(3),
            ..SettingsChange::default()
        };
        assert_eq!(
            change.apply(&mut settings),
            ["moderation_mode", "auto_hide_flags"]
        );
        assert_eq!(settings.moderation_mode, ModerationMode::Pre);
        assert_eq!(settings.auto_hide_flags, 3);
        assert!(SettingsChange::default().apply(&mut settings).is_empty());
    }

    #[test]
    fn word_lists_are_trimmed_deduplicated_and_bounded() {
        let words = vec![" Idiot ".into(), "Idiot".into(), "Đồ ngu".into()];
        assert_eq!(word_list(words), Ok(vec!["Idiot".into(), "Đồ ngu".into()]));
        assert!(word_list(vec!["  ".into()]).is_err());
        assert!(word_list(vec!["x".repeat(201)]).is_err());
        assert!(word_list(vec!["a".into(); 10_001]).is_err());
        assert_eq!(in_range(5, 0, 10), Ok(5));
        assert!(in_range(11, 0, 10).is_err());
    }
}
