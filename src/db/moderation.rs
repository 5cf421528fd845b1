//! Moderation: decisions on comments, flags, queues and the moderation log.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::page::Page;
use super::prepared::{Prepared, insert_in_runs};

use super::articles::CountShift;
use super::comments::{self as comment_rows, Comment, shift_counters_flagged};
use super::schema::{articles, comments, flags, moderation_log, users};
use super::users::{self as user_rows, User};
use super::{DbConnection, events, notices};
use crate::domain::comment::{ArticleId, ArticleKey, CommentId, CommentStatus};
use crate::domain::event::{BanEventData, EventType};
use crate::domain::moderation::Reason;
use crate::domain::settings::SiteSettings;
use crate::domain::standing::{self, Ban, Flagger};
use crate::domain::user::{UserId, UserStatus};
use crate::domain::verdict::Verdict;
use crate::error::{ApiError, Forbidden};

/// One line of the moderation log.
#[derive(Debug, Clone, Copy)]
pub struct LogEntry<'a> {
    /// `None` for automatic decisions.
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub comment: Option<CommentId>,
    pub user: Option<UserId>,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// Writes a log line.
pub fn log(conn: &mut DbConnection, entry: &LogEntry<'_>) -> Result<(), ApiError> {
    log_with_previous(conn, entry, None)
}

/// A comment's moderation state before a human decision, kept in the decision's log
/// line so that the decision can be undone (`undo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    pub status: String,
    pub moderation_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub moderated_by: Option<i64>,
    pub moderated_at: Option<NaiveDateTime>,
}

impl Previous {
    /// The state of `comment` as stored.
    pub fn of(comment: &Comment) -> Self {
        Self {
            status: comment.status.clone(),
            moderation_reason: comment.moderation_reason.clone(),
            rejection_reason: comment.rejection_reason.clone(),
            moderated_by: comment.moderated_by,
            moderated_at: comment.moderated_at,
        }
    }
}

/// Writes a log line, with the comment's state before a decision when given.
pub fn log_with_previous(
    conn: &mut DbConnection,
    entry: &LogEntry<'_>,
    previous: Option<&Previous>,
) -> Result<(), ApiError> {
    let id = diesel::insert_into(moderation_log::table)
        .values((
            (
                moderation_log::at.eq(entry.at),
                moderation_log::actor_id.eq(entry.actor.map(|a| a.0)),
                moderation_log::action.eq(entry.action),
                moderation_log::comment_id.eq(entry.comment.map(|c| c.0)),
                moderation_log::user_id.eq(entry.user.map(|u| u.0)),
                moderation_log::reason.eq(entry.reason),
                moderation_log::note.eq(entry.note),
            ),
            (
                moderation_log::prev_status.eq(previous.map(|p| p.status.as_str())),
                moderation_log::prev_moderation_reason
                    .eq(previous.and_then(|p| p.moderation_reason.as_deref())),
                moderation_log::prev_rejection_reason
                    .eq(previous.and_then(|p| p.rejection_reason.as_deref())),
                moderation_log::prev_moderated_by.eq(previous.and_then(|p| p.moderated_by)),
                moderation_log::prev_moderated_at.eq(previous.and_then(|p| p.moderated_at)),
            ),
        ))
        .returning(moderation_log::id)
        .get_result::<i64>(conn)?;
    if notices::owed_for(entry.action) {
        notices::queue(conn, id, entry)?;
    }
    Ok(())
}

/// A log line that owes nobody a notice (`notices::owed_for`), written later with others
/// in one statement: the rules' decisions on a batch's posts (`tally`).
#[derive(Debug, Insertable)]
#[diesel(table_name = moderation_log)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewLogLine {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub action: &'static str,
    pub comment_id: Option<i64>,
    pub user_id: Option<i64>,
    pub reason: Option<&'static str>,
    pub note: Option<String>,
}

/// Writes log lines that owe no notice, in order, in a few multi-row statements.
pub fn log_lines(conn: &mut DbConnection, lines: &[NewLogLine]) -> Result<(), ApiError> {
    insert_in_runs!(conn, moderation_log::table, moderation_log::id, lines)
}

/// A row of the moderation log.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = moderation_log)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct LogRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub action: String,
    pub comment_id: Option<i64>,
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// Filters of the log listing.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFilter {
    pub comment: Option<CommentId>,
    /// Decisions about this account (its comments, bans, role).
    pub user: Option<UserId>,
    /// Decisions made by this moderator.
    pub moderator: Option<UserId>,
    /// Lines of this action (one of `domain::log::ACTIONS`).
    pub action: Option<&'static str>,
}

