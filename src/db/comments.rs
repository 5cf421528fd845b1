//! Comments, their thread position, and the counters every change of visibility keeps
//! exact in the same transaction.

use std::collections::HashSet;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::prepared::Prepared;
use super::tally::Tally;

use super::articles::{CountShift, Known};
use super::events::NewEvent;
use super::moderation::{LogEntry, NewLogLine, log};
use super::page::Page;
use super::schema::{comments, users};
use super::{DbConnection, articles, events, notices, on_each_backend, reactions};
use crate::domain::comment::{ArticleId, ArticleKey, CommentBody, CommentId, CommentStatus, Sort};
use crate::domain::event::EventType;
use crate::domain::hook::{Heard, HookOutcome};
use crate::domain::markdown;
use crate::domain::moderation::{self, Before, Context, Decision, Reason, Site, TextVerdict};
use crate::domain::thread::{self, Node, Parent, Placement};
use crate::domain::user::{UserId, Viewer};
use crate::error::{ApiError, Conflict, Forbidden};

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
    /// The text before the author's last edit (see `revise`), for moderators.
    pub previous_body: Option<String>,
    /// What the moderation hook said (`domain::hook::HookOutcome` as JSON), if it was asked.
    pub hook_result: Option<String>,
    /// An imported comment's author name, when no account is linked (see `archive`).
    pub author_name: Option<String>,
    /// An imported comment's author email, for linking an account later; never shown.
    pub author_email: Option<String>,
}

impl Comment {
    /// The hook's stored outcome, if any.
    pub fn hook_outcome(&self) -> Option<HookOutcome> {
        self.hook_result
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
    }
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

/// A comment to store. Every column is written (a `None` as `NULL`, which is each one's
/// default), so the insert has one SQL text and diesel caches its prepared form by type,
/// without writing the SQL out to look it up.
#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
#[diesel(treat_none_as_default_value = false)]
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
    pub rejection_reason: Option<String>,
    pub hook_result: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores a comment and counts it in `tally` (written at the end of the transaction).
#[tracing::instrument(skip_all)]
pub fn insert(
    conn: &mut DbConnection,
    new: &NewComment,
    tally: &mut Tally,
) -> Result<Comment, ApiError> {
    let insert = diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::all_columns);
    // On the backend's own connection: diesel's multi-connection writes every statement's
    // SQL out again on each execution (to hand it on), a tenth of the SQLite writer's
    // time while posting (perf); the backend's own caches it by type.
    let comment: Comment = on_each_backend!(conn, |c| insert.get_result(c)?);
    let comment = stored(comment);
    count_new(conn, tally, &comment)?;
    Ok(comment)
}

/// Stores comments in their order; not yet counted (`count_new`). A batch of posts
/// inserts its comments so (see `writer`): on PostgreSQL with one statement, one round
/// trip rather than one per post; on SQLite one by one through one prepared statement.
#[tracing::instrument(skip_all)]
pub fn insert_all(conn: &mut DbConnection, new: &[NewComment]) -> Result<Vec<Comment>, ApiError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<Comment> = match conn {
        DbConnection::Postgres(pg) => diesel::insert_into(comments::table)
            .values(new)
            .returning(comments::all_columns)
            .get_results(pg)?,
        // No round trips to save: row by row through one prepared statement costs less
        // than parsing a multi-row insert (and compiling its trigger) per batch.
        DbConnection::Sqlite(lite) => new
            .iter()
            .map(|row| {
                diesel::insert_into(comments::table)
                    .values(row)
                    .returning(comments::all_columns)
                    .get_result(lite)
            })
            .collect::<Result<_, _>>()?,
    };
    if rows.len() != new.len() {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "{} comments inserted, {} returned",
            new.len(),
            rows.len()
        )));
    }
    // Each row's id is drawn as it is inserted, in the order of the values: in id order
    // the rows are in that order, however the backend returns them.
    rows.sort_unstable_by_key(|c| c.id);
    Ok(rows.into_iter().map(stored).collect())
}

/// A comment as its insert returned it, with its thread set: a top-level comment is its
/// own thread (the migration `thread_trigger`; SQLite's trigger runs after the row is
/// returned).
fn stored(mut comment: Comment) -> Comment {
    if comment.depth == 0 {
        comment.thread_id = comment.id;
    }
    comment
}

