//! SQLite's single writer with group commit, and PostgreSQL's posting lanes.
//!
//! SQLite takes one writer at a time, and every commit must reach the disk before anyone
//! hears of it. Writes are therefore queued to one thread, which runs whatever has queued
//! up (up to `MAX_BATCH`) in one transaction, each request in its own savepoint, and
//! commits once: a request that fails rolls back only its own savepoint, and no request
//! hears of success before the commit that holds its changes is durable. Posts leave
//! their counter changes to the end of the batch (`tally`), so a busy article's row is
//! updated once per batch, not once per post. A batch of posts runs first without
//! savepoints, its articles read and its comments inserted once for all its posts
//! (`commit_posts`), and again with savepoints, each post whole, if one of its posts
//! fails (`commit`).
//!
//! The writer's commits are made durable off its thread (`Durable`): its connection
//! commits with `synchronous=NORMAL`, which writes the log without flushing it, and a
//! thread of its own flushes the log once for every batch committed meanwhile and only
//! then tells their requests. The writer runs the next batch while the disk works.
//!
//! PostgreSQL takes many writers, but posts to one article all update its row: one at
//! a time, each holding the row until its commit is on disk. Posts there go to a few
//! posting lanes, chosen by article, each a thread doing the same as SQLite's writer on
//! a connection of the pool: a busy article's posts commit together, with one update
//! of its row, and posts to other articles go on in the other lanes.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{
    Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError, channel, sync_channel,
};
use std::sync::{Arc, OnceLock};

use diesel::Connection;
use diesel::connection::SimpleConnection;

use super::articles::Known;
use super::changes::{ChangeSignal, Touched, WriterWatch};
use super::comments::{self, Comment, NewComment};
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
    /// Runs the work on `conn` in a savepoint of its own (inside the batch's
    /// transaction); keeps the outcome for `finish`.
    fn run(&mut self, conn: &mut DbConnection) -> Ran;
    /// A post's work, which can also run in two parts around its comment's insert.
    fn post(&mut self) -> Option<&mut dyn Staged> {
        None
    }
    /// Forgets the outcome of a run whose changes were rolled back.
    fn forget(&mut self);
    /// Tells the request its outcome: `commit_error` if the batch failed; that it was not
    /// run, if it was not.
    fn finish(self: Box<Self>, commit_error: Option<&str>);
}

/// A post's work in the two parts a batch of posts runs (`commit_posts`), directly in
/// the batch's transaction: each part keeps its outcome, and the first that fails sends
/// the batch to run again, each post whole in a savepoint (`Work::run`).
trait Staged {
    /// The key of the article it posts to.
    fn article_key(&self) -> Option<&str>;
    /// Runs the post up to its comment's insert: the comment to insert, or how it ended.
    fn stage(&mut self, conn: &mut DbConnection, known: &Known) -> Stage;
    /// Runs the rest, given its comment as stored.
    fn complete(&mut self, conn: &mut DbConnection, comment: Comment) -> Ran;
}

/// How a post's first part ended.
enum Stage {
    /// It goes on: its comment to insert.
    Insert(Box<NewComment>),
    /// It ended: it did not run, failed or panicked.
    Ended(Ran),
}

/// One request's work, queued to a writer thread.
pub struct Job {
    work: Box<dyn Work>,
}

/// Starts SQLite's writer thread; it stops when every sender is dropped.
pub fn spawn(pool: Pool, changes: Arc<ChangeSignal>) -> std::io::Result<Sender<Job>> {
    // The first look, before anyone reads: later looks compare with it.
    let mut watch = WriterWatch::default();
    let mut durable = None;
    if let Ok(mut conn) = pool.get() {
        watch.check(&mut conn, &changes);
        if let Some(log) = log_file(&mut conn) {
            match Durable::spawn(&log) {
                Ok(flusher) => durable = Some(flusher),
                // The writer flushes as it commits (`synchronous=FULL`).
                Err(e) => {
                    tracing::warn!(error = %e, log = %log.display(), "no flusher for the write-ahead log")
                }
            }
        }
    }
    start(
        "sqlite-writer".into(),
        pool,
        changes,
        Some(watch),
        durable,
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
    start(
        format!("posting-lane-{n}"),
        pool,
        changes,
        None,
        None,
        LANE_BATCH,
    )
}

fn start(
    name: String,
    pool: Pool,
    changes: Arc<ChangeSignal>,
    watch: Option<WriterWatch>,
    durable: Option<Durable>,
    max_batch: usize,
) -> std::io::Result<Sender<Job>> {
    let (jobs, queue) = channel::<Job>();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || run(&pool, &changes, &queue, watch, durable.as_ref(), max_batch))?;
    Ok(jobs)
}