/// A page of the log, newest first, with each actor's username; `before` is the log id
/// of the previous page's last line.
#[tracing::instrument(skip_all)]
pub fn log_page(
    conn: &mut DbConnection,
    filter: LogFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Page<(LogRow, Option<String>)>, ApiError> {
    let mut query = moderation_log::table
        .left_join(users::table.on(moderation_log::actor_id.eq(users::id.nullable())))
        .select((LogRow::as_select(), users::username.nullable()))
        .into_boxed();
    if let Some(c) = filter.comment {
        query = query.filter(moderation_log::comment_id.eq(c.0));
    }
    if let Some(u) = filter.user {
        query = query.filter(moderation_log::user_id.eq(u.0));
    }
    if let Some(m) = filter.moderator {
        query = query.filter(moderation_log::actor_id.eq(m.0));
    }
    if let Some(a) = filter.action {
        query = query.filter(moderation_log::action.eq(a));
    }
    if let Some(b) = before {
        query = query.filter(moderation_log::id.lt(b));
    }
    let rows = query
        .order(moderation_log::id.desc())
        .limit(Page::<(LogRow, Option<String>)>::probe(limit))
        .load(conn)?;
    Ok(Page::of(rows, limit))
}

/// A moderator's decision on a comment.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub moderator: Option<UserId>,
    pub status: CommentStatus,
    pub moderation_reason: Option<Reason>,
    /// For rejections: the reason shown to the author.
    pub rejection_reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub at: NaiveDateTime,
    /// The log action, when not the one the status implies (`appeal_reversed`).
    pub action: Option<&'a str>,
}

impl<'a> Decision<'a> {
    /// What `moderator` decided, as recorded.
    pub fn by_moderator(
        moderator: UserId,
        verdict: Verdict,
        note: Option<&'a str>,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            moderator: Some(moderator),
            status: verdict.status(),
            moderation_reason: verdict.moderation_reason(),
            rejection_reason: verdict.rejection_reason(),
            note,
            at,
            action: None,
        }
    }
}

/// A moderator's verdict on one or more comments, with a note for the log.
#[derive(Debug, Clone)]
pub struct Ruling {
    pub moderator: UserId,
    pub verdict: Verdict,
    pub note: Option<String>,
    pub at: NaiveDateTime,
}

impl Ruling {
    fn decision(&self) -> Decision<'_> {
        Decision::by_moderator(self.moderator, self.verdict, self.note.as_deref(), self.at)
    }
}

/// Applies a ruling to one comment (404 when there is none, or it is deleted) and
/// answers it as the queues show it.
#[tracing::instrument(skip_all)]
pub fn moderate(
    conn: &mut DbConnection,
    comment: CommentId,
    ruling: &Ruling,
) -> Result<QueueItem, ApiError> {
    let found = comment_rows::find(conn, comment)?.ok_or(ApiError::NotFound("comment"))?;
    decide(conn, &found, &ruling.decision())?;
    item(conn, comment)?.ok_or(ApiError::NotFound("comment"))
}

/// What a bulk ruling did to each comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moderated {
    pub updated: Vec<CommentId>,
    /// No comment, or a deleted one.
    pub not_found: Vec<CommentId>,
}

/// Applies a ruling to each comment that exists and is not deleted.
#[tracing::instrument(skip_all)]
pub fn moderate_all(
    conn: &mut DbConnection,
    ids: &[CommentId],
    ruling: &Ruling,
) -> Result<Moderated, ApiError> {
    let mut result = Moderated::default();
    for &id in ids {
        match comment_rows::find(conn, id)?.filter(|c| c.status() != CommentStatus::Deleted) {
            Some(comment) => {
                decide(conn, &comment, &ruling.decision())?;
                result.updated.push(id);
            }
            None => result.not_found.push(id),
        }
    }
    Ok(result)
}

/// How often a decision re-reads a comment that changed under it before giving up.
const DECIDE_ATTEMPTS: usize = 4;

