//! `GET` and `PUT /admin/settings`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::moderation::{self, LogEntry};
use crate::db::settings;
use crate::domain::settings::SiteSettings;
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
    pub registration_open: Option<bool>,
}

/// The settings in force.
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin", security(("bearer" = [])), responses((status = 200, description = "The settings", body = SiteSettings)))]
#[tracing::instrument(skip_all)]
pub async fn get(state: web::Data<AppState>, _caller: Admin) -> Result<HttpResponse, ApiError> {
    let current = state.db.read(settings::load).await?;
    Ok(HttpResponse::Ok().json(current))
}

fn in_range(value: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be between {min} and {max}"))
    }
}

fn word_list(words: Vec<String>) -> Result<Vec<String>, String> {
    if words.len() > 10_000 {
        return Err("at most 10000 entries".into());
    }
    let mut cleaned: Vec<String> = Vec::with_capacity(words.len());
    for word in words {
        let word = word.trim().to_owned();
        if word.is_empty() || word.chars().count() > 200 || word.chars().any(char::is_control) {
            return Err("entries must be 1 to 200 printable characters".into());
        }
        if !cleaned.contains(&word) {
            cleaned.push(word);
        }
    }
    Ok(cleaned)
}

/// Changes any subset of the settings; applies to the next comment on every instance.
#[utoipa::path(put, path = "/api/v1/admin/settings", tag = "admin", request_body = SettingsUpdate, security(("bearer" = [])), responses((status = 200, description = "The settings", body = SiteSettings)))]
#[tracing::instrument(skip_all)]
pub async fn put(
    state: web::Data<AppState>,
    caller: Admin,
    body: web::Json<SettingsUpdate>,
) -> Result<HttpResponse, ApiError> {
    let update = body.into_inner();
    let mut errors = FieldErrors::default();
    let mode = update.moderation_mode.map(|m| {
        errors.check(
            "moderation_mode",
            if m == "pre" || m == "post" {
                Ok(m)
            } else {
                Err("must be pre or post".into())
            },
        )
    });
    let threshold = update
        .new_user_threshold
        .map(|v| errors.check("new_user_threshold", in_range(v, 0, 1_000_000)));
    let banned = update
        .banned_words
        .map(|w| errors.check("banned_words", word_list(w)));
    let suspect = update
        .suspect_words
        .map(|w| errors.check("suspect_words", word_list(w)));
    let window = update
        .edit_window_seconds
        .map(|v| errors.check("edit_window_seconds", in_range(v, 0, 604_800)));
    let length = update
        .max_comment_length
        .map(|v| errors.check("max_comment_length", in_range(v, 1, 20_000)));
    let hide = update
        .auto_hide_flags
        .map(|v| errors.check("auto_hide_flags", in_range(v, 0, 1000)));
    if !errors.is_empty() {
        return Err(errors.into_error());
    }
    let premod_links = update.premod_links;
    let registration_open = update.registration_open;
    let admin = caller.0.user.user_id();
    let now = state.clock.now_naive();
    let saved = state
        .db
        .write_settings(move |conn| {
            let mut s: SiteSettings = settings::load(conn)?;
            let mut changed = Vec::new();
            macro_rules! set {
                ($field:ident, $value:expr) => {
                    if let Some(v) = $value {
                        if s.$field != v {
                            changed.push(stringify!($field));
                        }
                        s.$field = v;
                    }
                };
            }
            set!(moderation_mode, mode.flatten());
            set!(premod_links, premod_links);
            set!(new_user_threshold, threshold.flatten());
            set!(banned_words, banned.flatten());
            set!(suspect_words, suspect.flatten());
            set!(edit_window_seconds, window.flatten());
            set!(max_comment_length, length.flatten());
            set!(auto_hide_flags, hide.flatten());
            set!(registration_open, registration_open);
            settings::save(conn, &s)?;
            let note = changed.join(", ");
            moderation::log(
                conn,
                &LogEntry {
                    actor: Some(admin),
                    action: "settings_change",
                    comment: None,
                    user: None,
                    reason: None,
                    note: Some(&note),
                    at: now,
                },
            )?;
            Ok(s)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}