/// Counts a comment just stored in `tally`.
pub fn count_new(
    conn: &mut DbConnection,
    tally: &mut Tally,
    comment: &Comment,
) -> Result<(), ApiError> {
    tally_counters(
        conn,
        tally,
        comment,
        None,
        comment.status(),
        comment.open_flags,
    )
}

/// Keeps the counters exact when `comment` goes from `from` (`None`: new) to `to`: the
/// article's counts (approved, pending, reported) and last comment, the thread's
/// visible replies, the author's approved and rejected counts. Every status change
/// goes through here.
pub fn shift_counters(
    conn: &mut DbConnection,
    comment: &Comment,
    from: Option<CommentStatus>,
    to: CommentStatus,
) -> Result<(), ApiError> {
    shift_counters_flagged(conn, comment, from, to, comment.open_flags)
}

/// As `shift_counters`, for a change that leaves the comment with `flags_after`
/// unresolved flags (a moderator's decision resolves them, an undo restores them).
pub fn shift_counters_flagged(
    conn: &mut DbConnection,
    comment: &Comment,
    from: Option<CommentStatus>,
    to: CommentStatus,
    flags_after: i64,
) -> Result<(), ApiError> {
    let mut tally = Tally::default();
    tally_counters(conn, &mut tally, comment, from, to, flags_after)?;
    tally.apply(conn)
}

