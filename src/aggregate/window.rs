//! Sliding-window counts kept in fixed-width time buckets.
//!
//! Memory is O(label sets × buckets), never O(jobs): a job only bumps a counter in the bucket of
//! its completion time, and the window slides by dropping whole buckets.

use std::collections::{BTreeMap, HashMap};

/// Dense ids for label sets, so that buckets hold small integers instead of strings.
///
/// Lookups go by a caller-computed hash plus an equality test, so a job's borrowed fields can
/// find their label set without building (allocating) the key first.
#[derive(Debug)]
pub struct Interner<K> {
    keys: Vec<K>,
    by_hash: HashMap<u64, Vec<u32>>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            keys: Vec::new(),
            by_hash: HashMap::new(),
        }
    }
}

/// Hashes a sequence of strings (a label set's values) with a leading tag: FNV-1a, which is
/// several times faster than SipHash on short strings; the inputs are AWS's answers, not an
/// attacker's, and every interner lookup still compares the key itself.
pub struct StrHasher(u64);

impl StrHasher {
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub fn new(tag: u8) -> Self {
        StrHasher((0xcbf2_9ce4_8422_2325 ^ u64::from(tag)).wrapping_mul(Self::PRIME))
    }

    pub fn field(mut self, s: &str) -> Self {
        for &b in s.as_bytes() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
        // 0xff never occurs in UTF-8: it separates "ab","c" from "a","bc".
        self.0 = (self.0 ^ 0xff).wrapping_mul(Self::PRIME);
        self
    }

    pub fn finish(self) -> u64 {
        // A final avalanche, so that ids hashed into a HashMap spread over its buckets.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }
}

impl<K> Interner<K> {
    /// The id of the key with `hash` that `matches`, interning `make()` if there is none.
    pub fn find_or_insert(
        &mut self,
        hash: u64,
        matches: impl Fn(&K) -> bool,
        make: impl FnOnce() -> K,
    ) -> u32 {
        let candidates = self.by_hash.entry(hash).or_default();
        if let Some(&id) = candidates
            .iter()
            .find(|&&id| matches(&self.keys[id as usize]))
        {
            return id;
        }
        let id = u32::try_from(self.keys.len()).expect("fewer than 2^32 label sets");
        self.keys.push(make());
        candidates.push(id);
        id
    }

    /// The id of the key with `hash` that `matches`, if interned.
    pub fn find(&self, hash: u64, matches: impl Fn(&K) -> bool) -> Option<u32> {
        self.by_hash
            .get(&hash)?
            .iter()
            .copied()
            .find(|&id| matches(&self.keys[id as usize]))
    }

    pub fn key(&self, id: u32) -> &K {
        &self.keys[id as usize]
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Counts per label-set id over the last `span` seconds, at `width`-second resolution.
#[derive(Debug)]
pub struct Window {
    width: f64,
    buckets: BTreeMap<i64, HashMap<u32, i64>>,
    totals: Vec<i64>,
}

impl Window {
    pub fn new(width_seconds: f64) -> Self {
        Window {
            width: width_seconds.max(1.0),
            buckets: BTreeMap::new(),
            totals: Vec::new(),
        }
    }

    fn bucket_of(&self, t: f64) -> i64 {
        (t / self.width).floor() as i64
    }

    /// Adds `delta` for `id` at time `t` (a job's completion time).
    pub fn add(&mut self, id: u32, t: f64, delta: i64) {
        let b = self.bucket_of(t);
        *self.buckets.entry(b).or_default().entry(id).or_default() += delta;
        if self.totals.len() <= id as usize {
            self.totals.resize(id as usize + 1, 0);
        }
        self.totals[id as usize] += delta;
    }

    /// Drops every bucket that ends at or before `cutoff`: jobs that ended before it no longer
    /// count. A bucket straddling the cutoff is kept whole, so counts are exact to one bucket.
    pub fn expire(&mut self, cutoff: f64) {
        let first_kept = self.bucket_of(cutoff);
        let keep = self.buckets.split_off(&first_kept);
        for (_, counts) in std::mem::replace(&mut self.buckets, keep) {
            for (id, n) in counts {
                self.totals[id as usize] -= n;
            }
        }
    }

    /// Current count per id, for every id ever added (expired ones read 0).
    pub fn totals(&self) -> impl Iterator<Item = (u32, i64)> + '_ {
        self.totals.iter().enumerate().map(|(i, &n)| (i as u32, n))
    }

    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_gives_stable_dense_ids_even_when_hashes_collide() {
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
        let h = |s: &str| StrHasher::new(1).field(s).finish();
        assert_eq!(h("x"), h("x"));
        assert_ne!(
            StrHasher::new(1).field("ab").field("c").finish(),
            StrHasher::new(1).field("a").field("bc").finish()
        );
    }

    #[test]
    fn window_slides_by_whole_buckets() {
        let mut w = Window::new(60.0);
        w.add(0, 1000.0, 1); // bucket 16: [960, 1020)
        w.add(0, 1019.0, 1); // bucket 16
        w.add(0, 1020.0, 1); // bucket 17
        w.add(1, 1100.0, 1); // bucket 18
        assert_eq!(w.totals().collect::<Vec<_>>(), vec![(0, 3), (1, 1)]);
        // A cutoff inside bucket 16 keeps it whole.
        w.expire(1000.0);
        assert_eq!(w.totals().collect::<Vec<_>>(), vec![(0, 3), (1, 1)]);
        // A cutoff at the start of bucket 17 drops bucket 16 only.
        w.expire(1020.0);
        assert_eq!(w.totals().collect::<Vec<_>>(), vec![(0, 1), (1, 1)]);
        w.expire(5000.0);
        assert_eq!(w.totals().collect::<Vec<_>>(), vec![(0, 0), (1, 0)]);
        assert_eq!(w.bucket_count(), 0);
    }

    #[test]
    fn moving_a_count_between_ids_in_one_bucket() {
        let mut w = Window::new(60.0);
        w.add(0, 500.0, 1);
        w.add(0, 500.0, -1);
        w.add(1, 500.0, 1);
        assert_eq!(w.totals().collect::<Vec<_>>(), vec![(0, 0), (1, 1)]);
    }
}
