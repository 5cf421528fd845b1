//! An author as moderators look them up: the account's standing and every comment.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::DbConnection;
use super::comments::Comment;
use super::moderation::{QueueItem, QueueRow, open_flags_of};
use super::page::Page;
use super::schema::{articles, comments, users};
use super::users::{self as user_rows, User};
use crate::domain::comment::{CommentId, CommentStatus};
use crate::domain::user::UserId;
use crate::error::ApiError;

/// An account with what its standing needs beyond the account row.
#[derive(Debug, Clone)]
pub struct Author {
    pub user: User,
    /// Comments waiting in the pending queue.
    pub pending_count: i64,
    /// Moderator notes about the account.
    pub notes_count: i64,
}

/// The live account `id` with its pending comments and notes counted (indexed counts
/// over the author's comments and notes); `None` for no account or an erased one.
#[tracing::instrument(skip_all)]
pub fn standing(
    conn: &mut DbConnection,
    id: UserId,
    now: DateTime<Utc>,
) -> Result<Option<Author>, ApiError> {
    let Some(user) = user_rows::find_live(conn, id, now)? else {
        return Ok(None);
    };
    let pending_count = comments::table
        .filter(comments::author_id.eq(id.0))
        .filter(comments::status.eq(CommentStatus::Pending.as_str()))
        .count()
        .get_result(conn)?;
    let notes_count = super::notes::count_about(conn, id)?;
    Ok(Some(Author {
        user,
        pending_count,
        notes_count,
    }))
}

/// A page of the comments of the live account `id` (404 if there is none), newest
/// first, of one status or all, as the queues show them; `before` is the id of the
/// previous page's last comment.
#[tracing::instrument(skip_all)]
pub fn comments_of(
    conn: &mut DbConnection,
    id: UserId,
    status: Option<CommentStatus>,
    before: Option<CommentId>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Page<QueueItem>, ApiError> {
    user_rows::find_live(conn, id, now)?.ok_or(ApiError::NotFound("user"))?;
    let mut query = comments::table
        .inner_join(articles::table)
        .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
        .filter(comments::author_id.eq(id.0))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(comments::status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(comments::id.lt(before.0));
    }
    let rows: Vec<QueueRow> = query
        .order(comments::id.desc())
        .select((
            Comment::as_select(),
            users::username.nullable(),
            users::status.nullable(),
            users::banned_until.nullable(),
            users::approved_count.nullable(),
            users::rejected_count.nullable(),
            articles::key,
            articles::title,
            articles::url,
        ))
        .limit(Page::<QueueRow>::probe(limit))
        .load(conn)?;
    let page = Page::of(rows, limit);
    let ids: Vec<CommentId> = page.rows.iter().map(|r| r.comment.comment_id()).collect();
    let mut flags = open_flags_of(conn, &ids)?;
    let items = page.rows.into_iter().map(|row| {
        let flags = flags.remove(&row.comment.comment_id()).unwrap_or_default();
        QueueItem { row, flags }
    });
    Ok(Page {
        rows: items.collect(),
        more: page.more,
    })
}
