//! Events: what happened, as the outbox stores it and webhooks send it. The payload
//! types here are the documented `data` of each event type (OpenAPI components).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The kinds of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub enum EventType {
    /// A comment was posted (whatever status the rules gave it): `CommentEventData`.
    #[serde(rename = "comment.created")]
    CommentCreated,
    /// A comment became visible by a decision: `CommentEventData`.
    #[serde(rename = "comment.approved")]
    CommentApproved,
    /// A moderator rejected a comment; `rejection_reason` is the statement of reasons: `CommentEventData`.
    #[serde(rename = "comment.rejected")]
    CommentRejected,
    /// Its author changed a comment's text: `CommentEventData`.
    #[serde(rename = "comment.edited")]
    CommentEdited,
    /// A comment was deleted by its author or with its account: `CommentEventData`.
    #[serde(rename = "comment.deleted")]
    CommentDeleted,
    /// A reader flagged a comment: `FlagEventData`.
    #[serde(rename = "comment.flagged")]
    CommentFlagged,
    /// An account was banned or suspended: `BanEventData`.
    #[serde(rename = "user.banned")]
    UserBanned,
    /// A ban was lifted: `BanEventData`.
    #[serde(rename = "user.unbanned")]
    UserUnbanned,
    /// A moderator closed an article: `ArticleEventData`.
    #[serde(rename = "article.closed")]
    ArticleClosed,
    /// A moderator opened an article again: `ArticleEventData`.
    #[serde(rename = "article.opened")]
    ArticleOpened,
    /// Sent by `POST /admin/webhooks/{id}/test` to that endpoint only: `{"message"}`.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl EventType {
    /// Every type an endpoint may subscribe to (the test event goes to whoever asks).
    pub const SUBSCRIBABLE: &'static [Self] = &[
        Self::CommentCreated,
        Self::CommentApproved,
        Self::CommentRejected,
        Self::CommentEdited,
        Self::CommentDeleted,
        Self::CommentFlagged,
        Self::UserBanned,
        Self::UserUnbanned,
        Self::ArticleClosed,
        Self::ArticleOpened,
    ];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommentCreated => "comment.created",
            Self::CommentApproved => "comment.approved",
            Self::CommentRejected => "comment.rejected",
            Self::CommentEdited => "comment.edited",
            Self::CommentDeleted => "comment.deleted",
            Self::CommentFlagged => "comment.flagged",
            Self::UserBanned => "user.banned",
            Self::UserUnbanned => "user.unbanned",
            Self::ArticleClosed => "article.closed",
            Self::ArticleOpened => "article.opened",
            Self::WebhookTest => "webhook.test",
        }
    }

    /// Parses a type an endpoint may subscribe to.
    pub fn parse_subscribable(s: &str) -> Option<Self> {
        Self::SUBSCRIBABLE.iter().copied().find(|t| t.as_str() == s)
    }
}

/// An event before it is stored: its type, the article it concerns (for per-article
/// order) and its `data`.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventType,
    pub article_key: Option<String>,
    pub data: serde_json::Value,
}

impl Event {
    /// An event with `data` serialised; a payload type that cannot serialise (none
    /// here can) sends `null` rather than losing the event.
    pub fn new(kind: EventType, article_key: Option<String>, data: &impl Serialize) -> Self {
        Self {
            kind,
            article_key,
            data: serde_json::to_value(data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A new public event id: `evt_` and 32 hex digits, the time in milliseconds and 80
/// random bits (ids sort by when they were made, to the millisecond).
pub fn new_event_id() -> String {
    // The time first (milliseconds since 1970, as a UUIDv7 begins), then 80 random bits:
    // the ids of events written together are neighbours in the table's index of ids,
    // where random ones each changed a page of their own (a page written to disk per
    // event while posting).
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&rand::random::<[u8; 10]>());
    format!("evt_{}", hex::encode(bytes))
}

/// The body of a delivery, exactly as signed: `{id, type, created_at, data}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Envelope<'a> {
    /// The event's id (`evt_…`): the same on every attempt and redelivery, for idempotency.
    pub id: &'a str,
    /// The event type, e.g. `comment.created`.
    #[serde(rename = "type")]
    #[schema(value_type = EventType)]
    pub kind: &'a str,
    /// When the change was committed (UTC).
    pub created_at: DateTime<Utc>,
    /// The type's payload (`CommentEventData`, `FlagEventData`, `BanEventData`, `ArticleEventData`).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// `data` of the `comment.*` events except `comment.flagged`: the comment after the change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommentEventData {
    /// The comment's id.
    pub comment_id: i64,
    /// The article's key.
    pub article_key: String,
    /// The reply's parent, if any.
    pub parent_id: Option<i64>,
    /// The top-level comment of its thread.
    pub thread_id: i64,
    /// The author's account (null once erased).
    pub author_id: Option<i64>,
    /// `approved`, `pending`, `rejected` or `deleted` after the change.
    pub status: String,
    /// Why the comment is held or rejected (`banned_word`, `new_user`, `moderator`, …).
    pub moderation_reason: Option<String>,
    /// The moderator's statement of reasons for a rejection, as the author sees it.
    pub rejection_reason: Option<String>,
    /// The moderator who decided, for decisions; null for automatic ones and authors' changes.
    pub moderator_id: Option<i64>,
    /// The source text (empty once deleted).
    pub body: String,
    /// The rendered HTML (empty once deleted).
    pub html: String,
    /// When the comment was posted.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub edited_at: Option<DateTime<Utc>>,
}

/// `data` of `comment.flagged`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlagEventData {
    /// The flagged comment.
    pub comment_id: i64,
    /// Its article's key.
    pub article_key: String,
    /// The flag's id.
    pub flag_id: i64,
    /// `spam`, `abuse`, `off_topic`, `illegal_content` or `other`.
    pub reason: String,
    /// The reader's note, if any.
    pub note: Option<String>,
    /// The comment's unresolved flags, this one included.
    pub open_flags: i64,
    /// Whether this flag hid the comment (back to `pending`, reason `flagged`).
    pub hidden: bool,
}

/// `data` of `user.banned` and `user.unbanned`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BanEventData {
    /// The account.
    pub user_id: i64,
    /// The moderator who decided.
    pub moderator_id: i64,
    /// End of a suspension; null: for good (and for `user.unbanned`).
    pub until: Option<DateTime<Utc>>,
    /// The ban's reason (null for `user.unbanned`).
    pub reason: Option<String>,
}

/// `data` of `article.closed` and `article.opened`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleEventData {
    /// The article's key.
    pub article_key: String,
    /// Its title, if known.
    pub title: Option<String>,
    /// Its URL, if known.
    pub url: Option<String>,
    /// A scheduled closing, if any.
    pub closes_at: Option<DateTime<Utc>>,
    /// The moderator who changed it.
    pub moderator_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribable_types_round_trip_and_the_test_type_is_not_one() {
        for t in EventType::SUBSCRIBABLE {
            assert_eq!(EventType::parse_subscribable(t.as_str()), Some(*t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.as_str())
            );
        }
        assert_eq!(EventType::parse_subscribable("webhook.test"), None);
        assert_eq!(EventType::parse_subscribable("comment.*"), None);
    }

    #[test]
    fn event_ids_are_unique_and_shaped() {
        let (a, b) = (new_event_id(), new_event_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert!(a.starts_with("evt_"));
        // Later ids sort after earlier ones (by their millisecond).
        std::thread::sleep(std::time::Duration::from_millis(2));
        let c = new_event_id();
        assert!(c > a && c > b, "{a} {b} {c}");
    }
}