fn run(
    pool: &Pool,
    changes: &ChangeSignal,
    queue: &Receiver<Job>,
    mut watch: Option<WriterWatch>,
    durable: Option<&Durable>,
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
        let mut pooled = match pool.get() {
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
        let conn: &mut DbConnection = &mut pooled;
        if let Some(durable) = durable {
            if let Some(reason) = durable.failed.get() {
                for job in batch {
                    job.work.finish(Some(reason));
                }
                continue;
            }
            // The commit writes the log; `durable` flushes it. (Set for each batch: the
            // CLI's writes on this connection set it back to FULL.)
            if let Err(e) = conn.batch_execute("PRAGMA synchronous = NORMAL") {
                tracing::warn!(error = %e, "the writer could not leave flushing to its flusher");
            }
        }
        // Busy writing: still look for other writers' commits now and then.
        if let Some(watch) = watch.as_mut().filter(|w| w.due()) {
            watch.check(conn, changes);
        }
        // A batch of posts runs first without savepoints (see `commit_posts`).
        let posts = batch.iter_mut().all(|job| job.work.post().is_some());
        let mut outcome = if posts {
            commit_posts(conn, &mut batch, changes)
        } else {
            commit(conn, &mut batch, changes)
        };
        if posts && matches!(outcome, Err(Failed::Work)) {
            for job in &mut batch {
                job.work.forget();
            }
            outcome = commit(conn, &mut batch, changes);
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
            Err(Failed::Db(e)) => {
                // The commit may have happened all the same (a connection lost after
                // it), and the watcher takes a noted transaction for ours.
                changes.bump();
                Some(format!("the commit failed: {e}"))
            }
        };
        // (Back to the pool while the flusher may keep the writer waiting.)
        drop(pooled);
        // Those after a failed counter update or a panic did not run: they hear so.
        let committed = Committed { batch, reason };
        match durable {
            Some(durable) => durable.hand_over(committed),
            None => committed.finish(None),
        }
    }
}

/// A batch whose fate is known, and why it failed if it did.
struct Committed {
    batch: Vec<Job>,
    reason: Option<String>,
}

impl Committed {
    /// Tells each request its outcome (`lost`: the log could not be flushed).
    fn finish(self, lost: Option<&str>) {
        let reason = self.reason.as_deref().or(lost);
        for job in self.batch {
            job.work.finish(reason);
        }
    }
}

/// Most committed batches waiting for the flusher before the writer waits for it.
const UNFLUSHED_BATCHES: usize = 64;

/// SQLite's flusher: the thread that makes the writer's commits durable (see the module
/// documentation). With `synchronous=FULL` SQLite flushes the log inside each commit,
/// holding the database's one write lock: a quarter of the writer's time while posting
/// went to waiting for the disk, time every queued request waited through. The writer
/// now commits with `synchronous=NORMAL` (the commit's pages written to the log, not
/// flushed) and hands the batch here; this thread flushes the log (`fdatasync`) once for
/// every batch committed before the flush began, then tells their requests. So no request
/// hears of success before its commit is on disk, as before. What changes: a batch is
/// visible to readers from its commit, a flush (about a millisecond) before its
/// requests hear of it; a power failure in between loses batches no one was told had
/// succeeded, as one before their commit would. SQLite flushes the log before each
/// checkpoint copies it back, with `NORMAL` as with `FULL`, so no frame leaves the log
/// unflushed. A flush that fails leaves the log's state on disk unknown (Linux may
/// drop the failed pages), and a later one that succeeds would not bring them back:
/// the writer then refuses every write until Tribune restarts (as PostgreSQL stops).
/// (Batches committed before that failure hear of it too, though they stay in the
/// database: a client that tries again may post twice, but nothing it was told had
/// succeeded is lost.) The log is flushed through one handle, opened before the first
/// commit and kept: Linux reports a write-back error to every handle open when it
/// happened, but not to one opened after another handle (the checkpointer's) saw it.
/// Databases without a log file (in memory) keep `FULL` and no flusher.
struct Durable {
    queue: SyncSender<Committed>,
    /// Why writes are refused, once a flush failed.
    failed: Arc<OnceLock<String>>,
}

impl Durable {
    /// The flusher of the log file `log` (which the writer's connection has opened).
    fn spawn(log: &Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(log)?;
        let log = log.to_owned();
        Self::with_flush(move || {
            // The log cannot be replaced while the writer's connection is open; were it,
            // this handle's flushes would no longer reach the commits.
            if !still_at(&file, &log)? {
                return Err(std::io::Error::other("the log file was replaced"));
            }
            // As SQLite flushes its log: `fdatasync`.
            file.sync_data()
        })
    }

