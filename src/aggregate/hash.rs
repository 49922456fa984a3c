//! The one fast hasher of the exporter (foldhash, with a fixed seed so that hashes are the
//! same in every process): label sets, job ids, refused series.

use std::hash::{BuildHasher, Hash, Hasher};

use foldhash::fast::FixedState;

const SEED: u64 = 0x6177_735f_6261_636b;

/// A hasher fed field by field, so a job's borrowed strings hash without building a key.
pub struct FieldHasher(foldhash::fast::FoldHasher<'static>);

impl FieldHasher {
    pub fn new(tag: u8) -> Self {
        let mut h = FixedState::with_seed(SEED).build_hasher();
        h.write_u8(tag);
        FieldHasher(h)
    }

    /// Adds one string; the length prefix separates `"ab","c"` from `"a","bc"`.
    pub fn field(mut self, s: &str) -> Self {
        s.hash(&mut self.0);
        self
    }

    pub fn finish(self) -> u64 {
        self.0.finish()
    }
}

/// The hash of any key.
pub fn hash_of(key: &impl Hash) -> u64 {
    FixedState::with_seed(SEED).hash_one(key)
}

/// Job ids are remembered as 64-bit hashes: 8 bytes instead of a 36-byte string, and a
/// collision among the few thousand ids of one overlap is vanishingly unlikely.
pub fn id_hash(id: &str) -> u64 {
    FieldHasher::new(0xFF).field(id).finish()
}

/// Hash maps and sets keyed by values that are already hashes or small integers.
pub type FastMap<K, V> = std::collections::HashMap<K, V, FixedState>;
pub type FastSet<K> = std::collections::HashSet<K, FixedState>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_separated_and_stable() {
        let h = |a: &str, b: &str| FieldHasher::new(1).field(a).field(b).finish();
        assert_eq!(h("ab", "c"), h("ab", "c"));
        assert_ne!(h("ab", "c"), h("a", "bc"));
        assert_ne!(FieldHasher::new(1).finish(), FieldHasher::new(2).finish());
        assert_eq!(id_hash("x"), id_hash("x"));
        assert_eq!(hash_of(&("a", 1)), hash_of(&("a", 1)));
    }
}
