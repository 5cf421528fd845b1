//! Articles and their comment counters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::prepared::Prepared;

use super::DbConnection;
use super::moderation::{self, LogEntry};
use super::schema::articles;
use crate::domain::article::{ArticleModeration, ArticleStatus};
use crate::domain::comment::ArticleId;
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
    let article = update(conn, key, changes, now)?;
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

/// An article whose counter had drifted from its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub key: String,
    pub stored: i64,
    pub actual: i64,
}

/// Recomputes every counter from the comments (articles' counts, threads' visible
/// replies, comments' likes, authors' approved and rejected counts), fixes those that
/// drifted, and reports the articles that had.
#[tracing::instrument(skip_all)]
pub fn recount(conn: &mut DbConnection) -> Result<Vec<Drift>, ApiError> {
    use super::schema::{comments, likes, users};
    use diesel::dsl::count_star;
    use std::collections::HashMap;

    let approved: HashMap<i64, i64> = comments::table
        .filter(comments::status.eq("approved"))
        .group_by(comments::article_id)
        .select((comments::article_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let stored: Vec<(i64, String, i64)> = articles::table
        .select((articles::id, articles::key, articles::comment_count))
        .load(conn)?;
    let mut drifts = Vec::new();
    for (id, key, count) in stored {
        let actual = approved.get(&id).copied().unwrap_or(0);
        if actual != count {
            diesel::update(articles::table.find(id))
                .set(articles::comment_count.eq(actual))
                .execute(conn)?;
            drifts.push(Drift {
                key,
                stored: count,
                actual,
            });
        }
    }

    let replies: HashMap<i64, i64> = comments::table
        .filter(comments::status.eq("approved"))
        .filter(comments::depth.gt(0))
        .group_by(comments::thread_id)
        .select((comments::thread_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let roots: Vec<(i64, i64)> = comments::table
        .filter(comments::depth.eq(0))
        .select((comments::id, comments::visible_replies))
        .load(conn)?;
    for (id, stored) in roots {
        let actual = replies.get(&id).copied().unwrap_or(0);
        if actual != stored {
            diesel::update(comments::table.find(id))
                .set(comments::visible_replies.eq(actual))
                .execute(conn)?;
        }
    }

    let like_counts: HashMap<i64, i64> = likes::table
        .group_by(likes::comment_id)
        .select((likes::comment_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let liked: Vec<(i64, i64)> = comments::table
        .filter(comments::like_count.ne(0))
        .select((comments::id, comments::like_count))
        .load(conn)?;
    let mut to_check: HashMap<i64, i64> = liked.into_iter().collect();
    for id in like_counts.keys() {
        to_check.entry(*id).or_insert(-1);
    }
    for (id, stored) in to_check {
        let actual = like_counts.get(&id).copied().unwrap_or(0);
        if actual != stored {
            diesel::update(comments::table.find(id))
                .set(comments::like_count.eq(actual))
                .execute(conn)?;
        }
    }

    let by_author: Vec<(Option<i64>, String, i64)> = comments::table
        .filter(comments::author_id.is_not_null())
        .filter(comments::status.eq_any(["approved", "rejected"]))
        .group_by((comments::author_id, comments::status))
        .select((comments::author_id, comments::status, count_star()))
        .load(conn)?;
    let mut standing: HashMap<i64, (i64, i64)> = HashMap::new();
    for (author, status, n) in by_author {
        if let Some(author) = author {
            let entry = standing.entry(author).or_default();
            if status == "approved" {
                entry.0 = n
            } else {
                entry.1 = n
            }
        }
    }
    let authors: Vec<(i64, i64, i64)> = users::table
        .select((users::id, users::approved_count, users::rejected_count))
        .load(conn)?;
    for (id, approved, rejected) in authors {
        let actual = standing.get(&id).copied().unwrap_or((0, 0));
        if actual != (approved, rejected) {
            diesel::update(users::table.find(id))
                .set((
                    users::approved_count.eq(actual.0),
                    users::rejected_count.eq(actual.1),
                ))
                .execute(conn)?;
        }
    }
    Ok(drifts)
}