    /// A flusher that flushes the log with `flush_log`.
    fn with_flush(
        flush_log: impl FnMut() -> std::io::Result<()> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (queue, committed) = sync_channel(UNFLUSHED_BATCHES);
        let failed = Arc::new(OnceLock::new());
        let failing = failed.clone();
        std::thread::Builder::new()
            .name("sqlite-flush".into())
            .spawn(move || flush(&committed, &failing, flush_log))?;
        Ok(Self { queue, failed })
    }

    /// Passes a batch to the flusher (waiting while it is `UNFLUSHED_BATCHES` behind).
    fn hand_over(&self, committed: Committed) {
        let committed = match self.queue.try_send(committed) {
            Ok(()) => return,
            Err(TrySendError::Full(committed)) => match self.queue.send(committed) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            Err(TrySendError::Disconnected(committed)) => committed,
        };
        let reason = "the write-ahead log's flusher stopped: restart Tribune";
        let _ = self.failed.set(reason.to_owned());
        committed.finish(Some(reason));
    }
}

/// The flusher's loop: flushes once for all the batches waiting, then tells them.
fn flush(
    queue: &Receiver<Committed>,
    failed: &OnceLock<String>,
    mut flush_log: impl FnMut() -> std::io::Result<()>,
) {
    while let Ok(first) = queue.recv() {
        let mut waiting = vec![first];
        waiting.extend(queue.try_iter());
        if failed.get().is_none()
            && let Err(e) = flush_log()
        {
            tracing::error!(
                error = %e,
                "the write-ahead log could not be flushed to disk: every write is refused until Tribune restarts"
            );
            let _ = failed.set(format!(
                "the write-ahead log could not be flushed to disk ({e}): restart Tribune"
            ));
        }
        for committed in waiting {
            committed.finish(failed.get().map(String::as_str));
        }
    }
}

/// Whether `file` is still the file at `path` (on Unix: the same device and inode).
fn still_at(file: &std::fs::File, path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (open, named) = (file.metadata()?, std::fs::metadata(path)?);
        Ok((open.dev(), open.ino()) == (named.dev(), named.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(true)
    }
}

/// The writer's log file, if the database is a file in WAL mode.
fn log_file(conn: &mut DbConnection) -> Option<PathBuf> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;
    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Database {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        file: String,
    }
    let mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result::<Mode>(conn)
        .ok()?;
    if !mode.journal_mode.eq_ignore_ascii_case("wal") {
        return None;
    }
    let main = diesel::sql_query("PRAGMA database_list")
        .load::<Database>(conn)
        .ok()?
        .into_iter()
        .find(|d| d.name == "main")?;
    (!main.file.is_empty()).then(|| PathBuf::from(format!("{}-wal", main.file)))
}

