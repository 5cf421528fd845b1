//! Likes and flags.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::prepared::Prepared;

use super::moderation::{self, Decision};
use super::schema::{comments, flags, likes};
use super::{DbConnection, events, is_unique_violation_on, on_each_backend, settings};
use crate::domain::comment::{CommentId, CommentStatus, FlagReason, Report};
use crate::domain::event::{Event, EventType, FlagEventData};
use crate::domain::moderation::Reason;
use crate::domain::user::UserId;
use crate::error::{ApiError, Conflict};

/// Likes a comment (again: no change); answers the new like count.
#[tracing::instrument(skip_all)]
pub fn like(
    conn: &mut DbConnection,
    comment: CommentId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    let row = (
        likes::comment_id.eq(comment.0),
        likes::user_id.eq(user.0),
        likes::created_at.eq(now),
    );
    let inserted = on_each_backend!(conn, |c| diesel::insert_into(likes::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    add_likes(conn, comment, i64::try_from(inserted).unwrap_or(0))
}

/// Takes a like back (none: no change); answers the new like count.
#[tracing::instrument(skip_all)]
pub fn unlike(conn: &mut DbConnection, comment: CommentId, user: UserId) -> Result<i64, ApiError> {
    let removed = diesel::delete(likes::table.find((comment.0, user.0))).execute(conn)?;
    add_likes(conn, comment, -i64::try_from(removed).unwrap_or(0))
}

fn add_likes(conn: &mut DbConnection, comment: CommentId, delta: i64) -> Result<i64, ApiError> {
    if delta != 0
        && let Some(count) = diesel::update(comments::table.find(comment.0))
            .set(comments::like_count.eq(comments::like_count + delta))
            .returning(comments::like_count)
            .prepared()
            .get_results::<i64>(conn)?
            .first()
    {
        return Ok(*count);
    }
    Ok(comments::table
        .find(comment.0)
        .select(comments::like_count)
        .first(conn)?)
}

/// Which of `ids` `user` has liked.
#[tracing::instrument(skip_all)]
pub fn liked_among(
    conn: &mut DbConnection,
    user: UserId,
    ids: &[i64],
) -> Result<HashSet<i64>, ApiError> {
    by_chunks(ids, |chunk| {
        likes::table
            .filter(likes::user_id.eq(user.0))
            .filter(likes::comment_id.eq_any(chunk))
            .select(likes::comment_id)
            .prepared()
            .load::<i64>(conn)
    })
}

/// Every like of the comments `ids`, as (user, comment).
#[tracing::instrument(skip_all)]
pub fn likes_of(conn: &mut DbConnection, ids: &[i64]) -> Result<HashSet<(i64, i64)>, ApiError> {
    by_chunks(ids, |chunk| {
        likes::table
            .filter(likes::comment_id.eq_any(chunk))
            .select((likes::user_id, likes::comment_id))
            .prepared()
            .load::<(i64, i64)>(conn)
    })
}

/// The rows `load` finds for each of `ids`' padded chunks, together.
fn by_chunks<T: Eq + std::hash::Hash>(
    ids: &[i64],
    mut load: impl FnMut(&[i64]) -> QueryResult<Vec<T>>,
) -> Result<HashSet<T>, ApiError> {
    let mut found = HashSet::new();
    for chunk in padded_chunks(ids) {
        found.extend(load(&chunk)?);
    }
    Ok(found)
}

/// Most ids in one `IN` list (SQLite allows 32,766 parameters).
const CHUNK: usize = 1024;

/// `ids` in lists of at most `CHUNK`, each padded with its last id to a power of two.
/// Every page asks with another number of ids, and SQLite writes each as a parameter of
/// its own: padded, an `IN` list takes one of eleven shapes, each prepared once per
/// connection.
fn padded_chunks(ids: &[i64]) -> impl Iterator<Item = Vec<i64>> + '_ {
    ids.chunks(CHUNK).map(|chunk| {
        let mut padded = chunk.to_vec();
        if let Some(&last) = chunk.last() {
            padded.resize(chunk.len().next_power_of_two(), last);
        }
        padded
    })
}

/// Every like of a user: (comment, when).
#[tracing::instrument(skip_all)]
pub fn likes_by(
    conn: &mut DbConnection,
    user: UserId,
) -> Result<Vec<(i64, NaiveDateTime)>, ApiError> {
    Ok(likes::table
        .filter(likes::user_id.eq(user.0))
        .order(likes::comment_id.asc())
        .select((likes::comment_id, likes::created_at))
        .load(conn)?)
}

/// Removes every like of a user, keeping like counts exact (account erasure).
#[tracing::instrument(skip_all)]
pub fn remove_likes_by(conn: &mut DbConnection, user: UserId) -> Result<(), ApiError> {
    let liked: Vec<i64> = likes::table
        .filter(likes::user_id.eq(user.0))
        .select(likes::comment_id)
        .load(conn)?;
    diesel::delete(likes::table.filter(likes::user_id.eq(user.0))).execute(conn)?;
    if !liked.is_empty() {
        diesel::update(comments::table.filter(comments::id.eq_any(&liked)))
            .set(comments::like_count.eq(comments::like_count - 1))
            .execute(conn)?;
    }
    Ok(())
}

/// A row of `flags`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = flags)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Flag {
    pub id: i64,
    pub comment_id: i64,
    pub user_id: Option<i64>,
    pub reason: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
}

