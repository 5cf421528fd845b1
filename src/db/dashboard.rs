//! The moderators' dashboard: what needs attention, aggregated in the database.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::DbConnection;
use super::moderation;
use super::schema::{articles, comments, flags};
use crate::error::ApiError;

/// An article in a ranking, with how many new comments or reports it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub key: String,
    pub title: Option<String>,
    pub count: i64,
}

/// Everything on the dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Every queue with its comments.
    pub queues: Vec<(&'static str, i64)>,
    /// The oldest comment in the pending queue: (id, posted at).
    pub oldest_pending: Option<(i64, NaiveDateTime)>,
    /// Articles with the most comments (any status) posted since the window began.
    pub most_commented: Vec<Ranked>,
    /// Articles with the most flags filed since the window began.
    pub most_reported: Vec<Ranked>,
    /// (hour, comments posted in it) since the series began, hours without any left out.
    pub comments_per_hour: Vec<(NaiveDateTime, i64)>,
    /// (hour, moderators' approvals and rejections in it), likewise.
    pub decisions_per_hour: Vec<(NaiveDateTime, i64)>,
}

/// Reads the dashboard: rankings over what happened since `since` (`top` articles
/// each), hourly counts since `series_start`. Every figure is a `COUNT` over an index
/// range or a counter; no rows are pulled to be counted here.
#[tracing::instrument(skip_all)]
pub fn read(
    conn: &mut DbConnection,
    since: NaiveDateTime,
    series_start: NaiveDateTime,
    top: i64,
) -> Result<Dashboard, ApiError> {
    let oldest_pending = comments::table
        .filter(comments::status.eq("pending"))
        .order(comments::id.asc())
        .select((comments::id, comments::created_at))
        .first(conn)
        .optional()?;
    let commented: Vec<(i64, i64)> = comments::table
        .filter(comments::created_at.ge(since))
        .group_by(comments::article_id)
        .select((comments::article_id, count_star()))
        .order((count_star().desc(), comments::article_id.desc()))
        .limit(top)
        .load(conn)?;
    let reported: Vec<(i64, i64)> = flags::table
        .inner_join(comments::table)
        .filter(flags::created_at.ge(since))
        .group_by(comments::article_id)
        .select((comments::article_id, count_star()))
        .order((count_star().desc(), comments::article_id.desc()))
        .limit(top)
        .load(conn)?;
    Ok(Dashboard {
        queues: moderation::queue_totals(conn, None)?,
        oldest_pending,
        most_commented: ranked(conn, commented)?,
        most_reported: ranked(conn, reported)?,
        comments_per_hour: per_hour(conn, Series::Comments, series_start)?,
        decisions_per_hour: per_hour(conn, Series::Decisions, series_start)?,
    })
}

/// The articles of (article id, count) pairs, in the same order.
fn ranked(conn: &mut DbConnection, counted: Vec<(i64, i64)>) -> Result<Vec<Ranked>, ApiError> {
    let ids: Vec<i64> = counted.iter().map(|(id, _)| *id).collect();
    let found: Vec<(i64, String, Option<String>)> = articles::table
        .filter(articles::id.eq_any(&ids))
        .select((articles::id, articles::key, articles::title))
        .load(conn)?;
    Ok(counted
        .into_iter()
        .filter_map(|(id, count)| {
            let (_, key, title) = found.iter().find(|(a, _, _)| *a == id)?;
            Some(Ranked {
                key: key.clone(),
                title: title.clone(),
                count,
            })
        })
        .collect())
}

/// What an hourly series counts.
#[derive(Debug, Clone, Copy)]
enum Series {
    /// Comments posted.
    Comments,
    /// Moderators' approvals and rejections (the log's human decisions).
    Decisions,
}

#[derive(QueryableByName)]
struct HourCount {
    #[diesel(sql_type = Text)]
    hour: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Counts per hour since `start`, grouped in the database. The hour of a timestamp
/// is computed differently by each backend, so this is the one place with SQL of its
/// own per backend.
fn per_hour(
    conn: &mut DbConnection,
    series: Series,
    start: NaiveDateTime,
) -> Result<Vec<(NaiveDateTime, i64)>, ApiError> {
    let (column, table, only) = match series {
        Series::Comments => ("created_at", "comments", ""),
        Series::Decisions => (
            "at",
            "moderation_log",
            " AND actor_id IS NOT NULL AND action IN ('approve', 'reject')",
        ),
    };
    let rows: Vec<HourCount> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "SELECT strftime('%Y-%m-%d %H:00:00', {column}) AS hour, count(*) AS n \
             FROM {table} WHERE {column} >= ?{only} GROUP BY 1"
        ))
        .bind::<Timestamp, _>(start)
        .load(c)?,
        DbConnection::Postgres(c) => diesel::sql_query(format!(
            "SELECT to_char(date_trunc('hour', {column}), 'YYYY-MM-DD HH24:00:00') AS hour, \
             count(*) AS n FROM {table} WHERE {column} >= $1{only} GROUP BY 1"
        ))
        .bind::<Timestamp, _>(start)
        .load(c)?,
    };
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let hour = NaiveDateTime::parse_from_str(&r.hour, "%Y-%m-%d %H:%M:%S").ok()?;
            Some((hour, r.n))
        })
        .collect())
}
