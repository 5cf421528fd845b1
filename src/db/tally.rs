//! Counter changes gathered over a transaction and written at its end.
//!
//! A post changes its article's counters, its thread's visible replies and its author's
//! counts. Written where they arise, these updates lock the article's row (on
//! PostgreSQL, until the commit) while the rest of the post's statements run, which
//! serialises every post to a busy article behind all of them. A `Tally` collects the
//! changes instead, and [`Tally::apply`] writes each row's sum once, in id order, as the
//! last statements before the commit: the article's counters are no longer held locked
//! while the rest of the post is written, and a batch of posts to one article updates
//! its row once (see `writer`). The counters stay exact: the changes commit, or roll
//! back, with the rows that caused them.
//!
//! A post's moderation log line and its event wait here too: nothing reads them before
//! the commit, and a batch's are written in a few multi-row statements (every index,
//! key check and constraint then costs once per statement rather than once per post),
//! before the counters, in the order of the posts. (A line that owes its author a notice,
//! a rejection's, is written at once, since the notice names it: within a batch it can
//! come before the lines of earlier posts. Each comment's own lines keep their order.)

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::articles::{self, CountShift};
use super::events::{self, NewEvent};
use super::moderation::{self, NewLogLine};
use super::prepared::Prepared;
use super::schema::{comments, users};
use crate::domain::comment::ArticleId;
use crate::error::ApiError;

/// Counter changes not yet written, by row.
#[derive(Debug, Default)]
pub struct Tally {
    /// Article id → its counters' change and when its latest new comment was posted.
    articles: BTreeMap<i64, (CountShift, Option<NaiveDateTime>)>,
    /// Thread (top-level comment) id → change of its visible replies.
    threads: BTreeMap<i64, i64>,
    /// Author id → change of (approved, rejected) comments.
    authors: BTreeMap<i64, (i64, i64)>,
    /// Posts' log lines and events, which nothing reads before the commit: written in
    /// a few multi-row statements rather than two statements per post.
    log_lines: Vec<NewLogLine>,
    events: Vec<NewEvent>,
}

impl Tally {
    /// Adds a change of an article's counters; `posted_at` for a new comment.
    pub fn article(&mut self, id: ArticleId, shift: CountShift, posted_at: Option<NaiveDateTime>) {
        let (sum, latest) = self.articles.entry(id.0).or_default();
        sum.approved += shift.approved;
        sum.pending += shift.pending;
        sum.reported += shift.reported;
        *latest = (*latest).max(posted_at);
    }

    /// Adds a change of a thread's visible replies.
    pub fn thread(&mut self, thread_id: i64, approved: i64) {
        *self.threads.entry(thread_id).or_default() += approved;
    }

    /// Adds a change of an author's approved and rejected comments.
    pub fn author(&mut self, id: i64, approved: i64, rejected: i64) {
        let sum = self.authors.entry(id).or_default();
        sum.0 += approved;
        sum.1 += rejected;
    }

    /// Adds a log line to write (one that owes no notice: `notices::owed_for`).
    pub fn log_line(&mut self, line: NewLogLine) {
        self.log_lines.push(line);
    }

    /// Adds an event to store and queue.
    pub fn event(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// Adds every change of `other`, and its rows after this one's.
    pub fn merge(&mut self, other: Tally) {
        self.log_lines.extend(other.log_lines);
        self.events.extend(other.events);
        for (id, (shift, at)) in other.articles {
            self.article(ArticleId(id), shift, at);
        }
        for (id, n) in other.threads {
            self.thread(id, n);
        }
        for (id, (approved, rejected)) in other.authors {
            self.author(id, approved, rejected);
        }
    }

    /// Whether no change waits.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
            && self.threads.is_empty()
            && self.authors.is_empty()
            && self.log_lines.is_empty()
            && self.events.is_empty()
    }

