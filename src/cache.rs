//! Read caches for the hottest answers (comment counts, anonymous first pages), kept
//! exact by generation: every committed write bumps the database's change generation
//! (and a watcher bumps it for writes by other instances), and an entry is only good
//! for the generation it was read in.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

/// Most entries a cache keeps; past that it starts afresh (bounds memory against
/// requests for endless distinct keys).
const MAX_ENTRIES: usize = 100_000;

/// A map from key to value, each value tagged with the generation it was read in.
#[derive(Debug)]
pub struct ReadCache<K, V> {
    entries: RwLock<HashMap<K, (u64, V)>>,
}

impl<K, V> Default for ReadCache<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
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
}