/// As `shift_counters_flagged`, adding the counters' changes to `tally` rather than
/// writing them (reply notices are still queued at once).
fn tally_counters(
    conn: &mut DbConnection,
    tally: &mut Tally,
    comment: &Comment,
    from: Option<CommentStatus>,
    to: CommentStatus,
    flags_after: i64,
) -> Result<(), ApiError> {
    let delta = |s: CommentStatus| i64::from(to == s) - i64::from(from == Some(s));
    let approved = delta(CommentStatus::Approved);
    let rejected = delta(CommentStatus::Rejected);
    // The reported queue: approved comments with unresolved flags.
    let reported = i64::from(to == CommentStatus::Approved && flags_after > 0)
        - i64::from(from == Some(CommentStatus::Approved) && comment.open_flags > 0);
    let shift = CountShift {
        approved,
        pending: delta(CommentStatus::Pending),
        reported,
    };
    if approved > 0 && comment.depth > 0 {
        // Reply mails go out only for approved replies, decided in this transaction.
        super::subscriptions::on_approved(conn, comment)?;
    }
    let posted_at = from.is_none().then_some(comment.created_at);
    if !shift.is_none() || posted_at.is_some() {
        tally.article(ArticleId(comment.article_id), shift, posted_at);
    }
    if approved != 0 && comment.depth > 0 {
        tally.thread(comment.thread_id, approved);
    }
    if let Some(author) = comment.author_id
        && (approved != 0 || rejected != 0)
    {
        tally.author(author, approved, rejected);
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

/// One page (plus one, to tell whether more follow: see `Page`) of an article's top-level comments
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
    Ok(query.limit(Page::<Authored>::probe(limit)).load(conn)?)
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
    /// The hook's reason when it rejected the new text.
    pub rejection_reason: Option<&'a str>,
    /// What moderators see as the text before the edit.
    pub previous_body: Option<&'a str>,
    /// The hook's outcome on the new text (JSON), if it was asked.
    pub hook_result: Option<&'a str>,
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
            comments::rejection_reason.eq(edit.rejection_reason),
            comments::previous_body.eq(edit.previous_body),
            comments::hook_result.eq(edit.hook_result),
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
/// With `erase_author`, the author link goes too (account erasure). A comment that was
/// not deleted before emits `comment.deleted`.
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
    let deleted = diesel::update(comments::table.find(comment.id))
        .set((
            comments::status.eq(CommentStatus::Deleted.as_str()),
            comments::body.eq(""),
            comments::html.eq(""),
            comments::previous_body.eq(None::<String>),
            comments::author_id.eq(author),
            comments::author_name.eq(None::<String>),
            comments::author_email.eq(None::<String>),
            comments::updated_at.eq(now),
        ))
        .returning(comments::all_columns)
        .prepared()
        .get_result::<Comment>(conn)?;
    if comment.status() != CommentStatus::Deleted {
        let key = events::article_key_of(conn, &deleted)?;
        events::emit_comment(conn, EventType::CommentDeleted, &deleted, &key, None, now)?;
    }
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

/// `DELETE /comments/{id}` by `author`: deletes the caller's own comment; deleting it
/// again is a no-op answered like the first time (a retried request after a lost answer
/// must not fail), so only a comment that is not there (or someone else's deleted one)
/// is 404, and someone else's live one 403.
#[tracing::instrument(skip_all)]
pub fn delete_own(
    conn: &mut DbConnection,
    id: CommentId,
    author: UserId,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    match find(conn, id)? {
        Some(c) if c.status() == CommentStatus::Deleted && c.author() == Some(author) => Ok(()),
        _ => {
            let comment = own(conn, id, author)?;
            delete(conn, &comment, false, now)
        }
    }
}

/// The caller's own comment: 404 if there is none (or it is deleted), 403 if someone
/// else wrote it.
pub fn own(conn: &mut DbConnection, id: CommentId, caller: UserId) -> Result<Comment, ApiError> {
    let comment = find(conn, id)?
        .filter(|c| c.status() != CommentStatus::Deleted)
        .ok_or(ApiError::NotFound("comment"))?;
    if comment.author() != Some(caller) {
        return Err(ApiError::Forbidden(Forbidden::NotAllowed));
    }
    Ok(comment)
}

/// A comment someone else wrote that the caller may react to (`action`, for the error):
/// approved (else 404), and not the caller's own (422).
pub fn others(
    conn: &mut DbConnection,
    id: CommentId,
    caller: UserId,
    action: &str,
) -> Result<Comment, ApiError> {
    let comment = find(conn, id)?
        .filter(|c| c.status() == CommentStatus::Approved)
        .ok_or(ApiError::NotFound("comment"))?;
    if comment.author() == Some(caller) {
        return Err(ApiError::invalid(
            "id",
            format!("you cannot {action} your own comment"),
        ));
    }
    Ok(comment)
}

/// The comment's place in its thread, as a reply's parent.
fn as_parent(parent: &Comment, article: ArticleId) -> Parent {
    Parent {
        id: parent.comment_id(),
        parent: parent.parent_id.map(CommentId),
        thread: CommentId(parent.thread_id),
        depth: parent.depth,
        author: parent.author(),
        status: parent.status(),
        same_article: parent.article_id == article.0,
    }
}

/// Who writes, for the rules.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    pub id: UserId,
    /// Approved comments so far (the new-user rule), as the caller was authenticated: up
    /// to a second old (see `cache`), so `approved_now` reads them where they count.
    pub approved: i64,
}

/// The writer's approved comments as this transaction sees them if `needed` (the rules
/// compare them), else as authenticated. Posts need them only under the new-user rule;
/// an edit, whose own comment's approval is taken off, always.
fn approved_now(conn: &mut DbConnection, writer: Writer, needed: bool) -> Result<i64, ApiError> {
    if !needed {
        return Ok(writer.approved);
    }
    Ok(users::table
        .find(writer.id.0)
        .select(users::approved_count)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(writer.approved))
}

/// A validated new comment or reply.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub article: ArticleKey,
    /// Stored if the article has none yet.
    pub title: Option<String>,
    pub url: Option<String>,
    pub parent: Option<CommentId>,
    pub body: CommentBody,
    /// The body rendered (before the write: rendering is no work for the writer).
    pub html: String,
    /// What the rules say of the body alone, under the settings of the `Site` the post
    /// is written with (worked out before the write, for the same reason).
    pub text_verdict: TextVerdict,
}

