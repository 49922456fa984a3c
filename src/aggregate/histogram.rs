//! Fixed-bucket histograms as plain data, so a snapshot can carry them across threads.

/// Job duration buckets: 1 minute to 48 hours.
pub const DURATION_BUCKETS: &[f64] = &[
    60.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 43200.0, 86400.0, 172800.0,
];

const MIB: f64 = 1024.0 * 1024.0;

/// Backup size buckets: 1 MiB to 16 TiB, each four times the one before.
pub const SIZE_BUCKETS: &[f64] = &[
    MIB,
    4.0 * MIB,
    16.0 * MIB,
    64.0 * MIB,
    256.0 * MIB,
    1024.0 * MIB,
    4096.0 * MIB,
    16384.0 * MIB,
    65536.0 * MIB,
    262144.0 * MIB,
    1048576.0 * MIB,
    4194304.0 * MIB,
    16777216.0 * MIB,
];

/// Cumulative-on-read histogram: per-bucket counts, sum and count.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    pub fn observe(&mut self, v: f64) {
        if let Some(i) = self.bounds.iter().position(|&b| v <= b) {
            self.counts[i] += 1;
        }
        self.sum += v;
        self.count += 1;
    }

    /// Adds another histogram with the same bounds (merging targets).
    pub fn merge(&mut self, other: &Histogram) {
        debug_assert_eq!(self.bounds, other.bounds);
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.sum += other.sum;
        self.count += other.count;
    }

    /// `(upper bound, cumulative count)` pairs, ending with `+Inf`.
    pub fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut acc = 0;
        let mut out: Vec<(f64, u64)> = self
            .bounds
            .iter()
            .zip(&self.counts)
            .map(|(&b, &c)| {
                acc += c;
                (b, acc)
            })
            .collect();
        out.push((f64::INFINITY, self.count));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_le_buckets() {
        let mut h = Histogram::new(DURATION_BUCKETS);
        h.observe(60.0); // le=60 includes its bound
        h.observe(61.0);
        h.observe(200_000.0); // beyond the last bound: +Inf only
        let c = h.cumulative();
        assert_eq!(c[0], (60.0, 1));
        assert_eq!(c[1], (300.0, 2));
        assert_eq!(c[DURATION_BUCKETS.len() - 1], (172800.0, 2));
        assert_eq!(c.last().unwrap().1, 3);
        assert_eq!(h.sum, 200_121.0);
    }

    #[test]
    fn merge_adds_bucketwise() {
        let mut a = Histogram::new(SIZE_BUCKETS);
        let mut b = Histogram::new(SIZE_BUCKETS);
        a.observe(MIB);
        b.observe(3.0 * MIB);
        a.merge(&b);
        assert_eq!(a.cumulative()[1], (4.0 * MIB, 2));
        assert_eq!(a.count, 2);
    }
}