/// Applies a decision: status, counters, resolved flags, log line. Deleted comments
/// are not decided on (404).
///
/// The counters move by the difference between the comment as read and the decision,
/// so the comment changes only if it is still as read. On PostgreSQL two decisions
/// (or a decision and a flag) on one comment at once would otherwise both move the
/// counters from the same old state; the second one's update waits for the first's
/// row lock, finds the row changed, and this re-reads it and decides again.
pub fn decide(
    conn: &mut DbConnection,
    comment: &Comment,
    decision: &Decision<'_>,
) -> Result<Comment, ApiError> {
    let mut current = comment.clone();
    for _ in 0..DECIDE_ATTEMPTS {
        if let Some(updated) = decide_as_read(conn, &current, decision)? {
            return Ok(updated);
        }
        current =
            comment_rows::find(conn, current.comment_id())?.ok_or(ApiError::NotFound("comment"))?;
    }
    Err(ApiError::Unavailable(anyhow::anyhow!(
        "comment {} kept changing while it was decided",
        comment.id
    )))
}

/// One attempt of [`decide`]: `None` when the comment is no longer as read.
pub(super) fn decide_as_read(
    conn: &mut DbConnection,
    comment: &Comment,
    decision: &Decision<'_>,
) -> Result<Option<Comment>, ApiError> {
    if comment.status() == CommentStatus::Deleted {
        return Err(ApiError::NotFound("comment"));
    }
    let human = decision.moderator.is_some();
    let as_read = comments::table
        .find(comment.id)
        .filter(comments::status.eq(&comment.status))
        .filter(comments::updated_at.eq(comment.updated_at))
        .filter(comments::open_flags.eq(comment.open_flags));
    let Some(updated): Option<Comment> = diesel::update(as_read)
        .set((
            comments::status.eq(decision.status.as_str()),
            comments::moderation_reason.eq(decision.moderation_reason.map(Reason::as_str)),
            comments::rejection_reason.eq(decision.rejection_reason),
            comments::updated_at.eq(decision.at),
        ))
        .returning(comments::all_columns)
        .prepared()
        .get_result(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let updated = if human {
        resolve_flags(conn, comment.id, decision.moderator, decision.at)?;
        diesel::update(comments::table.find(comment.id))
            .set((
                comments::moderated_by.eq(decision.moderator.map(|m| m.0)),
                comments::moderated_at.eq(Some(decision.at)),
                comments::open_flags.eq(0),
            ))
            .returning(comments::all_columns)
            .prepared()
            .get_result(conn)?
    } else {
        updated
    };
    // A moderator's decision resolves the comment's flags.
    let flags_after = if human { 0 } else { comment.open_flags };
    shift_counters_flagged(
        conn,
        comment,
        Some(comment.status()),
        decision.status,
        flags_after,
    )?;
    let implied = match (human, decision.status) {
        (true, CommentStatus::Approved) => "approve",
        (true, _) => "reject",
        (false, CommentStatus::Pending) if decision.moderation_reason == Some(Reason::Flagged) => {
            "auto_hide"
        }
        (false, CommentStatus::Approved) => "auto_approve",
        (false, CommentStatus::Rejected) => "auto_reject",
        (false, _) => "auto_pending",
    };
    let action = decision.action.unwrap_or(implied);
    // A human decision keeps what it replaced, for an undo.
    let previous = human.then(|| Previous::of(comment));
    log_with_previous(
        conn,
        &LogEntry {
            actor: decision.moderator,
            action,
            comment: Some(comment.comment_id()),
            user: comment.author(),
            reason: decision
                .rejection_reason
                .or(decision.moderation_reason.map(Reason::as_str)),
            note: decision.note,
            at: decision.at,
        },
        previous.as_ref(),
    )?;
    let kind = match decision.status {
        CommentStatus::Approved => Some(EventType::CommentApproved),
        CommentStatus::Rejected => Some(EventType::CommentRejected),
        // Held by flags: `comment.flagged` says so.
        CommentStatus::Pending | CommentStatus::Deleted => None,
    };
    if let Some(kind) = kind {
        let key = events::article_key_of(conn, &updated)?;
        events::emit_comment(conn, kind, &updated, &key, decision.moderator, decision.at)?;
    }
    Ok(Some(updated))
}

fn resolve_flags(
    conn: &mut DbConnection,
    comment: i64,
    moderator: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(
        flags::table
            .filter(flags::comment_id.eq(comment))
            .filter(flags::resolved_at.is_null()),
    )
    .set((
        flags::resolved_at.eq(Some(now)),
        flags::resolved_by.eq(moderator.map(|m| m.0)),
    ))
    .execute(conn)?;
    Ok(())
}

/// A live account that `moderator` may ban or unban: 404 when there is none (or it is
/// erased), 403 unless it ranks below the moderator.
fn account_below(
    conn: &mut DbConnection,
    moderator: &User,
    target: UserId,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    let user = user_rows::find_live(conn, target, now)?.ok_or(ApiError::NotFound("user"))?;
    if !standing::may_ban(moderator.role(), user.role()) {
        return Err(ApiError::Forbidden(Forbidden::NotAllowed));
    }
    Ok(user)
}

/// Bans or suspends an account below `moderator`, logs it and, when the ban asks,
/// rejects the account's held comments. Answers the account.
#[tracing::instrument(skip_all)]
pub fn ban_account(
    conn: &mut DbConnection,
    moderator: &User,
    ban: &Ban,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    let at = now.naive_utc();
    account_below(conn, moderator, ban.target, now)?;
    user_rows::ban(
        conn,
        ban.target,
        ban.until.map(|u| u.naive_utc()),
        &ban.reason,
        at,
    )?;
    log(
        conn,
        &LogEntry {
            actor: Some(moderator.user_id()),
            action: "ban",
            comment: None,
            user: Some(ban.target),
            reason: Some(&ban.reason),
            note: ban.log_note().as_deref(),
            at,
        },
    )?;
    let data = BanEventData {
        user_id: ban.target.0,
        moderator_id: moderator.id,
        until: ban.until,
        reason: Some(ban.reason.clone()),
    };
    events::emit(
        conn,
        &crate::domain::event::Event::new(EventType::UserBanned, None, &data),
        at,
    )?;
    if ban.reject_pending {
        let decision = Decision::by_moderator(
            moderator.user_id(),
            Ban::PENDING_VERDICT,
            Some(Ban::PENDING_NOTE),
            at,
        );
        for comment in pending_by(conn, ban.target)? {
            decide(conn, &comment, &decision)?;
        }
    }
    user_rows::find(conn, ban.target)?.ok_or(ApiError::NotFound("user"))
}

/// Lifts a ban or suspension of an account below `moderator` and logs it. Answers the
/// account.
#[tracing::instrument(skip_all)]
pub fn lift_ban(
    conn: &mut DbConnection,
    moderator: &User,
    target: UserId,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    let at = now.naive_utc();
    account_below(conn, moderator, target, now)?;
    user_rows::unban(conn, target, at)?;
    log(
        conn,
        &LogEntry {
            actor: Some(moderator.user_id()),
            action: "unban",
            comment: None,
            user: Some(target),
            reason: None,
            note: None,
            at,
        },
    )?;
    let data = BanEventData {
        user_id: target.0,
        moderator_id: moderator.id,
        until: None,
        reason: None,
    };
    events::emit(
        conn,
        &crate::domain::event::Event::new(EventType::UserUnbanned, None, &data),
        at,
    )?;
    user_rows::find(conn, target)?.ok_or(ApiError::NotFound("user"))
}

/// Counts a new flag on a comment (the first on an approved comment puts it in its
/// article's reported count); answers the comment as it is now. The status is the one
/// the update itself returns, under the row's lock, not the one read before: a
/// moderator's decision that commits in between (on PostgreSQL) would otherwise have
/// its rejected comment counted as reported.
pub fn count_flag(conn: &mut DbConnection, comment: CommentId) -> Result<Comment, ApiError> {
    let counted: Comment = diesel::update(comments::table.find(comment.0))
        .set(comments::open_flags.eq(comments::open_flags + 1))
        .returning(comments::all_columns)
        .prepared()
        .get_result(conn)?;
    if counted.open_flags == 1 && counted.status() == CommentStatus::Approved {
        let shift = CountShift {
            reported: 1,
            ..CountShift::default()
        };
        super::articles::add_to_counts(conn, ArticleId(counted.article_id), shift, None)?;
    }
    Ok(counted)
}

/// How many of a comment's unresolved flags count toward hiding it at `now` (see
/// `standing::flag_counts`); `open_flags` counts them all, for the reported queue.
pub fn weighty_flags(
    conn: &mut DbConnection,
    comment: i64,
    settings: &SiteSettings,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let flaggers: Vec<(String, Option<NaiveDateTime>, NaiveDateTime, i64)> = flags::table
        .inner_join(users::table.on(flags::user_id.eq(users::id.nullable())))
        .filter(flags::comment_id.eq(comment))
        .filter(flags::resolved_at.is_null())
        .select((
            users::status,
            users::banned_until,
            users::created_at,
            users::approved_count,
        ))
        .load(conn)?;
    let counted = flaggers
        .into_iter()
        .filter(|(status, until, created, approved)| {
            let flagger = Flagger {
                status: UserStatus::parse(status).unwrap_or(UserStatus::Deleted),
                banned_until: until.map(|u| u.and_utc()),
                created_at: created.and_utc(),
                approved: *approved,
            };
            standing::flag_counts(flagger, settings, now)
        });
    Ok(i64::try_from(counted.count()).unwrap_or(i64::MAX))
}

/// The moderation queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Held comments, oldest first.
    Pending,
    /// Visible comments with unresolved flags, most flagged first.
    Reported,
    /// Visible comments no moderator has decided on, newest first.
    Unmoderated,
    Rejected,
    Approved,
}

