//! `POST /counts`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{CountsResponse, parse_keys, respond};
use crate::cache::Fresh;
use crate::error::ApiError;
use crate::state::AppState;

/// Most keys in one POST.
pub const MAX_KEYS: usize = 1000;

/// Article keys.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CountsRequest {
    /// 1–1000 article keys.
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<String>)]
    pub articles: Vec<String>,
}

/// Counts of up to 1000 articles.
#[utoipa::path(post, path = "/api/v1/counts", tag = "counts", request_body = CountsRequest, responses((status = 200, description = "Counts by key", body = CountsResponse), (status = 304, description = "Not modified (If-None-Match)")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<CountsRequest>,
) -> Result<HttpResponse, ApiError> {
    let keys = parse_keys(body.into_inner().articles, MAX_KEYS, "articles")?;
    // Count scripts post the same sets again and again: the whole answer is kept by its
    // normalised key set (sorted, without duplicates) while nothing changed, beside the
    // GET answers (whose keys are query strings: they never start with a NUL).
    let mut set = String::from("\0post");
    for key in &keys {
        set.push('\0');
        set.push_str(key);
    }
    let state = &state;
    let answer = state
        .caches
        .count_answers
        .get_or_load(set.as_str(), |_| async move {
            respond(state, keys).await.map(Fresh::new)
        })
        .await?;
    Ok(super::answer(&req, answer))
}
