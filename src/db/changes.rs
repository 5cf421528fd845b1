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
//! - on PostgreSQL a thread polling `pg_current_snapshot()`, which says which
//!   transactions have ended (their changes visible, or rolled back) and which still
//!   run. Each of this instance's write transactions notes its id just before its commit
//!   ([`note_own`], one statement per transaction, not per request: a posting lane's
//!   batch notes one); a transaction that ended between two polls and is not among them
//!   is another writer's, and bumps everything. Transactions this instance did not note
//!   (a savepoint's, a background job's) count as another writer's: a needless bump,
//!   never a missed one.
//!
//! (LISTEN/NOTIFY was tried first: PostgreSQL serialises the commits of notifying
//! transactions, which cut posting throughput. Polling `pg_current_wal_lsn()`, as until
//! December 2026, moves with this instance's own commits too: under a stream of posts
//! every cached answer, the callers of access tokens included, went stale every few
//! milliseconds, a read of the account for nearly every post.)

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::prepared::Prepared;
use super::{Backend, DbConnection, DbSettings};
use crate::error::ApiError;

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
    /// PostgreSQL: the ids of this instance's write transactions not yet seen ended by
    /// the watcher ([`note_own`]), at most [`OWN_KEPT`].
    own: Mutex<BTreeSet<u64>>,
    /// How many of those the watcher has seen end.
    own_ended: AtomicU64,
}

/// Most transaction ids of this instance kept for the watcher; past it the oldest go
/// (their end then looks like another writer's: a needless bump, never a missed one).
const OWN_KEPT: usize = 65_536;

/// Most transaction ids the watcher looks at from one poll to the next; past it, it
/// bumps without looking.
const MAX_SPAN: u64 = 10_000;

impl Default for ChangeSignal {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            base: AtomicU64::new(0),
            external: AtomicU64::new(0),
            settings: AtomicU64::new(0),
            articles: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            own: Mutex::new(BTreeSet::new()),
            own_ended: AtomicU64::new(0),
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

    /// Notes a transaction of this instance (PostgreSQL), before its commit.
    fn own_transaction(&self, xid: u64) {
        if let Ok(mut own) = self.own.lock() {
            own.insert(xid);
            if own.len() > OWN_KEPT {
                own.pop_first();
            }
        }
    }

    /// Forgets every note (the watcher lost sight of the server: the ids it noted may
    /// be another server's next); their ends then look like another writer's.
    fn forget_own(&self) {
        if let Ok(mut own) = self.own.lock() {
            own.clear();
        }
    }

    /// Whether any of the transactions `ended` (since the watcher's last look) is not
    /// this instance's; forgets those that are, and every one before `oldest_running`
    /// (all of which have ended).
    fn others_among(&self, ended: impl Iterator<Item = u64>, oldest_running: u64) -> bool {
        let Ok(mut own) = self.own.lock() else {
            return true;
        };
        let mut others = false;
        for xid in ended {
            if own.remove(&xid) {
                self.own_ended.fetch_add(1, Ordering::SeqCst);
            } else {
                others = true;
            }
        }
        *own = own.split_off(&oldest_running);
        others
    }

    /// How many of this instance's transactions the PostgreSQL watcher has seen end and
    /// told from other writers' (none on SQLite, whose watch needs no notes).
    pub fn own_commits_seen(&self) -> u64 {
        self.own_ended.load(Ordering::SeqCst)
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
struct SnapshotText {
    #[diesel(sql_type = Text)]
    snapshot: String,
}

#[derive(QueryableByName)]
struct TransactionId {
    #[diesel(sql_type = Nullable<Text>)]
    xid: Option<String>,
}

/// PostgreSQL: notes the transaction `conn` is in, if it has written anything, as this
/// instance's, so that the watcher does not take its commit for another writer's. Call
/// it as the transaction's last statement. (SQLite: nothing to do.)
pub fn note_own(conn: &mut DbConnection, signal: &ChangeSignal) -> Result<(), ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        let id = diesel::sql_query("SELECT pg_current_xact_id_if_assigned()::text AS xid")
            .prepared()
            .load::<TransactionId>(pg)?;
        let xid: Option<u64> = id.into_iter().next().and_then(|t| t.xid?.parse().ok());
        if let Some(xid) = xid {
            signal.own_transaction(xid);
        }
    }
    Ok(())
}

/// What `pg_current_snapshot()` says: every transaction before `xmin` has ended; of those
/// before `xmax`, all but `running`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    xmin: u64,
    xmax: u64,
    running: BTreeSet<u64>,
}

