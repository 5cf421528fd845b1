//! The databases under test: the backends, a fresh database per app, and checks on
//! stored rows.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Once};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use tribune::db::{Db, DbSettings};

use super::TestApp;

/// A database backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        })
    }
}

/// SQLite always; PostgreSQL too when `TRIBUNE_TEST_POSTGRES_URL` is set. Without it,
/// each test says so where `cargo test` shows it (see `say_skipped`).
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if postgres_base_url().is_some() {
        list.push(Backend::Postgres);
    } else {
        say_skipped();
    }
    list
}

/// Writes `<test>: PostgreSQL half skipped (no PostgreSQL)` straight to the process's
/// standard error, which the test harness does not capture (it captures `eprintln!`),
/// so a green `ok` never hides a backend that did not run.
pub fn say_skipped() {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(
        std::io::stderr().lock(),
        "{test}: PostgreSQL half skipped (no PostgreSQL: set TRIBUNE_TEST_POSTGRES_URL)"
    );
}

pub(super) fn postgres_base_url() -> Option<String> {
    std::env::var("TRIBUNE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// A fresh, empty database: a temp-dir SQLite file, or a new PostgreSQL schema that
/// is dropped when this is dropped.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// Creates the database.
    pub fn new(backend: Backend) -> Arc<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path: PathBuf = dir.path().join("tribune.db");
                Arc::new(Self {
                    backend,
                    url: path.to_string_lossy().into_owned(),
                    _dir: Some(dir),
                    pg: None,
                })
            }
            Backend::Postgres => {
                let base = postgres_base_url().expect("TRIBUNE_TEST_POSTGRES_URL");
                sweep_old_schemas(&base);
                let schema = format!(
                    "tribune_test_{}_{}",
                    chrono::Utc::now().timestamp(),
                    uuid::Uuid::new_v4().simple()
                );
                let mut conn = PgConnection::establish(&base)
                    .unwrap_or_else(|e| panic!("PostgreSQL at {base} is unreachable: {e}"));
                conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                Arc::new(Self {
                    backend,
                    url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
                    _dir: None,
                    pg: Some((base, schema)),
                })
            }
        }
    }

    /// Data-layer settings for this database.
    pub fn settings(&self) -> DbSettings {
        DbSettings {
            url: self.url.clone(),
            pool_size: 4,
            pool_timeout: std::time::Duration::from_secs(5),
            sqlite_busy_timeout: std::time::Duration::from_secs(5),
        }
    }

    /// A separate handle on the database, for asserting on stored rows.
    pub fn connect(&self) -> Db {
        Db::connect(&self.settings()).expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut conn) = PgConnection::establish(base)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Drops schemas that crashed test runs left behind (older than two hours), once.
fn sweep_old_schemas(base: &str) {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| {
        if let Ok(mut conn) = PgConnection::establish(base) {
            let _ = conn.batch_execute(
                r"DO $$ DECLARE s text; BEGIN
                  FOR s IN SELECT nspname FROM pg_namespace
                           WHERE nspname LIKE 'tribune\_test\_%'
                             AND split_part(nspname, '_', 3)::bigint < extract(epoch FROM now())::bigint - 7200
                  LOOP EXECUTE 'DROP SCHEMA ' || quote_ident(s) || ' CASCADE'; END LOOP; END $$;",
            );
        }
    });
}

/// Asserts, from the database, that every article's counter equals its stored approved
/// comments and every thread's reply counter its approved replies; returns the total.
pub fn assert_counts_exact(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use tribune::db::schema::{articles, comments};
    let db = app.db.connect();
    db.with_writer_blocking(|conn| {
        let stored: Vec<(String, i64)> = articles::table
            .select((articles::key, articles::comment_count))
            .load(conn)?;
        let mut total = 0;
        for (key, counter) in stored {
            let approved: i64 = comments::table
                .inner_join(articles::table)
                .filter(articles::key.eq(&key))
                .filter(comments::status.eq("approved"))
                .count()
                .get_result(conn)?;
            assert_eq!(counter, approved, "counter of {key}");
            total += approved;
        }
        let roots: Vec<(i64, i64)> = comments::table
            .filter(comments::depth.eq(0))
            .select((comments::id, comments::visible_replies))
            .load(conn)?;
        for (root, counter) in roots {
            let approved: i64 = comments::table
                .filter(comments::thread_id.eq(root))
                .filter(comments::depth.gt(0))
                .filter(comments::status.eq("approved"))
                .count()
                .get_result(conn)?;
            assert_eq!(counter, approved, "reply counter of thread {root}");
        }
        Ok(total)
    })
    .expect("read counts")
}
