//! Publisher tokens already used to sign on, by `jti`, so each works once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sso_seen_tokens;
use super::{DbConnection, on_each_backend};
use crate::error::ApiError;

/// Records `jti` as used until `expires_at`; `false` when it was already used and its
/// token is still valid (a replay). Forgets expired tokens on the way.
#[tracing::instrument(skip_all)]
pub fn claim(
    conn: &mut DbConnection,
    jti: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    diesel::delete(sso_seen_tokens::table.filter(sso_seen_tokens::expires_at.le(now)))
        .execute(conn)?;
    let row = (
        sso_seen_tokens::jti.eq(jti),
        sso_seen_tokens::expires_at.eq(expires_at),
    );
    // Of two instances claiming one `jti` at once, the second waits for the first
    // and then inserts nothing.
    let inserted = on_each_backend!(conn, |c| diesel::insert_into(sso_seen_tokens::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(inserted == 1)
}
