//! `GET /articles?article=K`.

use super::{ArticleQuery, ArticleView};
use crate::db::articles;
use crate::domain::comment::ArticleKey;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};

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
