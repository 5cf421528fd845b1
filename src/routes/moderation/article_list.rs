//! `GET /mod/articles`: find articles, with their moderation counts.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::articles::{self, Article, ArticleFilter};
use crate::domain::article::{ArticleSort, search_patterns};
use crate::domain::comment::ArticleKey;
use crate::error::ApiError;
use crate::routes::articles::ArticleView;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// Text found anywhere in the key or the title (ignoring case); empty: all.
    #[serde(default)]
    #[param(max_length = 512)]
    pub q: String,
    /// Only the article with exactly this key (as `PUT /mod/articles?article=K` names
    /// it): a list of one, or none.
    pub article: Option<String>,
    /// `newest` (default; created last first), `pending` (most comments waiting),
    /// `reported` (most approved comments with unresolved flags) or `recent` (latest
    /// comment first; articles without comments are left out).
    pub sort: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ArticleListQuery {
    /// The page asked for; the cursor must come from the same order.
    fn parse(self) -> Result<ArticleFilter, ApiError> {
        let sort = match self.sort.as_deref() {
            None => ArticleSort::Newest,
            Some(s) => ArticleSort::parse_field(s).map_err(|m| ApiError::invalid("sort", m))?,
        };
        let key = self.article.as_deref().map(ArticleKey::parse).transpose();
        let key = key.map_err(|m| ApiError::invalid("article", m))?;
        let after = self
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, &scope(sort)))
            .transpose()?;
        Ok(ArticleFilter {
            search: search_patterns(&self.q)?,
            key: key.map(|k| k.as_str().to_owned()),
            sort,
            after: after.map(|c| (c.key, c.id)),
            limit: pagination::limit(self.limit)?,
        })
    }
}

/// The cursor scope of an order.
fn scope(sort: ArticleSort) -> String {
    format!("articles:{sort}")
}

/// An article as moderators see it: its settings and its moderation counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModeratedArticle {
    /// The article as `GET /articles` shows it (`comment_count`: approved comments).
    #[serde(flatten)]
    pub article: ArticleView,
    /// Comments waiting in the pending queue.
    pub pending_count: i64,
    /// Approved comments with unresolved flags (the reported queue).
    pub reported_count: i64,
    /// When its latest comment (of any status) was posted; null if none.
    pub last_comment_at: Option<DateTime<Utc>>,
    /// When it was created (by its first comment or by a moderator).
    pub created_at: DateTime<Utc>,
}

impl ModeratedArticle {
    /// The view at `now`.
    pub fn new(article: Article, now: chrono::NaiveDateTime) -> Self {
        Self {
            pending_count: article.pending_count,
            reported_count: article.reported_count,
            last_comment_at: article.last_comment_at.map(|t| t.and_utc()),
            created_at: article.created_at.and_utc(),
            article: ArticleView::new(article, now),
        }
    }
}

/// A page of articles.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleListResponse {
    /// In the order asked for.
    pub items: Vec<ModeratedArticle>,
    /// The cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// Finds articles by key or title, with approved, pending and reported counts, in an
/// order the dashboard needs (each read from an index of counters kept exact by every
/// write).
#[utoipa::path(get, path = "/api/v1/mod/articles", tag = "moderation", params(ArticleListQuery), security(("bearer" = [])), responses((status = 200, description = "A page of articles", body = ArticleListResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Moderator,
    query: web::Query<ArticleListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().parse()?;
    let sort = filter.sort;
    let page = state
        .db
        .read(move |conn| articles::list(conn, &filter))
        .await?;
    let next_cursor = page.last_if_more().map(|last| {
        let key = articles::sort_key(last, sort);
        Cursor {
            scope: scope(sort),
            key,
            id: last.id,
        }
        .encode()
    });
    let now = state.clock.now_naive();
    let items = page.rows.into_iter();
    let items = items.map(|a| ModeratedArticle::new(a, now)).collect();
    Ok(HttpResponse::Ok().json(ArticleListResponse { items, next_cursor }))
}
