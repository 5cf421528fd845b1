//! The change generation: a number that moves whenever the database may have changed,
//! so read caches know when their entries went stale.
//!
//! This instance's writes bump it right after they commit (in `Db::write`). Writes by
//! other instances or by the command line are noticed by a watcher thread that polls a
//! cheap marker every few milliseconds: on SQLite `PRAGMA data_version` (which moves
//! whenever another connection commits), on PostgreSQL `pg_current_wal_lsn()` (which
//! moves with every commit record). When the marker moves, the generation is bumped at
//! once and again one poll later, so an answer read in the instant between a commit's
//! record and its visibility cannot stay cached.
//!
//! (LISTEN/NOTIFY was tried first: PostgreSQL serialises the commits of notifying
//! transactions, which cut posting throughput.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{Backend, DbSettings};

/// How often the watcher looks for other writers' commits.
const POLL: Duration = Duration::from_millis(5);

/// The shared generation.
#[derive(Debug, Default)]
pub struct ChangeSignal {
    generation: AtomicU64,
    /// Moves with every commit the watcher noticed (this instance's own included).
    external: AtomicU64,
    /// Moves with every change of the site settings made by this instance.
    settings: AtomicU64,
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

    /// A commit seen by the watcher, possibly another instance's: every read is stale.
    pub fn bump_external(&self) {
        self.external.fetch_add(1, Ordering::SeqCst);
        self.bump();
    }

    /// This instance changed the site settings (call after the commit).
    pub fn bump_settings(&self) {
        self.settings.fetch_add(1, Ordering::SeqCst);
        self.bump();
    }

    /// The generation of the site settings: it moves when this instance changes them
    /// and whenever the watcher sees any commit, but not with this instance's other
    /// writes, so a stream of posts does not re-read the settings for each post.
    pub fn settings_generation(&self) -> u64 {
        self.external
            .load(Ordering::SeqCst)
            .wrapping_add(self.settings.load(Ordering::SeqCst))
    }
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

#[derive(QueryableByName)]
struct WalPosition {
    #[diesel(sql_type = Text)]
    lsn: String,
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
    let path = settings.driver_url().to_owned();
    poll(
        signal,
        || SqliteConnection::establish(&path).ok(),
        |conn| {
            diesel::sql_query("PRAGMA data_version")
                .get_result::<DataVersion>(conn)
                .ok()
                .map(|v| v.data_version.to_string())
        },
    );
}

fn watch_postgres(settings: &DbSettings, signal: &Weak<ChangeSignal>) {
    poll(
        signal,
        || PgConnection::establish(&settings.url).ok(),
        |conn| {
            diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
                .get_result::<WalPosition>(conn)
                .ok()
                .map(|p| p.lsn)
        },
    );
}

/// Polls `marker` until the signal is dropped, bumping the generation when it moves
/// (and once more a poll later), or when it cannot be read.
fn poll<C>(
    signal: &Weak<ChangeSignal>,
    connect: impl Fn() -> Option<C>,
    marker: impl Fn(&mut C) -> Option<String>,
) {
    let mut conn: Option<C> = None;
    let mut last: Option<String> = None;
    let mut settle = false;
    while let Some(signal) = signal.upgrade() {
        if conn.is_none() {
            conn = connect();
        }
        match conn.as_mut().and_then(&marker) {
            Some(current) => {
                let moved = last.as_ref().is_some_and(|l| *l != current);
                if moved || settle {
                    signal.bump_external();
                }
                settle = moved;
                last = Some(current);
            }
            None => {
                // Unknown state: assume the worst, reconnect, and bump again once the
                // marker reads again.
                signal.bump_external();
                conn = None;
                last = None;
                settle = true;
            }
        }
        drop(signal);
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::ChangeSignal;

    #[test]
    fn settings_stay_current_through_other_local_writes_only() {
        let signal = ChangeSignal::default();
        let (all, settings) = (signal.generation(), signal.settings_generation());
        signal.bump();
        assert_ne!(signal.generation(), all);
        assert_eq!(signal.settings_generation(), settings);
        signal.bump_settings();
        assert_ne!(signal.settings_generation(), settings);
        let settings = signal.settings_generation();
        let all = signal.generation();
        signal.bump_external();
        assert_ne!(signal.settings_generation(), settings);
        assert_ne!(signal.generation(), all);
    }
}
