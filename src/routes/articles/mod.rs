//! `/articles`, and the article types that the moderators' `PUT /mod/articles` shares.

pub mod get;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::articles::Article;
use crate::domain::article::{ArticleModeration, ArticleStatus};

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// The article's key.
    #[param(min_length = 1, max_length = 512)]
    pub article: String,
}

/// An article.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub key: String,
    pub title: Option<String>,
    pub url: Option<String>,
    /// `open` or `closed` (a scheduled closing counts once passed).
    pub status: ArticleStatus,
    /// `default` (the site's mode), `pre` or `post`.
    pub moderation: ArticleModeration,
    /// When it closes by itself, if scheduled.
    pub closes_at: Option<DateTime<Utc>>,
    /// Approved comments, replies included.
    pub comment_count: i64,
}

impl ArticleView {
    /// The view at `now`.
    pub fn new(article: Article, now: chrono::NaiveDateTime) -> Self {
        Self {
            status: article.status_at(now),
            key: article.key,
            title: article.title,
            url: article.url,
            moderation: article.moderation,
            closes_at: article.closes_at.map(|t| t.and_utc()),
            comment_count: article.comment_count,
        }
    }
}
