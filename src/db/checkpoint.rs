//! SQLite's WAL checkpoints, off the writer thread.
//!
//! In WAL mode SQLite appends each commit to the write-ahead log, and by default the
//! connection that commits copies the log back into the database file once it has grown
//! past a thousand pages (an automatic checkpoint), inside that commit. On the one writer
//! thread that was an eighth of its time while posting (perf): time every queued post
//! waits through. The writer's connection leaves them to a thread of its own, which runs
//! a `PASSIVE` checkpoint on another connection ten times a second: a
//! passive checkpoint waits for no writer or reader and blocks none, and copies what no
//! reader still needs; the log is reused from its start once all of it is copied. A
//! checkpoint changes no data, so the writer's watch for other writers' commits
//! (`PRAGMA data_version`) does not see it as one. Should the checkpointer fail or fall
//! behind, the writer still checkpoints once the log passes `WRITER_FALLBACK_PAGES`
//! (ten times SQLite's default): the log cannot grow without bound.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use r2d2::ManageConnection;

use super::{ConnectionManager, DbConnection};

/// The writer's own automatic checkpoints start only past this many pages of log (40
/// MiB at 4 KiB pages): a safety net, never reached while the checkpointer keeps up.
pub const WRITER_FALLBACK_PAGES: u32 = 10_000;
const _: () = assert!(WRITER_FALLBACK_PAGES > 1000, "above SQLite's default");

/// How often the checkpointer copies the log back.
const EVERY: Duration = Duration::from_millis(100);

/// Starts the checkpointer on a connection of its own from `manager` (opened when first
/// needed, again after a failure); it stops when the returned sender (and every clone of
/// it) is dropped.
pub fn spawn(manager: ConnectionManager) -> std::io::Result<Sender<()>> {
    let (keep, stop) = channel();
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || run(&manager, &stop))?;
    Ok(keep)
}

fn run(manager: &ConnectionManager, stop: &Receiver<()>) {
    let mut conn: Option<DbConnection> = None;
    let mut failing = false;
    loop {
        match stop.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let done = checkpoint(manager, &mut conn);
        match &done {
            // Told once per run of failures; the log only grows meanwhile.
            Err(e) if !failing => tracing::warn!(error = %e, "WAL checkpoints are failing"),
            Err(_) => {}
            Ok(()) if failing => tracing::info!("WAL checkpoints work again"),
            Ok(()) => {}
        }
        failing = done.is_err();
    }
}

/// One passive checkpoint on `conn`, opened first if need be (and dropped if it fails).
fn checkpoint(manager: &ConnectionManager, conn: &mut Option<DbConnection>) -> Result<(), String> {
    let open = match conn {
        Some(open) => open,
        None => conn.insert(manager.connect().map_err(|e| e.to_string())?),
    };
    let done = open
        .batch_execute("PRAGMA wal_checkpoint(PASSIVE);")
        .map_err(|e| e.to_string());
    if done.is_err() {
        *conn = None;
    }
    done
}
