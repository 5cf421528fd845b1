//! Articles and their comment counters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::prepared::Prepared;

use super::moderation::{self, LogEntry};
use super::schema::articles;
use super::{DbConnection, events, on_each_backend};
use crate::domain::article::{ArticleModeration, ArticleStatus};
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
    Ok(articles::table
        .filter(articles::key.eq(key))
        .select(Article::as_select())
        .first(conn)
        .optional()?)
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
    // Nearly every comment is on an article that exists: look first, insert only if not.
    if let Some(article) = find_by_key(conn, key)?
        && (article.title.is_some() || title.is_none())
        && (article.url.is_some() || url.is_none())
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

/// Adds `delta` to an article's count of approved comments.
pub fn add_to_count(conn: &mut DbConnection, id: ArticleId, delta: i64) -> Result<(), ApiError> {
    diesel::update(articles::table.find(id.0))
        .set(articles::comment_count.eq(articles::comment_count + delta))
        .returning(articles::id)
        .prepared()
        .get_results::<i64>(conn)?;
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
