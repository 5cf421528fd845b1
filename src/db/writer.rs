//! SQLite's single writer with group commit.
//!
//! SQLite takes one writer at a time, and with `synchronous=FULL` every commit waits for
//! the disk. Writes are therefore queued to one thread, which runs whatever has queued
//! up (up to `MAX_BATCH`) in one transaction, each request in its own savepoint, and
//! commits once: a request that fails rolls back only its own savepoint, and no request
//! hears of success before the commit that holds its changes is durable.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use diesel::Connection;

use super::changes::ChangeSignal;
use super::{DbConnection, Pool};
use crate::error::ApiError;

/// Most requests committed together.
const MAX_BATCH: usize = 128;

/// Reports the outcome of the batch's commit to one request: `None` if it committed.
pub type Finish = Box<dyn FnOnce(Option<&str>) + Send>;

/// One request's work: runs in its savepoint (or learns that there is no connection)
/// and returns whether it succeeded (kept its changes) and what to do once the batch's
/// fate is known.
pub type Job = Box<dyn FnOnce(Result<&mut DbConnection, &str>) -> (bool, Finish) + Send>;

/// Starts the writer thread; it stops when every sender is dropped.
pub fn spawn(pool: Pool, changes: Arc<ChangeSignal>) -> std::io::Result<Sender<Job>> {
    let (jobs, queue) = channel::<Job>();
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || run(&pool, &changes, &queue))?;
    Ok(jobs)
}

fn run(pool: &Pool, changes: &ChangeSignal, queue: &Receiver<Job>) {
    while let Ok(first) = queue.recv() {
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
        let mut finishes = Vec::with_capacity(batch.len());
        let mut changed = false;
        let committed = conn.transaction::<(), diesel::result::Error, _>(|conn| {
            for job in batch {
                let (succeeded, finish) = job(Ok(conn));
                changed |= succeeded;
                finishes.push(finish);
            }
            Ok(())
        });
        match committed {
            Ok(()) => {
                // A batch whose every request failed (and rolled back) changed nothing:
                // the caches stay as they are.
                if changed {
                    changes.bump();
                }
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

/// Wraps a request's work into a job whose result arrives on the returned channel.
pub fn job<T, F>(f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, ApiError>>)
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    let span = tracing::Span::current();
    let job: Job = Box::new(move |conn| {
        let outcome = match conn {
            // Inside the batch's transaction this is a savepoint.
            // A panic must not take the writer thread (and every later write) with it.
            Ok(conn) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                span.in_scope(|| conn.transaction(f))
            }))
            .unwrap_or_else(|_| Err(ApiError::Unexpected(anyhow::anyhow!("a write panicked")))),
            Err(reason) => Err(ApiError::Unavailable(anyhow::anyhow!("{reason}"))),
        };
        let succeeded = outcome.is_ok();
        let finish: Finish = Box::new(move |commit_error: Option<&str>| {
            let outcome = match (outcome, commit_error) {
                (Ok(_), Some(reason)) => Err(ApiError::Unavailable(anyhow::anyhow!("{reason}"))),
                (outcome, _) => outcome,
            };
            let _ = done.send(outcome);
        });
        (succeeded, finish)
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
}
