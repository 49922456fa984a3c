//! Sliding-window counts kept in fixed-width time buckets.
//!
//! Memory is O(label sets × buckets), never O(jobs): a job only bumps a counter in the bucket of
//! its completion time, and the window slides by dropping whole buckets.

use std::collections::BTreeMap;

use super::hash::FastMap;

/// Counts per label-set id over the last `span` seconds, at `width`-second resolution.
#[derive(Debug)]
pub struct Window {
    width: f64,
    buckets: BTreeMap<i64, FastMap<u32, i64>>,
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

    /// The ids that count something now, with their counts.
    pub fn nonzero(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.totals()
            .filter(|&(_, n)| n > 0)
            .map(|(id, n)| (id, n as u64))
    }

    #[cfg(test)]
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
