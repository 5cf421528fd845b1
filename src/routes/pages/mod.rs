//! What a browser loads: the landing page, the demo article, the thread loader
//! `/embed.js` with its content-hashed bundle, and `/count.js` (files of `web/dist/`,
//! embedded in the binary; see `crate::assets`).

pub mod files;
pub mod html;
pub mod unsubscribe;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::assets::{self, Asset, Caching};
use crate::error::ApiError;

/// Answers with the embedded file `name`: its validator, caching and, when the
/// client takes it, its gzip form; `304` when the client's copy is current.
fn serve(req: &HttpRequest, name: &str, caching: Caching) -> Result<HttpResponse, ApiError> {
    let asset = assets::get(name).ok_or(ApiError::NotFound("file"))?;
    Ok(respond(req, asset, caching))
}

fn respond(req: &HttpRequest, asset: &Asset, caching: Caching) -> HttpResponse {
    let headers = req.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    let current = text(header::IF_NONE_MATCH).is_some_and(|v| assets::none_match(v, &asset.etag));
    let mut answer = if current {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((header::ETAG, asset.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, caching.header()))
        .insert_header((header::VARY, "Accept-Encoding"));
    if current {
        return answer.finish();
    }
    answer.insert_header((header::CONTENT_TYPE, asset.content_type));
    match &asset.gzip {
        Some(gzip) if assets::request_takes_gzip(headers) => answer
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gzip.clone()),
        _ => answer.body(asset.bytes),
    }
}
