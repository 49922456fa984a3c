//! Which targets a replica reads: `--shard N --total-shards M`, as kube-state-metrics splits
//! its objects. A target belongs to shard `fnv1a64(name) mod M`, so editing, adding or
//! removing one target moves only that one.

use std::fmt;

/// Shard `index` of `total`; [`Shard::ALL`] is the unsharded exporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    total: u64,
}

/// Flags that name no shard.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    #[error("--total-shards 0: there must be at least one shard")]
    NoShards,
    #[error(
        "--shard {index} is out of range for --total-shards {total}: shards are numbered 0 to {}",
        total - 1
    )]
    OutOfRange { index: u64, total: u64 },
}

impl Shard {
    /// One shard: every target.
    pub const ALL: Shard = Shard { index: 0, total: 1 };

    pub fn new(index: u64, total: u64) -> Result<Shard, ShardError> {
        match (index, total) {
            (_, 0) => Err(ShardError::NoShards),
            (i, t) if i >= t => Err(ShardError::OutOfRange { index, total }),
            _ => Ok(Shard { index, total }),
        }
    }

    pub fn index(self) -> u64 {
        self.index
    }

    pub fn total(self) -> u64 {
        self.total
    }

    /// Whether the target named `name` is read by this shard.
    pub fn owns(self, name: &str) -> bool {
        fnv1a64(name.as_bytes()) % self.total == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {}", self.index, self.total)
    }
}

/// FNV-1a, 64-bit (DESIGN.md §3e): stable across versions and platforms, unlike std's hasher.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        // From the FNV reference test suite (Fowler, Noll, Vo).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn each_name_belongs_to_exactly_one_shard() {
        let names: Vec<String> = (0..1000)
            .map(|i| format!("account-{i}-us-east-1"))
            .collect();
        for total in 1..=7 {
            let shards: Vec<Shard> = (0..total).map(|i| Shard::new(i, total).unwrap()).collect();
            let mut per_shard = vec![0usize; total as usize];
            for n in &names {
                let owners: Vec<u64> = shards
                    .iter()
                    .filter(|s| s.owns(n))
                    .map(|s| s.index())
                    .collect();
                assert_eq!(owners.len(), 1, "{n} in {total} shards: {owners:?}");
                per_shard[owners[0] as usize] += 1;
            }
            // Spread: no shard holds more than twice its fair share of 1,000 names.
            let fair = 1000 / total as usize;
            assert!(per_shard.iter().all(|&n| n <= 2 * fair), "{per_shard:?}");
        }
        assert!(names.iter().all(|n| Shard::ALL.owns(n)));
    }

    #[test]
    fn a_name_keeps_its_shard_whatever_else_changes() {
        // The shard depends on the name alone: "ünïcode" is hashed as its UTF-8 bytes.
        let s = Shard::new(fnv1a64("ünïcode".as_bytes()) % 3, 3).unwrap();
        assert!(s.owns("ünïcode"));
        assert_eq!(
            fnv1a64("ünïcode".as_bytes()),
            fnv1a64(&[0xc3, 0xbc, b'n', 0xc3, 0xaf, b'c', b'o', b'd', b'e'])
        );
    }

    #[test]
    fn flags_that_name_no_shard_are_refused() {
        assert_eq!(Shard::new(0, 0), Err(ShardError::NoShards));
        assert_eq!(
            Shard::new(3, 3).unwrap_err().to_string(),
            "--shard 3 is out of range for --total-shards 3: shards are numbered 0 to 2"
        );
        assert_eq!(Shard::new(2, 3).unwrap().to_string(), "2 of 3");
    }
}
