//! Site-wide moderation and comment settings, kept in the database.

use serde::{Deserialize, Serialize};

/// Site settings with the contract's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SiteSettings {
    /// `post` (publish, moderate afterwards) or `pre` (hold every comment).
    pub moderation_mode: String,
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
    pub registration_open: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            moderation_mode: "post".into(),
            premod_links: false,
            new_user_threshold: 0,
            banned_words: Vec::new(),
            suspect_words: Vec::new(),
            edit_window_seconds: 900,
            max_comment_length: 5000,
            auto_hide_flags: 5,
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
