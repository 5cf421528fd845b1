//! `GET /embed.js`, `GET /count.js` and `GET /embed/{file}`: the scripts a publisher's
//! page loads; `GET /moderate/{file}` and `GET /account/{file}`: the console's and the
//! account pages' content-hashed bundles.

use actix_web::{HttpRequest, HttpResponse, web};

use super::serve;
use crate::assets::Caching;
use crate::error::ApiError;

/// The thread loader: tiny, at a stable URL, so it is cached briefly.
#[utoipa::path(get, path = "/embed.js", tag = "pages", responses((status = 200, description = "The thread loader (JavaScript)", content_type = "text/javascript"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn embed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    serve(&req, "embed.js", Caching::Stable)
}

/// The count script: fills every `data-tribune-count` element of the page.
#[utoipa::path(get, path = "/count.js", tag = "pages", responses((status = 200, description = "The count script (JavaScript)", content_type = "text/javascript"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn count(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    serve(&req, "count.js", Caching::Stable)
}

/// A content-hashed file the loader pulls in (the thread bundle): cached for good.
#[utoipa::path(get, path = "/embed/{file}", tag = "pages", params(("file" = String, Path, description = "A file name the loader names, with its content hash")), responses((status = 200, description = "The file", content_type = "text/javascript"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn hashed(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    // Only plain names: `web::Path` has decoded `%2F`, and nothing outside embed/ is served.
    if file.contains('/') || file.contains('\\') {
        return Err(ApiError::NotFound("file"));
    }
    serve(&req, &format!("embed/{file}"), Caching::Immutable)
}

/// The moderation console's content-hashed bundle: cached for good.
#[utoipa::path(get, path = "/moderate/{file}", tag = "pages", params(("file" = String, Path, description = "The bundle's name, with its content hash")), responses((status = 200, description = "The file", content_type = "text/javascript"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn console(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    // Only the hashed bundles: not the page (which is revalidated) nor anything else.
    if !file.starts_with("console-") || !file.ends_with(".js") || file.contains(['/', '\\']) {
        return Err(ApiError::NotFound("file"));
    }
    serve(&req, &format!("moderate/{file}"), Caching::Immutable)
}

/// The account pages' content-hashed bundle: cached for good.
#[utoipa::path(get, path = "/account/{file}", tag = "pages", params(("file" = String, Path, description = "The bundle's name, with its content hash")), responses((status = 200, description = "The file", content_type = "text/javascript"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn account(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    if !file.starts_with("account-") || !file.ends_with(".js") || file.contains(['/', '\\']) {
        return Err(ApiError::NotFound("file"));
    }
    serve(&req, &format!("account/{file}"), Caching::Immutable)
}
