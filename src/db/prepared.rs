//! Prepared statements for writes, and for the reads of a signed-in reader's page.
//!
//! Diesel prepares `UPDATE` statements, and `INSERT`s with optional columns, anew on
//! every execution: it marks them unsafe to cache because their SQL can vary with the
//! values (a `None` becomes `DEFAULT`). On PostgreSQL that is a Parse and a plan per
//! statement, on SQLite a parse per statement, on the hottest write path (posting).
//! `Cached` marks a statement cacheable, keyed by its SQL text: two executions share a
//! prepared statement only when their SQL is identical, which is what makes it safe. Use
//! it only for statements of a fixed shape (not for `IN` lists whose length varies,
//! unless padded to a few lengths as `reactions::liked_among` does), so the cache stays
//! small. Diesel cannot cache a query with an `sql` fragment or an `IN` list either.
//!
//! Run a cached statement through the loading path (`get_result`/`get_results`/`load`,
//! with a `RETURNING` clause): diesel's `execute` hands the connection (either backend's,
//! or the multi-connection) the statement by reference, and a reference does not pass
//! the mark on, so it would be prepared anew.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;

/// A statement whose prepared form is cached, keyed by its SQL text.
#[derive(Debug, Clone, Copy)]
pub struct Cached<Q>(Q);

/// `.prepared()` on any diesel statement.
pub trait Prepared: Sized {
    /// Caches this statement's prepared form, keyed by its SQL text.
    fn prepared(self) -> Cached<Self> {
        Cached(self)
    }
}

impl<Q> Prepared for Q {}

impl<Q> QueryId for Cached<Q> {
    type QueryId = ();
    // No static id: the cache keys the statement by its SQL text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> QueryFragment<DB> for Cached<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Cached<Q> {}

/// Most rows of one multi-row `INSERT` ([`insert_in_runs`]).
pub const ROWS_PER_INSERT: usize = 128;

/// Inserts `rows` (a slice of an `Insertable` that writes every column, with
/// `treat_none_as_default_value = false`) into `table`, in order, in runs of
/// [`power_of_two_runs`]: on PostgreSQL each run's shape is prepared once (through the
/// loading path, hence `RETURNING` the `id` column, see above). On SQLite diesel would
/// prepare each multi-row insert anew (a parse per run, and its triggers and key checks
/// compiled again): rows go one by one through a single-row statement prepared once.
/// Evaluates to `Result<(), ApiError>`.
macro_rules! insert_in_runs {
    ($conn:expr, $table:path, $id:path, $rows:expr) => {{
        let conn: &mut $crate::db::DbConnection = $conn;
        let mut done: Result<(), $crate::error::ApiError> = Ok(());
        for run in
            $crate::db::prepared::power_of_two_runs($rows, $crate::db::prepared::ROWS_PER_INSERT)
        {
            let insert = diesel::insert_into($table).values(run);
            let ran = match &mut *conn {
                $crate::db::DbConnection::Postgres(pg) => insert
                    .returning($id)
                    .prepared()
                    .get_results::<i64>(pg)
                    .map(drop),
                // SQLite has no round trips to save: each row by the one prepared
                // single-row statement costs less than parsing a multi-row one.
                $crate::db::DbConnection::Sqlite(lite) => run.iter().try_for_each(|row| {
                    diesel::insert_into($table)
                        .values(row)
                        .execute(lite)
                        .map(drop)
                }),
            };
            if let Err(e) = ran {
                done = Err(e.into());
                break;
            }
        }
        done
    }};
}
pub(crate) use insert_in_runs;

/// `rows` cut into slices whose lengths are powers of two, each at most `most` (itself a
/// power of two), largest first: a multi-row `INSERT` of them takes one of a few shapes
/// (eight up to 128 rows), each prepared once per connection, whatever the number of rows.
pub fn power_of_two_runs<T>(rows: &[T], most: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        // The largest power of two not above what is left (nor `most`).
        let n = (1 << rest.len().ilog2()).min(most.max(1));
        let (run, left) = rest.split_at(n);
        rest = left;
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::power_of_two_runs;

    #[test]
    fn rows_are_cut_into_runs_of_powers_of_two_largest_first() {
        let lengths = |n: usize, most| {
            let rows: Vec<usize> = (0..n).collect();
            let runs: Vec<&[usize]> = power_of_two_runs(&rows, most).collect();
            // Every row once, in order.
            assert_eq!(runs.concat(), rows);
            runs.iter().map(|r| r.len()).collect::<Vec<_>>()
        };
        assert_eq!(lengths(0, 128), Vec::<usize>::new());
        assert_eq!(lengths(1, 128), [1]);
        assert_eq!(lengths(100, 128), [64, 32, 4]);
        assert_eq!(lengths(128, 128), [128]);
        assert_eq!(lengths(300, 128), [128, 128, 32, 8, 4]);
        assert_eq!(lengths(7, 4), [4, 2, 1]);
    }
}
