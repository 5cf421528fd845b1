//! `/mod/*`: queues, decisions and their undo, accounts (standing, comments, notes,
//! bans), articles, the dashboard and the moderation log.

pub mod appeals;
pub mod article_list;
pub mod articles;
pub mod ban;
pub mod bulk;
pub mod dashboard;
pub mod decide;
pub mod decide_appeal;
pub mod log;
pub mod notes;
pub mod queue;
pub mod unban;
pub mod undo;
pub mod user;
pub mod user_comments;
pub mod users;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::moderation::{OpenFlag, QueueItem};
use crate::db::users::User;
use crate::domain::hook::HookOutcome;
use crate::domain::user::{UserStatus, Viewer};
use crate::routes::comments::CommentView;

/// A reader's flag, with the note moderators read.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlagNote {
    pub reason: String,
    pub note: Option<String>,
}

/// The article a queue item belongs to, as the console links it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleRef {
    /// The article's key.
    pub key: String,
    /// Its title, if a moderator or the first comment gave one; null otherwise.
    pub title: Option<String>,
    /// The article page on the publisher's site (an http or https URL), if known; null
    /// otherwise.
    pub url: Option<String>,
}

/// A comment as moderators see it, with its article as `{key, title, url}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModeratedComment {
    #[serde(flatten)]
    pub comment: CommentView<ArticleRef>,
    /// Unresolved flags by reason.
    pub flags: BTreeMap<String, i64>,
    /// Unresolved flags with the readers' notes, oldest first.
    pub flag_notes: Vec<FlagNote>,
    /// The text before the author's last edit (null if never edited); for a comment
    /// waiting as `edited`, the text a moderator approved.
    pub previous_body: Option<String>,
    /// What the external moderation hook said at the last post or edit (null when it
    /// was not asked): its result, status, reason, statement, scores and latency.
    pub hook: Option<HookOutcome>,
}

impl From<OpenFlag> for FlagNote {
    fn from(flag: OpenFlag) -> Self {
        Self {
            reason: flag.reason,
            note: flag.note,
        }
    }
}

impl ModeratedComment {
    /// Builds the view from a queue item (the comment and its unresolved flags).
    pub fn new(item: QueueItem, moderator: Viewer, now: DateTime<Utc>) -> Self {
        let QueueItem { row, flags } = item;
        let mut comment = CommentView::new(
            &row.comment,
            row.username.clone(),
            &row.article_key,
            false,
            Some(moderator),
        );
        if let (Some(author), Some(status)) =
            (comment.author.as_mut(), row.author_status.as_deref())
        {
            let status = UserStatus::parse(status)
                .unwrap_or(UserStatus::Deleted)
                .effective(row.author_banned_until.map(|t| t.and_utc()), now);
            author.status = Some(status.as_str().to_owned());
            author.approved_count = Some(row.author_approved.unwrap_or(0));
            author.rejected_count = Some(row.author_rejected.unwrap_or(0));
        }
        let flag_notes: Vec<FlagNote> = flags.into_iter().map(FlagNote::from).collect();
        let mut flags = BTreeMap::new();
        for flag in &flag_notes {
            *flags.entry(flag.reason.clone()).or_insert(0) += 1;
        }
        let previous_body = row.comment.previous_body.clone();
        let hook = row.comment.hook_outcome();
        let article = ArticleRef {
            key: row.article_key,
            title: row.article_title,
            url: row.article_url,
        };
        Self {
            comment: comment.with_article(article),
            flags,
            flag_notes,
            previous_body,
            hook,
        }
    }
}

/// An account as moderators see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserStanding {
    pub id: i64,
    pub username: String,
    /// Shown to admins only (moderators do not need readers' addresses).
    pub email: Option<String>,
    pub role: String,
    /// `active`, `banned` or `deleted` (a suspension past its end reads `active`).
    pub status: String,
    /// End of a suspension in force; null for a permanent ban or none.
    pub banned_until: Option<DateTime<Utc>>,
    pub ban_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub approved_count: i64,
    pub rejected_count: i64,
}

impl UserStanding {
    /// The view of `user` at `now` for `viewer` (the email only for an admin).
    pub fn new(user: &User, now: DateTime<Utc>, viewer: &User) -> Self {
        let standing = user.standing(now);
        Self {
            id: user.id,
            username: user.username.clone(),
            email: user
                .email
                .clone()
                .filter(|_| viewer.role() == crate::domain::user::Role::Admin),
            role: user.role.clone(),
            status: standing.status.as_str().to_owned(),
            banned_until: standing.banned_until,
            ban_reason: standing.ban_reason.map(str::to_owned),
            created_at: user.created_at.and_utc(),
            approved_count: user.approved_count,
            rejected_count: user.rejected_count,
        }
    }
}