/// Why a batch did not commit.
enum Failed {
    /// A post failed in a batch run without savepoints (`commit_posts`): the batch must
    /// run again with one for each (`commit`).
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

/// Runs `batch` in one transaction, each request in its own savepoint, so that one that
/// fails rolls back only its own changes, and commits it; returns what its kept writes
/// touched. No request hears its outcome before the batch's fate is known. (The
/// transaction is noted as the instance's own for the watcher: `changes::note_own`.)
fn commit(
    conn: &mut DbConnection,
    batch: &mut [Job],
    changes: &ChangeSignal,
) -> Result<Touched, Failed> {
    conn.transaction::<_, Failed, _>(|conn| {
        let mut touched = Touched::default();
        // Posts' counter changes, written once per row before another request (which
        // may read them) and before the commit.
        let mut deferred = Tally::default();
        for job in batch.iter_mut() {
            if job.work.post().is_none() {
                deferred.apply(conn)?;
            }
            keep(job.work.run(conn), true, &mut touched, &mut deferred)?;
        }
        deferred.apply(conn)?;
        super::changes::note_own(conn, changes)?;
        Ok(touched)
    })
}

/// Runs a batch of posts in one transaction and commits it, without savepoints: each
/// post's first part, then one statement inserting all their comments, then each post's
/// rest. A savepoint costs two statements per request, on PostgreSQL two round trips and
/// a subtransaction, and an insert of its own one more: posts, nearly all of which
/// succeed, run so first. The first that fails, or a failed insert, rolls the whole
/// transaction back (`Failed::Work`), and `commit` runs the batch again, each post whole
/// in its savepoint. (So does a reply to a comment posted earlier in the same batch,
/// whose parent is not stored when its first part runs.)
fn commit_posts(
    conn: &mut DbConnection,
    batch: &mut [Job],
    changes: &ChangeSignal,
) -> Result<Touched, Failed> {
    conn.transaction::<_, Failed, _>(|conn| {
        let mut touched = Touched::default();
        let mut deferred = Tally::default();
        let mut rows = Vec::with_capacity(batch.len());
        let mut posts = Vec::with_capacity(batch.len());
        // The batch's articles, read with one query.
        let mut keys = Vec::with_capacity(batch.len());
        for job in batch.iter_mut() {
            let Some(post) = job.work.post() else {
                return Err(Failed::Work);
            };
            keys.extend(post.article_key().map(str::to_owned));
        }
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let known = Known::read(conn, &keys).map_err(|e| {
            tracing::warn!(error = %e, "a batch's articles could not be read: each post again alone");
            Failed::Work
        })?;
        for job in batch.iter_mut() {
            let Some(post) = job.work.post() else {
                return Err(Failed::Work);
            };
            match post.stage(conn, &known) {
                Stage::Insert(row) => {
                    rows.push(*row);
                    posts.push(post);
                }
                Stage::Ended(ran) => keep(ran, false, &mut touched, &mut deferred)?,
            }
        }
        let stored = comments::insert_all(conn, &rows).map_err(|e| {
            tracing::warn!(error = %e, "a batch's comments failed to insert: each post again alone");
            Failed::Work
        })?;
        for ((post, row), comment) in posts.into_iter().zip(&rows).zip(stored) {
            if (comment.article_id, comment.author_id, comment.parent_id, &comment.body)
                != (row.article_id, row.author_id, row.parent_id, &row.body)
            {
                return Err(Failed::Db(ApiError::Unexpected(anyhow::anyhow!(
                    "a batch's inserted comments came back in another order"
                ))));
            }
            let ran = post.complete(conn, comment);
            keep(ran, false, &mut touched, &mut deferred)?;
        }
        deferred.apply(conn)?;
        super::changes::note_own(conn, changes)?;
        Ok(touched)
    })
}

/// Takes in what a request's run left: what it touched and its counter changes, if it
/// kept its changes. A run that panicked fails the batch; one that failed without a
/// savepoint (not `isolated`) left its changes in the transaction, none of which can
/// stay, and the batch must run again.
fn keep(
    ran: Ran,
    isolated: bool,
    touched: &mut Touched,
    deferred: &mut Tally,
) -> Result<(), Failed> {
    if ran.panicked {
        // diesel may still count the panicked savepoint as open, so the batch's
        // "commit" would only release it: roll everything back.
        return Err(Failed::Db(ApiError::Unexpected(anyhow::anyhow!(
            "a write panicked"
        ))));
    }
    match ran.kept {
        Some(kept) => {
            touched.merge(kept);
            deferred.merge(ran.tally);
        }
        None if !isolated && !ran.skipped => return Err(Failed::Work),
        None => {}
    }
    Ok(())
}

/// A post's work in two parts around its comment's insert, so that a batch of posts
/// inserts its comments with one statement (`commit_posts`). Its parts may run again,
/// the earlier run's changes rolled back (the post then runs whole in a savepoint): they
/// must change nothing but the database.
pub trait Post: Send + 'static {
    /// What the post answers once committed.
    type Out: Send + 'static;
    /// The key of the article it posts to, which its batch reads ahead (`Known`).
    fn article_key(&self) -> Option<&str> {
        None
    }
    /// Everything before the insert: returns the comment to insert. `known`: articles
    /// its batch read ahead (none when it runs alone).
    fn before(
        &mut self,
        conn: &mut DbConnection,
        known: &Known,
        touched: &mut Touched,
        tally: &mut Tally,
    ) -> Result<NewComment, ApiError>;
    /// Everything after, given the comment as stored (and counted in `tally`).
    fn after(
        &mut self,
        conn: &mut DbConnection,
        comment: Comment,
        touched: &mut Touched,
        tally: &mut Tally,
    ) -> Result<Self::Out, ApiError>;
}

/// Wraps a request's work, which says what it touched, into a job whose result arrives
/// on the returned channel.
pub fn job_touching<T, F>(f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, ApiError>>)
where
    F: FnOnce(&mut DbConnection, &mut Touched) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    let work = Box::new(Request {
        f: Some(f),
        outcome: None,
        done,
        span: tracing::Span::current(),
    });
    (Job { work }, result)
}

/// A job for a post, whose counter changes wait in its `Tally` for the end of the batch.
pub fn job_posting<P: Post>(
    post: P,
) -> (
    Job,
    tokio::sync::oneshot::Receiver<Result<P::Out, ApiError>>,
) {
    let (done, result) = tokio::sync::oneshot::channel();
    let work = Box::new(PostRequest {
        post,
        staged: None,
        outcome: None,
        done,
        span: tracing::Span::current(),
    });
    (Job { work }, result)
}

/// A request's work, its outcome once run, and where the outcome goes.
struct Request<T, F> {
    /// Taken by its run: only batches of posts run again.
    f: Option<F>,
    outcome: Option<Result<T, ApiError>>,
    done: tokio::sync::oneshot::Sender<Result<T, ApiError>>,
    span: tracing::Span,
}

