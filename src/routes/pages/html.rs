//! `GET /` and `GET /demo/`: what a newcomer opens first; `GET /moderate/`: the
//! moderation console (the page is public, the API it calls is not); the account pages
//! that mailed links open.

use actix_web::{HttpRequest, HttpResponse, web};

use super::serve;
use crate::assets::Caching;
use crate::error::ApiError;
use crate::state::AppState;

/// What this service is, with links to the API document, the console and the demo.
#[utoipa::path(get, path = "/", tag = "pages", responses((status = 200, description = "The landing page (HTML)", content_type = "text/html"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn landing(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    serve(&req, "index.html", Caching::Page)
}

/// A sample German article page using the two snippets; 404 with `TRIBUNE_DEMO=off`.
#[utoipa::path(get, path = "/demo/", tag = "pages", responses((status = 200, description = "The demo article (HTML)", content_type = "text/html"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn demo(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.demo {
        return Err(ApiError::NotFound("page"));
    }
    serve(&req, "demo/index.html", Caching::Page)
}

/// The moderation console: signs a moderator in and works the queues through the API.
#[utoipa::path(get, path = "/moderate/", tag = "pages", responses((status = 200, description = "The moderation console (HTML)", content_type = "text/html"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn moderate(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    serve(&req, "moderate/index.html", Caching::Page)
}

/// Where a mailed verification link leads: the page confirms the address with the
/// token from its fragment (`#token=…`, which no server sees) through
/// `POST /api/v1/auth/verify-email`.
#[utoipa::path(get, path = "/account/verify-email", tag = "pages", responses((status = 200, description = "The page confirming an email address (HTML)", content_type = "text/html"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn verify_email(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    serve(&req, "account/index.html", Caching::Page)
}

/// Where a mailed reset link leads: with `#token=…` a form for the new password
/// (`POST /api/v1/auth/password-reset/confirm`); without, a form asking for a link
/// (`POST /api/v1/auth/password-reset`).
#[utoipa::path(get, path = "/account/reset-password", tag = "pages", responses((status = 200, description = "The page for a forgotten password (HTML)", content_type = "text/html"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn reset_password(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    serve(&req, "account/index.html", Caching::Page)
}