impl Snapshot {
    /// Reads the text form, `xmin:xmax:xip,xip,…`.
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(':');
        let xmin = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let running = match parts.next()? {
            "" => BTreeSet::new(),
            list => list
                .split(',')
                .map(|x| x.parse().ok())
                .collect::<Option<_>>()?,
        };
        Some(Self {
            xmin,
            xmax,
            running,
        })
    }

    /// Whether a transaction that is not this instance's ended between `earlier` and
    /// this snapshot (or too many ended to look).
    fn others_ended_since(&self, earlier: &Self, signal: &ChangeSignal) -> bool {
        if self.xmax < earlier.xmax || self.xmax - earlier.xmax > MAX_SPAN {
            // Too many to look at, or another server (a failover, a restore), whose
            // transaction ids may repeat noted ones: forget the notes.
            signal.forget_own();
            return true;
        }
        let ended = earlier
            .running
            .iter()
            .copied()
            .chain(earlier.xmax..self.xmax)
            .filter(|xid| !self.running.contains(xid));
        signal.others_among(ended, self.xmin)
    }
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

/// Polls PostgreSQL's snapshot until the signal is dropped, bumping everything when a
/// transaction not of this instance ended (and once more a poll later), or when the
/// snapshot cannot be read.
fn watch_postgres(settings: &DbSettings, signal: &Weak<ChangeSignal>) {
    let mut conn: Option<PgConnection> = None;
    let mut last: Option<Snapshot> = None;
    let mut settle = false;
    while let Some(signal) = signal.upgrade() {
        if conn.is_none() {
            conn = PgConnection::establish(&settings.url).ok();
        }
        let current = conn.as_mut().and_then(|conn| {
            diesel::sql_query("SELECT pg_current_snapshot()::text AS snapshot")
                .get_result::<SnapshotText>(conn)
                .ok()
                .and_then(|s| Snapshot::parse(&s.snapshot))
        });
        match current {
            Some(current) => {
                let moved = last
                    .as_ref()
                    .is_some_and(|l| current.others_ended_since(l, &signal));
                if moved || settle {
                    signal.bump_external();
                }
                settle = moved;
                last = Some(current);
            }
            None => {
                // Unknown state: assume the worst, reconnect, and bump again once the
                // snapshot reads again.
                signal.bump_external();
                signal.forget_own();
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
    use super::{ChangeSignal, Snapshot};

    #[test]
    fn snapshots_read_and_tell_this_instances_transactions_from_others() {
        let snap = |s: &str| Snapshot::parse(s).unwrap();
        assert_eq!(snap("10:14:11,13").running.len(), 2);
        assert!(snap("10:10:").running.is_empty());
        for bad in ["", "10", "10:x:", "10:14:11,", "10:14:1;2"] {
            assert_eq!(Snapshot::parse(bad), None, "{bad:?}");
        }
        let signal = ChangeSignal::default();
        for xid in [11, 14, 15] {
            signal.own_transaction(xid);
        }
        // 11 ended, 13 still runs, 14 ran and ended in between, 15 still runs: all ours.
        let earlier = snap("10:14:11,13");
        assert!(!snap("13:16:13,15").others_ended_since(&earlier, &signal));
        // 13 (not ours) ends.
        assert!(snap("15:16:15").others_ended_since(&snap("13:16:13,15"), &signal));
        // 15 ends, ours; 16 starts and ends, not ours.
        assert!(snap("17:17:").others_ended_since(&snap("15:16:15"), &signal));
        // Nothing ended.
        assert!(!snap("17:17:").others_ended_since(&snap("17:17:"), &signal));
        // Too many to look at, or the counter went back (another server): bump, and
        // forget the notes, whose ids another server may hand out again.
        signal.own_transaction(20_017);
        assert!(snap("20017:20018:").others_ended_since(&snap("17:17:"), &signal));
        assert!(signal.own.lock().unwrap().is_empty(), "notes kept");
        assert!(snap("5:6:").others_ended_since(&snap("17:17:"), &signal));
        // The notes are forgotten once their transactions ended.
        signal.own_transaction(30);
        assert!(!snap("31:31:").others_ended_since(&snap("30:30:"), &signal));
        assert!(signal.own.lock().unwrap().is_empty());
        signal.own_transaction(40);
        signal.own_transaction(50);
        assert!(snap("45:45:").others_ended_since(&snap("31:31:"), &signal));
        assert_eq!(
            signal.own.lock().unwrap().len(),
            1,
            "the note of a transaction yet to run stays"
        );
    }

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