    /// Writes the waiting log lines and events, then every counter change (on SQLite one
    /// statement per changed row, on PostgreSQL one or two per table: `by_arrays`), and
    /// leaves the tally empty. The counters' order is threads, authors, articles, by id
    /// within each, so two tallies lock rows in the same order, and the article's row,
    /// the one many writers share, comes last and is held the shortest time before the
    /// commit. A transaction that changes many comments one by one (a ban rejecting a
    /// spammer's comments, an erasure) may still lock rows in another order; PostgreSQL
    /// then aborts one of the two after a second, and its requests answer 503 with
    /// `Retry-After` (`error.rs`).
    pub fn apply(&mut self, conn: &mut DbConnection) -> Result<(), ApiError> {
        moderation::log_lines(conn, &std::mem::take(&mut self.log_lines))?;
        events::emit_all(conn, &std::mem::take(&mut self.events))?;
        let threads: Vec<(i64, i64)> = std::mem::take(&mut self.threads)
            .into_iter()
            .filter(|&(_, approved)| approved != 0)
            .collect();
        let authors: Vec<(i64, i64, i64)> = std::mem::take(&mut self.authors)
            .into_iter()
            .filter(|&(_, (approved, rejected))| approved != 0 || rejected != 0)
            .map(|(id, (approved, rejected))| (id, approved, rejected))
            .collect();
        let articles: Vec<(i64, CountShift, Option<NaiveDateTime>)> =
            std::mem::take(&mut self.articles)
                .into_iter()
                .filter(|(_, (shift, posted_at))| !shift.is_none() || posted_at.is_some())
                .map(|(id, (shift, posted_at))| (id, shift, posted_at))
                .collect();
        if let DbConnection::Postgres(pg) = conn {
            return by_arrays::apply(pg, &threads, &authors, &articles);
        }
        for (id, approved) in threads {
            diesel::update(comments::table.find(id))
                .set(comments::visible_replies.eq(comments::visible_replies + approved))
                .returning(comments::id)
                .prepared()
                .get_results::<i64>(conn)?;
        }
        for (id, approved, rejected) in authors {
            diesel::update(users::table.find(id))
                .set((
                    users::approved_count.eq(users::approved_count + approved),
                    users::rejected_count.eq(users::rejected_count + rejected),
                ))
                .returning(users::id)
                .prepared()
                .get_results::<i64>(conn)?;
        }
        for (id, shift, posted_at) in articles {
            articles::add_to_counts(conn, ArticleId(id), shift, posted_at)?;
        }
        Ok(())
    }
}

/// PostgreSQL: each table's rows updated by one statement, their ids and changes bound
/// as arrays (after one that locks them in id order, when there are several), rather
/// than one statement (one round trip) per row: a lane's batch of top-level posts by 30
/// authors to 25 articles used to send 55 updates, now four. SQLite has no round trips
/// to save, and updates row by row.
mod by_arrays {
    use chrono::NaiveDateTime;
    use diesel::sql_types::{Array, BigInt, Nullable, Timestamp};
    use diesel::{PgConnection, RunQueryDsl};

    use crate::db::articles::CountShift;
    use crate::db::prepared::Prepared;
    use crate::error::ApiError;

