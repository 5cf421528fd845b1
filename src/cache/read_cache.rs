//! `ReadCache`: a map whose entries are good for the generation they were read in (and,
//! if they say so, until a moment), bounded in bytes, with single flight for misses.
//! Why that keeps answers exact is the parent module's doc.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDateTime;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::db::changes::ChangeSignal;

/// Bytes counted for an entry beyond its key and value (map slot, tags).
const ENTRY_OVERHEAD: usize = 64;

/// How much memory a key or value holds, roughly but never much less than it does.
pub trait Weigh {
    /// Bytes held.
    fn weigh(&self) -> usize;
}

impl Weigh for String {
    fn weigh(&self) -> usize {
        std::mem::size_of::<Self>() + self.capacity()
    }
}

impl Weigh for actix_web::web::Bytes {
    fn weigh(&self) -> usize {
        std::mem::size_of::<Self>() + self.len()
    }
}

impl Weigh for i64 {
    fn weigh(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

impl Weigh for () {
    fn weigh(&self) -> usize {
        0
    }
}

/// The article a key is about, for caches of [`Scope::Article`].
pub trait ArticleOf {
    /// The article's key, if the entry is about one article.
    fn article(&self) -> Option<&str> {
        None
    }
}

impl ArticleOf for str {
    fn article(&self) -> Option<&str> {
        Some(self)
    }
}

impl ArticleOf for String {
    fn article(&self) -> Option<&str> {
        Some(self)
    }
}

impl ArticleOf for () {}

/// Which generation a cache's entries are checked against (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Moves with every commit.
    Changes,
    /// Moves with every commit that may have changed anything: not with this instance's
    /// writes that named the articles they changed.
    Base,
    /// Moves with every commit that may have changed anything, and with this instance's
    /// writes to the entry's article (its key's [`ArticleOf`]).
    Article,
    /// Moves with settings changes and every commit seen by the watcher.
    Settings,
    /// Never moves: entries go stale only at their `valid_until` (for answers that may
    /// lag, such as the metrics' database totals).
    Clock,
}

/// The generation of one scope, taken before a database read; only a cache makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    generation: u64,
    /// The article's generation (`Scope::Article` only; 0 otherwise).
    stamp: u64,
    scope: Scope,
}

/// A loaded value and the moment it stops being true by itself, if there is one.
#[derive(Debug, Clone)]
pub struct Fresh<V> {
    pub value: V,
    pub valid_until: Option<NaiveDateTime>,
}

impl<V> Fresh<V> {
    /// A value that only a write can make stale.
    pub fn new(value: V) -> Self {
        Self {
            value,
            valid_until: None,
        }
    }

    /// A value that is also stale from `valid_until` on.
    pub fn until(value: V, valid_until: Option<NaiveDateTime>) -> Self {
        Self { value, valid_until }
    }

    /// The same moment with the value made into another.
    pub fn map<W>(self, f: impl FnOnce(V) -> W) -> Fresh<W> {
        Fresh {
            value: f(self.value),
            valid_until: self.valid_until,
        }
    }
}

#[derive(Debug)]
struct Entry<V> {
    generation: u64,
    stamp: u64,
    valid_until: Option<NaiveDateTime>,
    value: V,
    weight: usize,
    /// Served since it was kept (or since the last eviction round spared it).
    hit: AtomicBool,
}

#[derive(Debug)]
struct Entries<K, V> {
    map: HashMap<K, Entry<V>>,
    bytes: usize,
}

/// A read cache; see the module doc.
#[derive(Debug)]
pub struct ReadCache<K, V> {
    signal: Arc<ChangeSignal>,
    clock: Clock,
    scope: Scope,
    budget: usize,
    entries: RwLock<Entries<K, V>>,
    /// Loads under way: the generation each reads in, and where its answer will appear.
    flights: Mutex<HashMap<K, Flight<V>>>,
}

