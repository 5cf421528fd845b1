//! Articles and their comment counters.

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use super::page::Page;
use super::prepared::Prepared;

use super::moderation::{self, LogEntry};
use super::schema::articles;
use super::{DbConnection, events, on_each_backend};
use crate::domain::article::{ArticleModeration, ArticleSort, ArticleStatus};
use crate::domain::comment::ArticleId;
use crate::domain::event::{ArticleEventData, Event, EventType};
use crate::domain::user::UserId;
use crate::error::ApiError;

/// A row of `articles`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Article {
    pub id: i64,
    pub key: String,
    pub title: Option<String>,
    pub url: Option<String>,
    #[diesel(deserialize_as = String)]
    pub status: ArticleStatus,
    #[diesel(deserialize_as = String)]
    pub moderation: ArticleModeration,
    pub closes_at: Option<NaiveDateTime>,
    pub comment_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Comments waiting in the pending queue.
    pub pending_count: i64,
    /// Approved comments with unresolved flags (the reported queue).
    pub reported_count: i64,
    /// When its last comment (of any status) was posted.
    pub last_comment_at: Option<NaiveDateTime>,
}

impl Article {
    /// The typed id.
    pub fn article_id(&self) -> ArticleId {
        ArticleId(self.id)
    }

    /// Closed by a moderator, or past its scheduled closing time.
    pub fn is_closed(&self, now: NaiveDateTime) -> bool {
        self.status == ArticleStatus::Closed || self.closes_at.is_some_and(|t| t <= now)
    }

    /// The status in force at `now`.
    pub fn status_at(&self, now: NaiveDateTime) -> ArticleStatus {
        if self.is_closed(now) {
            ArticleStatus::Closed
        } else {
            ArticleStatus::Open
        }
    }
}

/// Finds an article by key.
#[tracing::instrument(skip_all)]
pub fn find_by_key(conn: &mut DbConnection, key: &str) -> Result<Option<Article>, ApiError> {
    // On the backend's own connection: through the multi-connection every execution
    // writes the SQL out again (see `comments::insert`); here it is prepared once.
    Ok(on_each_backend!(conn, |c| articles::table
        .filter(articles::key.eq(key))
        .select(Article::as_select())
        .first(c)
        .optional()?))
}

/// The articles a batch of posts names, read with one query before its posts run (see
/// `writer::Post`): each post then finds its article here rather than with a query of
/// its own. Only posts run in such a batch, and nothing but a post's first comment on an
/// article (which `get_or_create` reads afresh) changes what a post reads of it before
/// the batch's end.
#[derive(Debug, Default)]
pub struct Known(std::collections::HashMap<String, Article>);

impl Known {
    /// Reads the articles of `keys` that exist.
    pub fn read(conn: &mut DbConnection, keys: &[&str]) -> Result<Self, ApiError> {
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        keys.dedup();
        let Some(&last) = keys.last() else {
            return Ok(Self::default());
        };
        // Padded with its last key to a power of two, as `reactions` pads its lists: the
        // `IN` list (SQLite's) takes one of a few shapes, each prepared once, not one
        // parse per batch.
        keys.resize(keys.len().next_power_of_two(), last);
        let rows: Vec<Article> = articles::table
            .filter(articles::key.eq_any(&keys))
            .select(Article::as_select())
            .prepared()
            .load(conn)?;
        Ok(Self(rows.into_iter().map(|a| (a.key.clone(), a)).collect()))
    }
}

/// Finds an article by id.
#[tracing::instrument(skip_all)]
pub fn find(conn: &mut DbConnection, id: ArticleId) -> Result<Option<Article>, ApiError> {
    Ok(articles::table
        .find(id.0)
        .select(Article::as_select())
        .first(conn)
        .optional()?)
}

/// The article with `key`, created if new. Title and URL fill in what is missing but
/// never overwrite what a moderator or an earlier comment set.
#[tracing::instrument(skip_all)]
pub fn get_or_create(
    conn: &mut DbConnection,
    key: &str,
    title: Option<&str>,
    url: Option<&str>,
    now: NaiveDateTime,
) -> Result<Article, ApiError> {
    get_or_create_known(conn, &Known::default(), key, title, url, now)
}

