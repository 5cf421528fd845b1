//! The stored counters (articles' comment, pending and reported counts and last
//! comment time, threads' visible replies, comments'
//! likes, authors' approved and rejected counts) and how to rebuild them from the rows
//! they count. Every write keeps them exact in its own transaction (see
//! `comments::shift_counters`); `recount` repairs a database that was changed by hand.

use std::collections::{BTreeMap, HashMap};

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{articles, comments, likes, users};
use crate::error::ApiError;

/// An article whose counter had drifted from its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub key: String,
    pub stored: i64,
    pub actual: i64,
}

/// Ids per `UPDATE … WHERE id IN (…)`: within both backends' limits on bound values.
const IDS_PER_UPDATE: usize = 1000;

/// The drifted rows by their right value: after an import nearly every thread's counter
/// is off, and one statement per value and thousand rows takes seconds where one per row
/// would take minutes on PostgreSQL.
fn by_value<V: Ord>(drifted: impl IntoIterator<Item = (i64, V)>) -> BTreeMap<V, Vec<i64>> {
    let mut grouped: BTreeMap<V, Vec<i64>> = BTreeMap::new();
    for (id, value) in drifted {
        grouped.entry(value).or_default().push(id);
    }
    grouped
}

/// Recomputes every counter from the comments (articles' counts, their pending and
/// reported comments and last comment time, threads' visible replies, comments' likes,
/// authors' approved and rejected counts), fixes those that drifted, and reports the
/// articles whose comment count had.
#[tracing::instrument(skip_all)]
pub fn recount(conn: &mut DbConnection) -> Result<Vec<Drift>, ApiError> {
    let approved: HashMap<i64, i64> = comments::table
        .filter(comments::status.eq("approved"))
        .group_by(comments::article_id)
        .select((comments::article_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let stored: Vec<(i64, String, i64)> = articles::table
        .select((articles::id, articles::key, articles::comment_count))
        .load(conn)?;
    let mut drifts = Vec::new();
    let mut fixes = Vec::new();
    for (id, key, count) in stored {
        let actual = approved.get(&id).copied().unwrap_or(0);
        if actual != count {
            fixes.push((id, actual));
            drifts.push(Drift {
                key,
                stored: count,
                actual,
            });
        }
    }
    for (actual, ids) in by_value(fixes) {
        for part in ids.chunks(IDS_PER_UPDATE) {
            diesel::update(articles::table.filter(articles::id.eq_any(part)))
                .set(articles::comment_count.eq(actual))
                .execute(conn)?;
        }
    }

    moderation_counts(conn)?;

    let replies: HashMap<i64, i64> = comments::table
        .filter(comments::status.eq("approved"))
        .filter(comments::depth.gt(0))
        .group_by(comments::thread_id)
        .select((comments::thread_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let roots: Vec<(i64, i64)> = comments::table
        .filter(comments::depth.eq(0))
        .select((comments::id, comments::visible_replies))
        .load(conn)?;
    let fixes = roots.into_iter().filter_map(|(id, stored)| {
        let actual = replies.get(&id).copied().unwrap_or(0);
        (actual != stored).then_some((id, actual))
    });
    for (actual, ids) in by_value(fixes) {
        for part in ids.chunks(IDS_PER_UPDATE) {
            diesel::update(comments::table.filter(comments::id.eq_any(part)))
                .set(comments::visible_replies.eq(actual))
                .execute(conn)?;
        }
    }

    let like_counts: HashMap<i64, i64> = likes::table
        .group_by(likes::comment_id)
        .select((likes::comment_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let liked: Vec<(i64, i64)> = comments::table
        .filter(comments::like_count.ne(0))
        .select((comments::id, comments::like_count))
        .load(conn)?;
    let mut to_check: HashMap<i64, i64> = liked.into_iter().collect();
    for id in like_counts.keys() {
        to_check.entry(*id).or_insert(-1);
    }
    let fixes = to_check.into_iter().filter_map(|(id, stored)| {
        let actual = like_counts.get(&id).copied().unwrap_or(0);
        (actual != stored).then_some((id, actual))
    });
    for (actual, ids) in by_value(fixes) {
        for part in ids.chunks(IDS_PER_UPDATE) {
            diesel::update(comments::table.filter(comments::id.eq_any(part)))
                .set(comments::like_count.eq(actual))
                .execute(conn)?;
        }
    }

    let by_author: Vec<(Option<i64>, String, i64)> = comments::table
        .filter(comments::author_id.is_not_null())
        .filter(comments::status.eq_any(["approved", "rejected"]))
        .group_by((comments::author_id, comments::status))
        .select((comments::author_id, comments::status, count_star()))
        .load(conn)?;
    let mut standing: HashMap<i64, (i64, i64)> = HashMap::new();
    for (author, status, n) in by_author {
        if let Some(author) = author {
            let entry = standing.entry(author).or_default();
            if status == "approved" {
                entry.0 = n
            } else {
                entry.1 = n
            }
        }
    }
    let authors: Vec<(i64, i64, i64)> = users::table
        .select((users::id, users::approved_count, users::rejected_count))
        .load(conn)?;
    let fixes = authors.into_iter().filter_map(|(id, approved, rejected)| {
        let actual = standing.get(&id).copied().unwrap_or((0, 0));
        (actual != (approved, rejected)).then_some((id, actual))
    });
    for ((approved, rejected), ids) in by_value(fixes) {
        for part in ids.chunks(IDS_PER_UPDATE) {
            diesel::update(users::table.filter(users::id.eq_any(part)))
                .set((
                    users::approved_count.eq(approved),
                    users::rejected_count.eq(rejected),
                ))
                .execute(conn)?;
        }
    }
    Ok(drifts)
}

/// Fixes every article's pending and reported counts and last comment time that
/// drifted from its comments.
fn moderation_counts(conn: &mut DbConnection) -> Result<(), ApiError> {
    use diesel::dsl::max;
    let per_article = |rows: Vec<(i64, i64)>| -> HashMap<i64, i64> { rows.into_iter().collect() };
    let pending = per_article(
        comments::table
            .filter(comments::status.eq("pending"))
            .group_by(comments::article_id)
            .select((comments::article_id, count_star()))
            .load(conn)?,
    );
    let reported = per_article(
        comments::table
            .filter(comments::status.eq("approved"))
            .filter(comments::open_flags.gt(0))
            .group_by(comments::article_id)
            .select((comments::article_id, count_star()))
            .load(conn)?,
    );
    let latest: HashMap<i64, Option<chrono::NaiveDateTime>> = comments::table
        .group_by(comments::article_id)
        .select((comments::article_id, max(comments::created_at)))
        .load::<(i64, Option<chrono::NaiveDateTime>)>(conn)?
        .into_iter()
        .collect();
    let stored: Vec<(i64, i64, i64, Option<chrono::NaiveDateTime>)> = articles::table
        .select((
            articles::id,
            articles::pending_count,
            articles::reported_count,
            articles::last_comment_at,
        ))
        .load(conn)?;
    let fixes =
        stored
            .into_iter()
            .filter_map(|(id, stored_pending, stored_reported, stored_last)| {
                let actual = (
                    pending.get(&id).copied().unwrap_or(0),
                    reported.get(&id).copied().unwrap_or(0),
                    latest.get(&id).copied().flatten(),
                );
                (actual != (stored_pending, stored_reported, stored_last)).then_some((id, actual))
            });
    for ((pending, reported, last), ids) in by_value(fixes) {
        for part in ids.chunks(IDS_PER_UPDATE) {
            diesel::update(articles::table.filter(articles::id.eq_any(part)))
                .set((
                    articles::pending_count.eq(pending),
                    articles::reported_count.eq(reported),
                    articles::last_comment_at.eq(last),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