type Flight<V> = ((u64, u64), watch::Receiver<Option<V>>);

/// What a request that missed does: wait for a load under way, or load (and announce the
/// answer, unless the list of loads was unusable).
enum Role<V> {
    Join(watch::Receiver<Option<V>>),
    Lead(Option<watch::Sender<Option<V>>>),
}

impl<K: Eq + Hash + Clone + Weigh + ArticleOf, V: Clone + Weigh> ReadCache<K, V> {
    /// An empty cache of `scope`'s generations holding at most `budget` bytes.
    pub fn new(signal: &Arc<ChangeSignal>, clock: &Clock, scope: Scope, budget: usize) -> Self {
        Self {
            signal: signal.clone(),
            clock: clock.clone(),
            scope,
            budget,
            entries: RwLock::new(Entries {
                map: HashMap::new(),
                bytes: 0,
            }),
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// The current generation of this cache's scope: take it before reading the database.
    /// (For [`Scope::Article`], [`reading_for`](Self::reading_for) the key.)
    pub fn reading(&self) -> Reading {
        let generation = match self.scope {
            Scope::Changes => self.signal.generation(),
            Scope::Base | Scope::Article => self.signal.base_generation(),
            Scope::Settings => self.signal.settings_generation(),
            Scope::Clock => 0,
        };
        Reading {
            generation,
            stamp: 0,
            scope: self.scope,
        }
    }

    /// The current generations for `key`: take them before reading the database.
    pub fn reading_for<Q: ArticleOf + ?Sized>(&self, key: &Q) -> Reading {
        let mut reading = self.reading();
        if self.scope == Scope::Article {
            reading.stamp = self.stamp_of(key);
        }
        reading
    }

    /// The generation of `key`'s article.
    fn stamp_of<Q: ArticleOf + ?Sized>(&self, key: &Q) -> u64 {
        key.article()
            .map_or(0, |article| self.signal.article_generation(article))
    }

    /// The value for `key`: from the cache, from a load of the same generation already
    /// under way, or from `load` (given the reading it runs in) and kept. If the load it
    /// joined fails or is cancelled, it loads itself.
    pub async fn get_or_load<Q, E, Fut>(
        &self,
        key: &Q,
        load: impl FnOnce(Reading) -> Fut,
    ) -> Result<V, E>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ToOwned + ArticleOf + ?Sized,
        Q::Owned: Into<K>,
        Fut: Future<Output = Result<Fresh<V>, E>>,
    {
        let reading = self.reading_for(key);
        if let Some(value) = self.get(reading, key) {
            return Ok(value);
        }
        match self.join_or_lead(key, (reading.generation, reading.stamp)) {
            Role::Join(mut answer) => {
                if let Ok(value) = answer.wait_for(Option::is_some).await
                    && let Some(value) = value.clone()
                {
                    return Ok(value);
                }
                load(reading).await.map(|fresh| fresh.value)
            }
            Role::Lead(sender) => {
                let key: K = key.to_owned().into();
                let _landing = Landing {
                    flights: &self.flights,
                    key: key.clone(),
                    generation: (reading.generation, reading.stamp),
                };
                let fresh = load(reading).await?;
                let value = fresh.value.clone();
                self.insert(reading, key, fresh);
                if let Some(sender) = sender {
                    sender.send_replace(Some(value.clone()));
                }
                Ok(value)
            }
        }
    }

    /// Joins the load of `key` in `generation` under way, or registers this one's.
    fn join_or_lead<Q>(&self, key: &Q, generation: (u64, u64)) -> Role<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ToOwned + ?Sized,
        Q::Owned: Into<K>,
    {
        let Ok(mut flights) = self.flights.lock() else {
            return Role::Lead(None);
        };
        if let Some((read_in, answer)) = flights.get(key)
            && *read_in == generation
        {
            return Role::Join(answer.clone());
        }
        let (sender, answer) = watch::channel(None);
        flights.insert(key.to_owned().into(), (generation, answer));
        Role::Lead(Some(sender))
    }

    /// The value, if it was read in `reading`'s generation and has not expired.
    pub fn get<Q>(&self, reading: Reading, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if reading.scope != self.scope {
            return None;
        }
        let now = self.clock.now_naive();
        let entries = self.entries.read().ok()?;
        entries
            .map
            .get(key)
            .filter(|entry| entry.generation == reading.generation && entry.stamp == reading.stamp)
            .filter(|entry| entry.valid_until.is_none_or(|until| now < until))
            .map(|entry| {
                if !entry.hit.load(Ordering::Relaxed) {
                    entry.hit.store(true, Ordering::Relaxed);
                }
                entry.value.clone()
            })
    }

    /// The value last kept for `key`, whatever its generation (to reuse what a new value
    /// derives from an old one, never to answer with).
    pub fn last<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.read().ok()?;
        entries.map.get(key).map(|entry| entry.value.clone())
    }

    /// Keeps `fresh`, read from the database after `reading` was taken (so a write
    /// committed meanwhile makes it stale at once).
    pub fn insert(&self, reading: Reading, key: K, fresh: Fresh<V>) {
        if reading.scope != self.scope {
            return;
        }
        let weight = key.weigh() + fresh.value.weigh() + ENTRY_OVERHEAD;
        let expired = fresh
            .valid_until
            .is_some_and(|until| until <= self.clock.now_naive());
        if weight > self.largest_kept() || expired {
            return;
        }
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.bytes + weight > self.budget {
            self.make_room(&mut entries, weight);
        }
        let entry = Entry {
            generation: reading.generation,
            stamp: reading.stamp,
            valid_until: fresh.valid_until,
            value: fresh.value,
            weight,
            hit: AtomicBool::new(false),
        };
        entries.bytes += weight;
        if let Some(old) = entries.map.insert(key, entry) {
            entries.bytes -= old.weight;
        }
    }

    /// Frees room for `needed` bytes: stale and expired entries first, then entries never
    /// served since they were kept, then the rest, until a quarter of the budget is free.
    /// An entry that was served survives a round (its mark is cleared), so a flood of
    /// new keys, each asked for once, cannot push out what readers keep asking for.
    fn make_room(&self, entries: &mut Entries<K, V>, needed: usize) {
        let current = self.reading().generation;
        let now = self.clock.now_naive();
        let mut freed = 0;
        let article_scope = self.scope == Scope::Article;
        entries.map.retain(|key, entry| {
            let keep = entry.generation == current
                && (!article_scope || entry.stamp == self.stamp_of(key))
                && entry.valid_until.is_none_or(|until| now < until);
            if !keep {
                freed += entry.weight;
            }
            keep
        });
        entries.bytes -= freed;
        let target = (self.budget - self.budget / 4).saturating_sub(needed);
        for spare_served in [true, false] {
            if entries.bytes <= target {
                return;
            }
            let mut excess = entries.bytes - target;
            let mut freed = 0;
            entries.map.retain(|_, entry| {
                if excess == 0 {
                    return true;
                }
                if spare_served && entry.hit.swap(false, Ordering::Relaxed) {
                    return true;
                }
                excess = excess.saturating_sub(entry.weight);
                freed += entry.weight;
                false
            });
            entries.bytes -= freed;
        }
    }

    /// The weight of the largest entry kept (key, value and overhead): an eighth of the
    /// budget. Larger answers are served but not kept.
    pub fn largest_kept(&self) -> usize {
        self.budget / 8
    }

    /// Bytes held by entries (for tests and metrics).
    pub fn bytes(&self) -> usize {
        self.entries.read().map_or(0, |entries| entries.bytes)
    }
}

/// Takes a finished (or cancelled) load off the list, unless a newer one replaced it.
struct Landing<'a, K: Eq + Hash, V> {
    flights: &'a Mutex<HashMap<K, Flight<V>>>,
    key: K,
    generation: (u64, u64),
}