/// As [`get_or_create`], looking in `known` (read for a batch of posts) first.
pub fn get_or_create_known(
    conn: &mut DbConnection,
    known: &Known,
    key: &str,
    title: Option<&str>,
    url: Option<&str>,
    now: NaiveDateTime,
) -> Result<Article, ApiError> {
    let complete = |article: &Article| {
        (article.title.is_some() || title.is_none()) && (article.url.is_some() || url.is_none())
    };
    if let Some(article) = known.0.get(key).filter(|a| complete(a)) {
        return Ok(article.clone());
    }
    // Nearly every comment is on an article that exists: look first, insert only if not.
    if let Some(article) = find_by_key(conn, key)?
        && complete(&article)
    {
        return Ok(article);
    }
    let row = (
        articles::key.eq(key),
        articles::title.eq(title),
        articles::url.eq(url),
        articles::created_at.eq(now),
        articles::updated_at.eq(now),
    );
    // Two first comments on one article may race: the loser's insert does nothing.
    on_each_backend!(conn, |c| diesel::insert_into(articles::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    let article = find_by_key(conn, key)?.ok_or(ApiError::NotFound("article"))?;
    if (article.title.is_none() && title.is_some()) || (article.url.is_none() && url.is_some()) {
        diesel::update(articles::table.find(article.id))
            .set((
                articles::title.eq(article.title.as_deref().or(title)),
                articles::url.eq(article.url.as_deref().or(url)),
                articles::updated_at.eq(now),
            ))
            .execute(conn)?;
        return find(conn, article.article_id())?.ok_or(ApiError::NotFound("article"));
    }
    Ok(article)
}

/// Changes of an article's counters: approved (`comment_count`), pending and reported
/// comments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountShift {
    pub approved: i64,
    pub pending: i64,
    pub reported: i64,
}

impl CountShift {
    /// Whether nothing changes.
    pub fn is_none(self) -> bool {
        self == Self::default()
    }
}

/// Adds `shift` to an article's counters and, for a new comment, records when it was
/// posted; one statement (none when nothing changes).
pub fn add_to_counts(
    conn: &mut DbConnection,
    id: ArticleId,
    shift: CountShift,
    posted_at: Option<NaiveDateTime>,
) -> Result<(), ApiError> {
    let counters = (
        articles::comment_count.eq(articles::comment_count + shift.approved),
        articles::pending_count.eq(articles::pending_count + shift.pending),
        articles::reported_count.eq(articles::reported_count + shift.reported),
    );
    let target = articles::table.find(id.0);
    match posted_at {
        Some(at) => diesel::update(target)
            .set((counters, articles::last_comment_at.eq(Some(at))))
            .returning(articles::id)
            .prepared()
            .get_results::<i64>(conn)?,
        None if shift.is_none() => return Ok(()),
        None => diesel::update(target)
            .set(counters)
            .returning(articles::id)
            .prepared()
            .get_results::<i64>(conn)?,
    };
    Ok(())
}

/// The counts of those of `keys` that exist, in one indexed query.
#[tracing::instrument(skip_all, fields(keys = keys.len()))]
pub fn counts(conn: &mut DbConnection, keys: &[String]) -> Result<Vec<(String, i64)>, ApiError> {
    Ok(articles::table
        .filter(articles::key.eq_any(keys))
        .select((articles::key, articles::comment_count))
        .load(conn)?)
}

/// Changes to an article's settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ArticleChanges {
    pub title: Option<Option<String>>,
    pub url: Option<Option<String>>,
    pub status: Option<ArticleStatus>,
    pub moderation: Option<ArticleModeration>,
    pub closes_at: Option<Option<NaiveDateTime>>,
}

