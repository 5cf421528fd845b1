//! SQLite's single writer with group commit, and PostgreSQL's posting lanes.
//!
//! SQLite takes one writer at a time, and with `synchronous=FULL` every commit waits for
//! the disk. Writes are therefore queued to one thread, which runs whatever has queued
//! up (up to `MAX_BATCH`) in one transaction, each request in its own savepoint, and
//! commits once: a request that fails rolls back only its own savepoint, and no request
//! hears of success before the commit that holds its changes is durable. Posts leave
//! their counter changes to the end of the batch (`tally`), so a busy article's row is
//! updated once per batch, not once per post. A batch of posts runs first without
//! savepoints, and again with them if one of its posts fails (`commit`).
//!
//! PostgreSQL takes many writers, but posts to one article all update its row: one at
//! a time, each holding the row until its commit is on disk. Posts there go to a few
//! posting lanes, chosen by article, each a thread doing the same as SQLite's writer on
//! a connection of the pool: a busy article's posts commit together, with one update
//! of its row, and posts to other articles go on in the other lanes.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};

use diesel::Connection;

use super::changes::{ChangeSignal, Touched, WriterWatch};
use super::tally::Tally;
use super::{DbConnection, Pool};
use crate::error::ApiError;

/// Most requests committed together.
const MAX_BATCH: usize = 128;

/// What a request's work left in one run: what it touched if it succeeded (kept its
/// changes), and the counter changes it left to the batch (see `tally`).
struct Ran {
    /// The work panicked: the state of its changes is unknown, so the batch must fail.
    panicked: bool,
    /// The work did not run (its client had gone): it changed nothing.
    skipped: bool,
    kept: Option<Touched>,
    tally: Tally,
}

/// A request's work and where its outcome goes.
trait Work: Send {
    /// Runs the work on `conn`, in a savepoint of its own if `isolated`, else directly in
    /// the batch's transaction; keeps the outcome for `finish`. A post's work may run
    /// twice (see `commit`): the first run's changes are then rolled back.
    fn run(&mut self, conn: &mut DbConnection, isolated: bool) -> Ran;
    /// Forgets the outcome of a run whose changes were rolled back.
    fn forget(&mut self);
    /// Tells the request its outcome: `commit_error` if the batch failed; that it was not
    /// run, if it was not.
    fn finish(self: Box<Self>, commit_error: Option<&str>);
}

/// One request's work, queued to a writer thread.
pub struct Job {
    /// Whether it may leave counter changes to the end of the batch, and reads no
    /// counter an earlier request of the batch may have left there (a post). Such work
    /// can also run again from the start (see `commit`).
    defers: bool,
    work: Box<dyn Work>,
}

/// Starts SQLite's writer thread; it stops when every sender is dropped.
pub fn spawn(pool: Pool, changes: Arc<ChangeSignal>) -> std::io::Result<Sender<Job>> {
    // The first look, before anyone reads: later looks compare with it.
    let mut watch = WriterWatch::default();
    if let Ok(mut conn) = pool.get() {
        watch.check(&mut conn, &changes);
    }
    start(
        "sqlite-writer".into(),
        pool,
        changes,
        Some(watch),
        MAX_BATCH,
    )
}

/// Most posts one PostgreSQL posting lane commits together. When the batch runs again
/// after one failed (see `commit`), each runs in a savepoint, a subtransaction:
/// PostgreSQL keeps up to 64 of a transaction's subtransactions in shared memory, and
/// past that every other snapshot has to look them up on disk.
const LANE_BATCH: usize = 32;

/// Starts one of PostgreSQL's posting lanes (see `Db::write_posting`): a thread that
/// commits the posts queued to it in batches, as SQLite's writer does, on a connection
/// of `pool`; it stops when every sender is dropped.
pub fn spawn_lane(
    pool: Pool,
    changes: Arc<ChangeSignal>,
    n: usize,
) -> std::io::Result<Sender<Job>> {
    start(format!("posting-lane-{n}"), pool, changes, None, LANE_BATCH)
}

fn start(
    name: String,
    pool: Pool,
    changes: Arc<ChangeSignal>,
    watch: Option<WriterWatch>,
    max_batch: usize,
) -> std::io::Result<Sender<Job>> {
    let (jobs, queue) = channel::<Job>();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || run(&pool, &changes, &queue, watch, max_batch))?;
    Ok(jobs)
}

