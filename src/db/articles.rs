//! Articles and their comment counters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::articles;
use crate::domain::comment::ArticleId;
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
    pub status: String,
    pub moderation: String,
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
        self.status == "closed" || self.closes_at.is_some_and(|t| t <= now)
    }

    /// `open` or `closed` as in force at `now`.
    pub fn status_at(&self, now: NaiveDateTime) -> &'static str {
        if self.is_closed(now) {
            "closed"
        } else {
            "open"
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
    let row = (
        articles::key.eq(key),
        articles::title.eq(title),
        articles::url.eq(url),
        articles::created_at.eq(now),
        articles::updated_at.eq(now),
    );
    // Two first comments on one article may race: the loser's insert does nothing.
    match conn {
        DbConnection::Postgres(pg) => diesel::insert_into(articles::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::insert_into(articles::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(lite)?,
    };
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
        .execute(conn)?;
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