/// A post's first part (see `writer::Post`): the article (created on its first comment)
/// must be open, a parent must take replies; the rules decide its status. Returns the
/// comment to insert, and what the post's end (`finish_post`) needs.
#[tracing::instrument(skip_all)]
pub fn stage_post(
    conn: &mut DbConnection,
    known: &Known,
    post: &NewPost,
    writer: Writer,
    site: &Site,
    hook: Option<&Heard>,
    now: NaiveDateTime,
) -> Result<(NewComment, PostEnd), ApiError> {
    let (title, url) = (post.title.as_deref(), post.url.as_deref());
    let key = post.article.as_str();
    let article = articles::get_or_create_known(conn, known, key, title, url, now)?;
    if article.is_closed(now) {
        return Err(ApiError::Conflict(Conflict::ArticleClosed));
    }
    let placement = match post.parent {
        None => Placement::TOP,
        Some(id) => {
            let parent = find(conn, id)?
                .ok_or_else(|| ApiError::invalid("parent_id", thread::NOT_REPLIABLE))?;
            thread::place_reply(&as_parent(&parent, article.article_id()), writer.id)
                .map_err(|m| ApiError::invalid("parent_id", m))?
        }
    };
    let context = Context {
        settings: &site.settings,
        article_moderation: article.moderation,
        author_approved: approved_now(conn, writer, site.settings.new_user_threshold > 0)?,
    };
    let rules = post.text_verdict.decide(context);
    let (decision, rejection_reason) = hook.map_or((rules, None), |h| h.decide(rules));
    let new = NewComment {
        article_id: article.id,
        parent_id: placement.parent.map(|p| p.0),
        thread_id: placement.thread.map_or(0, |t| t.0),
        depth: placement.depth,
        author_id: Some(writer.id.0),
        body: post.body.as_str().to_owned(),
        html: post.html.clone(),
        status: decision.status.as_str().to_owned(),
        moderation_reason: decision.reason.map(|r| r.as_str().to_owned()),
        rejection_reason,
        hook_result: hook.and_then(Heard::stored),
        created_at: now,
        updated_at: now,
    };
    Ok((
        new,
        PostEnd {
            article_key: article.key,
            decision,
        },
    ))
}

/// What a post's end needs from its first part.
#[derive(Debug)]
pub struct PostEnd {
    article_key: String,
    decision: Decision,
}

/// A post's end, once its comment is stored (and counted): its decision is logged (the
/// line goes to `tally` unless it owes a notice), and its event goes to `tally`, for the
/// end of the transaction. Returns the comment with the article's key.
pub fn finish_post(
    conn: &mut DbConnection,
    tally: &mut Tally,
    comment: Comment,
    end: PostEnd,
    hook: Option<&Heard>,
    now: NaiveDateTime,
) -> Result<(Comment, String), ApiError> {
    let PostEnd {
        article_key,
        decision,
    } = end;
    let action = decision.log_action();
    if notices::owed_for(action) {
        // (Its notice needs the line's id.)
        log_decision(conn, &comment, decision, hook, now)?;
    } else {
        tally.log_line(NewLogLine {
            at: now,
            actor_id: None,
            action,
            comment_id: Some(comment.id),
            user_id: comment.author_id,
            reason: decision.reason.map(Reason::as_str),
            note: hook.map(|h| h.outcome.summary()),
        });
    }
    tally.event(NewEvent::comment(
        EventType::CommentCreated,
        &comment,
        &article_key,
        now,
    ));
    Ok((comment, article_key))
}

