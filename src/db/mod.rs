//! The data layer: one diesel connection type for SQLite and PostgreSQL, pools, and
//! `Db`, which runs queries off the async workers.

pub mod appeals;
pub mod articles;
pub mod authors;
pub mod changes;
mod checkpoint;
pub mod comments;
pub mod counters;
pub mod dashboard;
pub mod digest;
pub mod events;
pub mod imports;
pub mod mail;
pub mod meta;
pub mod migrations;
pub mod moderation;
pub mod notes;
pub mod notices;
pub mod page;
pub mod personal_data;
pub mod prepared;
pub mod reactions;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod sso_tokens;
pub mod subscriptions;
pub mod tally;
pub mod undo;
pub mod username_holds;
pub mod users;
pub mod webhooks;
pub mod writer;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;

use crate::error::ApiError;
use crate::telemetry::run_blocking;
use changes::{ChangeSignal, Touched};

/// Runs the same statement on whichever backend `conn` is, for the few statements
/// (upserts, `ON CONFLICT DO NOTHING`) that diesel cannot build for the multi-connection:
/// `on_each_backend!(conn, |c| diesel::insert_into(t).values(v).on_conflict_do_nothing().execute(c))`.
/// Where the SQL really differs, `match` on the connection instead.
macro_rules! on_each_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_each_backend;

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else is a SQLite path.
    pub fn of(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// Database connection settings.
#[derive(Debug, Clone)]
pub struct DbSettings {
    /// `postgres://…` or a SQLite file path (`sqlite://` prefix optional).
    pub url: String,
    /// Largest number of pooled connections (readers, for SQLite).
    pub pool_size: u32,
    /// How long a request waits for a connection before answering 503.
    pub pool_timeout: Duration,
    /// How long SQLite waits for a lock held by another process.
    pub sqlite_busy_timeout: Duration,
}

/// Opens connections of the backend the URL names, so a failure shows the backend's
/// own error instead of the multi-connection's "invalid connection url".
#[derive(Debug)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
    busy_timeout_ms: u128,
}

impl DbSettings {
    /// The URL as the backend's driver takes it: a SQLite path loses its `sqlite://`
    /// (or `sqlite:`) prefix.
    pub fn driver_url(&self) -> &str {
        match Backend::of(&self.url) {
            Backend::Postgres => &self.url,
            Backend::Sqlite => self
                .url
                .strip_prefix("sqlite://")
                .or_else(|| self.url.strip_prefix("sqlite:"))
                .unwrap_or(&self.url),
        }
    }

    /// The database for people, never with a password: `SQLite file /abs/path.db` or
    /// `PostgreSQL db on host:port (as user)`.
    pub fn describe(&self) -> String {
        match Backend::of(&self.url) {
            Backend::Sqlite => {
                let path = std::path::Path::new(self.driver_url());
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                format!("SQLite file {}", shown.display())
            }
            Backend::Postgres => describe_postgres(&self.url),
        }
    }
}

/// `postgres://user:secret@host:port/db?options` → `PostgreSQL db on host:port (as user)`.
fn describe_postgres(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, db) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (userinfo.split(':').next().unwrap_or_default(), host),
        None => ("", authority),
    };
    let host = if host.is_empty() {
        "the local socket"
    } else {
        host
    };
    let db = if db.is_empty() {
        "(default database)"
    } else {
        db
    };
    if user.is_empty() {
        format!("PostgreSQL {db} on {host}")
    } else {
        format!("PostgreSQL {db} on {host} (as {user})")
    }
}

#[cfg(test)]
mod describe_tests {
    use super::describe_postgres;

    #[test]
    fn a_postgres_url_is_described_without_its_password() {
        assert_eq!(
            describe_postgres("postgres://tribune:s3cret@db.internal:5432/tribune?sslmode=require"),
            "PostgreSQL tribune on db.internal:5432 (as tribune)"
        );
        assert_eq!(
            describe_postgres("postgresql://127.0.0.1/test"),
            "PostgreSQL test on 127.0.0.1"
        );
        assert!(!describe_postgres("postgres://u:p%40ss@h/d").contains("p%40ss"));
    }
}

impl ConnectionManager {
    fn new(settings: &DbSettings) -> Self {
        let backend = Backend::of(&settings.url);
        let url = settings.driver_url().to_owned();
        Self {
            url,
            backend,
            busy_timeout_ms: settings.sqlite_busy_timeout.as_millis(),
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url).map(DbConnection::Postgres),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                // synchronous=FULL: a commit that was acknowledged survives power loss too.
                // temp_store=MEMORY: the writer's per-request savepoints (of a batch that
                // is not all posts, or runs again) keep their sub-journals in memory
                // instead of writing them to a temporary file.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
                     PRAGMA temp_store = MEMORY;",
                    self.busy_timeout_ms
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        LOST.replace(false) || conn.is_broken()
    }
}

