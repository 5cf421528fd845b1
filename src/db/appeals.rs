//! Statements of reasons and appeals: the decisions an author is told about (lines of
//! the moderation log), appeals against them, the moderators' appeals queue and its
//! decisions. The rules are in `domain::appeal`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::comments::{self as comment_rows, Comment};
use super::moderation::{self, Decision, LogEntry, LogRow, QueueItem};
use super::page::Page;
use super::schema::{appeals, articles, comments, moderation_log, users};
use super::users::{self as user_rows, User};
use super::{DbConnection, events, is_unique_violation_on};
use crate::domain::appeal::{
    self, APPEALABLE, BAN_CHANGES, COMMENT_CHANGES, DECISIONS, Decided, Outcome, Refusal,
};
use crate::domain::comment::{CommentId, CommentStatus};
use crate::domain::event::{BanEventData, Event, EventType};
use crate::domain::moderation::Reason;
use crate::domain::user::{UserId, UserStatus};
use crate::error::{ApiError, Conflict, Forbidden};

/// A row of `appeals`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appeals)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AppealRow {
    pub id: i64,
    /// The log line of the decision appealed.
    pub decision_id: i64,
    /// The author who appealed.
    pub user_id: i64,
    /// The comment decided on; `None` for a ban.
    pub comment_id: Option<i64>,
    pub body: String,
    /// `open`, `upheld` or `reversed`.
    pub state: String,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    /// The deciding moderator's reasons, shown to the author.
    pub decision_note: Option<String>,
}

/// The comment a decision is about, with its article.
#[derive(Debug, Clone)]
pub struct DecidedComment {
    pub comment: Comment,
    pub article_key: String,
    pub article_title: Option<String>,
    pub article_url: Option<String>,
}

/// A decision an author is told about: its log line, the comment, the appeal.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    pub line: LogRow,
    /// `None` for a ban, or a comment no longer stored.
    pub comment: Option<DecidedComment>,
    pub appeal: Option<AppealRow>,
    /// Whether the decision still applies.
    pub in_force: bool,
}

impl DecisionRecord {
    /// What the appeal rules need to know about it.
    pub fn decided(&self) -> Decided<'_> {
        Decided {
            action: &self.line.action,
            at: self.line.at.and_utc(),
            in_force: self.in_force,
            appeal: self.appeal.as_ref().map(|a| a.state.as_str()),
        }
    }
}

/// The decisions about `user`'s comments and account, newest first: a page after the
/// log line `before`, or all of them when `limit` is `None` (the data export).
#[tracing::instrument(skip_all)]
pub fn decisions_of(
    conn: &mut DbConnection,
    user: UserId,
    before: Option<i64>,
    limit: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Page<DecisionRecord>, ApiError> {
    let mut query = moderation_log::table
        .filter(moderation_log::user_id.eq(user.0))
        .filter(moderation_log::action.eq_any(DECISIONS))
        .select(LogRow::as_select())
        .order(moderation_log::id.desc())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(moderation_log::id.lt(before));
    }
    let lines: Vec<LogRow> = match limit {
        Some(limit) => query.limit(Page::<LogRow>::probe(limit)).load(conn)?,
        None => query.load(conn)?,
    };
    let lines = match limit {
        Some(limit) => Page::of(lines, limit),
        None => Page {
            rows: lines,
            more: false,
        },
    };
    let account = user_rows::find(conn, user)?;
    let mut rows = Vec::with_capacity(lines.rows.len());
    for line in lines.rows {
        rows.push(record(conn, line, account.as_ref(), now)?);
    }
    Ok(Page {
        rows,
        more: lines.more,
    })
}