impl Queue {
    /// Every queue with its wire name.
    pub const ALL: [(&'static str, Queue); 5] = [
        ("pending", Queue::Pending),
        ("reported", Queue::Reported),
        ("unmoderated", Queue::Unmoderated),
        ("rejected", Queue::Rejected),
        ("approved", Queue::Approved),
    ];

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, q)| *q)
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, q)| *q == self)
            .map_or("pending", |(n, _)| n)
    }
}

/// A queue item: the comment, its author's standing and its article.
#[derive(Debug, Clone, Queryable)]
pub struct QueueRow {
    pub comment: Comment,
    pub username: Option<String>,
    pub author_status: Option<String>,
    pub author_banned_until: Option<NaiveDateTime>,
    pub author_approved: Option<i64>,
    pub author_rejected: Option<i64>,
    pub article_key: String,
    pub article_title: Option<String>,
    pub article_url: Option<String>,
}

macro_rules! queue_query {
    ($queue:expr, $article:expr) => {{
        let mut query = comments::table
            .inner_join(articles::table)
            .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
            .into_boxed();
        if let Some(article) = $article {
            query = query.filter(comments::article_id.eq(article.0));
        }
        match $queue {
            Queue::Pending => query.filter(comments::status.eq("pending")),
            Queue::Reported => query
                .filter(comments::status.eq("approved"))
                .filter(comments::open_flags.gt(0)),
            Queue::Unmoderated => query
                .filter(comments::status.eq("approved"))
                .filter(comments::moderated_at.is_null()),
            Queue::Rejected => query.filter(comments::status.eq("rejected")),
            Queue::Approved => query.filter(comments::status.eq("approved")),
        }
    }};
}

