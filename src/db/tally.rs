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

    /// Writes the waiting log lines and events, then every counter change, one statement
    /// per changed row, and leaves the tally empty. The counters' order is threads,
    /// authors, articles, by id within each, so two tallies lock rows in the same order,
    /// and the article's row, the one many writers share, comes last and is held the
    /// shortest time before the commit. A transaction that changes
    /// many comments one by one (a ban rejecting a spammer's comments, an erasure) may
    /// still lock rows in another order; PostgreSQL then aborts one of the two after a
    /// second, and its requests answer 503 with `Retry-After` (`error.rs`).
    pub fn apply(&mut self, conn: &mut DbConnection) -> Result<(), ApiError> {
        // The new rows first: they lock nothing another writer waits for.
        moderation::log_lines(conn, &std::mem::take(&mut self.log_lines))?;
        events::emit_all(conn, &std::mem::take(&mut self.events))?;
        for (id, approved) in std::mem::take(&mut self.threads) {
            if approved != 0 {
                diesel::update(comments::table.find(id))
                    .set(comments::visible_replies.eq(comments::visible_replies + approved))
                    .returning(comments::id)
                    .prepared()
                    .get_results::<i64>(conn)?;
            }
        }
        for (id, (approved, rejected)) in std::mem::take(&mut self.authors) {
            if approved != 0 || rejected != 0 {
                diesel::update(users::table.find(id))
                    .set((
                        users::approved_count.eq(users::approved_count + approved),
                        users::rejected_count.eq(users::rejected_count + rejected),
                    ))
                    .returning(users::id)
                    .prepared()
                    .get_results::<i64>(conn)?;
            }
        }
        for (id, (shift, posted_at)) in std::mem::take(&mut self.articles) {
            articles::add_to_counts(conn, ArticleId(id), shift, posted_at)?;
        }
        Ok(())
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
