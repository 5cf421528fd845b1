//! Read caches for the hottest answers (comment counts, anonymous first pages), kept
//! exact by generation: every committed write bumps the database's change generation
//! (and a watcher bumps it for writes by other instances), and an entry is only good
//! for the generation it was read in.
//!
//! When a generation ends, every request in flight for a popular key misses at once.
//! `get_or_load` lets one of them read the database while the others of the same
//! generation wait for its answer, instead of all queueing for connections.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Mutex, RwLock};

use tokio::sync::watch;

/// Most entries a cache keeps; past that it starts afresh (bounds memory against
/// requests for endless distinct keys).
const MAX_ENTRIES: usize = 100_000;

/// A map from key to value, each value tagged with the generation it was read in.
#[derive(Debug)]
pub struct ReadCache<K, V> {
    entries: RwLock<HashMap<K, (u64, V)>>,
    /// Loads under way: the generation each reads in, and where its answer will appear.
    flights: Mutex<HashMap<K, Flight<V>>>,
}

type Flight<V> = (u64, watch::Receiver<Option<V>>);

/// What a request that missed does: wait for a load under way, or load (and announce the
/// answer, unless the list of loads was unusable).
enum Role<V> {
    Join(watch::Receiver<Option<V>>),
    Lead(Option<watch::Sender<Option<V>>>),
}

impl<K, V> Default for ReadCache<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> ReadCache<K, V> {
    /// The value for `key` as of `generation`: from the cache, from a load of the same
    /// generation already under way, or loaded (and kept) here. If the load it joined
    /// fails or is cancelled, it loads itself.
    pub async fn get_or_load<Q, E, Fut>(
        &self,
        key: &Q,
        generation: u64,
        load: impl FnOnce() -> Fut,
    ) -> Result<V, E>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
        Fut: Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.get(key, generation) {
            return Ok(value);
        }
        match self.join_or_lead(key, generation) {
            Role::Join(mut answer) => {
                if let Ok(value) = answer.wait_for(Option::is_some).await
                    && let Some(value) = value.clone()
                {
                    return Ok(value);
                }
                load().await
            }
            Role::Lead(sender) => {
                let key = key.to_owned();
                let _landing = Landing {
                    flights: &self.flights,
                    key: key.clone(),
                    generation,
                };
                let value = load().await?;
                self.insert(key, value.clone(), generation);
                if let Some(sender) = sender {
                    sender.send_replace(Some(value.clone()));
                }
                Ok(value)
            }
        }
    }

    /// Joins the load of `key` in `generation` under way, or registers this one's.
    fn join_or_lead<Q>(&self, key: &Q, generation: u64) -> Role<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
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
        flights.insert(key.to_owned(), (generation, answer));
        Role::Lead(Some(sender))
    }

    /// The value, if it was read in `generation`.
    pub fn get<Q>(&self, key: &Q, generation: u64) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.read().ok()?;
        entries
            .get(key)
            .filter(|(read_in, _)| *read_in == generation)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value`, read from the database in `generation` (the generation taken
    /// *before* the read, so a write committed meanwhile makes it stale at once).
    pub fn insert(&self, key: K, value: V, generation: u64) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (generation, value));
        }
    }
}

/// Takes a finished (or cancelled) load off the list, unless a newer one replaced it.
struct Landing<'a, K: Eq + Hash, V> {
    flights: &'a Mutex<HashMap<K, Flight<V>>>,
    key: K,
    generation: u64,
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
    use super::*;

    #[test]
    fn entries_are_good_only_for_their_generation() {
        let cache = ReadCache::default();
        cache.insert("a", 1, 7);
        assert_eq!(cache.get(&"a", 7), Some(1));
        assert_eq!(cache.get(&"a", 8), None);
        assert_eq!(cache.get(&"b", 7), None);
    }

    #[tokio::test]
    async fn concurrent_misses_of_one_generation_load_once() {
        let cache = ReadCache::<String, u32>::default();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let (go, wait) = tokio::sync::watch::channel(false);
        let load = || async {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut wait = wait.clone();
            let _ = wait.wait_for(|go| *go).await;
            Ok::<_, ()>(42)
        };
        let first = cache.get_or_load("k", 1, load);
        let second = cache.get_or_load("k", 1, load);
        let newer = cache.get_or_load("k", 2, load);
        let release = async {
            tokio::task::yield_now().await;
            let _ = go.send(true);
        };
        let (first, second, newer, ()) = tokio::join!(first, second, newer, release);
        assert_eq!((first, second, newer), (Ok(42), Ok(42), Ok(42)));
        // One load for generation 1, shared by both of its requests; one for generation 2.
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(cache.get("k", 2), Some(42));
    }

    #[tokio::test]
    async fn a_failed_load_leaves_its_waiters_to_load_themselves() {
        let cache = ReadCache::<String, u32>::default();
        let (go, wait) = tokio::sync::watch::channel(false);
        let failing = async {
            cache
                .get_or_load("k", 1, || async {
                    let mut wait = wait.clone();
                    let _ = wait.wait_for(|go| *go).await;
                    Err::<u32, &str>("database down")
                })
                .await
        };
        let waiting = cache.get_or_load("k", 1, || async { Ok::<_, &str>(7) });
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