/// One page of a queue; `after` is (flags, id) of the previous page's last item.
pub fn queue_page(
    conn: &mut DbConnection,
    queue: Queue,
    article: Option<ArticleId>,
    after: Option<(i64, CommentId)>,
    limit: i64,
) -> Result<Page<QueueRow>, ApiError> {
    let mut query = queue_query!(queue, article);
    query = match (queue, after) {
        (_, None) => query,
        (Queue::Pending, Some((_, id))) => query.filter(comments::id.gt(id.0)),
        (Queue::Reported, Some((n, id))) => query.filter(
            comments::open_flags
                .lt(n)
                .or(comments::open_flags.eq(n).and(comments::id.gt(id.0))),
        ),
        (_, Some((_, id))) => query.filter(comments::id.lt(id.0)),
    };
    query = match queue {
        Queue::Pending => query.order(comments::id.asc()),
        Queue::Reported => query.order((comments::open_flags.desc(), comments::id.asc())),
        _ => query.order(comments::id.desc()),
    };
    let rows = query
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
    Ok(Page::of(rows, limit))
}

/// Which queue page to read.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub queue: Queue,
    /// Only this article's comments (and totals).
    pub article: Option<ArticleKey>,
    /// (flags, id) of the previous page's last item.
    pub after: Option<(i64, CommentId)>,
    pub limit: i64,
}

