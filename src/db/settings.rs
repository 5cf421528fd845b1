//! Site settings, stored as one JSON document so every instance reads the same.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::moderation::{self, LogEntry};
use super::schema::app_meta;
use super::{DbConnection, SettingsTx, on_each_backend};
use crate::domain::hook::HookConfig;
use crate::domain::settings::{SettingsChange, SiteSettings};
use crate::domain::user::UserId;
use crate::error::ApiError;

const KEY: &str = "site_settings";
/// The moderation hook's configuration, kept apart so its secret never shows in the settings.
const HOOK_KEY: &str = "moderation_hook";

/// The settings in force (defaults until an admin changes them).
#[tracing::instrument(skip_all)]
pub fn load(conn: &mut DbConnection) -> Result<SiteSettings, ApiError> {
    let stored: Option<String> = app_meta::table
        .find(KEY)
        .select(app_meta::value)
        .first(conn)
        .optional()?;
    Ok(stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Stores the settings (every instance reads them for the next comment).
#[tracing::instrument(skip_all)]
pub fn save(tx: &mut SettingsTx<'_>, settings: &SiteSettings) -> Result<(), ApiError> {
    let conn: &mut DbConnection = tx;
    let json = serde_json::to_string(settings).map_err(|e| ApiError::Unexpected(e.into()))?;
    let row = (app_meta::key.eq(KEY), app_meta::value.eq(&json));
    on_each_backend!(conn, |c| diesel::insert_into(app_meta::table)
        .values(row)
        .on_conflict(app_meta::key)
        .do_update()
        .set(app_meta::value.eq(&json))
        .execute(c)?);
    Ok(())
}

/// Applies an admin's change to the settings and logs which fields it changed.
#[tracing::instrument(skip_all)]
pub fn change(
    tx: &mut SettingsTx<'_>,
    change: SettingsChange,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<SiteSettings, ApiError> {
    let mut settings = load(tx)?;
    let changed = change.apply(&mut settings);
    save(tx, &settings)?;
    let note = changed.join(", ");
    moderation::log(
        tx,
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
    Ok(settings)
}

/// The moderation hook, if one is configured.
#[tracing::instrument(skip_all)]
pub fn load_hook(conn: &mut DbConnection) -> Result<Option<HookConfig>, ApiError> {
    let stored: Option<String> = app_meta::table
        .find(HOOK_KEY)
        .select(app_meta::value)
        .first(conn)
        .optional()?;
    Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
}

/// Configures the moderation hook (`None`: removes it); every instance uses it for the
/// next comment.
#[tracing::instrument(skip_all)]
pub fn save_hook(tx: &mut SettingsTx<'_>, hook: Option<&HookConfig>) -> Result<(), ApiError> {
    let conn: &mut DbConnection = tx;
    diesel::delete(app_meta::table.find(HOOK_KEY)).execute(conn)?;
    if let Some(hook) = hook {
        let json = serde_json::to_string(hook).map_err(|e| ApiError::Unexpected(e.into()))?;
        diesel::insert_into(app_meta::table)
            .values((app_meta::key.eq(HOOK_KEY), app_meta::value.eq(json)))
            .execute(conn)?;
    }
    Ok(())
}

/// Configures the hook: a new one, or one asked to `rotate`, takes `config.secret`;
/// otherwise the stored secret stays. Answers the hook and whether its secret is new.
#[tracing::instrument(skip_all)]
pub fn configure_hook(
    tx: &mut SettingsTx<'_>,
    mut config: HookConfig,
    rotate: bool,
) -> Result<(HookConfig, bool), ApiError> {
    let fresh = match load_hook(tx)? {
        Some(old) if !rotate => {
            config.secret = old.secret;
            false
        }
        _ => true,
    };
    save_hook(tx, Some(&config))?;
    Ok((config, fresh))
}
