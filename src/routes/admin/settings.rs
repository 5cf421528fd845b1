//! `GET` and `PUT /admin/settings`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::settings;
use crate::domain::settings::{ModerationMode, SettingsChange, SiteSettings, in_range, word_list};
use crate::error::{ApiError, FieldErrors};
use crate::routes::extract::Admin;
use crate::state::AppState;

/// Any subset of the settings.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    /// `post` or `pre`.
    pub moderation_mode: Option<String>,
    pub premod_links: Option<bool>,
    /// 0–1,000,000.
    pub new_user_threshold: Option<i64>,
    /// At most 10,000 entries of 1–200 characters.
    pub banned_words: Option<Vec<String>>,
    /// At most 10,000 entries of 1–200 characters.
    pub suspect_words: Option<Vec<String>>,
    /// 0–604,800 seconds.
    pub edit_window_seconds: Option<i64>,
    /// 1–20,000 characters.
    pub max_comment_length: Option<i64>,
    /// 0 (off) to 1000.
    pub auto_hide_flags: Option<i64>,
    /// 0–87,600 hours: a flag counts toward `auto_hide_flags` only from an account in good
    /// standing at least this old ...
    pub flag_min_account_age_hours: Option<i64>,
    /// 0–1,000,000: ... or with at least this many approved comments.
    pub flag_min_approved: Option<i64>,
    pub registration_open: Option<bool>,
}

/// The settings in force.
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin", security(("bearer" = [])), responses((status = 200, description = "The settings", body = SiteSettings)))]
#[tracing::instrument(skip_all)]
pub async fn get(state: web::Data<AppState>, _caller: Admin) -> Result<HttpResponse, ApiError> {
    let current = state.db.read(settings::load).await?;
    Ok(HttpResponse::Ok().json(current))
}

impl SettingsUpdate {
    /// Validates every field, reporting all that are wrong at once.
    fn parse(self) -> Result<SettingsChange, ApiError> {
        let mut errors = FieldErrors::default();
        let moderation_mode = self
            .moderation_mode
            .and_then(|m| errors.check("moderation_mode", ModerationMode::parse_field(&m)));
        let mut range = |field, value: Option<i64>, min, max| {
            value.and_then(|v| errors.check(field, in_range(v, min, max)))
        };
        let new_user_threshold = range("new_user_threshold", self.new_user_threshold, 0, 1_000_000);
        let mut words =
            |field, list: Option<Vec<String>>| list.and_then(|w| errors.check(field, word_list(w)));
        let banned_words = words("banned_words", self.banned_words);
        let suspect_words = words("suspect_words", self.suspect_words);
        let mut range = |field, value: Option<i64>, min, max| {
            value.and_then(|v| errors.check(field, in_range(v, min, max)))
        };
        let edit_window_seconds =
            range("edit_window_seconds", self.edit_window_seconds, 0, 604_800);
        let max_comment_length = range("max_comment_length", self.max_comment_length, 1, 20_000);
        let auto_hide_flags = range("auto_hide_flags", self.auto_hide_flags, 0, 1000);
        let flag_min_account_age_hours = range(
            "flag_min_account_age_hours",
            self.flag_min_account_age_hours,
            0,
            87_600,
        );
        let flag_min_approved = range("flag_min_approved", self.flag_min_approved, 0, 1_000_000);
        if !errors.is_empty() {
            return Err(errors.into_error());
        }
        Ok(SettingsChange {
            moderation_mode,
            premod_links: self.premod_links,
            new_user_threshold,
            banned_words,
            suspect_words,
            edit_window_seconds,
            max_comment_length,
            auto_hide_flags,
            flag_min_account_age_hours,
            flag_min_approved,
            registration_open: self.registration_open,
        })
    }
}

/// Changes any subset of the settings; applies to the next comment on every instance.
#[utoipa::path(put, path = "/api/v1/admin/settings", tag = "admin", request_body = SettingsUpdate, security(("bearer" = [])), responses((status = 200, description = "The settings", body = SiteSettings)))]
#[tracing::instrument(skip_all)]
pub async fn put(
    state: web::Data<AppState>,
    caller: Admin,
    body: web::Json<SettingsUpdate>,
) -> Result<HttpResponse, ApiError> {
    let change = body.into_inner().parse()?;
    let admin = caller.0.user.user_id();
    let now = state.clock.now_naive();
    let saved = state
        .db
        .write_settings(move |tx| settings::change(tx, change, admin, now))
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}