/// The decision logged as line `id` about `user`, as `decisions_of` lists it; `None`
/// when the line is not a decision about that account.
#[tracing::instrument(skip_all)]
pub fn decision(
    conn: &mut DbConnection,
    id: i64,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Option<DecisionRecord>, ApiError> {
    let line: Option<LogRow> = moderation_log::table
        .find(id)
        .filter(moderation_log::user_id.eq(user.0))
        .filter(moderation_log::action.eq_any(DECISIONS))
        .select(LogRow::as_select())
        .first(conn)
        .optional()?;
    let Some(line) = line else { return Ok(None) };
    let account = user_rows::find(conn, user)?;
    record(conn, line, account.as_ref(), now).map(Some)
}

/// The publisher's URL of the article `user` last commented on, among those whose URL
/// is known: where a notice about the account (a ban) sends its reader.
pub fn latest_article_url(
    conn: &mut DbConnection,
    user: UserId,
) -> Result<Option<String>, ApiError> {
    Ok(comments::table
        .inner_join(articles::table)
        .filter(comments::author_id.eq(user.0))
        .filter(articles::url.is_not_null())
        .order(comments::id.desc())
        .select(articles::url)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The record of one decision line.
fn record(
    conn: &mut DbConnection,
    line: LogRow,
    account: Option<&User>,
    now: DateTime<Utc>,
) -> Result<DecisionRecord, ApiError> {
    let comment = match line.comment_id {
        Some(id) => decided_comment(conn, CommentId(id))?,
        None => None,
    };
    let in_force = match (&comment, account) {
        (Some(c), _) => comment_in_force(conn, &c.comment, &line)?,
        (None, Some(account)) if line.comment_id.is_none() => {
            ban_in_force(conn, account, line.id, now)?
        }
        _ => false,
    };
    let appeal = appeals::table
        .filter(appeals::decision_id.eq(line.id))
        .select(AppealRow::as_select())
        .first(conn)
        .optional()?;
    Ok(DecisionRecord {
        line,
        comment,
        appeal,
        in_force,
    })
}

/// A comment with its article's key, title and URL.
fn decided_comment(
    conn: &mut DbConnection,
    id: CommentId,
) -> Result<Option<DecidedComment>, ApiError> {
    let Some(comment) = comment_rows::find(conn, id)? else {
        return Ok(None);
    };
    let (article_key, article_title, article_url): (String, Option<String>, Option<String>) =
        articles::table
            .find(comment.article_id)
            .select((articles::key, articles::title, articles::url))
            .first(conn)?;
    Ok(Some(DecidedComment {
        comment,
        article_key,
        article_title,
        article_url,
    }))
}

/// Whether the decision `line` still applies to `comment`: it is the comment's latest
/// change of status, and the comment still has the status it gave.
fn comment_in_force(
    conn: &mut DbConnection,
    comment: &Comment,
    line: &LogRow,
) -> Result<bool, ApiError> {
    let holds = match line.action.as_str() {
        "reject" | "auto_reject" => comment.status() == CommentStatus::Rejected,
        "auto_hide" => {
            comment.status() == CommentStatus::Pending
                && comment.moderation_reason.as_deref() == Some(Reason::Flagged.as_str())
        }
        _ => false,
    };
    if !holds {
        return Ok(false);
    }
    let latest: Option<i64> = moderation_log::table
        .filter(moderation_log::comment_id.eq(comment.id))
        .filter(moderation_log::action.eq_any(COMMENT_CHANGES))
        .select(moderation_log::id)
        .order(moderation_log::id.desc())
        .first(conn)
        .optional()?;
    Ok(latest == Some(line.id))
}

/// Whether the ban logged as `line` still applies to `account` at `now`: the account
/// is banned and no later line set or lifted a ban.
fn ban_in_force(
    conn: &mut DbConnection,
    account: &User,
    line: i64,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    if account.status_at(now) != UserStatus::Banned {
        return Ok(false);
    }
    let latest: Option<i64> = moderation_log::table
        .filter(moderation_log::user_id.eq(account.id))
        .filter(moderation_log::comment_id.is_null())
        .filter(moderation_log::action.eq_any(BAN_CHANGES))
        .select(moderation_log::id)
        .order(moderation_log::id.desc())
        .first(conn)
        .optional()?;
    Ok(latest == Some(line))
}

/// The 404, 409 or 422 of a refused appeal. Someone else's comment and a comment with
/// no decision to appeal answer alike.
fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NoDecision => ApiError::NotFound("appealable decision"),
        Refusal::AlreadyAppealed => ApiError::Conflict(Conflict::AlreadyAppealed),
        Refusal::TooLate => ApiError::AppealWindowPassed,
    }
}

/// Files `author`'s appeal against the latest rejection of their comment `id`.
#[tracing::instrument(skip_all)]
pub fn appeal_comment(
    conn: &mut DbConnection,
    author: &User,
    id: CommentId,
    text: &str,
    now: DateTime<Utc>,
) -> Result<DecisionRecord, ApiError> {
    let own = comment_rows::find(conn, id)?.filter(|c| c.author_id == Some(author.id));
    let line: Option<LogRow> = match own {
        Some(_) => moderation_log::table
            .filter(moderation_log::comment_id.eq(id.0))
            .filter(moderation_log::action.eq_any(APPEALABLE))
            .select(LogRow::as_select())
            .order(moderation_log::id.desc())
            .first(conn)
            .optional()?,
        None => None,
    };
    file(conn, line, author, now, text)
}

/// Files `author`'s appeal against their latest ban.
#[tracing::instrument(skip_all)]
pub fn appeal_ban(
    conn: &mut DbConnection,
    author: &User,
    text: &str,
    now: DateTime<Utc>,
) -> Result<DecisionRecord, ApiError> {
    let line: Option<LogRow> = moderation_log::table
        .filter(moderation_log::user_id.eq(author.id))
        .filter(moderation_log::comment_id.is_null())
        .filter(moderation_log::action.eq("ban"))
        .select(LogRow::as_select())
        .order(moderation_log::id.desc())
        .first(conn)
        .optional()?;
    file(conn, line, author, now, text)
}

/// Stores an appeal against `line` if the rules allow it, and logs it.
fn file(
    conn: &mut DbConnection,
    line: Option<LogRow>,
    author: &User,
    now: DateTime<Utc>,
    text: &str,
) -> Result<DecisionRecord, ApiError> {
    let record = line
        .map(|line| record(conn, line, Some(author), now))
        .transpose()?;
    appeal::may_appeal(record.as_ref().map(DecisionRecord::decided), now).map_err(refused)?;
    let Some(record) = record else {
        return Err(refused(Refusal::NoDecision));
    };
    let at = now.naive_utc();
    diesel::insert_into(appeals::table)
        .values((
            appeals::decision_id.eq(record.line.id),
            appeals::user_id.eq(author.id),
            appeals::comment_id.eq(record.line.comment_id),
            appeals::body.eq(text),
            appeals::state.eq("open"),
            appeals::created_at.eq(at),
        ))
        .execute(conn)
        .map_err(|e| {
            if is_unique_violation_on(&e, "decision_id") {
                ApiError::Conflict(Conflict::AlreadyAppealed)
            } else {
                e.into()
            }
        })?;
    moderation::log(
        conn,
        &LogEntry {
            actor: Some(author.user_id()),
            action: "appeal",
            comment: record.line.comment_id.map(CommentId),
            user: Some(author.user_id()),
            reason: Some(record.line.action.as_str()),
            note: None,
            at,
        },
    )?;
    self::record(conn, record.line, Some(author), now)
}

/// An appeal as moderators see it: the decision appealed and who took it, the comment
/// as the queues show it, the author's account, who decided the appeal.
#[derive(Debug, Clone)]
pub struct AppealRecord {
    pub appeal: AppealRow,
    pub line: LogRow,
    /// The username of the decision's moderator (`None`: automatic, or erased).
    pub decided_first_by: Option<String>,
    pub comment: Option<QueueItem>,
    /// The author who appealed, unless erased.
    pub appellant: Option<User>,
    /// The username of the moderator who decided the appeal.
    pub decided_by: Option<String>,
}

/// Which appeals to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealFilter {
    /// Waiting for a decision, oldest first.
    Open,
    /// Upheld or reversed, newest first.
    Decided,
}

