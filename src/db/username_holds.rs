//! Usernames held while taken addresses are hidden (`TRIBUNE_HIDE_EMAIL_TAKEN=on`).
//!
//! With the option on, a registration answers alike for a free and a taken address. The
//! username must not tell either: a registration with a free address creates an
//! (unverified) account under the username, so one with a taken address holds the
//! username for the same time. Both end together: [`purge`] deletes a hold once its
//! time is over and, if the hold is an account's, erases the account unless its address
//! was verified meanwhile (verifying deletes the account's hold, [`release_for`]). Until
//! the purge deletes it a hold counts (whatever `held_until` says), so that the username
//! of an expired account and of an expired hold become free in the same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{username_holds, users};
use super::{DbConnection, is_unique_violation_on};
use crate::domain::user::{UserId, UserStatus, Username};
use crate::error::{ApiError, Conflict};

/// Holds `name` until `until`, for the unverified account `user` or, without one, for
/// a registration whose address was taken. A name held (or taken) meanwhile is 409
/// `username_taken`, as the account's insert would answer.
pub fn hold(
    conn: &mut DbConnection,
    name: &Username,
    user: Option<UserId>,
    until: NaiveDateTime,
) -> Result<(), ApiError> {
    // In a savepoint, so that PostgreSQL's transaction goes on after a conflict.
    conn.transaction(|conn| {
        diesel::insert_into(username_holds::table)
            .values((
                username_holds::username_key.eq(name.key()),
                username_holds::username_skeleton.eq(name.skeleton()),
                username_holds::user_id.eq(user.map(|u| u.0)),
                username_holds::held_until.eq(until),
            ))
            .execute(conn)
    })
    .map(|_| ())
    .map_err(|e| {
        if is_unique_violation_on(&e, "username_key") {
            ApiError::Conflict(Conflict::UsernameTaken)
        } else {
            e.into()
        }
    })
}

/// Whether `name` (or a name that looks like it) is held.
pub fn is_held(conn: &mut DbConnection, name: &Username) -> Result<bool, ApiError> {
    let found = username_holds::table
        .filter(
            username_holds::username_key
                .eq(name.key())
                .or(username_holds::username_skeleton.eq(name.skeleton())),
        )
        .select(username_holds::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Ends the hold of `user`'s account: its address is verified, the account stays.
pub fn release_for(conn: &mut DbConnection, user: UserId) -> Result<(), ApiError> {
    diesel::delete(username_holds::table.filter(username_holds::user_id.eq(user.0)))
        .execute(conn)?;
    Ok(())
}

/// Ends up to `limit` holds whose time is over: erases each held account whose address
/// is still unverified, and deletes the hold. Answers how many holds ended.
pub fn purge(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> Result<usize, ApiError> {
    let over: Vec<(i64, Option<i64>)> = username_holds::table
        .filter(username_holds::held_until.le(now))
        .order(username_holds::id.asc())
        .limit(limit)
        .select((username_holds::id, username_holds::user_id))
        .load(conn)?;
    for (id, user) in &over {
        if let Some(user) = user {
            let unverified = users::table
                .find(user)
                .filter(users::email_verified_at.is_null())
                .filter(users::status.ne(UserStatus::Deleted.as_str()))
                .select(users::id)
                .first::<i64>(conn)
                .optional()?;
            if unverified.is_some() {
                super::users::erase(conn, UserId(*user), now)?;
            }
        }
        diesel::delete(username_holds::table.find(id)).execute(conn)?;
    }
    Ok(over.len())
}
