//! Reply notifications: what readers subscribed to, the notices an approval writes
//! (one per recipient and reply, in the approving transaction), and what the notifier
//! (`crate::mail::notify`) reads to put waiting notices into mails.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{articles, comments, reply_notices, subscriptions, users};
use super::{DbConnection, on_each_backend};
use crate::db::comments::Comment;
use crate::domain::comment::{CommentId, CommentStatus};
use crate::domain::user::UserId;
use crate::error::ApiError;

/// A subscription: replies to one comment (`comment_id`) or to any of the owner's
/// comments on one article (`article_id`).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscriptions)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Subscription {
    pub id: i64,
    pub user_id: i64,
    pub comment_id: Option<i64>,
    pub article_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// A subscription with the article it is about.
#[derive(Debug, Clone)]
pub struct Listed {
    pub subscription: Subscription,
    pub article_key: String,
    pub article_title: Option<String>,
    pub article_url: Option<String>,
}

/// An article's key, title and URL.
pub type ArticleNames = (String, Option<String>, Option<String>);

/// What to subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Comment(CommentId),
    Article(i64),
}

/// Subscribes `user` to `target` (the existing subscription if there is one).
#[tracing::instrument(skip_all)]
pub fn subscribe(
    conn: &mut DbConnection,
    user: UserId,
    target: Target,
    now: NaiveDateTime,
) -> Result<Subscription, ApiError> {
    let (comment, article) = match target {
        Target::Comment(c) => (Some(c.0), None),
        Target::Article(a) => (None, Some(a)),
    };
    let row = (
        subscriptions::user_id.eq(user.0),
        subscriptions::comment_id.eq(comment),
        subscriptions::article_id.eq(article),
        subscriptions::created_at.eq(now),
    );
    on_each_backend!(conn, |c| diesel::insert_into(subscriptions::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    let mut query = subscriptions::table
        .filter(subscriptions::user_id.eq(user.0))
        .select(Subscription::as_select())
        .into_boxed();
    query = match target {
        Target::Comment(c) => query.filter(subscriptions::comment_id.eq(c.0)),
        Target::Article(a) => query.filter(subscriptions::article_id.eq(a)),
    };
    Ok(query.first(conn)?)
}

/// A subscription by id.
pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<Subscription>, ApiError> {
    Ok(subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()?)
}

/// A subscription by id, locked until the transaction ends on PostgreSQL (so two
/// instances never put one subscription's notices into two mails at once; SQLite has
/// one writer anyway).
pub fn lock(conn: &mut DbConnection, id: i64) -> Result<Option<Subscription>, ApiError> {
    Ok(match conn {
        DbConnection::Postgres(c) => subscriptions::table
            .find(id)
            .select(Subscription::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConnection::Sqlite(c) => subscriptions::table
            .find(id)
            .select(Subscription::as_select())
            .first(c)
            .optional()?,
    })
}

/// `user`'s subscription to replies to `comment`, if any.
pub fn of_comment(
    conn: &mut DbConnection,
    user: UserId,
    comment: CommentId,
) -> Result<Option<Subscription>, ApiError> {
    Ok(subscriptions::table
        .filter(subscriptions::user_id.eq(user.0))
        .filter(subscriptions::comment_id.eq(comment.0))
        .select(Subscription::as_select())
        .first(conn)
        .optional()?)
}

/// Ends `user`'s subscription `id` (and its waiting notices); `false` when the account
/// has no such subscription.
#[tracing::instrument(skip_all)]
pub fn unsubscribe(conn: &mut DbConnection, user: UserId, id: i64) -> Result<bool, ApiError> {
    diesel::delete(reply_notices::table.filter(reply_notices::subscription_id.eq(id)))
        .execute(conn)?;
    let gone = diesel::delete(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::user_id.eq(user.0)),
    )
    .execute(conn)?;
    Ok(gone > 0)
}

/// Every subscription of `user`, oldest first, with its article.
#[tracing::instrument(skip_all)]
pub fn list(conn: &mut DbConnection, user: UserId) -> Result<Vec<Listed>, ApiError> {
    let by_comment: Vec<(Subscription, ArticleNames)> = subscriptions::table
        .inner_join(comments::table.on(subscriptions::comment_id.eq(comments::id.nullable())))
        .inner_join(articles::table.on(articles::id.eq(comments::article_id)))
        .filter(subscriptions::user_id.eq(user.0))
        .select((
            Subscription::as_select(),
            (articles::key, articles::title, articles::url),
        ))
        .load(conn)?;
    let by_article: Vec<(Subscription, ArticleNames)> = subscriptions::table
        .inner_join(articles::table.on(subscriptions::article_id.eq(articles::id.nullable())))
        .filter(subscriptions::user_id.eq(user.0))
        .select((
            Subscription::as_select(),
            (articles::key, articles::title, articles::url),
        ))
        .load(conn)?;
    let mut all: Vec<Listed> = by_comment
        .into_iter()
        .chain(by_article)
        .map(|(subscription, (key, title, url))| Listed {
            subscription,
            article_key: key,
            article_title: title,
            article_url: url,
        })
        .collect();
    all.sort_by_key(|l| l.subscription.id);
    Ok(all)
}

/// Forgets every subscription and notice of `user` (its erasure).
pub fn erase_user(conn: &mut DbConnection, user: UserId) -> Result<(), ApiError> {
    diesel::delete(reply_notices::table.filter(reply_notices::user_id.eq(user.0))).execute(conn)?;
    diesel::delete(subscriptions::table.filter(subscriptions::user_id.eq(user.0))).execute(conn)?;
    Ok(())
}

/// Called in every transaction where `reply` becomes approved (posting, a moderator's
/// approval, an undo, an appeal's reversal): notes it for the parent comment's author
/// when that author subscribed to the parent comment or to the article, and is not the
/// reply's author. A reply is noted at most once per recipient, however often it is
/// approved again.
pub fn on_approved(conn: &mut DbConnection, reply: &Comment) -> Result<(), ApiError> {
    let Some(parent) = reply.parent_id else {
        return Ok(());
    };
    let recipient: Option<Option<i64>> = comments::table
        .find(parent)
        .select(comments::author_id)
        .first(conn)
        .optional()?;
    let Some(Some(recipient)) = recipient else {
        return Ok(());
    };
    if reply.author_id == Some(recipient) {
        return Ok(());
    }
    let mine = subscriptions::table.filter(subscriptions::user_id.eq(recipient));
    let subscription: Option<i64> = match mine
        .filter(subscriptions::comment_id.eq(parent))
        .select(subscriptions::id)
        .first(conn)
        .optional()?
    {
        Some(id) => Some(id),
        None => mine
            .filter(subscriptions::article_id.eq(reply.article_id))
            .select(subscriptions::id)
            .first(conn)
            .optional()?,
    };
    let Some(subscription) = subscription else {
        return Ok(());
    };
    let row = (
        reply_notices::user_id.eq(recipient),
        reply_notices::comment_id.eq(reply.id),
        reply_notices::subscription_id.eq(subscription),
    );
    on_each_backend!(conn, |c| diesel::insert_into(reply_notices::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(())
}

/// Whether any notice waits (a read, so an idle notifier writes nothing).
pub fn any_waiting(conn: &mut DbConnection) -> Result<bool, ApiError> {
    let found: Option<i64> = reply_notices::table
        .filter(reply_notices::mail_key.is_null())
        .select(reply_notices::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Starts the batch window of notices not seen before, and answers the subscriptions
/// whose first waiting notice was seen at `ripe` or earlier (their mail is due).
pub fn due_subscriptions(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    ripe: NaiveDateTime,
) -> Result<Vec<i64>, ApiError> {
    diesel::update(
        reply_notices::table
            .filter(reply_notices::mail_key.is_null())
            .filter(reply_notices::seen_at.is_null()),
    )
    .set(reply_notices::seen_at.eq(now))
    .execute(conn)?;
    let mut due: Vec<i64> = reply_notices::table
        .filter(reply_notices::mail_key.is_null())
        .filter(reply_notices::seen_at.le(ripe))
        .select(reply_notices::subscription_id)
        .order(reply_notices::id.asc())
        .limit(1000)
        .load(conn)?;
    due.sort_unstable();
    due.dedup();
    Ok(due)
}

/// A waiting reply, as a mail lists it.
#[derive(Debug, Clone)]
pub struct WaitingReply {
    pub notice_id: i64,
    pub comment_id: i64,
    pub status: String,
    pub author: Option<String>,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// The waiting notices of one subscription, oldest first, with their replies.
pub fn waiting(conn: &mut DbConnection, subscription: i64) -> Result<Vec<WaitingReply>, ApiError> {
    let rows: Vec<(i64, i64, String, Option<String>, String, NaiveDateTime)> = reply_notices::table
        .inner_join(comments::table.on(comments::id.eq(reply_notices::comment_id)))
        .left_join(users::table.on(comments::author_id.eq(users::id.nullable())))
        .filter(reply_notices::subscription_id.eq(subscription))
        .filter(reply_notices::mail_key.is_null())
        .order(reply_notices::id.asc())
        .select((
            reply_notices::id,
            comments::id,
            comments::status,
            users::username.nullable(),
            comments::body,
            comments::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(notice_id, comment_id, status, author, body, created_at)| WaitingReply {
                notice_id,
                comment_id,
                status,
                author,
                body,
                created_at,
            },
        )
        .collect())
}

/// Forgets notes that went into a mail (or were skipped) and were first seen before
/// `cutoff` (the outbox's retention): a reply approved again after that could be mailed
/// again, which is the price of not keeping a row per reply for ever.
pub fn prune(conn: &mut DbConnection, cutoff: NaiveDateTime) -> Result<usize, ApiError> {
    Ok(diesel::delete(
        reply_notices::table
            .filter(reply_notices::mail_key.is_not_null())
            .filter(reply_notices::seen_at.lt(cutoff)),
    )
    .execute(conn)?)
}

/// Records that the notices went into the mail `key` (or were skipped).
pub fn mark(conn: &mut DbConnection, notices: &[i64], key: &str) -> Result<(), ApiError> {
    diesel::update(reply_notices::table.filter(reply_notices::id.eq_any(notices)))
        .set(reply_notices::mail_key.eq(key))
        .execute(conn)?;
    Ok(())
}

/// Whether a reply still shows (a notice of a reply removed meanwhile is skipped).
pub fn still_approved(status: &str) -> bool {
    CommentStatus::parse(status) == Some(CommentStatus::Approved)
}

/// The article a subscription is about: (key, title, url).
pub fn article_of(
    conn: &mut DbConnection,
    subscription: &Subscription,
) -> Result<Option<ArticleNames>, ApiError> {
    let article = match (subscription.article_id, subscription.comment_id) {
        (Some(id), _) => Some(id),
        (None, Some(comment)) => comments::table
            .find(comment)
            .select(comments::article_id)
            .first(conn)
            .optional()?,
        (None, None) => None,
    };
    let Some(article) = article else {
        return Ok(None);
    };
    Ok(articles::table
        .find(article)
        .select((articles::key, articles::title, articles::url))
        .first(conn)
        .optional()?)
}