/// A page of the appeals queue; `after` is the previous page's last appeal id.
#[tracing::instrument(skip_all)]
pub fn queue(
    conn: &mut DbConnection,
    filter: AppealFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Page<AppealRecord>, ApiError> {
    let mut query = appeals::table.select(AppealRow::as_select()).into_boxed();
    query = match filter {
        AppealFilter::Open => {
            let query = query.filter(appeals::state.eq("open"));
            match after {
                Some(id) => query.filter(appeals::id.gt(id)),
                None => query,
            }
            .order(appeals::id.asc())
        }
        AppealFilter::Decided => {
            let query = query.filter(appeals::state.ne("open"));
            match after {
                Some(id) => query.filter(appeals::id.lt(id)),
                None => query,
            }
            .order(appeals::id.desc())
        }
    };
    let rows: Vec<AppealRow> = query.limit(Page::<AppealRow>::probe(limit)).load(conn)?;
    let page = Page::of(rows, limit);
    let mut records = Vec::with_capacity(page.rows.len());
    for row in page.rows {
        records.push(appeal_record(conn, row)?);
    }
    Ok(Page {
        rows: records,
        more: page.more,
    })
}

/// The username of an account, if it is stored.
fn username(conn: &mut DbConnection, id: Option<i64>) -> Result<Option<String>, ApiError> {
    let Some(id) = id else { return Ok(None) };
    Ok(users::table
        .find(id)
        .select(users::username)
        .first(conn)
        .optional()?)
}

/// An appeal with everything moderators see of it.
fn appeal_record(conn: &mut DbConnection, appeal: AppealRow) -> Result<AppealRecord, ApiError> {
    let line: LogRow = moderation_log::table
        .find(appeal.decision_id)
        .select(LogRow::as_select())
        .first(conn)?;
    let comment = match appeal.comment_id {
        Some(id) => moderation::item(conn, CommentId(id))?,
        None => None,
    };
    let appellant = user_rows::find(conn, UserId(appeal.user_id))?
        .filter(|u| u.status != UserStatus::Deleted.as_str());
    Ok(AppealRecord {
        decided_first_by: username(conn, line.actor_id)?,
        decided_by: username(conn, appeal.decided_by)?,
        appeal,
        line,
        comment,
        appellant,
    })
}

/// Decides appeal `id` for `moderator`: 404 for no appeal, 403 `conflict_of_interest`
/// for the moderator who took the decision appealed (or its author), 409
/// `appeal_decided` when it is decided already. A reversal approves the comment (if
/// the decision is still in force: every count follows, and `comment.approved` is
/// emitted) or lifts the ban (`user.unbanned`). Logged as `appeal_upheld` or
/// `appeal_reversed` with the note.
#[tracing::instrument(skip_all)]
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    moderator: UserId,
    outcome: Outcome,
    note: &str,
    now: DateTime<Utc>,
) -> Result<AppealRecord, ApiError> {
    let appeal: AppealRow = appeals::table
        .find(id)
        .select(AppealRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound("appeal"))?;
    let line: LogRow = moderation_log::table
        .find(appeal.decision_id)
        .select(LogRow::as_select())
        .first(conn)?;
    let appellant = UserId(appeal.user_id);
    if !appeal::may_decide(line.actor_id.map(UserId), appellant, moderator) {
        return Err(ApiError::Forbidden(Forbidden::ConflictOfInterest));
    }
    let at = now.naive_utc();
    // Only while it is open: of two decisions at once, the second finds it decided
    // (PostgreSQL re-checks the condition after waiting for the first's row lock).
    let changed = diesel::update(appeals::table.find(id).filter(appeals::state.eq("open")))
        .set((
            appeals::state.eq(outcome.as_str()),
            appeals::decided_by.eq(moderator.0),
            appeals::decided_at.eq(at),
            appeals::decision_note.eq(note),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Err(ApiError::Conflict(Conflict::AppealDecided));
    }
    let outcome_line = LogEntry {
        actor: Some(moderator),
        action: outcome.log_action(),
        comment: appeal.comment_id.map(CommentId),
        user: Some(appellant),
        reason: None,
        note: Some(note),
        at,
    };
    match (outcome, appeal.comment_id) {
        (Outcome::Upheld, _) => moderation::log(conn, &outcome_line)?,
        (Outcome::Reversed, Some(comment)) => {
            reverse_rejection(conn, CommentId(comment), &line, &outcome_line)?;
        }
        (Outcome::Reversed, None) => {
            reverse_ban(conn, appellant, moderator, &line, &outcome_line, now)?;
        }
    }
    let decided = appeals::table
        .find(id)
        .select(AppealRow::as_select())
        .first(conn)?;
    appeal_record(conn, decided)
}

/// How often a reversal re-reads a comment that changed under it before giving up.
const REVERSE_ATTEMPTS: usize = 4;

/// Approves the comment a reversed decision rejected, if that decision still applies
/// (else only logs the reversal). The comment changes only if it is still as read, as
/// with every decision (`moderation::decide`).
fn reverse_rejection(
    conn: &mut DbConnection,
    id: CommentId,
    line: &LogRow,
    outcome: &LogEntry<'_>,
) -> Result<(), ApiError> {
    let approval = Decision {
        moderator: outcome.actor,
        status: CommentStatus::Approved,
        moderation_reason: None,
        rejection_reason: None,
        note: outcome.note,
        at: outcome.at,
        action: Some(outcome.action),
    };
    for _ in 0..REVERSE_ATTEMPTS {
        let current = match comment_rows::find(conn, id)? {
            Some(c) if comment_in_force(conn, &c, line)? => c,
            // Undone, decided again or deleted since: nothing to restore.
            _ => return moderation::log(conn, outcome),
        };
        if moderation::decide_as_read(conn, &current, &approval)?.is_some() {
            return Ok(());
        }
    }
    Err(ApiError::Unavailable(anyhow::anyhow!(
        "comment {} kept changing while an appeal reversed its rejection",
        id.0
    )))
}

/// Lifts the ban a reversed decision imposed, if it still applies, and logs the
/// reversal.
fn reverse_ban(
    conn: &mut DbConnection,
    user: UserId,
    moderator: UserId,
    line: &LogRow,
    outcome: &LogEntry<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    // The account's row is locked before it is read (PostgreSQL): a ban imposed while
    // this reversal runs either commits first, and is seen as the newer ban, or waits,
    // and is imposed after the lift; it is never the one lifted.
    user_rows::lock(conn, user)?;
    let account = user_rows::find(conn, user)?;
    let lift = match &account {
        Some(account) => ban_in_force(conn, account, line.id, now)?,
        None => false,
    };
    if lift {
        user_rows::unban(conn, user, outcome.at)?;
        let data = BanEventData {
            user_id: user.0,
            moderator_id: moderator.0,
            until: None,
            reason: None,
        };
        events::emit(
            conn,
            &Event::new(EventType::UserUnbanned, None, &data),
            outcome.at,
        )?;
    }
    moderation::log(conn, outcome)
}

/// Erases the text of `user`'s appeals (the account is being erased).
pub fn erase_by(conn: &mut DbConnection, user: UserId) -> Result<(), ApiError> {
    diesel::update(appeals::table.filter(appeals::user_id.eq(user.0)))
        .set(appeals::body.eq(""))
        .execute(conn)?;
    Ok(())
}