    /// Writes the changes (each list in id order, no row twice).
    pub fn apply(
        pg: &mut PgConnection,
        threads: &[(i64, i64)],
        authors: &[(i64, i64, i64)],
        articles: &[(i64, CountShift, Option<NaiveDateTime>)],
    ) -> Result<(), ApiError> {
        if !threads.is_empty() {
            let ids = column(threads, |r| r.0);
            lock_in_order(pg, LOCK_COMMENTS, &ids)?;
            diesel::sql_query(
                "UPDATE comments SET visible_replies = comments.visible_replies + v.n \
                 FROM unnest($1, $2) AS v(id, n) WHERE comments.id = v.id RETURNING comments.id",
            )
            .bind::<Array<BigInt>, _>(&ids)
            .bind::<Array<BigInt>, _>(column(threads, |r| r.1))
            .prepared()
            .load::<Id>(pg)?;
        }
        if !authors.is_empty() {
            let ids = column(authors, |r| r.0);
            lock_in_order(pg, LOCK_USERS, &ids)?;
            diesel::sql_query(
                "UPDATE users SET approved_count = users.approved_count + v.approved, \
                 rejected_count = users.rejected_count + v.rejected \
                 FROM unnest($1, $2, $3) AS v(id, approved, rejected) WHERE users.id = v.id \
                 RETURNING users.id",
            )
            .bind::<Array<BigInt>, _>(&ids)
            .bind::<Array<BigInt>, _>(column(authors, |r| r.1))
            .bind::<Array<BigInt>, _>(column(authors, |r| r.2))
            .prepared()
            .load::<Id>(pg)?;
        }
        if !articles.is_empty() {
            let ids = column(articles, |r| r.0);
            lock_in_order(pg, LOCK_ARTICLES, &ids)?;
            diesel::sql_query(
                "UPDATE articles SET comment_count = articles.comment_count + v.approved, \
                 pending_count = articles.pending_count + v.pending, \
                 reported_count = articles.reported_count + v.reported, \
                 last_comment_at = COALESCE(v.posted_at, articles.last_comment_at) \
                 FROM unnest($1, $2, $3, $4, $5) \
                 AS v(id, approved, pending, reported, posted_at) WHERE articles.id = v.id \
                 RETURNING articles.id",
            )
            .bind::<Array<BigInt>, _>(&ids)
            .bind::<Array<BigInt>, _>(column(articles, |r| r.1.approved))
            .bind::<Array<BigInt>, _>(column(articles, |r| r.1.pending))
            .bind::<Array<BigInt>, _>(column(articles, |r| r.1.reported))
            .bind::<Array<Nullable<Timestamp>>, _>(column(articles, |r| r.2))
            .prepared()
            .load::<Id>(pg)?;
        }
        Ok(())
    }

    const LOCK_COMMENTS: &str =
        "SELECT id FROM comments WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE";
    const LOCK_USERS: &str =
        "SELECT id FROM users WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE";
    const LOCK_ARTICLES: &str =
        "SELECT id FROM articles WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE";

    /// Locks the rows of `ids` in id order, as the update that follows will change them,
    /// when there are several: another batch (another lane, another instance) may update
    /// some of the same rows, and the update's join locks them in the order of its plan;
    /// locked in id order first, no two transactions whose only locks on these rows come
    /// from one tally can wait for each other in a circle. (One that applies several
    /// tallies, a ban deciding each held comment in turn, still can: see `apply`.)
    /// `NO KEY`, as the update itself: comments naming the row can still be inserted
    /// meanwhile.
    fn lock_in_order(
        pg: &mut PgConnection,
        sql: &'static str,
        ids: &[i64],
    ) -> Result<(), ApiError> {
        if ids.len() > 1 {
            diesel::sql_query(sql)
                .bind::<Array<BigInt>, _>(ids)
                .prepared()
                .load::<Id>(pg)?;
        }
        Ok(())
    }

    /// A row's id: each statement is run through diesel's loading path, which keeps
    /// its prepared form (see `prepared`), so it returns the ids it locked or updated.
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        id: i64,
    }

    fn column<R, T>(rows: &[R], field: impl Fn(&R) -> T) -> Vec<T> {
        rows.iter().map(field).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_of_one_row_add_up_and_the_latest_post_wins() {
        let at = |s| chrono::DateTime::from_timestamp(s, 0).map(|t| t.naive_utc());
        let shift = |approved, pending| CountShift {
            approved,
            pending,
            reported: 0,
        };
        let mut tally = Tally::default();
        tally.article(ArticleId(7), shift(1, 0), at(20));
        let mut other = Tally::default();
        other.article(ArticleId(7), shift(1, 1), at(10));
        other.article(ArticleId(8), shift(0, -1), None);
        other.thread(3, 1);
        other.author(5, 1, 0);
        other.author(5, -1, 1);
        tally.merge(other);
        assert_eq!(tally.articles[&7], (shift(2, 1), at(20)));
        assert_eq!(tally.articles[&8], (shift(0, -1), None));
        assert_eq!(tally.threads[&3], 1);
        assert_eq!(tally.authors[&5], (0, 1));
        assert!(!tally.is_empty());
        assert!(Tally::default().is_empty());
    }
}
