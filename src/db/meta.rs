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