impl<T, F> Work for Request<T, F>
where
    F: FnOnce(&mut DbConnection, &mut Touched) -> Result<T, ApiError> + Send,
    T: Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> Ran {
        let Self { f, span, done, .. } = self;
        let (outcome, ran) = attempt(done.is_closed(), span, Default::default(), |touched, _| {
            match f.take() {
                // Inside the batch's transaction this is a savepoint.
                Some(f) => conn.transaction(|conn| f(conn, touched)),
                None => Err(ApiError::Unexpected(anyhow::anyhow!("a write ran twice"))),
            }
        });
        self.outcome = Some(outcome);
        ran
    }

    fn forget(&mut self) {
        self.outcome = None;
    }

    fn finish(self: Box<Self>, commit_error: Option<&str>) {
        deliver(self.outcome, commit_error, self.done);
    }
}

/// A post's work, its outcome once run, and where the outcome goes.
struct PostRequest<P: Post> {
    post: P,
    /// What its first part touched and left to the batch, until its rest runs.
    staged: Option<(Touched, Tally)>,
    outcome: Option<Result<P::Out, ApiError>>,
    done: tokio::sync::oneshot::Sender<Result<P::Out, ApiError>>,
    span: tracing::Span,
}

impl<P: Post> Work for PostRequest<P> {
    fn run(&mut self, conn: &mut DbConnection) -> Ran {
        let Self {
            post, span, done, ..
        } = self;
        let (outcome, ran) = attempt(
            done.is_closed(),
            span,
            Default::default(),
            |touched, tally| {
                // Inside the batch's transaction this is a savepoint.
                conn.transaction(|conn| {
                    let row = post.before(conn, &Known::default(), touched, tally)?;
                    let comment = comments::insert(conn, &row, tally)?;
                    post.after(conn, comment, touched, tally)
                })
            },
        );
        self.outcome = Some(outcome);
        ran
    }

    fn post(&mut self) -> Option<&mut dyn Staged> {
        Some(self)
    }

    fn forget(&mut self) {
        self.staged = None;
        self.outcome = None;
    }

    fn finish(self: Box<Self>, commit_error: Option<&str>) {
        deliver(self.outcome, commit_error, self.done);
    }
}

impl<P: Post> Staged for PostRequest<P> {
    fn article_key(&self) -> Option<&str> {
        self.post.article_key()
    }

    fn stage(&mut self, conn: &mut DbConnection, known: &Known) -> Stage {
        let Self {
            post, span, done, ..
        } = self;
        let (outcome, ran) = attempt(
            done.is_closed(),
            span,
            Default::default(),
            |touched, tally| post.before(conn, known, touched, tally),
        );
        match outcome {
            Ok(row) => {
                self.staged = Some((ran.kept.unwrap_or_default(), ran.tally));
                Stage::Insert(Box::new(row))
            }
            Err(e) => {
                self.outcome = Some(Err(e));
                Stage::Ended(ran)
            }
        }
    }

    fn complete(&mut self, conn: &mut DbConnection, comment: Comment) -> Ran {
        let staged = self.staged.take().unwrap_or_default();
        let Self { post, span, .. } = self;
        let (outcome, ran) = attempt(false, span, staged, |touched, tally| {
            comments::count_new(conn, tally, &comment)?;
            post.after(conn, comment, touched, tally)
        });
        self.outcome = Some(outcome);
        ran
    }
}

/// Runs a request's work `f`, given what it touched and tallied so far, unless its
/// client has gone (`gone`), catching a panic: a panic must not take the writer thread
/// (and every later write) with it. Returns its outcome and what the run left.
fn attempt<T>(
    gone: bool,
    span: &tracing::Span,
    (mut touched, mut tally): (Touched, Tally),
    f: impl FnOnce(&mut Touched, &mut Tally) -> Result<T, ApiError>,
) -> (Result<T, ApiError>, Ran) {
    let mut panicked = false;
    let outcome = if gone {
        // The client gave up waiting (its request timed out): it was told nothing was
        // stored, so nothing is.
        Err(ApiError::Unavailable(anyhow::anyhow!(
            "the request ended before its turn"
        )))
    } else {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            span.in_scope(|| f(&mut touched, &mut tally))
        }))
        .unwrap_or_else(|_| {
            panicked = true;
            Err(ApiError::Unexpected(anyhow::anyhow!("a write panicked")))
        })
    };
    let kept = outcome.is_ok().then_some(touched);
    let ran = Ran {
        panicked,
        skipped: gone,
        kept,
        tally,
    };
    (outcome, ran)
}