impl<K: Eq + Hash, V> Drop for Landing<'_, K, V> {
    fn drop(&mut self) {
        if let Ok(mut flights) = self.flights.lock()
            && flights
                .get(&self.key)
                .is_some_and(|(read_in, _)| *read_in == self.generation)
        {
            flights.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use chrono::TimeDelta;

    use super::*;

    fn cache(budget: usize) -> (Arc<ChangeSignal>, Clock, ReadCache<String, i64>) {
        let signal = Arc::<ChangeSignal>::default();
        let clock = Clock::default();
        let cache = ReadCache::new(&signal, &clock, Scope::Changes, budget);
        (signal, clock, cache)
    }

    #[test]
    fn entries_are_good_only_for_their_generation() {
        let (signal, _, cache) = cache(1 << 20);
        let reading = cache.reading();
        cache.insert(reading, "a".into(), Fresh::new(1));
        assert_eq!(cache.get(cache.reading(), "a"), Some(1));
        assert_eq!(cache.get(cache.reading(), "b"), None);
        signal.bump();
        assert_eq!(cache.get(cache.reading(), "a"), None);
    }

    #[test]
    fn article_entries_go_stale_with_their_article_and_with_everything() {
        let signal = Arc::<ChangeSignal>::default();
        let cache =
            ReadCache::<String, i64>::new(&signal, &Clock::default(), Scope::Article, 1 << 20);
        for key in ["a", "b"] {
            cache.insert(cache.reading_for(key), key.into(), Fresh::new(1));
        }
        let mut touched = crate::db::changes::Touched::default();
        touched.article("a");
        signal.bump_touched(&touched);
        assert_eq!(
            cache.get(cache.reading_for("a"), "a"),
            None,
            "its article changed"
        );
        assert_eq!(
            cache.get(cache.reading_for("b"), "b"),
            Some(1),
            "another did"
        );
        // Read before a write to its article committed: stale at once.
        let before = cache.reading_for("b");
        let mut touched = crate::db::changes::Touched::default();
        touched.article("b");
        signal.bump_touched(&touched);
        cache.insert(before, "b".into(), Fresh::new(2));
        assert_eq!(cache.get(cache.reading_for("b"), "b"), None);
        cache.insert(cache.reading_for("b"), "b".into(), Fresh::new(3));
        signal.bump_touched(&crate::db::changes::Touched::everything());
        assert_eq!(
            cache.get(cache.reading_for("b"), "b"),
            None,
            "anything changed"
        );
    }

    #[test]
    fn a_value_read_before_a_commit_is_stale_at_once() {
        let (signal, _, cache) = cache(1 << 20);
        let reading = cache.reading();
        signal.bump(); // a write commits while the value is being read
        cache.insert(reading, "a".into(), Fresh::new(1));
        assert_eq!(cache.get(cache.reading(), "a"), None);
    }

    #[test]
    fn entries_with_a_moment_expire_at_it() {
        let (_, clock, cache) = cache(1 << 20);
        let until = clock.now_naive() + TimeDelta::seconds(60);
        cache.insert(cache.reading(), "a".into(), Fresh::until(1, Some(until)));
        assert_eq!(cache.get(cache.reading(), "a"), Some(1));
        clock.advance(TimeDelta::seconds(61));
        assert_eq!(cache.get(cache.reading(), "a"), None);
    }

    #[test]
    fn settings_entries_survive_local_writes_but_not_settings_changes() {
        let signal = Arc::<ChangeSignal>::default();
        let cache = ReadCache::<(), i64>::new(&signal, &Clock::default(), Scope::Settings, 4096);
        cache.insert(cache.reading(), (), Fresh::new(5));
        signal.bump();
        assert_eq!(cache.get(cache.reading(), &()), Some(5));
        signal.bump_settings();
        assert_eq!(cache.get(cache.reading(), &()), None);
        assert_eq!(cache.last(&()), Some(5));
    }

    #[test]
    fn memory_stays_within_the_budget_and_stale_entries_go_first() {
        let budget = 64 * 1024;
        let (signal, _, cache) = cache(budget);
        let old = cache.reading();
        for i in 0..100 {
            cache.insert(old, format!("old-{i}"), Fresh::new(i));
        }
        signal.bump();
        let current = cache.reading();
        cache.insert(current, "hot".into(), Fresh::new(1));
        for i in 0..10_000 {
            cache.insert(current, format!("key-{i}"), Fresh::new(i));
            assert!(cache.bytes() <= budget, "{} > {budget}", cache.bytes());
        }
        assert!(cache.last("old-0").is_none(), "stale entries were evicted");
        assert!(cache.bytes() > budget / 2, "the cache still holds entries");
    }

    #[test]
    fn a_flood_of_new_keys_does_not_push_out_entries_readers_ask_for() {
        let budget = 64 * 1024;
        let (_, _, cache) = cache(budget);
        let reading = cache.reading();
        cache.insert(reading, "hot".into(), Fresh::new(1));
        for i in 0..10_000 {
            assert_eq!(cache.get(reading, "hot"), Some(1), "after {i} new keys");
            cache.insert(reading, format!("flood-{i}"), Fresh::new(i));
        }
    }

    #[test]
    fn an_answer_already_expired_is_not_kept() {
        let (_, clock, cache) = cache(1 << 20);
        let now = clock.now_naive();
        cache.insert(cache.reading(), "gone".into(), Fresh::until(1, Some(now)));
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn an_answer_too_large_for_the_budget_is_not_kept() {
        let (_, _, cache) = cache(1024);
        cache.insert(cache.reading(), "x".repeat(512), Fresh::new(1));
        assert_eq!(cache.bytes(), 0);
    }

    #[tokio::test]
    async fn concurrent_misses_of_one_generation_load_once() {
        let (signal, _, cache) = cache(1 << 20);
        let loads = AtomicU32::new(0);
        let (go, wait) = watch::channel(false);
        let load = |_| async {
            loads.fetch_add(1, Ordering::SeqCst);
            let mut wait = wait.clone();
            let _ = wait.wait_for(|go| *go).await;
            Ok::<_, ()>(Fresh::new(42))
        };
        let first = cache.get_or_load("k", load);
        let second = cache.get_or_load("k", load);
        let newer = async {
            tokio::task::yield_now().await;
            signal.bump();
            cache.get_or_load("k", load).await
        };
        let release = async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            let _ = go.send(true);
        };
        let (first, second, newer, ()) = tokio::join!(first, second, newer, release);
        assert_eq!((first, second, newer), (Ok(42), Ok(42), Ok(42)));
        // One load for the first generation, shared by both of its requests; one for
        // the next.
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        assert_eq!(cache.get(cache.reading(), "k"), Some(42));
    }

    #[tokio::test]
    async fn a_failed_load_leaves_its_waiters_to_load_themselves() {
        let (_, _, cache) = cache(1 << 20);
        let (go, wait) = watch::channel(false);
        let failing = async {
            cache
                .get_or_load("k", |_| async {
                    let mut wait = wait.clone();
                    let _ = wait.wait_for(|go| *go).await;
                    Err::<Fresh<i64>, &str>("database down")
                })
                .await
        };
        let waiting = cache.get_or_load("k", |_| async { Ok::<_, &str>(Fresh::new(7)) });
        let release = async {
            tokio::task::yield_now().await;
            let _ = go.send(true);
        };
        let (failed, waited, ()) = tokio::join!(failing, waiting, release);
        assert_eq!(failed, Err("database down"));
        assert_eq!(waited, Ok(7));
        assert!(cache.flights.lock().is_ok_and(|f| f.is_empty()));
    }
}
