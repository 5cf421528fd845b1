//! `/me/subscriptions`: what the caller asked to be mailed about (reply notifications).

pub mod create;
pub mod delete;
pub mod list;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::subscriptions::Listed;
use crate::routes::moderation::ArticleRef;

/// What a subscription covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionKind {
    /// Replies to one of the caller's comments (`comment_id`).
    Comment,
    /// Replies to any of the caller's comments on one article, those written later too.
    Article,
}

/// A reply-notification subscription.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    pub id: i64,
    pub kind: SubscriptionKind,
    /// The comment whose replies are mailed (`kind: comment`); null for an article.
    pub comment_id: Option<i64>,
    /// The article it is about.
    pub article: ArticleRef,
    pub created_at: DateTime<Utc>,
}

impl From<Listed> for SubscriptionView {
    fn from(l: Listed) -> Self {
        let s = l.subscription;
        Self {
            id: s.id,
            kind: if s.comment_id.is_some() {
                SubscriptionKind::Comment
            } else {
                SubscriptionKind::Article
            },
            comment_id: s.comment_id,
            article: ArticleRef {
                key: l.article_key,
                title: l.article_title,
                url: l.article_url,
            },
            created_at: s.created_at.and_utc(),
        }
    }
}
