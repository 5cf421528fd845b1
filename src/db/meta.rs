//! Instance-wide values kept in the database, shared by every instance on it.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::app_meta;
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
    match conn {
        DbConnection::Postgres(pg) => diesel::insert_into(app_meta::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::insert_into(app_meta::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(lite)?,
    };
    Ok(app_meta::table
        .find(key)
        .select(app_meta::value)
        .first(conn)?)
}