/// Records a reader's flag; a second flag by the same reader is a 409.
#[tracing::instrument(skip_all)]
pub fn flag(
    conn: &mut DbConnection,
    comment: CommentId,
    user: UserId,
    reason: FlagReason,
    note: Option<&str>,
    now: NaiveDateTime,
) -> Result<Flag, ApiError> {
    diesel::insert_into(flags::table)
        .values((
            flags::comment_id.eq(comment.0),
            flags::user_id.eq(user.0),
            flags::reason.eq(reason.as_str()),
            flags::note.eq(note),
            flags::created_at.eq(now),
        ))
        .returning(flags::all_columns)
        .get_result(conn)
        .map_err(|e| {
            if is_unique_violation_on(&e, "flags") {
                ApiError::Conflict(Conflict::AlreadyFlagged)
            } else {
                e.into()
            }
        })
}

/// Every flag a user made.
#[tracing::instrument(skip_all)]
pub fn flags_by(conn: &mut DbConnection, user: UserId) -> Result<Vec<Flag>, ApiError> {
    Ok(flags::table
        .filter(flags::user_id.eq(user.0))
        .order(flags::id.asc())
        .select(Flag::as_select())
        .load(conn)?)
}

/// Records a reader's report of someone else's approved comment; at the site's
/// auto-hide threshold of open flags that count (from established accounts in good
/// standing: `standing::flag_counts`) the comment goes back to pending. Every flag is
/// kept and shown to moderators.
#[tracing::instrument(skip_all)]
pub fn report(
    conn: &mut DbConnection,
    id: CommentId,
    user: UserId,
    report: &Report,
    now: NaiveDateTime,
) -> Result<Flag, ApiError> {
    super::comments::others(conn, id, user, "flag")?;
    let flag = self::flag(conn, id, user, report.reason, report.note.as_deref(), now)?;
    // An automatic hide below moves the comment's counts with its flags (and status) as
    // they are now.
    let comment = moderation::count_flag(conn, id)?;
    let open_flags = comment.open_flags;
    let site = settings::load(conn)?;
    let threshold = site.auto_hide_flags;
    let hide = Decision {
        moderator: None,
        status: CommentStatus::Pending,
        moderation_reason: Some(Reason::Flagged),
        rejection_reason: None,
        note: None,
        at: now,
        action: None,
    };
    let hidden = threshold > 0
        && moderation::weighty_flags(conn, comment.id, &site, now.and_utc())? >= threshold;
    if hidden {
        moderation::decide(conn, &comment, &hide)?;
    }
    let article_key = events::article_key_of(conn, &comment)?;
    let data = FlagEventData {
        comment_id: comment.id,
        article_key: article_key.clone(),
        flag_id: flag.id,
        reason: flag.reason.clone(),
        note: flag.note.clone(),
        open_flags,
        hidden,
    };
    events::emit(
        conn,
        &Event::new(EventType::CommentFlagged, Some(article_key), &data),
        now,
    )?;
    Ok(flag)
}

#[cfg(test)]
mod tests {
    use super::padded_chunks;

    #[test]
    fn id_lists_are_cut_into_chunks_padded_to_powers_of_two() {
        let ids: Vec<i64> = (1..=2500).collect();
        let chunks: Vec<Vec<i64>> = padded_chunks(&ids).collect();
        let lengths: Vec<usize> = chunks.iter().map(Vec::len).collect();
        assert_eq!(lengths, [1024, 1024, 512]);
        assert_eq!(chunks[1][0], 1025);
        assert_eq!(chunks[2][451], 2500);
        assert_eq!(chunks[2][511], 2500, "padded with the last id");
        assert_eq!(
            padded_chunks(&[7, 8, 9]).collect::<Vec<_>>(),
            [vec![7, 8, 9, 9]]
        );
        assert!(padded_chunks(&[]).next().is_none());
    }
}