fn run(
    pool: &Pool,
    changes: &ChangeSignal,
    queue: &Receiver<Job>,
    mut watch: Option<WriterWatch>,
    max_batch: usize,
) {
    loop {
        let next = match &watch {
            Some(_) => queue.recv_timeout(WriterWatch::POLL),
            // Nothing to look at while idle: sleep until work comes.
            None => queue.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let first = match next {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                // Idle: look for other writers' commits.
                if let Some(watch) = &mut watch {
                    match pool.get() {
                        Ok(mut conn) => watch.check(&mut conn, changes),
                        Err(_) => changes.bump_external(),
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                // Everything queued would wait as long again: refuse it all now.
                let reason = format!("no database connection: {e}");
                for job in batch.into_iter().chain(queue.try_iter()) {
                    job.work.finish(Some(&reason));
                }
                continue;
            }
        };
        let conn: &mut DbConnection = &mut conn;
        // Busy writing: still look for other writers' commits now and then.
        if let Some(watch) = watch.as_mut().filter(|w| w.due()) {
            watch.check(conn, changes);
        }
        // A batch of posts runs first without savepoints (see `commit`).
        let optimistic = batch.iter().all(|job| job.defers);
        let mut outcome = commit(conn, &mut batch, optimistic);
        if optimistic && matches!(outcome, Err(Failed::Work)) {
            for job in &mut batch {
                job.work.forget();
            }
            outcome = commit(conn, &mut batch, false);
        }
        let reason = match outcome {
            Ok(touched) => {
                // Only what the batch's kept writes touched goes stale (nothing, if
                // every request failed and rolled back).
                changes.bump_touched(&touched);
                None
            }
            // (Only a run without savepoints fails with `Work`, and it has run again.)
            Err(Failed::Work) => Some("a request of the batch failed".to_owned()),
            Err(Failed::Db(e)) => Some(format!("the commit failed: {e}")),
        };
        // Those after a failed counter update or a panic did not run: they hear so.
        for job in batch {
            job.work.finish(reason.as_deref());
        }
    }
}

/// Why a batch did not commit.
enum Failed {
    /// A request's work failed while running without a savepoint: the batch must run
    /// again with one for each.
    Work,
    /// The database failed, or a request's work panicked: the batch fails.
    Db(ApiError),
}

impl From<ApiError> for Failed {
    fn from(e: ApiError) -> Self {
        Self::Db(e)
    }
}

impl From<diesel::result::Error> for Failed {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Runs `batch` in one transaction and commits it; returns what its kept writes touched.
///
/// Each request runs in its own savepoint, so that one that fails rolls back only its
/// own changes, unless `optimistic`: then each runs directly in the transaction, and the
/// first that fails rolls the whole transaction back (`Failed::Work`), to be run again
/// with savepoints. A savepoint costs two statements per request, on PostgreSQL two
/// round trips and a subtransaction; posts, nearly all of which succeed, run without
/// them first. No request hears its outcome before the batch's fate is known.
fn commit(conn: &mut DbConnection, batch: &mut [Job], optimistic: bool) -> Result<Touched, Failed> {
    conn.transaction::<_, Failed, _>(|conn| {
        let mut touched = Touched::default();
        // Posts' counter changes, written once per row before another request (which
        // may read them) and before the commit.
        let mut deferred = Tally::default();
        for job in batch.iter_mut() {
            if !job.defers {
                deferred.apply(conn)?;
            }
            let ran = job.work.run(conn, !optimistic);
            if ran.panicked {
                // diesel may still count the panicked savepoint as open, so the
                // batch's "commit" would only release it: roll everything back.
                return Err(Failed::Db(ApiError::Unexpected(anyhow::anyhow!(
                    "a write panicked"
                ))));
            }
            match ran.kept {
                Some(kept) => {
                    touched.merge(kept);
                    deferred.merge(ran.tally);
                }
                // Its changes, if any, are in the transaction: none of it can stay.
                None if optimistic && !ran.skipped => return Err(Failed::Work),
                None => {}
            }
        }
        deferred.apply(conn)?;
        Ok(touched)
    })
}

/// Wraps a request's work, which says what it touched, into a job whose result arrives
/// on the returned channel.
pub fn job_touching<T, F>(f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, ApiError>>)
where
    F: FnOnce(&mut DbConnection, &mut Touched) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    // Run once only: only posts' batches run again (`commit`).
    let mut f = Some(f);
    wrap(false, move |conn, touched, _| match f.take() {
        Some(f) => f(conn, touched),
        None => Err(ApiError::Unexpected(anyhow::anyhow!("a write ran twice"))),
    })
}

/// As [`job_touching`], for a post, whose counter changes wait in its `Tally` for the
/// end of the batch. `f` may run twice, the first run's changes rolled back (`commit`):
/// it must change nothing but the database.
pub fn job_posting<T, F>(f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, ApiError>>)
where
    F: FnMut(&mut DbConnection, &mut Touched, &mut Tally) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    wrap(true, f)
}

fn wrap<T, F>(defers: bool, f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, ApiError>>)
where
    F: FnMut(&mut DbConnection, &mut Touched, &mut Tally) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    let work = Box::new(Request {
        f,
        outcome: None,
        done,
        span: tracing::Span::current(),
    });
    (Job { defers, work }, result)
}

