//! What the moderators' digest mail reports, and who gets it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{comments, flags, users};
use super::users::User;
use crate::domain::user::UserStatus;
use crate::error::ApiError;

/// The queues' state for a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// Reports (flags) filed since the digest's window began.
    pub new_reports: i64,
    /// Comments waiting in the pending queue.
    pub pending: i64,
    /// When the oldest of them was posted.
    pub oldest_pending: Option<NaiveDateTime>,
}

/// The figures: reports filed since `since`, and the pending queue now.
#[tracing::instrument(skip_all)]
pub fn figures(conn: &mut DbConnection, since: NaiveDateTime) -> Result<Figures, ApiError> {
    let new_reports = flags::table
        .filter(flags::created_at.ge(since))
        .count()
        .get_result(conn)?;
    let pending = comments::table
        .filter(comments::status.eq("pending"))
        .count()
        .get_result(conn)?;
    let oldest_pending = comments::table
        .filter(comments::status.eq("pending"))
        .order(comments::id.asc())
        .select(comments::created_at)
        .first(conn)
        .optional()?;
    Ok(Figures {
        new_reports,
        pending,
        oldest_pending,
    })
}

/// Moderators and admins who asked for the digest, are active at `now` and have a
/// verified address.
#[tracing::instrument(skip_all)]
pub fn recipients(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Vec<User>, ApiError> {
    let wanting: Vec<User> = users::table
        .filter(users::moderator_digest.eq(true))
        .filter(users::role.eq_any(["moderator", "admin"]))
        .filter(users::email.is_not_null())
        .filter(users::email_verified_at.is_not_null())
        .select(User::as_select())
        .load(conn)?;
    Ok(wanting
        .into_iter()
        .filter(|u| u.status_at(now) == UserStatus::Active && u.role().can_moderate())
        .collect())
}
