//! Moving in and moving up: `tribune export` (every table but sessions, as versioned JSON
//! Lines) and `tribune import` (that format into an empty database, or a Disqus or
//! WordPress archive into any database, idempotently). Files are read and written as
//! streams, so memory stays bounded whatever their size.

pub mod disqus;
pub mod foreign;
pub mod html;
pub mod native;
pub mod rows;
pub mod wordpress;
mod xml;

use std::collections::BTreeMap;
use std::fmt;

/// A file that cannot be imported: where, and what is wrong. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line of the file.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for Malformed {}

/// Why an import stopped: a malformed file, or the database refusing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Malformed(#[from] Malformed),
    #[error("{0}")]
    Refused(String),
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(String),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.to_string())
    }
}

impl From<crate::error::ApiError> for ImportError {
    fn from(e: crate::error::ApiError) -> Self {
        Self::Database(format!("{e:#}"))
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub articles_created: u64,
    /// Articles that existed already (same key, or imported before).
    pub articles_matched: u64,
    pub comments_created: u64,
    /// Comments imported by an earlier run of the same file: left as they are.
    pub comments_unchanged: u64,
    /// Created comments by status (`approved`, `pending`, `rejected`, `deleted`).
    pub comments_by_status: BTreeMap<String, u64>,
    /// Distinct Tribune accounts that imported comments were linked to (same verified email).
    pub authors_matched: u64,
    /// Distinct imported authors (by email, else name) kept on their comments without an account.
    pub authors_created: u64,
    /// Replies whose parent is not in the file: placed at the top of their article.
    pub orphans_at_top: u64,
    /// Replies deeper than the API allows: placed beside their parent, like the API does.
    pub flattened: u64,
    /// Records left out, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Rows per table (`--format tribune` only).
    pub rows: BTreeMap<String, u64>,
    /// A Tribune export (the report is `rows`).
    pub native: bool,
    pub dry_run: bool,
}

impl ImportReport {
    /// Counts a record left out for `reason`.
    pub fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(f, "dry run: nothing was written; an import would do this:")?;
        }
        if self.native {
            for (table, n) in &self.rows {
                writeln!(f, "{table}: {n} rows")?;
            }
            return Ok(());
        }
        writeln!(
            f,
            "articles: {} created, {} matched",
            self.articles_created, self.articles_matched
        )?;
        let statuses: Vec<String> = self
            .comments_by_status
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        writeln!(
            f,
            "comments: {} created ({}), {} already imported",
            self.comments_created,
            if statuses.is_empty() {
                "none".to_owned()
            } else {
                statuses.join(", ")
            },
            self.comments_unchanged
        )?;
        writeln!(
            f,
            "authors: {} kept as imported names, {} matched to accounts by verified email",
            self.authors_created, self.authors_matched
        )?;
        if self.orphans_at_top > 0 {
            writeln!(
                f,
                "replies whose parent is not in the file, placed at the top: {}",
                self.orphans_at_top
            )?;
        }
        if self.flattened > 0 {
            writeln!(
                f,
                "replies deeper than the thread allows, placed beside their parent: {}",
                self.flattened
            )?;
        }
        for (reason, n) in &self.skipped {
            writeln!(f, "skipped ({reason}): {n}")?;
        }
        Ok(())
    }
}

/// Timestamps in the export: ISO 8601 without zone (they are UTC), to the microsecond,
/// which both backends keep exactly (SQLite would keep nanoseconds, PostgreSQL rounds
/// them: cut here, an export reads back the same from either).
pub mod stamp {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

    fn parse<'de, D: Deserializer<'de>>(raw: &str) -> Result<NaiveDateTime, D::Error> {
        raw.parse::<NaiveDateTime>()
            .map_err(|e| serde::de::Error::custom(format!("bad timestamp {raw:?}: {e}")))
    }

    /// A `TIMESTAMP NOT NULL` column.
    pub mod required {
        use super::*;

        pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&t.format(FORMAT))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
            let raw = String::deserialize(d)?;
            parse::<D>(&raw)
        }
    }

    /// A nullable `TIMESTAMP` column.
    pub mod optional {
        use super::*;

        pub fn serialize<S: Serializer>(
            t: &Option<NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.collect_str(&t.format(FORMAT)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<NaiveDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                Some(raw) => parse::<D>(&raw).map(Some),
                None => Ok(None),
            }
        }
    }
}
