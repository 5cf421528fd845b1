//! The change generation: a number that moves whenever the database may have changed,
//! so read caches know when their entries went stale.
//!
//! This instance's writes bump it right after they commit (in `Db::write`). Writes by
//! other instances or by the command line are noticed by a watcher thread: on SQLite it
//! polls `PRAGMA data_version` (which moves whenever another connection commits); on
//! PostgreSQL it listens for the notifications that triggers on the tables behind the
//! cached answers send.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{Backend, DbSettings};

/// How often the watcher looks for other writers' commits.
const POLL: Duration = Duration::from_millis(5);

/// The shared generation.
#[derive(Debug, Default)]
pub struct ChangeSignal {
    generation: AtomicU64,
}

impl ChangeSignal {
    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Marks every cached read stale.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

/// Starts the watcher; it ends when the signal is dropped.
pub fn watch(settings: &DbSettings, signal: &Arc<ChangeSignal>) -> std::io::Result<()> {
    let signal = Arc::downgrade(signal);
    let settings = settings.clone();
    std::thread::Builder::new()
        .name("db-change-watcher".into())
        .spawn(move || match Backend::of(&settings.url) {
            Backend::Sqlite => watch_sqlite(&settings, &signal),
            Backend::Postgres => watch_postgres(&settings, &signal),
        })
        .map(|_| ())
}

fn watch_sqlite(settings: &DbSettings, signal: &Weak<ChangeSignal>) {
    let path = settings
        .url
        .strip_prefix("sqlite://")
        .or_else(|| settings.url.strip_prefix("sqlite:"))
        .unwrap_or(&settings.url);
    let mut last = None;
    let mut conn = None;
    while let Some(signal) = signal.upgrade() {
        if conn.is_none() {
            conn = SqliteConnection::establish(path).ok();
        }
        let version = conn.as_mut().and_then(|c| {
            diesel::sql_query("PRAGMA data_version")
                .get_result::<DataVersion>(c)
                .ok()
        });
        match version {
            Some(v) if last != Some(v.data_version) => {
                if last.is_some() {
                    signal.bump();
                }
                last = Some(v.data_version);
            }
            Some(_) => {}
            None => {
                // Unknown state: assume the worst and reconnect.
                signal.bump();
                conn = None;
            }
        }
        drop(signal);
        std::thread::sleep(POLL);
    }
}

fn watch_postgres(settings: &DbSettings, signal: &Weak<ChangeSignal>) {
    let mut conn: Option<PgConnection> = None;
    while let Some(signal) = signal.upgrade() {
        if conn.is_none() {
            conn = PgConnection::establish(&settings.url)
                .ok()
                .and_then(|mut c| c.batch_execute("LISTEN tribune_changes").ok().map(|()| c));
            // Whatever happened while not listening is unknown.
            signal.bump();
        }
        if let Some(c) = conn.as_mut() {
            let mut changed = false;
            let mut broken = false;
            for note in c.notifications_iter() {
                match note {
                    Ok(_) => changed = true,
                    Err(_) => broken = true,
                }
            }
            // notifications_iter only reads what has arrived; a trivial query pulls
            // new input from the socket and tells a dead connection.
            if c.batch_execute("SELECT 1").is_err() {
                broken = true;
            }
            for note in c.notifications_iter() {
                changed |= note.is_ok();
            }
            if changed || broken {
                signal.bump();
            }
            if broken {
                conn = None;
            }
        }
        drop(signal);
        std::thread::sleep(POLL);
    }
}