/// Applies a moderator's changes, creating the article if new.
#[tracing::instrument(skip_all)]
pub fn update(
    conn: &mut DbConnection,
    key: &str,
    changes: &ArticleChanges,
    now: NaiveDateTime,
) -> Result<Article, ApiError> {
    let article = get_or_create(conn, key, None, None, now)?;
    diesel::update(articles::table.find(article.id))
        .set((
            articles::title.eq(changes.title.clone().unwrap_or(article.title.clone())),
            articles::url.eq(changes.url.clone().unwrap_or(article.url.clone())),
            articles::status.eq(changes.status.unwrap_or(article.status).as_str()),
            articles::moderation.eq(changes.moderation.unwrap_or(article.moderation).as_str()),
            articles::closes_at.eq(changes.closes_at.unwrap_or(article.closes_at)),
            articles::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, article.article_id())?.ok_or(ApiError::NotFound("article"))
}

/// Applies a moderator's changes (creating the article if new) and logs them.
#[tracing::instrument(skip_all)]
pub fn change(
    conn: &mut DbConnection,
    key: &str,
    changes: &ArticleChanges,
    moderator: UserId,
    now: NaiveDateTime,
) -> Result<Article, ApiError> {
    let was = find_by_key(conn, key)?.map_or(ArticleStatus::Open, |a| a.status_at(now));
    let article = update(conn, key, changes, now)?;
    emit_status_change(conn, was, &article, moderator, now)?;
    let closes_at = article
        .closes_at
        .map_or("none".into(), |t| t.and_utc().to_rfc3339());
    let note = format!(
        "status={} moderation={} closes_at={closes_at}",
        article.status, article.moderation
    );
    moderation::log(
        conn,
        &LogEntry {
            actor: Some(moderator),
            action: "article_change",
            comment: None,
            user: None,
            reason: Some(&article.key),
            note: Some(&note),
            at: now,
        },
    )?;
    Ok(article)
}

/// Which articles the moderators' list shows, in which order.
#[derive(Debug, Clone)]
pub struct ArticleFilter {
    /// `LIKE` patterns (as typed, lowercase) matched anywhere in key or title
    /// (`domain::article::search_patterns`).
    pub search: Option<(String, String)>,
    /// Only the article with this exact key.
    pub key: Option<String>,
    pub sort: ArticleSort,
    /// (sort key, id) of the previous page's last article (see `sort_key`).
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

diesel::define_sql_function! {
    /// SQL `lower` (SQLite folds ASCII only; PostgreSQL by its collation).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The value of `article` that `sort` orders by, as a cursor carries it (a time as
/// nanoseconds since the epoch; 0 for `newest`, which orders by id alone).
pub fn sort_key(article: &Article, sort: ArticleSort) -> i64 {
    match sort {
        ArticleSort::Newest => 0,
        ArticleSort::Pending => article.pending_count,
        ArticleSort::Reported => article.reported_count,
        ArticleSort::Recent => article
            .last_comment_at
            .and_then(|t| t.and_utc().timestamp_nanos_opt())
            .unwrap_or(0),
    }
}

/// A page of articles for moderators: found by key or title, ordered by one of the
/// indexed counters (`ArticleSort`), each order descending with the newest article
/// first among equals.
#[tracing::instrument(skip_all)]
pub fn list(conn: &mut DbConnection, filter: &ArticleFilter) -> Result<Page<Article>, ApiError> {
    let mut query = articles::table.select(Article::as_select()).into_boxed();
    if let Some((typed, folded)) = &filter.search {
        let title = articles::title.assume_not_null();
        query = query.filter(
            articles::key
                .like(typed.clone())
                .escape('\\')
                .or(lower(articles::key).like(folded.clone()).escape('\\'))
                .or(title.like(typed.clone()).escape('\\'))
                .or(lower(title).like(folded.clone()).escape('\\')),
        );
    }
    if let Some(key) = &filter.key {
        query = query.filter(articles::key.eq(key.clone()));
    }
    query = match (filter.sort, filter.after) {
        (_, None) => query,
        (ArticleSort::Newest, Some((_, id))) => query.filter(articles::id.lt(id)),
        (ArticleSort::Pending, Some((n, id))) => query.filter(
            articles::pending_count
                .lt(n)
                .or(articles::pending_count.eq(n).and(articles::id.lt(id))),
        ),
        (ArticleSort::Reported, Some((n, id))) => query.filter(
            articles::reported_count
                .lt(n)
                .or(articles::reported_count.eq(n).and(articles::id.lt(id))),
        ),
        (ArticleSort::Recent, Some((nanos, id))) => {
            let at = DateTime::from_timestamp_nanos(nanos).naive_utc();
            let last = articles::last_comment_at.assume_not_null();
            query.filter(last.lt(at).or(last.eq(at).and(articles::id.lt(id))))
        }
    };
    query = match filter.sort {
        ArticleSort::Newest => query.order(articles::id.desc()),
        ArticleSort::Pending => query.order((articles::pending_count.desc(), articles::id.desc())),
        ArticleSort::Reported => {
            query.order((articles::reported_count.desc(), articles::id.desc()))
        }
        ArticleSort::Recent => query
            .filter(articles::last_comment_at.is_not_null())
            .order((articles::last_comment_at.desc(), articles::id.desc())),
    };
    let rows = query
        .limit(Page::<Article>::probe(filter.limit))
        .load(conn)?;
    Ok(Page::of(rows, filter.limit))
}

/// Emits `article.closed` or `article.opened` when a change turned the article's
/// status in force (a moderator's status, or a closing time set in the past).
fn emit_status_change(
    conn: &mut DbConnection,
    was: ArticleStatus,
    article: &Article,
    moderator: UserId,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let kind = match (was, article.status_at(now)) {
        (ArticleStatus::Open, ArticleStatus::Closed) => EventType::ArticleClosed,
        (ArticleStatus::Closed, ArticleStatus::Open) => EventType::ArticleOpened,
        _ => return Ok(()),
    };
    let data = ArticleEventData {
        article_key: article.key.clone(),
        title: article.title.clone(),
        url: article.url.clone(),
        closes_at: article.closes_at.map(|t| t.and_utc()),
        moderator_id: moderator.0,
    };
    events::emit(
        conn,
        &Event::new(kind, Some(article.key.clone()), &data),
        now,
    )?;
    Ok(())
}