/// Replaces the writer's own comment's text within the edit window (the rules decide
/// again, but a held comment stays held and an approved one a moderator had approved
/// goes back to review: `moderation::after_edit`); the new text passes
/// the rules again. Returns it with the article's key.
#[tracing::instrument(skip_all)]
pub fn revise(
    conn: &mut DbConnection,
    id: CommentId,
    raw: &str,
    writer: Writer,
    site: &Site,
    hook: Option<&Heard>,
    now: NaiveDateTime,
) -> Result<(Comment, String), ApiError> {
    let comment = own(conn, id, writer.id)?;
    if comment.status() == CommentStatus::Rejected {
        return Err(ApiError::Forbidden(Forbidden::NotAllowed));
    }
    if now - comment.created_at > TimeDelta::seconds(site.settings.edit_window_seconds) {
        return Err(ApiError::Conflict(Conflict::EditWindowPassed));
    }
    let text = CommentBody::parse(raw, site.settings.max_comment_chars())
        .map_err(|m| ApiError::invalid("body", m))?;
    let article = articles::find(conn, ArticleId(comment.article_id))?
        .ok_or(ApiError::NotFound("comment"))?;
    // The author's own comment does not vouch for itself.
    let approved = approved_now(conn, writer, true)?;
    let approved_before = approved - i64::from(comment.status() == CommentStatus::Approved);
    let context = Context {
        settings: &site.settings,
        article_moderation: article.moderation,
        author_approved: approved_before,
    };
    let rules = moderation::evaluate(text.as_str(), context, &site.matchers);
    let (rules, rejection_reason) = hook.map_or((rules, None), |h| h.decide(rules));
    let before = Before {
        status: comment.status(),
        reason: comment.moderation_reason.as_deref().and_then(Reason::parse),
        moderator_approved: comment.moderated_at.is_some(),
    };
    let decision = moderation::after_edit(before, rules);
    // While an edit waits for review, moderators compare with the text they approved.
    let awaiting_review =
        before.status == CommentStatus::Pending && before.reason == Some(Reason::Edited);
    let previous_body = if awaiting_review {
        comment.previous_body.as_deref()
    } else {
        Some(comment.body.as_str())
    };
    let html = markdown::render(text.as_str());
    let hook_result = hook.and_then(Heard::stored);
    let change = Edit {
        body: text.as_str(),
        html: &html,
        status: decision.status,
        moderation_reason: decision.reason.map(|r| r.as_str()),
        rejection_reason: rejection_reason
            .as_deref()
            .filter(|_| decision.status == CommentStatus::Rejected),
        previous_body,
        hook_result: hook_result.as_deref(),
        now,
    };
    let updated = edit(conn, &comment, &change)?;
    log_decision(conn, &updated, decision, hook, now)?;
    events::emit_comment(
        conn,
        EventType::CommentEdited,
        &updated,
        &article.key,
        None,
        now,
    )?;
    Ok((updated, article.key))
}

/// Writes the rules' decision on a new or edited comment to the moderation log.
fn log_decision(
    conn: &mut DbConnection,
    comment: &Comment,
    decision: Decision,
    hook: Option<&Heard>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let note = hook.map(|h| h.outcome.summary());
    log(
        conn,
        &LogEntry {
            actor: None,
            action: decision.log_action(),
            comment: Some(comment.comment_id()),
            user: comment.author(),
            reason: decision.reason.map(|r| r.as_str()),
            note: note.as_deref(),
            at: now,
        },
    )
}

/// A page of an article's threads as stored: its top-level comments, their replies,
/// and which of them the viewer liked.
#[derive(Debug)]
pub struct ThreadPage {
    pub article: articles::Article,
    pub roots: Page<Authored>,
    pub replies: Vec<Authored>,
    pub liked: HashSet<i64>,
}

/// One page of the threads of the article with `key` as `viewer` may see them (see
/// `page_roots`), or `None` if the article does not exist.
#[tracing::instrument(skip_all)]
pub fn thread_page(
    conn: &mut DbConnection,
    key: &ArticleKey,
    sort: Sort,
    after: Option<After>,
    viewer: Option<UserId>,
    limit: i64,
) -> Result<Option<ThreadPage>, ApiError> {
    let Some(article) = articles::find_by_key(conn, key.as_str())? else {
        return Ok(None);
    };
    let rows = page_roots(conn, article.article_id(), sort, after, viewer, limit)?;
    let roots = Page::of(rows, limit);
    let thread_ids: Vec<i64> = roots.rows.iter().map(|(c, _)| c.id).collect();
    let replies = replies_in(conn, &thread_ids)?;
    let liked = match viewer {
        Some(v) => {
            let shown = roots.rows.iter().chain(&replies);
            let ids: Vec<i64> = shown.map(|(c, _)| c.id).collect();
            reactions::liked_among(conn, v, &ids)?
        }
        None => HashSet::new(),
    };
    Ok(Some(ThreadPage {
        article,
        roots,
        replies,
        liked,
    }))
}

/// Most likes a shared page keeps: a page whose comments have more reads each signed-in
/// reader's own likes instead.
const MAX_SHARED_LIKES: i64 = 20_000;

