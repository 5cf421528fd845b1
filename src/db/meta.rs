//! Instance-wide values kept in the database, shared by every instance on it.

use diesel::prelude::*;

use super::schema::app_meta;
use super::{DbConnection, on_each_backend};
use crate::error::ApiError;

/// The value stored under `key`; when there is none, `candidate` is stored and returned.
/// Instances racing to initialise the same key all end up with the first one's value.
#[tracing::instrument(skip_all, fields(key))]
pub fn get_or_init(
    conn: &mut DbConnection,
    key: &str,
    candidate: &str,
) -> Result<String, ApiError> {
    let row = (app_meta::key.eq(key), app_meta::value.eq(candidate));
    on_each_backend!(conn, |c| diesel::insert_into(app_meta::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(app_meta::table
        .find(key)
        .select(app_meta::value)
        .first(conn)?)
}

/// The signing secret kept in the database when `TRIBUNE_JWT_SECRET` is not set.
pub const JWT_SECRET_KEY: &str = "jwt_secret";

/// `tribune secret rotate`: stores `secret` as the signing secret (instances use it from
/// their next start) and, with `end_sessions`, revokes every session of every account.
/// Answers the sessions ended.
#[tracing::instrument(skip_all)]
pub fn rotate_jwt_secret(
    conn: &mut DbConnection,
    secret: &str,
    end_sessions: bool,
    now: chrono::NaiveDateTime,
) -> Result<usize, ApiError> {
    let updated = diesel::update(app_meta::table.find(JWT_SECRET_KEY))
        .set(app_meta::value.eq(secret))
        .execute(conn)?;
    if updated == 0 {
        get_or_init(conn, JWT_SECRET_KEY, secret)?;
    }
    if !end_sessions {
        return Ok(0);
    }
    super::sessions::revoke_everyone(conn, now)
}

/// Whether this database's instances send mail (`on`/`off`), written by each instance
/// at start from its settings: the moderation log's notices (`db::notices`) are queued
/// in the decision's transaction, which has no settings at hand, only when it is `on`.
pub const MAIL_KEY: &str = "mail";

/// Stores `value` under `key`, replacing what was there.
#[tracing::instrument(skip_all, fields(key))]
pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> Result<(), ApiError> {
    let row = (app_meta::key.eq(key), app_meta::value.eq(value));
    on_each_backend!(conn, |c| diesel::insert_into(app_meta::table)
        .values(row)
        .on_conflict(app_meta::key)
        .do_update()
        .set(app_meta::value.eq(value))
        .execute(c)?);
    Ok(())
}

/// The value stored under `key`, if any.
pub fn get(conn: &mut DbConnection, key: &str) -> Result<Option<String>, ApiError> {
    Ok(app_meta::table
        .find(key)
        .select(app_meta::value)
        .first(conn)
        .optional()?)
}
