//! Comments, their thread position, and the counters every change of visibility keeps
//! exact in the same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::prepared::Prepared;

use super::schema::{comments, users};
use super::{DbConnection, articles};
use crate::domain::comment::{ArticleId, CommentId, CommentStatus, Sort};
use crate::domain::thread::Node;
use crate::domain::user::UserId;
use crate::error::ApiError;

/// A row of `comments`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Comment {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub thread_id: i64,
    pub depth: i32,
    pub author_id: Option<i64>,
    pub body: String,
    pub html: String,
    pub status: String,
    pub moderation_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub moderated_by: Option<i64>,
    pub moderated_at: Option<NaiveDateTime>,
    pub like_count: i64,
    pub visible_replies: i64,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// Unresolved flags.
    pub open_flags: i64,
}

impl Comment {
    /// The typed id.
    pub fn comment_id(&self) -> CommentId {
        CommentId(self.id)
    }

    /// The status; a value the schema forbids reads as deleted.
    pub fn status(&self) -> CommentStatus {
        CommentStatus::parse(&self.status).unwrap_or(CommentStatus::Deleted)
    }

    /// The author, while the account exists.
    pub fn author(&self) -> Option<UserId> {
        self.author_id.map(UserId)
    }

    /// What the visibility rule needs.
    pub fn node(&self) -> Node {
        Node {
            id: self.comment_id(),
            parent: self.parent_id.map(CommentId),
            author: self.author(),
            status: self.status(),
        }
    }
}

/// A comment with its author's username (`None` once the account is erased).
pub type Authored = (Comment, Option<String>);

/// A comment to store.
#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    /// For a top-level comment, set to its own id after the insert.
    pub thread_id: i64,
    pub depth: i32,
    pub author_id: Option<i64>,
    pub body: String,
    pub html: String,
    pub status: String,
    pub moderation_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores a comment and counts it.
#[tracing::instrument(skip_all)]
pub fn insert(conn: &mut DbConnection, new: &NewComment) -> Result<Comment, ApiError> {
    let mut comment: Comment = diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::all_columns)
        .prepared()
        .get_result(conn)?;
    if comment.depth == 0 {
        // The insert's trigger made it its own thread (see the migration
        // `thread_trigger`); SQLite's runs after the row is returned.
        comment.thread_id = comment.id;
    }
    shift_counters(conn, &comment, None, comment.status())?;
    Ok(comment)
}

/// Keeps the counters exact when `comment` goes from `from` (`None`: new) to `to`: the
/// article's count, the thread's visible replies, the author's approved and rejected
/// counts. Every status change goes through here.
pub fn shift_counters(
    conn: &mut DbConnection,
    comment: &Comment,
    from: Option<CommentStatus>,
    to: CommentStatus,
) -> Result<(), ApiError> {
    let delta = |s: CommentStatus| i64::from(to == s) - i64::from(from == Some(s));
    let approved = delta(CommentStatus::Approved);
    let rejected = delta(CommentStatus::Rejected);
    if approved != 0 {
        articles::add_to_count(conn, ArticleId(comment.article_id), approved)?;
        if comment.depth > 0 {
            diesel::update(comments::table.find(comment.thread_id))
                .set(comments::visible_replies.eq(comments::visible_replies + approved))
                .returning(comments::id)
                .prepared()
                .get_results::<i64>(conn)?;
        }
    }
    if let Some(author) = comment.author_id
        && (approved != 0 || rejected != 0)
    {
        diesel::update(users::table.find(author))
            .set((
                users::approved_count.eq(users::approved_count + approved),
                users::rejected_count.eq(users::rejected_count + rejected),
            ))
            .returning(users::id)
            .prepared()
            .get_results::<i64>(conn)?;
    }
    Ok(())
}

/// Finds a comment.
#[tracing::instrument(skip_all)]
pub fn find(conn: &mut DbConnection, id: CommentId) -> Result<Option<Comment>, ApiError> {
    Ok(comments::table
        .find(id.0)
        .select(Comment::as_select())
        .first(conn)
        .optional()?)
}

/// Every comment of a thread, oldest first, with authors.
#[tracing::instrument(skip_all)]
pub fn thread(conn: &mut DbConnection, thread_id: i64) -> Result<Vec<Authored>, ApiError> {
    Ok(comments::table
        .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
        .filter(comments::thread_id.eq(thread_id))
        .order(comments::id.asc())
        .select((Comment::as_select(), users::username.nullable()))
        .load(conn)?)
}

/// Where a page of top-level comments starts: after this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub likes: i64,
    pub id: i64,
}