/// A request's work, its outcome once run, and where the outcome goes.
struct Request<T, F> {
    f: F,
    outcome: Option<Result<T, ApiError>>,
    done: tokio::sync::oneshot::Sender<Result<T, ApiError>>,
    span: tracing::Span,
}

impl<T, F> Work for Request<T, F>
where
    F: FnMut(&mut DbConnection, &mut Touched, &mut Tally) -> Result<T, ApiError> + Send,
    T: Send,
{
    fn run(&mut self, conn: &mut DbConnection, isolated: bool) -> Ran {
        let mut touched = Touched::default();
        let mut tally = Tally::default();
        let mut panicked = false;
        let Self { f, span, done, .. } = self;
        let skipped = done.is_closed();
        let outcome = if skipped {
            // The client gave up waiting (its request timed out): it was told nothing
            // was stored, so nothing is.
            Err(ApiError::Unavailable(anyhow::anyhow!(
                "the request ended before its turn"
            )))
        } else {
            // A panic must not take the writer thread (and every later write) with it.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                span.in_scope(|| {
                    if isolated {
                        // Inside the batch's transaction this is a savepoint.
                        conn.transaction(|conn| f(conn, &mut touched, &mut tally))
                    } else {
                        f(conn, &mut touched, &mut tally)
                    }
                })
            }))
            .unwrap_or_else(|_| {
                panicked = true;
                Err(ApiError::Unexpected(anyhow::anyhow!("a write panicked")))
            })
        };
        let kept = outcome.is_ok().then_some(touched);
        self.outcome = Some(outcome);
        Ran {
            panicked,
            skipped,
            kept,
            tally,
        }
    }

    fn forget(&mut self) {
        self.outcome = None;
    }

    fn finish(self: Box<Self>, commit_error: Option<&str>) {
        let outcome = match (self.outcome, commit_error) {
            (Some(Ok(_)), Some(reason)) => Err(ApiError::Unavailable(anyhow::anyhow!("{reason}"))),
            (Some(outcome), _) => outcome,
            // Not run: only when the batch failed before its turn.
            (None, reason) => Err(ApiError::Unavailable(anyhow::anyhow!(
                "{}",
                reason.unwrap_or("not run")
            ))),
        };
        let _ = self.done.send(outcome);
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use crate::db::{Db, DbSettings};
    use crate::error::ApiError;

    fn sqlite() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let settings = DbSettings {
            url: dir.path().join("t.db").to_string_lossy().into_owned(),
            pool_size: 2,
            pool_timeout: std::time::Duration::from_secs(5),
            sqlite_busy_timeout: std::time::Duration::from_secs(5),
        };
        let db = Db::connect(&settings).unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn only_writes_that_kept_their_changes_move_the_generation() {
        let (_dir, db) = sqlite();
        let before = db.changes().generation();
        let failed = db
            .write(|_| Err::<(), _>(ApiError::NotFound("comment")))
            .await;
        assert!(failed.is_err());
        assert_eq!(db.changes().generation(), before, "a failed write bumped");
        db.write(|conn| Ok(conn.batch_execute("CREATE TABLE t (x INTEGER)")?))
            .await
            .unwrap();
        assert_ne!(db.changes().generation(), before);
    }

    #[tokio::test]
    async fn writes_that_name_their_articles_leave_other_articles_current() {
        let (_dir, db) = sqlite();
        let signal = db.changes().clone();
        // (The writer's first looks count as changes: let them pass.)
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let (base, a, b) = (
            signal.base_generation(),
            signal.article_generation("a"),
            signal.article_generation("b"),
        );
        db.write_articles(|conn, touched| {
            touched.article("a");
            Ok(conn.batch_execute("CREATE TABLE t (x INTEGER)")?)
        })
        .await
        .unwrap();
        // Past a few of the writer's looks: its own commit is not another writer's.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_ne!(signal.article_generation("a"), a);
        assert_eq!(
            signal.article_generation("b"),
            b,
            "another article went stale"
        );
        assert_eq!(signal.base_generation(), base, "everything went stale");
        db.write(|conn| Ok(conn.batch_execute("INSERT INTO t VALUES (1)")?))
            .await
            .unwrap();
        assert_ne!(signal.base_generation(), base, "an undeclared write");
    }

    #[tokio::test]
    async fn the_log_is_checkpointed_off_the_writer_and_that_is_no_change() {
        let (dir, db) = sqlite();
        let signal = db.changes().clone();
        #[derive(diesel::QueryableByName)]
        struct Pages {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            wal_autocheckpoint: i64,
        }
        let fallback = db
            .write(|conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query("PRAGMA wal_autocheckpoint").get_result::<Pages>(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(
            fallback.wal_autocheckpoint,
            i64::from(crate::db::checkpoint::WRITER_FALLBACK_PAGES)
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let base = signal.base_generation();
        db.write_articles(|conn, touched| {
            touched.article("a");
            conn.batch_execute(
                "CREATE TABLE t (x TEXT); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
                 INSERT INTO t SELECT printf('%.500c', 'x') FROM n;",
            )?;
            Ok(())
        })
        .await
        .unwrap();
        // The writer checkpoints only past its fallback, far above this megabyte (and
        // above SQLite's default of a thousand pages): the megabyte reaches the database
        // file only through the checkpointer.
        let file = dir.path().join("t.db");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&file).unwrap().len() < 1_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the log was not checkpointed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // Past a few more checkpoints and the writer's looks.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(
            signal.base_generation(),
            base,
            "a checkpoint counted as another writer's commit"
        );
    }

    #[tokio::test]
    async fn a_failed_posts_log_line_and_event_are_not_written_with_its_batch() {
        use diesel::prelude::*;

        use crate::db::events::NewEvent;
        use crate::db::moderation::NewLogLine;
        use crate::db::schema::{events, moderation_log};

        let (_dir, db) = sqlite();
        crate::db::migrations::run_pending(&db).unwrap();
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        let rows = move |tally: &mut crate::db::tally::Tally, marker: &str| {
            tally.log_line(NewLogLine {
                at,
                actor_id: None,
                action: "auto_approve",
                comment_id: None,
                user_id: None,
                reason: None,
                note: Some(marker.to_owned()),
            });
            tally.event(NewEvent {
                event_id: format!("evt_{marker}"),
                event_type: "comment.created",
                article_key: None,
                payload: "{}".to_owned(),
                created_at: at,
            });
        };
        // Queued together, so mostly in one batch; either way only the kept post's rows
        // may be written, in the order the posts ran.
        let posts = (0..6).map(|n| {
            db.write_posting("a", move |_, _, tally| {
                rows(tally, &n.to_string());
                if n % 2 == 1 {
                    return Err(ApiError::NotFound("comment"));
                }
                Ok(())
            })
        });
        let outcomes = futures::future::join_all(posts).await;
        let failed: Vec<bool> = outcomes.iter().map(Result::is_err).collect();
        assert_eq!(failed, [false, true, false, true, false, true]);
        let (lines, stored) = db
            .write(|conn| {
                let lines: Vec<Option<String>> = moderation_log::table
                    .order(moderation_log::id.asc())
                    .select(moderation_log::note)
                    .load(conn)?;
                let stored: Vec<String> = events::table
                    .order(events::id.asc())
                    .select(events::event_id)
                    .load(conn)?;
                Ok((lines, stored))
            })
            .await
            .unwrap();
        let notes: Vec<&str> = lines.iter().flatten().map(String::as_str).collect();
        assert_eq!(notes, ["0", "2", "4"]);
        assert_eq!(stored, ["evt_0", "evt_2", "evt_4"]);
    }

    /// Runs `queue` (requests sent to the writer on its first poll) while the writer is
    /// busy with another write, which ends `hold_ms` after they were sent: they are one
    /// batch.
    async fn while_writer_busy<F: std::future::Future>(
        db: &Db,
        hold_ms: u64,
        queue: F,
    ) -> F::Output {
        let (started, has_started) = std::sync::mpsc::channel();
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let busy = db.write(move |_| {
            let _ = started.send(());
            let _ = wait.recv_timeout(std::time::Duration::from_secs(10));
            Ok(())
        });
        let queued = async {
            while has_started.try_recv().is_err() {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            let release = async {
                tokio::time::sleep(std::time::Duration::from_millis(hold_ms)).await;
                let _ = go.send(());
            };
            // `queue` is polled first: its requests are sent before the writer goes on.
            futures::join!(queue, release).0
        };
        let (busy, output) = futures::join!(busy, queued);
        busy.unwrap();
        output
    }

    #[tokio::test]
    async fn posts_that_fail_in_a_batch_run_without_savepoints_roll_back_alone() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};

        let (_dir, db) = sqlite();
        db.write(|conn| Ok(conn.batch_execute("CREATE TABLE t (x INTEGER UNIQUE)")?))
            .await
            .unwrap();
        let runs = Arc::new(AtomicUsize::new(0));
        // Each post writes its row; 1, 3 and 5 fail after writing it, 7 writes 0 again
        // (a failed statement).
        let posts = (0..8).map(|n| {
            let runs = runs.clone();
            db.write_posting("a", move |conn, _, _| {
                runs.fetch_add(1, Ordering::Relaxed);
                let x = if n == 7 { 0 } else { n };
                conn.batch_execute(&format!("INSERT INTO t VALUES ({x})"))?;
                if n % 2 == 1 {
                    return Err(ApiError::NotFound("comment"));
                }
                Ok(n)
            })
        });
        // The writer busy with another write while the posts queue: they are one batch.
        let outcomes = while_writer_busy(&db, 0, futures::future::join_all(posts)).await;
        let kept: Vec<Option<i32>> = outcomes.into_iter().map(Result::ok).collect();
        assert_eq!(
            kept,
            [Some(0), None, Some(2), None, Some(4), None, Some(6), None]
        );
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            x: i32,
        }
        let rows = db
            .write(|conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query("SELECT x FROM t ORDER BY x").load::<Row>(conn)?)
            })
            .await
            .unwrap();
        let rows: Vec<i32> = rows.into_iter().map(|r| r.x).collect();
        assert_eq!(
            rows,
            [0, 2, 4, 6],
            "a failed post's row stayed, or a kept one went"
        );
        // Without savepoints up to the first that failed, then all again, with them.
        assert_eq!(runs.load(Ordering::Relaxed), 2 + 8);

        // Posts that succeed run once; one whose client gave up does not run, and the
        // batch need not run again for it.
        runs.store(0, Ordering::Relaxed);
        let posts = (10..18).map(|n| {
            let runs = runs.clone();
            let post = db.write_posting("a", move |conn, _, _| {
                runs.fetch_add(1, Ordering::Relaxed);
                Ok(conn.batch_execute(&format!("INSERT INTO t VALUES ({n})"))?)
            });
            let patience = std::time::Duration::from_millis(if n == 12 { 10 } else { 5000 });
            tokio::time::timeout(patience, post)
        });
        // The writer held until the impatient one has given up.
        let outcomes = while_writer_busy(&db, 200, futures::future::join_all(posts)).await;
        let stored: Vec<bool> = outcomes
            .into_iter()
            .map(|o| o.is_ok_and(|r| r.is_ok()))
            .collect();
        assert_eq!(stored, [true, true, false, true, true, true, true, true]);
        assert_eq!(
            runs.load(Ordering::Relaxed),
            7,
            "a post ran again, or the abandoned one ran"
        );
    }

    #[tokio::test]
    async fn another_connections_commit_makes_everything_stale() {
        use diesel::Connection;
        let (dir, db) = sqlite();
        let signal = db.changes().clone();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let base = signal.base_generation();
        let mut other =
            diesel::SqliteConnection::establish(&dir.path().join("t.db").to_string_lossy())
                .unwrap();
        other.batch_execute("CREATE TABLE u (x INTEGER)").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while signal.base_generation() == base {
            assert!(
                std::time::Instant::now() < deadline,
                "another writer's commit went unnoticed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}
