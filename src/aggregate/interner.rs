//! Dense ids for label sets, so that window buckets hold small integers instead of strings.
//!
//! Lookups go by a caller-computed hash plus an equality test, so a job's borrowed fields find
//! their label set without building (allocating) the key first.

use hashbrown::HashTable;

#[derive(Debug)]
pub struct Interner<K> {
    keys: Vec<K>,
    /// (hash, id) pairs; equal hashes of different keys simply sit side by side.
    by_hash: HashTable<(u64, u32)>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            keys: Vec::new(),
            by_hash: HashTable::new(),
        }
    }
}

impl<K> Interner<K> {
    /// The id of the key with `hash` that `matches`, if interned.
    pub fn find(&self, hash: u64, matches: impl Fn(&K) -> bool) -> Option<u32> {
        self.by_hash
            .find(hash, |&(h, id)| {
                h == hash && matches(&self.keys[id as usize])
            })
            .map(|&(_, id)| id)
    }

    /// The id of the key with `hash` that `matches`, interning `make()` if there is none.
    pub fn find_or_insert(
        &mut self,
        hash: u64,
        matches: impl Fn(&K) -> bool,
        make: impl FnOnce() -> K,
    ) -> u32 {
        if let Some(id) = self.find(hash, &matches) {
            return id;
        }
        let id = u32::try_from(self.keys.len()).expect("fewer than 2^32 label sets");
        self.keys.push(make());
        self.by_hash.insert_unique(hash, (hash, id), |&(h, _)| h);
        id
    }

    pub fn key(&self, id: u32) -> &K {
        &self.keys[id as usize]
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Every key with its id, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &K)> {
        self.keys.iter().enumerate().map(|(i, k)| (i as u32, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_dense_ids_even_when_hashes_collide() {
        let mut i: Interner<String> = Interner::default();
        let mut id = |h: u64, s: &str| i.find_or_insert(h, |k| k == s, || s.to_owned());
        assert_eq!(id(7, "a"), 0);
        assert_eq!(id(7, "b"), 1); // same hash, other key
        assert_eq!(id(7, "a"), 0);
        assert_eq!(id(9, "c"), 2);
        assert_eq!(i.key(1), "b");
        assert_eq!(i.find(7, |k| k == "b"), Some(1));
        assert_eq!(i.find(8, |k| k == "b"), None);
        assert_eq!(i.len(), 3);
    }
}
