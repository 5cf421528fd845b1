//! `/comments`: threads, posting, editing, likes and flags.

pub mod appeal;
pub mod create;
pub mod delete;
pub mod edit;
pub mod flag;
pub mod get;
pub mod hook;
pub mod like;
pub mod list;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::comments::Comment;
use crate::domain::comment::CommentStatus;
use crate::domain::user::Viewer;

/// A comment's author.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthorView {
    pub id: i64,
    pub username: String,
    /// For moderators only: `active`, `banned` or `deleted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// For moderators only: the author's approved comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_count: Option<i64>,
    /// For moderators only: the author's rejected comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_count: Option<i64>,
}

impl AuthorView {
    /// An author as readers see them.
    pub fn new(id: i64, username: String) -> Self {
        Self {
            id,
            username,
            status: None,
            approved_count: None,
            rejected_count: None,
        }
    }
}

/// The author of a comment brought in from another system (Disqus, WordPress) who has
/// no account here: only the name they wrote under there (their email is kept for
/// matching an account, never shown).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportedAuthorView {
    pub display_name: String,
}

/// A comment as its viewer may see it. `article` is the article's key; in moderation
/// answers it is `{key, title}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommentView<A = String> {
    pub id: i64,
    // The article's key (readers) or `{key, title}` (moderation answers). Inline and
    // without a doc comment: as a reference, the default `String` named a schema that
    // does not exist, and a description wraps it in an `allOf` with `type: object`.
    #[schema(inline)]
    pub article: A,
    pub parent_id: Option<i64>,
    /// The top-level comment of the thread.
    pub thread_id: i64,
    /// 0 for top-level comments, at most 5.
    pub depth: i32,
    /// Null once the comment or the account is deleted, and for an imported comment
    /// whose author has no account (see `imported_author`).
    pub author: Option<AuthorView>,
    /// Only on a comment imported from another system whose author has no account here
    /// (`author` is null then): the name shown for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_author: Option<ImportedAuthorView>,
    /// Markdown source; empty once deleted.
    pub body: String,
    /// Sanitised HTML rendering; empty once deleted.
    pub html: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub likes: i64,
    pub liked_by_me: bool,
    /// Why it is not approved (`premoderation`, `new_user`, `contains_link`,
    /// `suspect_word`, `banned_word`, `flagged`, `moderator`, or `edited`: an edit of a
    /// comment a moderator had approved, waiting in the `pending` queue for review again);
    /// only for its author and moderators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_reason: Option<Option<String>>,
    /// A moderator's reason for rejecting it; only for its author and moderators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<Option<String>>,
}

impl<A> CommentView<A> {
    /// The same view with another form of `article`.
    pub fn with_article<B>(self, article: B) -> CommentView<B> {
        CommentView {
            id: self.id,
            article,
            parent_id: self.parent_id,
            thread_id: self.thread_id,
            depth: self.depth,
            author: self.author,
            imported_author: self.imported_author,
            body: self.body,
            html: self.html,
            status: self.status,
            created_at: self.created_at,
            edited_at: self.edited_at,
            likes: self.likes,
            liked_by_me: self.liked_by_me,
            moderation_reason: self.moderation_reason,
            rejection_reason: self.rejection_reason,
        }
    }
}

impl CommentView {
    /// The view of `comment` for `viewer`.
    pub fn new(
        comment: &Comment,
        username: Option<String>,
        article: &str,
        liked_by_me: bool,
        viewer: Option<Viewer>,
    ) -> Self {
        let status = comment.status();
        let deleted = status == CommentStatus::Deleted;
        let privileged = viewer.is_some_and(|v| {
            v.moderator || (comment.author().is_some() && comment.author() == Some(v.id))
        });
        let author = match (comment.author_id, username) {
            (Some(id), Some(username)) if !deleted => Some(AuthorView::new(id, username)),
            _ => None,
        };
        Self {
            id: comment.id,
            article: article.to_owned(),
            parent_id: comment.parent_id,
            thread_id: comment.thread_id,
            depth: comment.depth,
            author,
            imported_author: match (&comment.author_name, comment.author_id) {
                (Some(name), None) if !deleted => Some(ImportedAuthorView {
                    display_name: name.clone(),
                }),
                _ => None,
            },
            body: if deleted {
                String::new()
            } else {
                comment.body.clone()
            },
            html: if deleted {
                String::new()
            } else {
                comment.html.clone()
            },
            status,
            created_at: comment.created_at.and_utc(),
            edited_at: comment.edited_at.map(|t| t.and_utc()),
            likes: comment.like_count,
            liked_by_me,
            moderation_reason: privileged.then(|| comment.moderation_reason.clone()),
            rejection_reason: privileged.then(|| comment.rejection_reason.clone()),
        }
    }
}
