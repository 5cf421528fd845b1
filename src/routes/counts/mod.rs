//! `/counts`: comment counts for article pages, the hottest path.

pub mod get;
pub mod post;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cache::{CountAnswer, Fresh};
use crate::db::articles;
use crate::domain::comment::ArticleKey;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// Browsers and CDNs may reuse a count answer for 10 seconds.
pub const CACHE_CONTROL: &str = "public, max-age=10";

/// Counts by article key.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountsResponse {
    /// Approved comments per requested key; unknown articles count 0.
    pub counts: BTreeMap<String, i64>,
}

/// Validates the keys (each 1–512 bytes of printable Unicode, at most `max`), drops
/// duplicates.
pub fn parse_keys(raw: Vec<String>, max: usize, field: &str) -> Result<Vec<String>, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::invalid(field, "give at least one article key"));
    }
    if raw.len() > max {
        return Err(ApiError::invalid(
            field,
            format!("at most {max} keys per request"),
        ));
    }
    let mut errors = Vec::new();
    let mut keys = BTreeSet::new();
    for (i, key) in raw.into_iter().enumerate() {
        match ArticleKey::parse(&key) {
            Ok(k) => {
                keys.insert(k.into_string());
            }
            Err(m) => errors.push(FieldError::new(format!("{field}[{i}]"), m)),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(keys.into_iter().collect())
}

/// The counts of `keys` as a JSON body and its ETag (each count read after its
/// article's generation was taken, or from the cache while that generation stands).
pub async fn respond(state: &AppState, keys: Vec<String>) -> Result<CountAnswer, ApiError> {
    // Answered from the cache where it is current; the rest in one indexed query.
    // Each count is good while its article's generation stands.
    let cache = &state.caches.counts;
    let mut counts = BTreeMap::new();
    let mut missing = Vec::new();
    for key in keys {
        let reading = cache.reading_for(key.as_str());
        match cache.get(reading, key.as_str()) {
            Some(n) => {
                counts.insert(key, n);
            }
            None => missing.push((key, reading)),
        }
    }
    if !missing.is_empty() {
        let lookup: Vec<String> = missing.iter().map(|(key, _)| key.clone()).collect();
        let found: BTreeMap<String, i64> = state
            .db
            .read(move |conn| articles::counts(conn, &lookup))
            .await?
            .into_iter()
            .collect();
        for (key, reading) in missing {
            let n = found.get(&key).copied().unwrap_or(0);
            cache.insert(reading, key.clone(), Fresh::new(n));
            counts.insert(key, n);
        }
    }
    serialise(&CountsResponse { counts })
}

/// The JSON body and its ETag (a digest of the body).
fn serialise(response: &CountsResponse) -> Result<CountAnswer, ApiError> {
    let body = serde_json::to_vec(response).map_err(|e| ApiError::Unexpected(e.into()))?;
    let digest = Sha256::digest(&body);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    Ok(CountAnswer {
        body: Bytes::from(body),
        etag: format!("\"{hex}\""),
    })
}

/// The answer with caching headers, or 304 when the client's copy is current.
pub fn answer(req: &HttpRequest, answer: CountAnswer) -> HttpResponse {
    let CountAnswer { body, etag } = answer;
    let cache = (header::CACHE_CONTROL, CACHE_CONTROL);
    if matches_etag(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache)
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header(cache)
        .content_type("application/json")
        .body(body)
}

fn matches_etag(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}
