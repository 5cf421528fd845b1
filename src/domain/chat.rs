//! Webhook deliveries as chat messages: one line of text per event, for endpoints whose
//! `format` is `chat` (the `{"text": …}` body that Slack, Mattermost, Rocket.Chat,
//! Google Chat and Discord's Slack-compatible URL accept), so a community desk can see
//! new reports in its channel without a relay of its own.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How an endpoint wants its deliveries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Tribune's envelope `{id, type, created_at, data}`.
    #[default]
    Tribune,
    /// A chat message `{"text": "…"}`: one line saying what happened, with the address of
    /// the moderation console when `TRIBUNE_PUBLIC_URL` is set.
    Chat,
}

impl Format {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tribune => "tribune",
            Self::Chat => "chat",
        }
    }

    /// The format of a stored name (unknown names deliver Tribune's envelope).
    pub fn from_stored(stored: &str) -> Self {
        if stored == "chat" {
            Self::Chat
        } else {
            Self::Tribune
        }
    }
}

/// Longest excerpt of a comment quoted in a message, in characters.
const EXCERPT_CHARS: usize = 200;

/// The message for an event of `kind` with `data`; `public_url` is Tribune's own origin
/// (for links to the console).
pub fn message(kind: &str, data: &Value, public_url: Option<&str>) -> String {
    let text = |field: &str| data[field].as_str().unwrap_or("").to_owned();
    let number = |field: &str| data[field].as_i64().unwrap_or(0);
    let article = text("article_key");
    let comment = format!("Comment {} on “{}”", number("comment_id"), escape(&article));
    let line = match kind {
        "comment.created" => format!(
            "New comment {} on “{}” by user {} ({}): {}",
            number("comment_id"),
            escape(&article),
            number("author_id"),
            text("status"),
            quote(&text("body")),
        ),
        "comment.approved" => format!("{comment} approved by moderator {}", number("moderator_id")),
        "comment.rejected" => format!(
            "{comment} rejected ({}) by {}",
            escape(&text("rejection_reason")),
            match data["moderator_id"].as_i64() {
                Some(id) => format!("moderator {id}"),
                None => "the rules".to_owned(),
            }
        ),
        "comment.edited" => format!(
            "{comment} edited by its author (now {}): {}",
            text("status"),
            quote(&text("body"))
        ),
        "comment.deleted" => format!("{comment} deleted"),
        "comment.flagged" => {
            let note = text("note");
            format!(
                "{comment} reported as {}{}: {} open report{}{}",
                escape(&text("reason")),
                if note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", quote(&note))
                },
                number("open_flags"),
                if number("open_flags") == 1 { "" } else { "s" },
                if data["hidden"].as_bool() == Some(true) {
                    ", hidden until a moderator decides"
                } else {
                    ""
                },
            )
        }
        "user.banned" => format!(
            "User {} banned {} by moderator {}{}",
            number("user_id"),
            match data["until"].as_str() {
                Some(until) => format!("until {}", escape(until)),
                None => "permanently".to_owned(),
            },
            number("moderator_id"),
            match data["reason"].as_str() {
                Some(reason) => format!(": {}", quote(reason)),
                None => String::new(),
            }
        ),
        "user.unbanned" => format!(
            "User {} unbanned by moderator {}",
            number("user_id"),
            number("moderator_id")
        ),
        "article.closed" => format!("Article “{}” closed to comments", escape(&article)),
        "article.opened" => format!("Article “{}” open to comments again", escape(&article)),
        "webhook.test" => {
            "A test message from Tribune: this endpoint receives its events.".to_owned()
        }
        other => format!("Tribune event {}", escape(other)),
    };
    match public_url {
        Some(base) if !article.is_empty() => format!(
            "{line} — {}/moderate/?article={}",
            base.trim_end_matches('/'),
            url::form_urlencoded::byte_serialize(article.as_bytes()).collect::<String>()
        ),
        _ => line,
    }
}

/// A reader's text as a quoted excerpt on one line.
fn quote(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut excerpt: String = line.chars().take(EXCERPT_CHARS).collect();
    if line.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    format!("“{}”", escape(&excerpt))
}

/// Text that chat services show as written and that notifies nobody: `&`, `<` and `>`
/// are Slack's control characters (`<!channel>` would notify everyone, `<url|label>`
/// would disguise a link); a zero-width space after `@` keeps `@channel`, `@all`,
/// `@here`, `@everyone` and `@name` from notifying anyone on Mattermost, Rocket.Chat and
/// Discord, and one between `]` and `(` keeps `[label](url)` from becoming a disguised
/// Markdown link there.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('@', "@\u{200B}")
        .replace("](", "]\u{200B}(")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_readers_text_cannot_notify_the_channel_or_disguise_a_link() {
        let data = json!({"comment_id": 7, "article_key": "wahl", "author_id": 3, "status": "approved",
            "body": "<!channel> look <https://evil.example|bank> & more"});
        let text = message("comment.created", &data, None);
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
        assert!(text.contains("&amp; more"), "{text}");
    }

    #[test]
    fn mentions_and_markdown_links_do_nothing_on_other_chat_services() {
        let data = json!({"comment_id": 7, "article_key": "wahl", "author_id": 3, "status": "approved",
            "body": "@channel @all hi @everyone, see [your bank](https://evil.example)"});
        let text = message("comment.created", &data, None);
        for mention in ["@channel", "@all", "@everyone"] {
            assert!(!text.contains(mention), "{text}");
        }
        assert!(!text.contains("]("), "{text}");
        assert!(text.contains("@\u{200B}channel"), "{text}");
    }

    #[test]
    fn a_report_says_why_and_links_the_console() {
        let data = json!({"comment_id": 7, "article_key": "wahl 2026", "flag_id": 1, "reason": "spam",
            "note": null, "open_flags": 2, "hidden": true});
        assert_eq!(
            message(
                "comment.flagged",
                &data,
                Some("https://comments.zeitung.de/")
            ),
            "Comment 7 on “wahl 2026” reported as spam: 2 open reports, hidden until a moderator \
             decides — https://comments.zeitung.de/moderate/?article=wahl+2026"
        );
    }

    #[test]
    fn long_comments_are_cut_to_one_line() {
        let data = json!({"comment_id": 1, "article_key": "a", "status": "pending",
            "body": format!("erste Zeile\nzweite {}", "x".repeat(300))});
        let text = message("comment.edited", &data, None);
        assert!(!text.contains('\n'));
        assert!(text.ends_with("…”"), "{text}");
    }
}
