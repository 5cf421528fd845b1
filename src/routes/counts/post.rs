//! `POST /counts`.

use actix_web::mime;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
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
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // As `web::Json` would (which this route does not use, to look up a body it has
    // answered before without parsing it).
    if !is_json(&req) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let cache = &state.caches.count_answers;
    // Count scripts post the same body again and again: an answer is looked up by the
    // body as sent first (kept only for bodies that were valid), then by the normalised
    // key set (sorted, without duplicates), beside the GET answers (whose keys are query
    // strings: they never start with a NUL). The generation is taken before either.
    let reading = cache.reading();
    let sent = std::str::from_utf8(&body)
        .ok()
        .map(|text| format!("\0body\0{text}"));
    if let Some(sent) = &sent
        && let Some(answer) = cache.get(reading, sent.as_str())
    {
        return Ok(super::answer(&req, answer));
    }
    let request: CountsRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Malformed(format!("The JSON body could not be read: {e}")))?;
    let keys = parse_keys(request.articles, MAX_KEYS, "articles")?;
    let mut set = String::from("\0post");
    for key in &keys {
        set.push('\0');
        set.push_str(key);
    }
    let state = &state;
    let answer = cache
        .get_or_load(set.as_str(), |_| async move {
            respond(state, keys).await.map(Fresh::new)
        })
        .await?;
    // Kept under the generation taken before the answer was found (if that one has
    // passed since, the entry is stale at once, never wrong), and only for a body not much
    // longer than its distinct keys: padding, other fields and repeated keys would each
    // make another entry of the same answer.
    if let Some(sent) = sent
        && body.len() <= 2 * set.len() + 64
    {
        cache.insert(reading, sent.into(), Fresh::new(answer.clone()));
    }
    Ok(super::answer(&req, answer))
}

/// Whether the body says it is JSON (`application/json`, or any `+json` type).
fn is_json(req: &HttpRequest) -> bool {
    req.mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
}
