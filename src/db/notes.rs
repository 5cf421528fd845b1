//! Moderator notes about accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::moderation::{self, LogEntry};
use super::page::Page;
use super::schema::{moderator_notes, users};
use crate::domain::notes::{self, NoteBody};
use crate::domain::user::UserId;
use crate::error::{ApiError, Forbidden};

/// A note, with its author's username (`None` once the author's account is gone).
#[derive(Debug, Clone, Queryable)]
pub struct NoteRow {
    pub id: i64,
    pub user_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub author_name: Option<String>,
}

macro_rules! note_rows {
    () => {
        moderator_notes::table
            .left_join(users::table.on(moderator_notes::author_id.eq(users::id.nullable())))
            .select((
                moderator_notes::id,
                moderator_notes::user_id,
                moderator_notes::author_id,
                moderator_notes::body,
                moderator_notes::created_at,
                users::username.nullable(),
            ))
    };
}

/// A page of the notes about the live account `user` (404 if there is none), newest
/// first; `before` is the id of the previous page's last note.
#[tracing::instrument(skip_all)]
pub fn about(
    conn: &mut DbConnection,
    user: UserId,
    before: Option<i64>,
    limit: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Page<NoteRow>, ApiError> {
    super::users::find_live(conn, user, now)?.ok_or(ApiError::NotFound("user"))?;
    let mut query = note_rows!()
        .filter(moderator_notes::user_id.eq(user.0))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(moderator_notes::id.lt(before));
    }
    let rows = query
        .order(moderator_notes::id.desc())
        .limit(Page::<NoteRow>::probe(limit))
        .load(conn)?;
    Ok(Page::of(rows, limit))
}

/// How many notes there are about `user`.
pub fn count_about(conn: &mut DbConnection, user: UserId) -> Result<i64, ApiError> {
    Ok(moderator_notes::table
        .filter(moderator_notes::user_id.eq(user.0))
        .count()
        .get_result(conn)?)
}

/// Adds `author`'s note about `user` (404 unless the account exists and is not
/// erased) and logs it (`note_add`, naming the note, not its text).
#[tracing::instrument(skip_all)]
pub fn add(
    conn: &mut DbConnection,
    user: UserId,
    author: UserId,
    body: &NoteBody,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<NoteRow, ApiError> {
    super::users::find_live(conn, user, now)?.ok_or(ApiError::NotFound("user"))?;
    let at = now.naive_utc();
    let id: i64 = diesel::insert_into(moderator_notes::table)
        .values((
            moderator_notes::user_id.eq(user.0),
            moderator_notes::author_id.eq(author.0),
            moderator_notes::body.eq(body.as_str()),
            moderator_notes::created_at.eq(at),
        ))
        .returning(moderator_notes::id)
        .get_result(conn)?;
    log_note(conn, "note_add", id, user, author, at)?;
    note_rows!()
        .filter(moderator_notes::id.eq(id))
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound("note"))
}

/// Deletes a note: its author or an admin may (else 403; 404 when there is none), and
/// it is logged (`note_delete`).
#[tracing::instrument(skip_all)]
pub fn delete(
    conn: &mut DbConnection,
    id: i64,
    caller: UserId,
    caller_is_admin: bool,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let (user, author): (i64, Option<i64>) = moderator_notes::table
        .find(id)
        .select((moderator_notes::user_id, moderator_notes::author_id))
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound("note"))?;
    if !notes::may_delete(caller, caller_is_admin, author) {
        return Err(ApiError::Forbidden(Forbidden::NotAllowed));
    }
    diesel::delete(moderator_notes::table.find(id)).execute(conn)?;
    log_note(conn, "note_delete", id, UserId(user), caller, now)
}

/// Erases every note about `user` (account erasure).
pub fn erase_about(conn: &mut DbConnection, user: UserId) -> Result<(), ApiError> {
    diesel::delete(moderator_notes::table.filter(moderator_notes::user_id.eq(user.0)))
        .execute(conn)?;
    Ok(())
}

fn log_note(
    conn: &mut DbConnection,
    action: &str,
    id: i64,
    user: UserId,
    actor: UserId,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let note = format!("note {id}");
    moderation::log(
        conn,
        &LogEntry {
            actor: Some(actor),
            action,
            comment: None,
            user: Some(user),
            reason: None,
            note: Some(&note),
            at,
        },
    )
}