/// Tells a request its outcome: `commit_error` if the batch failed; that it was not run,
/// if it was not.
fn deliver<T>(
    outcome: Option<Result<T, ApiError>>,
    commit_error: Option<&str>,
    done: tokio::sync::oneshot::Sender<Result<T, ApiError>>,
) {
    let outcome = match (outcome, commit_error) {
        (Some(Ok(_)), Some(reason)) => Err(ApiError::Unavailable(anyhow::anyhow!("{reason}"))),
        (Some(outcome), _) => outcome,
        // Not run: only when the batch failed before its turn.
        (None, reason) => Err(ApiError::Unavailable(anyhow::anyhow!(
            "{}",
            reason.unwrap_or("not run")
        ))),
    };
    let _ = done.send(outcome);
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::Post;
    use crate::db::changes::Touched;
    use crate::db::comments::{Comment, NewComment};
    use crate::db::tally::Tally;
    use crate::db::{Db, DbConnection, DbSettings};
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

    /// A database with the schema and one article (id 1) for `TestPost`s.
    async fn posting_db() -> (tempfile::TempDir, Db) {
        let (dir, db) = sqlite();
        crate::db::migrations::run_pending(&db).unwrap();
        db.write(|conn| {
            crate::db::articles::get_or_create(
                conn,
                "a",
                None,
                None,
                chrono::Utc::now().naive_utc(),
            )
        })
        .await
        .unwrap();
        (dir, db)
    }

    /// A post for these tests: `f` runs first (its error ends the post), then an approved
    /// comment on article 1, a reply to `parent` if given, is stored. Fails after the
    /// insert if `fail_after`. Its outcome: `f`'s, and the comment stored.
    struct TestPost<T, F> {
        f: F,
        parent: Option<i64>,
        fail_after: bool,
        out: Option<T>,
    }

    fn test_post<T, F>(f: F) -> TestPost<T, F> {
        TestPost {
            f,
            parent: None,
            fail_after: false,
            out: None,
        }
    }

    impl<T, F> Post for TestPost<T, F>
    where
        F: FnMut(&mut DbConnection, &mut Tally) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        type Out = (T, Comment);

        fn before(
            &mut self,
            conn: &mut DbConnection,
            _: &crate::db::articles::Known,
            _: &mut Touched,
            tally: &mut Tally,
        ) -> Result<NewComment, ApiError> {
            self.out = Some((self.f)(conn, tally)?);
            if let Some(id) = self.parent {
                crate::db::comments::find(conn, crate::domain::comment::CommentId(id))?
                    .ok_or(ApiError::NotFound("comment"))?;
            }
            let at = chrono::Utc::now().naive_utc();
            Ok(NewComment {
                article_id: 1,
                parent_id: self.parent,
                thread_id: self.parent.unwrap_or(0),
                depth: i32::from(self.parent.is_some()),
                author_id: None,
                body: "x".to_owned(),
                html: "<p>x</p>".to_owned(),
                status: "approved".to_owned(),
                moderation_reason: None,
                rejection_reason: None,
                hook_result: None,
                created_at: at,
                updated_at: at,
            })
        }

        fn after(
            &mut self,
            _: &mut DbConnection,
            comment: Comment,
            _: &mut Touched,
            _: &mut Tally,
        ) -> Result<Self::Out, ApiError> {
            if self.fail_after {
                return Err(ApiError::NotFound("comment"));
            }
            let out = self.out.take().ok_or(ApiError::NotFound("outcome"))?;
            Ok((out, comment))
        }
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

        let (_dir, db) = posting_db().await;
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
            db.write_posting(
                "a",
                test_post(move |_: &mut DbConnection, tally: &mut Tally| {
                    rows(tally, &n.to_string());
                    if n % 2 == 1 {
                        return Err(ApiError::NotFound("comment"));
                    }
                    Ok(())
                }),
            )
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

        let (_dir, db) = posting_db().await;
        db.write(|conn| Ok(conn.batch_execute("CREATE TABLE t (x INTEGER UNIQUE)")?))
            .await
            .unwrap();
        let runs = Arc::new(AtomicUsize::new(0));
        // Each post writes its row; 1, 3 and 5 fail after writing it, 7 writes 0 again
        // (a failed statement).
        let posts = (0..8).map(|n| {
            let runs = runs.clone();
            db.write_posting(
                "a",
                test_post(move |conn: &mut DbConnection, _: &mut Tally| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    let x = if n == 7 { 0 } else { n };
                    conn.batch_execute(&format!("INSERT INTO t VALUES ({x})"))?;
                    if n % 2 == 1 {
                        return Err(ApiError::NotFound("comment"));
                    }
                    Ok(n)
                }),
            )
        });
        // The writer busy with another write while the posts queue: they are one batch.
        let outcomes = while_writer_busy(&db, 0, futures::future::join_all(posts)).await;
        let kept: Vec<Option<i32>> = outcomes.into_iter().map(|o| o.ok().map(|o| o.0)).collect();
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
            let post = db.write_posting(
                "a",
                test_post(move |conn: &mut DbConnection, _: &mut Tally| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    Ok(conn.batch_execute(&format!("INSERT INTO t VALUES ({n})"))?)
                }),
            );
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
    async fn a_batch_of_posts_stores_its_comments_together_in_order_and_counts_them() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};

        use diesel::prelude::*;

        use crate::db::schema::{articles, comments};

        let (_dir, db) = posting_db().await;
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = {
            let runs = runs.clone();
            move |conn: &mut DbConnection, _: &mut Tally| {
                let _ = conn;
                runs.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        };
        let stored = || {
            db.write(|conn| {
                let rows: Vec<(i64, i64, Option<i64>)> = comments::table
                    .order(comments::id.asc())
                    .select((comments::id, comments::thread_id, comments::parent_id))
                    .load(conn)?;
                let count: i64 = articles::table
                    .find(1)
                    .select(articles::comment_count)
                    .first(conn)?;
                Ok((rows, count))
            })
        };

        // Four posts in one batch, the third failing after its insert: the batch runs
        // again, each post whole, and only the others' comments stay, in queue order,
        // each its own thread, counted.
        let posts = (0..4).map(|n| {
            let mut post = test_post(counted.clone());
            post.fail_after = n == 2;
            db.write_posting("a", post)
        });
        let outcomes = while_writer_busy(&db, 0, futures::future::join_all(posts)).await;
        let ids: Vec<Option<i64>> = outcomes
            .iter()
            .map(|o| o.as_ref().ok().map(|(_, c)| c.id))
            .collect();
        assert!(ids[2].is_none(), "the failed post was stored: {ids:?}");
        let kept: Vec<i64> = ids.iter().flatten().copied().collect();
        assert_eq!(kept.len(), 3, "{ids:?}");
        assert!(
            kept.windows(2).all(|w| w[0] < w[1]),
            "not in order: {kept:?}"
        );
        for outcome in outcomes.iter().flatten() {
            assert_eq!(outcome.1.thread_id, outcome.1.id, "not its own thread");
        }
        let (rows, count) = stored().await.unwrap();
        let expected: Vec<(i64, i64, Option<i64>)> =
            kept.iter().map(|&id| (id, id, None)).collect();
        assert_eq!(rows, expected);
        assert_eq!(count, 3, "the article's count");
        // Four first parts together, then four whole posts.
        assert_eq!(runs.load(Ordering::Relaxed), 4 + 4);

        // A reply to a comment posted earlier in the same batch: its parent is not
        // stored when its first part runs, so the batch runs again and both are kept.
        runs.store(0, Ordering::Relaxed);
        let next = kept.last().copied().unwrap_or(0) + 1;
        let top = db.write_posting("a", test_post(counted.clone()));
        let mut reply = test_post(counted.clone());
        reply.parent = Some(next);
        let reply = db.write_posting("a", reply);
        let (top, reply) = while_writer_busy(&db, 0, async { futures::join!(top, reply) }).await;
        let (top, reply) = (top.unwrap().1, reply.unwrap().1);
        assert_eq!(top.id, next);
        assert_eq!(
            (reply.parent_id, reply.thread_id, reply.depth),
            (Some(next), next, 1)
        );
        assert_eq!(runs.load(Ordering::Relaxed), 2 + 2);
        let (rows, count) = stored().await.unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(count, 5, "the article's count");
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

    /// A request for the flusher tests: it only hears its outcome.
    struct Told(std::sync::mpsc::Sender<Option<String>>);

    impl super::Work for Told {
        fn run(&mut self, _: &mut DbConnection) -> super::Ran {
            super::Ran {
                panicked: false,
                skipped: true,
                kept: None,
                tally: Tally::default(),
            }
        }
        fn forget(&mut self) {}
        fn finish(self: Box<Self>, commit_error: Option<&str>) {
            let _ = self.0.send(commit_error.map(str::to_owned));
        }
    }

    fn committed(
        reason: Option<&str>,
    ) -> (super::Committed, std::sync::mpsc::Receiver<Option<String>>) {
        let (tell, told) = std::sync::mpsc::channel();
        let batch = vec![super::Job {
            work: Box::new(Told(tell)),
        }];
        let reason = reason.map(str::to_owned);
        (super::Committed { batch, reason }, told)
    }

    #[test]
    fn the_flusher_tells_no_request_before_the_log_is_flushed_and_none_after_a_failed_flush() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;

        let (queue, waiting) = std::sync::mpsc::sync_channel(super::UNFLUSHED_BATCHES);
        let failed = std::sync::Arc::new(std::sync::OnceLock::new());
        // Each flush waits for the test to say how it ends.
        let (gate, flushes) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let calls = std::sync::Arc::new(AtomicUsize::new(0));
        let (failing, counted) = (failed.clone(), calls.clone());
        let flusher = std::thread::spawn(move || {
            super::flush(&waiting, &failing, || {
                counted.fetch_add(1, Ordering::SeqCst);
                flushes.recv().unwrap()
            })
        });
        let short = Duration::from_millis(100);

        // Committed: not told until its flush is done.
        let (batch, told) = committed(None);
        queue.send(batch).unwrap();
        assert!(told.recv_timeout(short).is_err(), "told before the flush");
        gate.send(Ok(())).unwrap();
        assert_eq!(told.recv_timeout(Duration::from_secs(5)).unwrap(), None);

        // A batch that failed keeps its reason.
        let (batch, told) = committed(Some("a request of the batch failed"));
        queue.send(batch).unwrap();
        gate.send(Ok(())).unwrap();
        assert_eq!(
            told.recv_timeout(Duration::from_secs(5))
                .unwrap()
                .as_deref(),
            Some("a request of the batch failed")
        );

        // A failed flush: its batch hears so, and so does every later one, unflushed.
        let (batch, told) = committed(None);
        queue.send(batch).unwrap();
        gate.send(Err(std::io::Error::other("disk gone"))).unwrap();
        let heard = told.recv_timeout(Duration::from_secs(5)).unwrap().unwrap();
        assert!(
            heard.contains("could not be flushed") && heard.contains("disk gone"),
            "{heard}"
        );
        assert!(failed.get().is_some(), "writes are not refused");
        let before = calls.load(Ordering::SeqCst);
        let (later, told_later) = committed(None);
        queue.send(later).unwrap();
        assert!(
            told_later
                .recv_timeout(Duration::from_secs(5))
                .unwrap()
                .is_some()
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            before,
            "flushed after a failure"
        );
        drop(queue);
        flusher.join().unwrap();
    }

    #[tokio::test]
    async fn the_writer_commits_without_flushing_and_the_cli_flushes_its_own() {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Synchronous {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let (dir, db) = sqlite();
        let read = |conn: &mut DbConnection| -> Result<i32, ApiError> {
            Ok(diesel::sql_query("PRAGMA synchronous")
                .get_result::<Synchronous>(conn)?
                .synchronous)
        };
        // 1: NORMAL (the flusher flushes), 2: FULL.
        assert_eq!(db.write(read).await.unwrap(), 1);
        assert_eq!(db.with_writer_blocking(|conn| Ok(read(conn)?)).unwrap(), 2);
        assert_eq!(db.write(read).await.unwrap(), 1);
        let log = db
            .with_writer_blocking(|conn| Ok(super::log_file(conn)))
            .unwrap()
            .unwrap();
        assert_eq!(log, dir.path().join("t.db-wal"));
        assert!(log.exists());
        let mut memory = DbConnection::Sqlite(
            <diesel::SqliteConnection as diesel::Connection>::establish(":memory:").unwrap(),
        );
        assert_eq!(super::log_file(&mut memory), None);
    }

    #[tokio::test]
    async fn the_writer_answers_a_commit_only_once_the_flusher_flushed_it() {
        use diesel::RunQueryDsl;
        use std::time::{Duration, Instant};

        let (dir, _db) = sqlite();
        let settings = DbSettings {
            url: dir.path().join("t.db").to_string_lossy().into_owned(),
            pool_size: 1,
            pool_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        };
        let pool = r2d2::Pool::builder()
            .max_size(1)
            .build(crate::db::ConnectionManager::new(&settings))
            .unwrap();
        // The flush waits for the test.
        let (gate, flushes) = std::sync::mpsc::channel::<()>();
        let durable =
            super::Durable::with_flush(move || flushes.recv().map_err(std::io::Error::other))
                .unwrap();
        let jobs = super::start(
            "test-writer".into(),
            pool,
            std::sync::Arc::default(),
            None,
            Some(durable),
            8,
        )
        .unwrap();
        let (job, mut answer) = super::job_touching(|conn, _| {
            Ok(conn.batch_execute(
                "CREATE TABLE flushed (x INTEGER); INSERT INTO flushed VALUES (1)",
            )?)
        });
        jobs.send(job).unwrap();

        // Committed: another connection sees it, and the request has heard nothing.
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut reader =
            <diesel::SqliteConnection as diesel::Connection>::establish(&settings.url).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while diesel::sql_query("SELECT count(*) AS n FROM flushed")
            .get_result::<Count>(&mut reader)
            .map_or(0, |c| c.n)
            != 1
        {
            assert!(Instant::now() < deadline, "not committed");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(answer.try_recv().is_err(), "answered before its flush");

        // Flushed: answered.
        gate.send(()).unwrap();
        let told = tokio::time::timeout(Duration::from_secs(5), answer)
            .await
            .unwrap()
            .unwrap();
        assert!(told.is_ok(), "{told:?}");
    }
}
