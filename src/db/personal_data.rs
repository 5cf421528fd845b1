//! Everything Tribune stores about one reader, for their data export (GDPR Art. 20).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::reactions::{self, Flag};
use super::schema::{articles, comments, sessions};
use crate::domain::user::UserId;
use crate::error::ApiError;

/// One of the reader's comments, with its article's key.
#[derive(Debug, Clone, Queryable)]
pub struct OwnComment {
    pub id: i64,
    pub article: String,
    pub parent_id: Option<i64>,
    pub body: String,
    pub status: String,
    pub moderation_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub likes: i64,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub previous_body: Option<String>,
}

/// One of the reader's login sessions.
#[derive(Debug, Clone, Queryable)]
pub struct OwnSession {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// The reader's comments (every status), flags, likes and sessions, oldest first.
#[derive(Debug, Clone)]
pub struct PersonalData {
    pub comments: Vec<OwnComment>,
    pub flags: Vec<Flag>,
    /// (comment, when)
    pub likes: Vec<(i64, NaiveDateTime)>,
    pub sessions: Vec<OwnSession>,
}

/// Reads everything stored about `user` (besides the account row itself).
#[tracing::instrument(skip_all)]
pub fn of(conn: &mut DbConnection, user: UserId) -> Result<PersonalData, ApiError> {
    let comments = comments::table
        .inner_join(articles::table)
        .filter(comments::author_id.eq(user.0))
        .order(comments::id.asc())
        .select((
            comments::id,
            articles::key,
            comments::parent_id,
            comments::body,
            comments::status,
            comments::moderation_reason,
            comments::rejection_reason,
            comments::like_count,
            comments::created_at,
            comments::edited_at,
            comments::previous_body,
        ))
        .load(conn)?;
    let sessions = sessions::table
        .filter(sessions::user_id.eq(user.0))
        .order(sessions::id.asc())
        .select((sessions::id, sessions::created_at, sessions::revoked_at))
        .load(conn)?;
    Ok(PersonalData {
        comments,
        flags: reactions::flags_by(conn, user)?,
        likes: reactions::likes_by(conn, user)?,
        sessions,
    })
}