/// One page (plus one, to tell whether more follow) of an article's top-level comments
/// that `viewer` may see: approved ones, deleted ones with approved replies (as
/// placeholders), and the viewer's own held ones.
#[tracing::instrument(skip_all)]
pub fn page_roots(
    conn: &mut DbConnection,
    article: ArticleId,
    sort: Sort,
    after: Option<After>,
    viewer: Option<UserId>,
    limit: i64,
) -> Result<Vec<Authored>, ApiError> {
    let mut query = comments::table
        .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
        .filter(comments::article_id.eq(article.0))
        .filter(comments::depth.eq(0))
        .select((Comment::as_select(), users::username.nullable()))
        .into_boxed();
    let public = comments::status
        .eq(CommentStatus::Approved.as_str())
        .or(comments::status
            .eq(CommentStatus::Deleted.as_str())
            .and(comments::visible_replies.gt(0)));
    query = match viewer {
        Some(me) => query.filter(public.or(comments::author_id.eq(me.0).and(
            comments::status.eq_any([
                CommentStatus::Pending.as_str(),
                CommentStatus::Rejected.as_str(),
            ]),
        ))),
        None => query.filter(public),
    };
    query = match (sort, after) {
        (Sort::Oldest, Some(a)) => query.filter(comments::id.gt(a.id)),
        (Sort::Newest, Some(a)) => query.filter(comments::id.lt(a.id)),
        (Sort::Top, Some(a)) => query.filter(
            comments::like_count
                .lt(a.likes)
                .or(comments::like_count.eq(a.likes).and(comments::id.gt(a.id))),
        ),
        (_, None) => query,
    };
    query = match sort {
        Sort::Oldest => query.order(comments::id.asc()),
        Sort::Newest => query.order(comments::id.desc()),
        Sort::Top => query.order((comments::like_count.desc(), comments::id.asc())),
    };
    Ok(query.limit(limit + 1).load(conn)?)
}

/// The replies in the given threads, oldest first, with authors: one indexed query.
#[tracing::instrument(skip_all, fields(threads = thread_ids.len()))]
pub fn replies_in(conn: &mut DbConnection, thread_ids: &[i64]) -> Result<Vec<Authored>, ApiError> {
    if thread_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(comments::table
        .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
        .filter(comments::thread_id.eq_any(thread_ids))
        .filter(comments::depth.gt(0))
        .order(comments::id.asc())
        .select((Comment::as_select(), users::username.nullable()))
        .load(conn)?)
}

/// New text for a comment, and the status the rules gave it.
pub struct Edit<'a> {
    pub body: &'a str,
    pub html: &'a str,
    pub status: CommentStatus,
    pub moderation_reason: Option<&'a str>,
    pub now: NaiveDateTime,
}

/// Replaces a comment's text and status, keeping the counters exact.
#[tracing::instrument(skip_all)]
pub fn edit(
    conn: &mut DbConnection,
    comment: &Comment,
    edit: &Edit<'_>,
) -> Result<Comment, ApiError> {
    let updated: Comment = diesel::update(comments::table.find(comment.id))
        .set((
            comments::body.eq(edit.body),
            comments::html.eq(edit.html),
            comments::status.eq(edit.status.as_str()),
            comments::moderation_reason.eq(edit.moderation_reason),
            comments::edited_at.eq(Some(edit.now)),
            comments::updated_at.eq(edit.now),
        ))
        .returning(comments::all_columns)
        .prepared()
        .get_result(conn)?;
    shift_counters(conn, comment, Some(comment.status()), edit.status)?;
    Ok(updated)
}

/// Deletes a comment: the row stays (its replies hang on it) with the text erased.
/// With `erase_author`, the author link goes too (account erasure).
#[tracing::instrument(skip_all)]
pub fn delete(
    conn: &mut DbConnection,
    comment: &Comment,
    erase_author: bool,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if comment.status() == CommentStatus::Deleted && !erase_author {
        return Ok(());
    }
    shift_counters(
        conn,
        comment,
        Some(comment.status()),
        CommentStatus::Deleted,
    )?;
    let author = if erase_author {
        None
    } else {
        comment.author_id
    };
    diesel::update(comments::table.find(comment.id))
        .set((
            comments::status.eq(CommentStatus::Deleted.as_str()),
            comments::body.eq(""),
            comments::html.eq(""),
            comments::author_id.eq(author),
            comments::updated_at.eq(now),
        ))
        .returning(comments::id)
        .prepared()
        .get_results::<i64>(conn)?;
    Ok(())
}

/// Every comment of an author, oldest first.
#[tracing::instrument(skip_all)]
pub fn by_author(conn: &mut DbConnection, author: UserId) -> Result<Vec<Comment>, ApiError> {
    Ok(comments::table
        .filter(comments::author_id.eq(author.0))
        .order(comments::id.asc())
        .select(Comment::as_select())
        .load(conn)?)
}
