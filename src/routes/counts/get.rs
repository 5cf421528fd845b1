//! `GET /counts?article=A&article=B…`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{CountsResponse, parse_keys, respond};
use crate::cache::Fresh;
use crate::error::ApiError;
use crate::state::AppState;

/// Most keys in one GET (URLs stay short enough for every proxy).
pub const MAX_KEYS: usize = 100;

/// Counts of up to 100 articles, named by repeated `article` parameters.
#[utoipa::path(get, path = "/api/v1/counts", tag = "counts", params(("article" = Vec<String>, Query, description = "Article keys, 1 to 100, repeated: article=A&article=B")), responses((status = 200, description = "Counts by key", body = CountsResponse), (status = 304, description = "Not modified (If-None-Match)")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // Article pages ask for the same sets again and again: a whole answer is kept by
    // its query string while nothing changed, and read once per change however many
    // ask at the same time. Only queries of nothing but `article` keys are kept, so
    // padding a query with other parameters cannot mint new entries.
    let (state, req) = (&state, &req);
    let query = req.query_string();
    let answers = &state.caches.count_answers;
    // A kept answer was kept for a query of nothing but keys: a hit needs no check.
    if let Some(answer) = answers.get(answers.reading_for(query), query) {
        return Ok(super::answer(req, answer));
    }
    if !only_article_keys(query) {
        let answer = respond(state, keys_of(query)?).await?;
        return Ok(super::answer(req, answer));
    }
    let answer = answers
        .get_or_load(query, |_| async move {
            // Parsed only on a miss: a hit needs nothing but the query string.
            respond(state, keys_of(query)?).await.map(Fresh::new)
        })
        .await?;
    Ok(super::answer(req, answer))
}

/// Whether the query string holds `article=` parameters and nothing else.
fn only_article_keys(query: &str) -> bool {
    query.split('&').all(|pair| pair.starts_with("article="))
}

/// The validated keys of a `GET /counts` query string.
fn keys_of(query: &str) -> Result<Vec<String>, ApiError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|e| ApiError::Malformed(format!("The query string could not be read: {e}")))?;
    let raw: Vec<String> = pairs
        .into_inner()
        .into_iter()
        .filter(|(name, _)| name == "article")
        .map(|(_, key)| key)
        .collect();
    parse_keys(raw, MAX_KEYS, "article")
}
