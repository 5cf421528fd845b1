//! `GET /counts?article=A&article=B…`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{parse_keys, respond};
use crate::error::ApiError;
use crate::startup::AppState;

/// Most keys in one GET (URLs stay short enough for every proxy).
pub const MAX_KEYS: usize = 100;

/// Counts of up to 100 articles, named by repeated `article` parameters.
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let raw: Vec<String> = query
        .into_inner()
        .into_iter()
        .filter(|(name, _)| name == "article")
        .map(|(_, key)| key)
        .collect();
    let keys = parse_keys(raw, MAX_KEYS, "article")?;
    respond(&state, &req, keys).await
}
