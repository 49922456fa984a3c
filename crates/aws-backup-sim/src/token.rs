//! Page tokens: which operation and index they belong to and where the next page starts,
//! with a check value so a token that was never handed out is refused.

use std::fmt::Write as _;

use crate::rng::hash;
use crate::store::{Index, Key};

const TOKEN_KEY: u64 = 0x6261_636B_7570_7369;

/// Page tokens: which operation and index they belong to and where the next page starts,
/// with a check value so a token that was never handed out is refused.
pub(crate) fn encode_token(op: u8, idx: Index, key: Key) -> String {
    let mut b = [0u8; 14];
    b[0] = op;
    b[1] = idx as u8;
    b[2..10].copy_from_slice(&key.0.to_be_bytes());
    b[10..14].copy_from_slice(&key.1.to_be_bytes());
    let mac = token_mac(&b);
    let mut s = String::with_capacity(40);
    for x in b.iter().chain(&mac.to_be_bytes()[2..]) {
        let _ = write!(s, "{x:02x}");
    }
    s
}

pub(crate) fn decode_token(s: &str) -> Option<(u8, Index, Key)> {
    if s.len() != 40 || !s.is_ascii() {
        return None;
    }
    let mut b = [0u8; 20];
    for (i, x) in b.iter_mut().enumerate() {
        *x = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    let mac = token_mac(b[..14].try_into().ok()?);
    if mac.to_be_bytes()[2..] != b[14..] {
        return None;
    }
    let idx = Index::from_u8(b[1])?;
    let date = i64::from_be_bytes(b[2..10].try_into().ok()?);
    let slot = u32::from_be_bytes(b[10..14].try_into().ok()?);
    Some((b[0], idx, (date, slot)))
}

fn token_mac(b: &[u8; 14]) -> u64 {
    let lo = u64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
    let mut hi = [0u8; 8];
    hi[..6].copy_from_slice(&b[8..]);
    hash(&[TOKEN_KEY, lo, u64::from_be_bytes(hi)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let t = encode_token(2, Index::Completed, (1_795_341_600, 42));
        assert_eq!(t.len(), 40);
        assert_eq!(
            decode_token(&t),
            Some((2, Index::Completed, (1_795_341_600, 42)))
        );
        let mut bad = t.clone().into_bytes();
        bad[20] = if bad[20] == b'0' { b'1' } else { b'0' };
        assert_eq!(decode_token(std::str::from_utf8(&bad).unwrap()), None);
        assert_eq!(decode_token("garbage"), None);
        assert_eq!(decode_token(&"é".repeat(20)), None);
    }
}
