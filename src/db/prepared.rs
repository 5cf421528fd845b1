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
//! Run a cached statement through the loading path (`get_result`/`get_results`, with a
//! `RETURNING` clause): diesel's `execute` hands the multi-connection the statement by
//! reference, and a reference does not pass the mark on, so it would be prepared anew.

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