thread_local! {
    /// Set by [`Db::read`] just before it gives back a connection whose query found the
    /// server gone, for the pool to drop it ([`has_broken`](ConnectionManager), which
    /// r2d2 calls on this thread as the connection goes back, takes it): diesel marks a
    /// PostgreSQL connection broken when libpq says it is dead on some paths (execute,
    /// batch) but not when preparing a query to load rows fails.
    static LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A pool of connections.
pub type Pool = r2d2::Pool<ConnectionManager>;

/// The database handle shared by all requests.
///
/// SQLite allows one writer at a time, so it gets a single writer connection (writes
/// queue in the pool instead of failing on the lock) and a pool of readers, which WAL
/// lets run beside the writer. PostgreSQL uses one pool for both.
#[derive(Clone)]
pub struct Db {
    reader: Pool,
    writer: Pool,
    backend: Backend,
    changes: Arc<ChangeSignal>,
    /// SQLite's batching writer thread (see `writer`); PostgreSQL writes on the pool,
    /// except posts, which go to its posting lanes.
    batcher: Option<std::sync::mpsc::Sender<writer::Job>>,
    /// PostgreSQL's posting lanes (see `writer`), chosen by article.
    lanes: Vec<std::sync::mpsc::Sender<writer::Job>>,
    /// Keeps SQLite's checkpointer running (see `checkpoint`) while the handle lives.
    _checkpointer: Option<std::sync::mpsc::Sender<()>>,
}

/// PostgreSQL's posting lanes: each holds a connection of the pool while it writes.
const POSTING_LANES: usize = 2;

impl Db {
    /// Opens the pools, checking that the database answers.
    pub fn connect(settings: &DbSettings) -> anyhow::Result<Self> {
        let backend = Backend::of(&settings.url);
        let build = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .connection_timeout(settings.pool_timeout)
                .test_on_check_out(false)
                .build(ConnectionManager::new(settings))
        };
        let db = match backend {
            Backend::Postgres => {
                let pool = build(settings.pool_size)?;
                let changes = Arc::<ChangeSignal>::default();
                let lanes = (0..POSTING_LANES)
                    .map(|n| writer::spawn_lane(pool.clone(), changes.clone(), n))
                    .collect::<std::io::Result<_>>()?;
                Self {
                    reader: pool.clone(),
                    writer: pool,
                    backend,
                    changes,
                    batcher: None,
                    lanes,
                    _checkpointer: None,
                }
            }
            Backend::Sqlite => {
                // One writer connection for good: its `data_version` tells other
                // writers' commits from its own (`changes::WriterWatch`).
                let writer = r2d2::Pool::builder()
                    .max_size(1)
                    .min_idle(Some(1))
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .connection_timeout(settings.pool_timeout)
                    .test_on_check_out(false)
                    .build(ConnectionManager::new(settings))?;
                // WAL is a property of the file: set it once, before readers open. The
                // writer leaves checkpoints to the checkpointer's connection, unless the
                // log grows past `checkpoint::WRITER_FALLBACK_PAGES` (a checkpointer that
                // fails or falls behind: then the writer checkpoints as by default).
                writer.get()?.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = {};",
                    checkpoint::WRITER_FALLBACK_PAGES
                ))?;
                let changes = Arc::<ChangeSignal>::default();
                Self {
                    _checkpointer: Some(checkpoint::spawn(ConnectionManager::new(settings))?),
                    reader: build(settings.pool_size)?,
                    batcher: Some(writer::spawn(writer.clone(), changes.clone())?),
                    writer,
                    backend,
                    changes,
                    lanes: Vec::new(),
                }
            }
        };
        Ok(db)
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` on a reader connection, off the async workers. A pooled connection
    /// that lived through a database outage fails its first query: it is dropped (not
    /// returned to the pool) and `f` runs again on the next idle connection, then, when
    /// no idle one is left, once more on a connection the pool opens (within its
    /// timeout), so a reader does not hear of an outage that is over. A server that
    /// takes connections but loses every query costs a request at most one new
    /// connection's wait, not one per try.
    pub async fn read<T, F>(&self, mut f: F) -> Result<T, ApiError>
    where
        F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.reader.clone();
        run_blocking(move || {
            let mut conn = pool.get()?;
            // Whether `conn` came from `get` after the idle connections ran out: its
            // failure is the answer.
            let mut last = false;
            for _ in 0..=pool.max_size() {
                match f(&mut conn) {
                    Err(err) if !last && err.is_connection_lost() => {
                        LOST.set(true);
                        drop(conn);
                        conn = match pool.try_get() {
                            Some(idle) => idle,
                            None => {
                                last = true;
                                pool.get()?
                            }
                        };
                    }
                    answer => return answer,
                }
            }
            f(&mut conn)
        })
        .await
    }

    /// The change generation read caches check against.
    pub fn changes(&self) -> &Arc<ChangeSignal> {
        &self.changes
    }

    /// Watches for commits by other instances (see `changes`).
    pub fn watch_external_changes(&self, settings: &DbSettings) -> std::io::Result<()> {
        changes::watch(settings, &self.changes)
    }

    /// Runs `f` in one transaction on the writer, off the async workers; any error
    /// rolls the whole of it back. Once it committed, every cached read is stale.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_articles(move |conn, touched| {
            *touched = Touched::everything();
            f(conn)
        })
        .await
    }

    /// As [`write`](Self::write), for a transaction that says which articles it
    /// changed: once it committed, only cached reads of those articles are stale (and
    /// nothing, if it named none). `f` must name every article whose counts, comments
    /// or metadata it may change, and may change nothing else a cache holds (authors'
    /// names, settings: those need `write`).
    pub async fn write_articles<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &mut Touched) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(batcher) = &self.batcher {
            let (job, result) = writer::job_touching(f);
            return Self::queue(batcher, job, result).await;
        }
        let pool = self.writer.clone();
        let changes = self.changes.clone();
        run_blocking(move || {
            let mut conn = pool.get()?;
            let conn: &mut DbConnection = &mut conn;
            let mut touched = Touched::default();
            let mut noted = false;
            let result = conn.transaction(|conn| {
                let result = f(conn, &mut touched)?;
                changes::note_own(conn, &changes)?;
                noted = true;
                Ok(result)
            });
            if result.is_ok() {
                changes.bump_touched(&touched);
            } else if noted {
                // The commit failed as far as we know, but may have happened (a
                // connection lost after it), and the watcher takes it for ours.
                changes.bump();
            }
            result
        })
        .await
    }

    /// As [`write_articles`](Self::write_articles), for a post to the article `key`:
    /// its counter changes wait in the `Tally` and are written as the transaction's last
    /// statements, once per row for the whole batch the post is committed in (SQLite's
    /// writer, or on PostgreSQL the posting lane of its article: see `writer`), so a busy
    /// article's row is updated once per batch and not held while posts are written; a
    /// batch of posts inserts its comments with one statement (see `writer::Post`).
    pub async fn write_posting<P: writer::Post>(
        &self,
        key: &str,
        post: P,
    ) -> Result<P::Out, ApiError> {
        let lane = match &self.batcher {
            Some(batcher) => batcher,
            None => {
                let mut hash = std::hash::DefaultHasher::new();
                std::hash::Hash::hash(key, &mut hash);
                let n = std::hash::Hasher::finish(&hash) as usize % self.lanes.len().max(1);
                match self.lanes.get(n) {
                    Some(lane) => lane,
                    None => {
                        return Err(ApiError::Unexpected(anyhow::anyhow!("no posting lane")));
                    }
                }
            }
        };
        let (job, result) = writer::job_posting(post);
        Self::queue(lane, job, result).await
    }

    /// Hands a job to a writer thread and waits for its outcome.
    async fn queue<T>(
        batcher: &std::sync::mpsc::Sender<writer::Job>,
        job: writer::Job,
        result: tokio::sync::oneshot::Receiver<Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        batcher
            .send(job)
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("the writer thread stopped")))?;
        result
            .await
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("a write was dropped")))?
    }

    /// As `write`, for a transaction that may change the site settings: only this can
    /// call `settings::save`, and it moves the settings generation after the commit.
    pub async fn write_settings<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut SettingsTx<'_>) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let result = self.write(move |conn| f(&mut SettingsTx { conn })).await;
        if result.is_ok() {
            self.changes.bump_settings();
        }
        result
    }

    /// Runs `f` on the writer connection outside the request path (migrations, CLI:
    /// other instances' watchers see what it commits).
    pub fn with_writer_blocking<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut conn = self.writer.get()?;
        if self.backend == Backend::Sqlite {
            // Flushed at each commit: the writer thread's flusher does not see these.
            conn.batch_execute("PRAGMA synchronous = FULL")?;
        }
        let result = f(&mut conn);
        // SQLite's writer does not see its own connection's commits as another
        // writer's: whatever this did, cached reads are stale.
        self.changes.bump();
        result
    }

    /// (pool, connections in use, idle connections) for each pool.
    pub fn pool_state(&self) -> Vec<(&'static str, f64, f64)> {
        let describe = |name, pool: &Pool| {
            let state = pool.state();
            let idle = f64::from(state.idle_connections);
            (name, f64::from(state.connections) - idle, idle)
        };
        match self.backend {
            Backend::Postgres => vec![describe("main", &self.reader)],
            Backend::Sqlite => vec![
                describe("reader", &self.reader),
                describe("writer", &self.writer),
            ],
        }
    }

    /// Answers whether the database responds.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.read(|conn| Ok(conn.batch_execute("SELECT 1")?)).await
    }
}

/// A write transaction that may change the site settings (made by `Db::write_settings`).
pub struct SettingsTx<'a> {
    conn: &'a mut DbConnection,
}

impl std::ops::Deref for SettingsTx<'_> {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl std::ops::DerefMut for SettingsTx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// Whether `err` is a unique violation on the index or column named by `needle`.
pub fn is_unique_violation_on(err: &diesel::result::Error, needle: &str) -> bool {
    match err {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) => {
            info.constraint_name().is_some_and(|c| c.contains(needle))
                || info.message().contains(needle)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// The bundled SQLite carries the flags of `.cargo/config.toml`: without them every
    /// `.first()` query is re-planned on each execution (see BENCHMARKS.md).
    #[test]
    fn bundled_sqlite_is_built_with_the_performance_flags() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }
}
