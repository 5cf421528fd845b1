//! `GET`, `PUT` and `DELETE /admin/moderation-hook`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::db::settings;
use crate::domain::hook::{DEFAULT_TIMEOUT_MS, HookConfig, TIMEOUT_MS};
use crate::domain::webhook::generate_secret;
use crate::error::ApiError;
use crate::routes::extract::Admin;
use crate::routes::webhooks::checked_url;
use crate::state::AppState;

/// The hook's configuration.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HookUpdate {
    /// Where comments are POSTed before they are stored (`http`/`https`, public
    /// addresses only unless `TRIBUNE_WEBHOOK_ALLOW_PRIVATE`).
    pub url: String,
    /// 100–5000 milliseconds (default 500).
    pub timeout_ms: Option<u64>,
    /// `open` (default): a failed or slow hook leaves the decision to the built-in rules;
    /// `closed`: the comment is held as pending (`hook_unavailable`).
    pub on_failure: Option<String>,
    /// `true`: a new signing secret (answered this once). A new hook always gets one.
    #[serde(default)]
    pub rotate_secret: bool,
}

impl HookUpdate {
    /// The timeout and whether the hook fails closed.
    fn parse(&self) -> Result<(u64, bool), ApiError> {
        let timeout_ms = self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !(TIMEOUT_MS.0..=TIMEOUT_MS.1).contains(&timeout_ms) {
            return Err(ApiError::invalid(
                "timeout_ms",
                "must be between 100 and 5000",
            ));
        }
        let fail_closed = match self.on_failure.as_deref() {
            None | Some("open") => false,
            Some("closed") => true,
            Some(_) => return Err(ApiError::invalid("on_failure", "must be open or closed")),
        };
        Ok((timeout_ms, fail_closed))
    }
}

/// The hook as configured (the secret only when it is new).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HookView {
    pub url: String,
    pub timeout_ms: u64,
    /// `open` or `closed`.
    pub on_failure: &'static str,
    /// The signing secret, shown once when generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl HookView {
    fn new(config: &HookConfig, show_secret: bool) -> Self {
        Self {
            url: config.url.clone(),
            timeout_ms: config.timeout_ms,
            on_failure: if config.fail_closed { "closed" } else { "open" },
            secret: show_secret.then(|| config.secret.clone()),
        }
    }
}

/// The moderation hook (404 when none is configured).
#[utoipa::path(get, path = "/api/v1/admin/moderation-hook", tag = "admin", security(("bearer" = [])), responses((status = 200, description = "The hook", body = HookView)))]
#[tracing::instrument(skip_all)]
pub async fn get(state: web::Data<AppState>, _caller: Admin) -> Result<HttpResponse, ApiError> {
    let config = state.db.read(settings::load_hook).await?;
    let config = config.ok_or(ApiError::NotFound("moderation hook"))?;
    Ok(HttpResponse::Ok().json(HookView::new(&config, false)))
}

/// Configures the hook, asked about every comment posted or edited from the next one
/// on, on every instance; signed like webhooks with its own secret.
#[utoipa::path(put, path = "/api/v1/admin/moderation-hook", tag = "admin", request_body = HookUpdate, security(("bearer" = [])), responses((status = 200, description = "The hook (with `secret` when new)", body = HookView)))]
#[tracing::instrument(skip_all)]
pub async fn put(
    state: web::Data<AppState>,
    _caller: Admin,
    body: web::Json<HookUpdate>,
) -> Result<HttpResponse, ApiError> {
    let (timeout_ms, fail_closed) = body.parse()?;
    let config = HookConfig {
        url: checked_url(&state, &body.url).await?,
        secret: generate_secret(),
        timeout_ms,
        fail_closed,
    };
    let rotate = body.rotate_secret;
    let (config, fresh) = state
        .db
        .write_settings(move |tx| settings::configure_hook(tx, config, rotate))
        .await?;
    Ok(HttpResponse::Ok().json(HookView::new(&config, fresh)))
}

/// Removes the hook: comments are decided by the built-in rules alone.
#[utoipa::path(delete, path = "/api/v1/admin/moderation-hook", tag = "admin", security(("bearer" = [])), responses((status = 204, description = "Removed")))]
#[tracing::instrument(skip_all)]
pub async fn delete(state: web::Data<AppState>, _caller: Admin) -> Result<HttpResponse, ApiError> {
    state
        .db
        .write_settings(|tx| settings::save_hook(tx, None))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
