//! Schedules that fire every `period` seconds at `offset` past the epoch-aligned period.

/// Occurrences `k` of a schedule (`k·period + offset`) that fall in `(from, to]`.
pub(crate) fn occurrences(
    period: i64,
    offset: i64,
    from: i64,
    to: i64,
) -> impl Iterator<Item = (i64, i64)> {
    let k0 = (from - offset).div_euclid(period) + 1;
    let k1 = (to - offset).div_euclid(period);
    (k0..=k1).map(move |k| (k, k * period + offset))
}
