//! Login sessions and their rotating refresh tokens (stored only as hashes).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::prepared::Prepared;

use super::DbConnection;
use super::schema::{refresh_tokens, sessions};
use crate::domain::user::{SessionId, UserId};
use crate::error::ApiError;

/// Starts a session for `user` with its first refresh token.
#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    user: UserId,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<SessionId, ApiError> {
    let id = diesel::insert_into(sessions::table)
        .values((sessions::user_id.eq(user.0), sessions::created_at.eq(now)))
        .returning(sessions::id)
        .get_result::<i64>(conn)?;
    insert_token(conn, SessionId(id), token_hash, now, expires_at)?;
    Ok(SessionId(id))
}

fn insert_token(
    conn: &mut DbConnection,
    session: SessionId,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::session_id.eq(session.0),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used, and the new one replaces it.
    Rotated { user: UserId, session: SessionId },
    /// Unknown, expired, or its session is revoked or past its absolute lifetime.
    Invalid,
    /// The token had been used already: its session is now revoked.
    Replayed,
}

/// Exchanges a refresh token for a new one in the same session. A token used twice
/// means it leaked: the whole session is revoked. The caller must commit even for
/// `Replayed`, so the revocation sticks. A session older than `max_age` ends however
/// often it rotated, and no new token outlives it.
#[tracing::instrument(skip_all)]
pub fn rotate(
    conn: &mut DbConnection,
    old_hash: &str,
    new_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    max_age: TimeDelta,
) -> Result<Rotation, ApiError> {
    let found = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(old_hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            sessions::id,
            sessions::user_id,
            sessions::created_at,
            sessions::revoked_at,
        ))
        .first::<(
            i64,
            NaiveDateTime,
            Option<NaiveDateTime>,
            i64,
            i64,
            NaiveDateTime,
            Option<NaiveDateTime>,
        )>(conn)
        .optional()?;
    let Some((token_id, token_expires, used_at, session_id, user_id, created_at, revoked_at)) =
        found
    else {
        return Ok(Rotation::Invalid);
    };
    let session = SessionId(session_id);
    let session_ends = created_at
        .checked_add_signed(max_age)
        .unwrap_or(NaiveDateTime::MAX);
    if revoked_at.is_some() || session_ends <= now {
        return Ok(Rotation::Invalid);
    }
    if used_at.is_some() {
        revoke(conn, session, now)?;
        return Ok(Rotation::Replayed);
    }
    if token_expires <= now {
        return Ok(Rotation::Invalid);
    }
    // Conditional on `used_at IS NULL`, so of two concurrent uses only one wins.
    let claimed = diesel::update(
        refresh_tokens::table
            .find(token_id)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .returning(refresh_tokens::id)
    .prepared()
    .get_results::<i64>(conn)?
    .len();
    if claimed == 0 {
        revoke(conn, session, now)?;
        return Ok(Rotation::Replayed);
    }
    insert_token(conn, session, new_hash, now, expires_at.min(session_ends))?;
    Ok(Rotation::Rotated {
        user: UserId(user_id),
        session,
    })
}

/// The session a refresh token belongs to, with its user.
#[tracing::instrument(skip_all)]
pub fn find_by_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(SessionId, UserId)>, ApiError> {
    Ok(refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((sessions::id, sessions::user_id))
        .first::<(i64, i64)>(conn)
        .optional()?
        .map(|(s, u)| (SessionId(s), UserId(u))))
}

/// Revokes one session: its access and refresh tokens stop working at once.
#[tracing::instrument(skip_all)]
pub fn revoke(
    conn: &mut DbConnection,
    session: SessionId,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(
        sessions::table
            .find(session.0)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .returning(sessions::id)
    .prepared()
    .get_results::<i64>(conn)?;
    Ok(())
}

/// Revokes every session of `user` but `keep` (or all of them when `keep` is `None`).
#[tracing::instrument(skip_all)]
pub fn revoke_all(
    conn: &mut DbConnection,
    user: UserId,
    keep: Option<SessionId>,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    let keep = keep.map_or(-1, |s| s.0);
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user.0))
            .filter(sessions::id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

/// Revokes every live session of every account (a rotated signing secret, on request).
#[tracing::instrument(skip_all)]
pub fn revoke_everyone(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, ApiError> {
    Ok(
        diesel::update(sessions::table.filter(sessions::revoked_at.is_null()))
            .set(sessions::revoked_at.eq(now))
            .execute(conn)?,
    )
}