/// What signed-in readers' pages of one article have in common: the page everyone sees,
/// the authors with held comments there (whose own page has more: see `held_by`), and
/// every like of the page's comments as (user, comment), unless there are more than
/// `MAX_SHARED_LIKES`.
#[derive(Debug)]
pub struct SharedPage {
    pub page: ThreadPage,
    pub held_by: HashSet<i64>,
    pub likes: Option<HashSet<(i64, i64)>>,
}

/// One page of the article with `key` as everyone sees it, for signed-in readers to
/// share (see `SharedPage`), or `None` if the article does not exist. Its likes are read
/// only if `keeps_likes` says the page would be kept with that many (of at most
/// `MAX_SHARED_LIKES`): a page that is not kept is read for every reader, and then
/// each reader's own likes cost less than everyone's.
#[tracing::instrument(skip_all)]
pub fn shared_page(
    conn: &mut DbConnection,
    key: &ArticleKey,
    sort: Sort,
    after: Option<After>,
    limit: i64,
    keeps_likes: impl FnOnce(&SharedPage, i64) -> bool,
) -> Result<Option<SharedPage>, ApiError> {
    // One snapshot: a comment approved or rejected between the page and `held_by` would
    // otherwise be missing from a reader's page in both.
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Postgres(_)) {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        let Some(page) = thread_page(conn, key, sort, after, None, limit)? else {
            return Ok(None);
        };
        let held_by = held_by(conn, page.article.article_id())?;
        let mut shared = SharedPage {
            page,
            held_by,
            likes: None,
        };
        let shown = || {
            let page = &shared.page;
            page.roots.rows.iter().chain(&page.replies).map(|(c, _)| c)
        };
        let like_total: i64 = shown().map(|c| c.like_count).sum();
        if like_total <= MAX_SHARED_LIKES && keeps_likes(&shared, like_total) {
            let ids: Vec<i64> = shown().map(|c| c.id).collect();
            shared.likes = Some(reactions::likes_of(conn, &ids)?);
        }
        Ok(Some(shared))
    })
}

/// The authors with held comments (pending or rejected) on `article`: the readers for
/// whom a page read for everyone lacks comments they see (index
/// `comments_held_by_author`).
#[tracing::instrument(skip_all)]
pub fn held_by(conn: &mut DbConnection, article: ArticleId) -> Result<HashSet<i64>, ApiError> {
    // The statuses are written out, not bound: only then can SQLite and PostgreSQL's
    // generic plans see that the partial index covers the query.
    Ok(comments::table
        .filter(comments::article_id.eq(article.0))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "comments.status IN ('pending', 'rejected')",
        ))
        .select(comments::author_id.assume_not_null())
        .filter(comments::author_id.is_not_null())
        .distinct()
        .prepared()
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// One comment as `viewer` may see it (the thread's visibility rules; moderators see
/// every comment), with its author's name, its article's key and whether the viewer
/// liked it; `None` if there is none to see.
#[tracing::instrument(skip_all)]
pub fn visible_one(
    conn: &mut DbConnection,
    id: CommentId,
    viewer: Option<Viewer>,
) -> Result<Option<(Authored, String, bool)>, ApiError> {
    let found = comments::table
        .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
        .filter(comments::id.eq(id.0))
        .select((Comment::as_select(), users::username.nullable()))
        .first::<Authored>(conn)
        .optional()?;
    let Some(authored) = found else {
        return Ok(None);
    };
    let node = authored.0.node();
    let visible = viewer.is_some_and(|v| v.moderator)
        || match node.status {
            // Only a deleted comment's fate depends on the rest of its thread (it shows
            // as a placeholder while something below it is visible).
            CommentStatus::Deleted => {
                let in_thread = thread(conn, authored.0.thread_id)?;
                let nodes: Vec<_> = in_thread.iter().map(|(c, _)| c.node()).collect();
                thread::shown(&nodes, viewer.map(|v| v.id)).contains(&id)
            }
            _ => thread::visible_to(&node, viewer.map(|v| v.id)),
        };
    if !visible {
        return Ok(None);
    }
    let Some(article) = articles::find(conn, ArticleId(authored.0.article_id))? else {
        return Ok(None);
    };
    let liked = match viewer {
        Some(v) => reactions::liked_among(conn, v.id, &[id.0])?.contains(&id.0),
        None => false,
    };
    Ok(Some((authored, article.key, liked)))
}
