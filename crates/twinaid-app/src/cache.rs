//! Results kept with the data version they were computed at. Every write
//! raises the version in its own transaction, so a kept result is served
//! only while nothing has changed since: the next request after a write
//! computes afresh.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// A program's data version and the shared one, as the store reads them.
pub type Version = (i64, i64);

/// At most `capacity` results weighing at most `budget` together; when
/// either is exceeded, the oldest half is dropped.
pub struct VersionedCache<K, V> {
    entries: Mutex<HashMap<K, (Version, u64, V)>>,
    capacity: usize,
    budget: usize,
    weigh: fn(&V) -> usize,
    clock: std::sync::atomic::AtomicU64,
    /// Lookups that found a result at the version asked, and those that did not.
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

impl<K, V> std::fmt::Debug for VersionedCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionedCache")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> VersionedCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self::with_budget(capacity, usize::MAX, |_| 0)
    }

    /// A cache whose entries, weighed by `weigh` (in bytes, say), stay under `budget`.
    pub fn with_budget(capacity: usize, budget: usize, weigh: fn(&V) -> usize) -> Self {
        VersionedCache {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(2),
            budget,
            weigh,
            clock: Default::default(),
            hits: Default::default(),
            misses: Default::default(),
        }
    }

    /// How many lookups found a result kept at their version, and how many did not.
    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.hits.load(Relaxed), self.misses.load(Relaxed))
    }

    /// The result for `key` if it was computed at `version`.
    pub fn get(&self, key: &K, version: Version) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let found = entries
            .get(key)
            .filter(|(v, _, _)| *v == version)
            .map(|(_, _, value)| value.clone());
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        found
    }

    pub fn put(&self, key: K, version: Version, value: V) {
        let weight = (self.weigh)(&value);
        if weight > self.budget / 4 {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries.remove(&key);
        let held: usize = entries.values().map(|(_, _, v)| (self.weigh)(v)).sum();
        if entries.len() >= self.capacity || held + weight > self.budget {
            let mut ages: Vec<u64> = entries.values().map(|(_, at, _)| *at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            entries.retain(|_, (_, at, _)| *at > cut);
        }
        let at = self
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        entries.insert(key, (version, at, value));
    }
}

/// Values by key that all hold while one version does (the region
/// registry's names at the shared data version, say): a new version empties it.
#[derive(Debug, Default)]
pub struct KeptAt<V> {
    entries: Mutex<(i64, HashMap<String, V>)>,
}

impl<V: Clone> KeptAt<V> {
    /// The values held at `version` for `keys`, and the keys not held.
    pub fn get_many<'k>(
        &self,
        version: i64,
        keys: &'k [String],
    ) -> (Vec<(String, V)>, Vec<&'k String>) {
        let Ok(entries) = self.entries.lock() else {
            return (Vec::new(), keys.iter().collect());
        };
        if entries.0 != version {
            return (Vec::new(), keys.iter().collect());
        }
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for k in keys {
            match entries.1.get(k) {
                Some(v) => found.push((k.clone(), v.clone())),
                None => missing.push(k),
            }
        }
        (found, missing)
    }

    /// Holds `values`, read at `version`.
    pub fn put_many(&self, version: i64, values: impl IntoIterator<Item = (String, V)>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.0 != version {
            *entries = (version, HashMap::new());
        }
        entries.1.extend(values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_is_served_only_at_its_version_and_the_oldest_go_first() {
        let cache = VersionedCache::new(4);
        cache.put("a", (1, 1), 10);
        assert_eq!(cache.get(&"a", (1, 1)), Some(10));
        assert_eq!(cache.get(&"a", (2, 1)), None, "a write since");
        assert_eq!(cache.get(&"a", (1, 2)), None, "a shared write since");
        for (i, k) in ["b", "c", "d", "e"].into_iter().enumerate() {
            cache.put(k, (1, 1), i);
        }
        assert_eq!(cache.get(&"a", (1, 1)), None, "the oldest was dropped");
        assert_eq!(cache.get(&"e", (1, 1)), Some(3));
    }

    #[test]
    fn a_budget_holds_the_weight_and_refuses_what_would_take_a_quarter() {
        let cache: VersionedCache<u32, Vec<u8>> = VersionedCache::with_budget(100, 40, Vec::len);
        cache.put(1, (1, 1), vec![0; 11]);
        assert_eq!(cache.get(&1, (1, 1)), None, "over a quarter of the budget");
        for k in 0..5 {
            cache.put(k, (1, 1), vec![0; 10]);
        }
        assert_eq!(cache.get(&0, (1, 1)), None, "the oldest went to make room");
        assert_eq!(cache.get(&4, (1, 1)), Some(vec![0; 10]));
    }

    #[test]
    fn kept_values_hold_at_their_version_only() {
        let kept: KeptAt<u32> = KeptAt::default();
        let keys = ["a".to_string(), "b".to_string()];
        kept.put_many(3, [("a".to_string(), 1)]);
        let (found, missing) = kept.get_many(3, &keys);
        assert_eq!(found, vec![("a".to_string(), 1)]);
        assert_eq!(missing, vec![&keys[1]]);
        let (found, missing) = kept.get_many(4, &keys);
        assert!(found.is_empty(), "the version moved on");
        assert_eq!(missing.len(), 2);
        kept.put_many(4, [("b".to_string(), 2)]);
        assert_eq!(
            kept.get_many(4, &keys).0,
            vec![("b".to_string(), 2)],
            "the old version's values went"
        );
    }
}
