//! The change generations: numbers that move whenever the database may have changed,
//! so read caches know when their entries went stale.
//!
//! Two kinds. The *base* generation moves with every change that may have touched
//! anything; each *article* generation (4096 of them: an article has the one its key
//! hashes to) moves with this instance's writes that said they changed that article
//! (`Db::write_articles`: posting, editing, deleting and liking comments). A read of one
//! article is good while both its article's and the base generation stand; a read of
//! many articles (a whole count answer) checks [`ChangeSignal::generation`], which moves
//! with every change of either kind.
//!
//! This instance's writes bump right after they commit (in `Db::write` and its
//! batching writer). Writes by other instances or by the command line are noticed by a
//! watcher that polls a cheap marker every few milliseconds and bumps the base
//! generation when it moved, at once and again one poll later (so an answer read in the
//! instant between a commit's record and its visibility cannot stay cached):
//!
//! - on SQLite the batching writer thread itself, between batches, on its own
//!   connection's `PRAGMA data_version`, which moves with every commit of *another*
//!   connection and never with its own, so this instance's writes stay as precise as
//!   they said ([`WriterWatch`]);
//! - on PostgreSQL a thread polling `pg_current_wal_lsn()`, which moves with every
//!   commit record, this instance's own included: there every write also makes
//!   everything stale a few milliseconds later (telling one's own commits from others'
//!   would need a marker all instances write, which costs every write).
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

/// How many article generations there are: an article's is the one its key hashes to,
/// so a write to one article leaves every article of the other stripes cached.
const STRIPES: usize = 4096;

/// The shared generations.
#[derive(Debug)]
pub struct ChangeSignal {
    /// Moves with every change, whatever it touched.
    generation: AtomicU64,
    /// Moves with every change that may have touched anything (not with writes that
    /// said which articles they changed).
    base: AtomicU64,
    /// Moves with every commit of another writer (another instance, the command line).
    external: AtomicU64,
    /// Moves with every change of the site settings made by this instance.
    settings: AtomicU64,
    /// Per article (by the stripe its key hashes to): moves with this instance's writes
    /// that said which articles they changed (`Db::write_articles`).
    articles: Box<[AtomicU64]>,
}

impl Default for ChangeSignal {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            base: AtomicU64::new(0),
            external: AtomicU64::new(0),
            settings: AtomicU64::new(0),
            articles: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

/// The stripe of an article key (the same in every run: FNV-1a).
fn stripe(key: &str) -> usize {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // The remainder is below STRIPES, which fits in usize.
    usize::try_from(hash % STRIPES as u64).unwrap_or(0)
}

/// Which articles a write changed, as far as read caches can tell: only those, or
/// possibly anything (the safe answer, and what every write without a declaration is).
#[derive(Debug, Default)]
pub struct Touched {
    everything: bool,
    articles: Vec<String>,
}

impl Touched {
    /// Anything may have changed.
    pub fn everything() -> Self {
        Self {
            everything: true,
            articles: Vec::new(),
        }
    }

    /// The write changed what caches hold about the article with key `key`.
    pub fn article(&mut self, key: impl Into<String>) {
        if !self.everything {
            self.articles.push(key.into());
        }
    }

    /// Adds what another write of the same commit touched.
    pub fn merge(&mut self, other: Self) {
        if other.everything {
            self.everything = true;
            self.articles = Vec::new();
        } else if !self.everything {
            self.articles.extend(other.articles);
        }
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.articles.is_empty()
    }
}

impl ChangeSignal {
    /// The generation of the article with key `key` (see [`Touched`]): cached reads of
    /// one article are good while both it and [`generation`](Self::generation) stand.
    pub fn article_generation(&self, key: &str) -> u64 {
        self.articles
            .get(stripe(key))
            .map_or(0, |g| g.load(Ordering::SeqCst))
    }