/// A page of a queue, and how many comments each queue holds.
#[derive(Debug, Clone)]
pub struct QueueListing {
    pub page: Page<QueueItem>,
    /// Every queue, by wire name.
    pub totals: Vec<(&'static str, i64)>,
}

/// A page of a queue with the items' unresolved flags, and the totals of all queues
/// (for the article, when filtered: an unknown article has none).
#[tracing::instrument(skip_all)]
pub fn queue(conn: &mut DbConnection, filter: &QueueFilter) -> Result<QueueListing, ApiError> {
    let article = match &filter.article {
        Some(key) => match super::articles::find_by_key(conn, key.as_str())? {
            Some(found) => Some(found.article_id()),
            None => {
                return Ok(QueueListing {
                    page: Page::of(Vec::new(), filter.limit),
                    totals: Queue::ALL.iter().map(|(name, _)| (*name, 0)).collect(),
                });
            }
        },
        None => None,
    };
    let rows = queue_page(conn, filter.queue, article, filter.after, filter.limit)?;
    let ids: Vec<CommentId> = rows.rows.iter().map(|r| r.comment.comment_id()).collect();
    let mut flags = open_flags_of(conn, &ids)?;
    let items = rows.rows.into_iter().map(|row| {
        let flags = flags.remove(&row.comment.comment_id()).unwrap_or_default();
        QueueItem { row, flags }
    });
    Ok(QueueListing {
        page: Page {
            rows: items.collect(),
            more: rows.more,
        },
        totals: queue_totals(conn, article)?,
    })
}

/// How many comments each queue holds.
pub fn queue_totals(
    conn: &mut DbConnection,
    article: Option<ArticleId>,
) -> Result<Vec<(&'static str, i64)>, ApiError> {
    Queue::ALL
        .iter()
        .map(|(name, queue)| {
            let total: i64 = queue_query!(*queue, article).count().get_result(conn)?;
            Ok((*name, total))
        })
        .collect()
}

/// Comment and queue totals, for the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// Every comment status with its comments (0 when none).
    pub by_status: Vec<(&'static str, i64)>,
    /// Every queue with its comments.
    pub queues: Vec<(&'static str, i64)>,
    /// Webhook deliveries not yet delivered nor failed.
    pub webhook_backlog: i64,
    /// Webhook endpoints flagged after a delivery failed for good.
    pub webhook_endpoints_failing: i64,
}

/// How many comments each status and each queue holds.
#[tracing::instrument(skip_all)]
pub fn overview(conn: &mut DbConnection) -> Result<Overview, ApiError> {
    let counted: Vec<(String, i64)> = comments::table
        .group_by(comments::status)
        .select((comments::status, diesel::dsl::count_star()))
        .load(conn)?;
    let by_status = [
        CommentStatus::Approved,
        CommentStatus::Pending,
        CommentStatus::Rejected,
        CommentStatus::Deleted,
    ]
    .map(|status| {
        let n = counted.iter().find(|(s, _)| s == status.as_str());
        (status.as_str(), n.map_or(0, |(_, n)| *n))
    });
    Ok(Overview {
        by_status: by_status.to_vec(),
        queues: queue_totals(conn, None)?,
        webhook_backlog: super::webhooks::backlog(conn)?,
        webhook_endpoints_failing: super::webhooks::failing(conn)?,
    })
}

/// An unresolved flag: its reason and the reader's note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFlag {
    pub reason: String,
    pub note: Option<String>,
}

/// Unresolved flags of the given comments, oldest first, by comment.
pub fn open_flags_of(
    conn: &mut DbConnection,
    ids: &[CommentId],
) -> Result<HashMap<CommentId, Vec<OpenFlag>>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, Option<String>)> = flags::table
        .filter(flags::comment_id.eq_any(ids.iter().map(|id| id.0)))
        .filter(flags::resolved_at.is_null())
        .order(flags::id.asc())
        .select((flags::comment_id, flags::reason, flags::note))
        .load(conn)?;
    let mut by_comment: HashMap<CommentId, Vec<OpenFlag>> = HashMap::new();
    for (comment, reason, note) in rows {
        by_comment
            .entry(CommentId(comment))
            .or_default()
            .push(OpenFlag { reason, note });
    }
    Ok(by_comment)
}

/// Held comments of an author (for rejecting them with a ban).
pub fn pending_by(conn: &mut DbConnection, author: UserId) -> Result<Vec<Comment>, ApiError> {
    Ok(comments::table
        .filter(comments::author_id.eq(author.0))
        .filter(comments::status.eq("pending"))
        .select(Comment::as_select())
        .load(conn)?)
}

/// A queue item with its unresolved flags, oldest first.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub row: QueueRow,
    pub flags: Vec<OpenFlag>,
}

/// One comment as the queues show it.
pub fn item(conn: &mut DbConnection, id: CommentId) -> Result<Option<QueueItem>, ApiError> {
    let row: Option<QueueRow> = comments::table
        .inner_join(articles::table)
        .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
        .filter(comments::id.eq(id.0))
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
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let flags = open_flags_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(Some(QueueItem { row, flags }))
}
