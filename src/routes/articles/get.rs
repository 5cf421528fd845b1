//! `GET /articles?article=K`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::articles::{self, Article};
use crate::domain::article::{ArticleModeration, ArticleStatus};
use crate::domain::comment::ArticleKey;
use crate::error::ApiError;
use crate::state::AppState;

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

/// One article; 404 until it has its first comment or a moderator sets it up.
#[utoipa::path(get, path = "/api/v1/articles", tag = "comments", params(ArticleQuery), responses((status = 200, description = "The article", body = ArticleView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    query: web::Query<ArticleQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = ArticleKey::parse(&query.article).map_err(|m| ApiError::invalid("article", m))?;
    let article = state
        .db
        .read(move |conn| articles::find_by_key(conn, key.as_str()))
        .await?
        .ok_or(ApiError::NotFound("article"))?;
    Ok(HttpResponse::Ok().json(ArticleView::new(article, state.clock.now_naive())))
}