    /// Marks what a committed write touched stale: its articles (and whatever spans
    /// articles), or everything.
    pub fn bump_touched(&self, touched: &Touched) {
        if touched.everything {
            self.bump();
            return;
        }
        if touched.articles.is_empty() {
            return;
        }
        for key in &touched.articles {
            if let Some(g) = self.articles.get(stripe(key)) {
                g.fetch_add(1, Ordering::SeqCst);
            }
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The generation of reads about one article, beside the article's own
    /// ([`article_generation`](Self::article_generation)): it moves with every change
    /// but the writes that said which articles they changed.
    pub fn base_generation(&self) -> u64 {
        self.base.load(Ordering::SeqCst)
    }

    /// The current generation: it moves with every change.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Marks every cached read stale.
    pub fn bump(&self) {
        self.base.fetch_add(1, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A commit by another writer (seen by the watcher): every read is stale.
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

/// Starts the watcher of PostgreSQL (it ends when the signal is dropped); SQLite's
/// writer thread watches for other writers itself ([`WriterWatch`]).
pub fn watch(settings: &DbSettings, signal: &Arc<ChangeSignal>) -> std::io::Result<()> {
    if Backend::of(&settings.url) == Backend::Sqlite {
        return Ok(());
    }
    let signal = Arc::downgrade(signal);
    let settings = settings.clone();
    std::thread::Builder::new()
        .name("db-change-watcher".into())
        .spawn(move || watch_postgres(&settings, &signal))
        .map(|_| ())
}

/// SQLite's watch for other writers, kept by the writer thread on its own connection:
/// `PRAGMA data_version` there moves with every commit of *another* connection and
/// never with the writer's own, so this instance's writes bump only what they touched
/// while every other writer's commit (another instance, the command line) bumps
/// everything, at once and once more a poll later. A temporary table marks the
/// connection: if the pool ever hands the writer a new one, the marker is missing,
/// and that is counted as a change too.
#[derive(Debug)]
pub struct WriterWatch {
    last: Option<i64>,
    settle: bool,
    checked: std::time::Instant,
}

impl Default for WriterWatch {
    fn default() -> Self {
        Self {
            last: None,
            settle: false,
            checked: std::time::Instant::now(),
        }
    }
}

#[derive(QueryableByName)]
struct Marker {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl WriterWatch {
    /// How long the writer may wait for work before it looks again.
    pub const POLL: Duration = POLL;

    /// Whether a look is due (the writer looks between batches at most this often).
    pub fn due(&self) -> bool {
        self.checked.elapsed() >= POLL
    }

    /// Looks at the writer connection's marker and bumps what another writer may have
    /// changed.
    pub fn check(&mut self, conn: &mut super::DbConnection, signal: &ChangeSignal) {
        self.checked = std::time::Instant::now();
        match Self::version(conn) {
            Some((current, same_connection)) => {
                let moved = !same_connection || self.last.is_none_or(|l| l != current);
                if moved || self.settle {
                    signal.bump_external();
                }
                self.settle = moved;
                self.last = Some(current);
            }
            None => {
                // Unknown state: assume the worst, and bump again once it reads.
                signal.bump_external();
                self.last = None;
                self.settle = true;
            }
        }
    }

    /// The connection's data version, and whether the connection is the one earlier
    /// looks saw (`false` the first time, or after the pool replaced it); `None` if it
    /// cannot be read.
    fn version(conn: &mut super::DbConnection) -> Option<(i64, bool)> {
        let marked = diesel::sql_query(
            "SELECT count(*) AS n FROM temp.sqlite_master WHERE name = 'tribune_writer_mark'",
        )
        .get_result::<Marker>(conn)
        .ok()?
        .n > 0;
        if !marked {
            diesel::sql_query("CREATE TEMP TABLE tribune_writer_mark (x INTEGER)")
                .execute(conn)
                .ok()?;
        }
        diesel::sql_query("PRAGMA data_version")
            .get_result::<DataVersion>(conn)
            .ok()
            .map(|v| (v.data_version, marked))
    }
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
