//! SQLite's single writer with group commit.
//!
//! SQLite takes one writer at a time, and with `synchronous=FULL` every commit waits for
//! the disk. Writes are therefore queued to one thread, which runs whatever has queued
//! up (up to `MAX_BATCH`) in one transaction, each request in its own savepoint, and
//! commits once: a request that fails rolls back only its own savepoint, and no request
//! hears of success before the commit that holds its changes is durable.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};

use diesel::Connection;

use super::changes::{ChangeSignal, Touched, WriterWatch};
use super::{DbConnection, Pool};
use crate::error::ApiError;

/// Most requests committed together.
const MAX_BATCH: usize = 128;

/// Reports the outcome of the batch's commit to one request: `None` if it committed.
pub type Finish = Box<dyn FnOnce(Option<&str>) + Send>;

/// One request's work: runs in its savepoint (or learns that there is no connection)
/// and returns what it touched if it succeeded (kept its changes), and what to do once
/// the batch's fate is known.
pub type Job = Box<dyn FnOnce(Result<&mut DbConnection, &str>) -> (Option<Touched>, Finish) + Send>;

/// Starts the writer thread; it stops when every sender is dropped.
pub fn spawn(pool: Pool, changes: Arc<ChangeSignal>) -> std::io::Result<Sender<Job>> {
    let (jobs, queue) = channel::<Job>();
    // The first look, before anyone reads: later looks compare with it.
    let mut watch = WriterWatch::default();
    if let Ok(mut conn) = pool.get() {
        watch.check(&mut conn, &changes);
    }
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || run(&pool, &changes, &queue, watch))?;
    Ok(jobs)
}

fn run(pool: &Pool, changes: &ChangeSignal, queue: &Receiver<Job>, mut watch: WriterWatch) {
    loop {
        let first = match queue.recv_timeout(WriterWatch::POLL) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                // Idle: look for other writers' commits.
                match pool.get() {
                    Ok(mut conn) => watch.check(&mut conn, changes),
                    Err(_) => changes.bump_external(),
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                let reason = format!("no database connection: {e}");
                for job in batch {
                    job(Err(&reason)).1(Some(&reason));
                }
                continue;
            }
        };
        let conn: &mut DbConnection = &mut conn;
        // Busy writing: still look for other writers' commits now and then.
        if watch.due() {
            watch.check(conn, changes);
        }
        let mut finishes = Vec::with_capacity(batch.len());
        let mut touched = Touched::default();
        let committed = conn.transaction::<(), diesel::result::Error, _>(|conn| {
            for job in batch {
                let (kept, finish) = job(Ok(conn));
                if let Some(kept) = kept {
                    touched.merge(kept);
                }
                finishes.push(finish);
            }
            Ok(())
        });
        match committed {
            Ok(()) => {
                // Only what the batch's kept writes touched goes stale (nothing, if
                // every request failed and rolled back).
                changes.bump_touched(&touched);
                for finish in finishes {
                    finish(None);
                }
            }
            Err(e) => {
                let reason = format!("the commit failed: {e}");
                for finish in finishes {
                    finish(Some(&reason));
                }
            }
        }
    }
}

/// Wraps a request's work, which may have touched anything, into a job whose result
/// arrives on the returned channel.
pub fn job<T, F>(f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, ApiError>>)
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    job_touching(move |conn, touched| {
        *touched = Touched::everything();
        f(conn)
    })
}

/// Wraps a request's work, which says what it touched, into a job whose result arrives
/// on the returned channel.
pub fn job_touching<T, F>(f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, ApiError>>)
where
    F: FnOnce(&mut DbConnection, &mut Touched) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    let span = tracing::Span::current();
    let job: Job = Box::new(move |conn| {
        let mut touched = Touched::default();
        let outcome = match conn {
            // Inside the batch's transaction this is a savepoint.
            // A panic must not take the writer thread (and every later write) with it.
            Ok(conn) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                span.in_scope(|| conn.transaction(|conn| f(conn, &mut touched)))
            }))
            .unwrap_or_else(|_| Err(ApiError::Unexpected(anyhow::anyhow!("a write panicked")))),
            Err(reason) => Err(ApiError::Unavailable(anyhow::anyhow!("{reason}"))),
        };
        let kept = outcome.is_ok().then_some(touched);
        let finish: Finish = Box::new(move |commit_error: Option<&str>| {
            let outcome = match (outcome, commit_error) {
                (Ok(_), Some(reason)) => Err(ApiError::Unavailable(anyhow::anyhow!("{reason}"))),
                (outcome, _) => outcome,
            };
            let _ = done.send(outcome);
        });
        (kept, finish)
    });
    (job, result)
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
