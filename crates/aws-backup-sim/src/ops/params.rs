//! Parameters every listing shares.

use crate::reply::Reply;
use crate::store::Index;
use crate::token::{decode_token, encode_token};

/// Token operation bytes (job listings use their job type's, 0 to 3).
pub(crate) const RESOURCES_OP: u8 = 16;
pub(crate) const VAULTS_OP: u8 = 17;
pub(crate) const PLANS_OP: u8 = 18;
/// Job summaries: this plus the job type.
pub(crate) const SUMMARIES_OP: u8 = 20;
pub(crate) const BY_RESOURCE_OP: u8 = 24;

/// The token of a listing computed per request: the position of the next item, and a stamp
/// the next page must be computed with (summaries: the time of the first page).
pub(crate) fn position_token(op: u8, stamp: i64, next: usize) -> String {
    let next = u32::try_from(next).unwrap_or(u32::MAX);
    encode_token(op, Index::Position, (stamp, next))
}

/// (stamp, position) of a [`position_token`] for `op`.
pub(crate) fn read_position_token(v: Option<&str>, op: u8) -> Result<Option<(i64, usize)>, Reply> {
    match v {
        None => Ok(None),
        Some(t) => match decode_token(t) {
            Some((o, Index::Position, (stamp, pos))) if o == op => Ok(Some((stamp, pos as usize))),
            _ => Err(Reply::invalid("The next token is not valid.")),
        },
    }
}

/// The items of one page from `start`, and where the next page starts when there is one.
pub(crate) fn page_of<T>(items: &[T], start: usize, max: usize) -> (&[T], Option<usize>) {
    let start = start.min(items.len());
    let end = start.saturating_add(max).min(items.len());
    (&items[start..end], (end < items.len()).then_some(end))
}

/// `MaxResults`: 1..1000, 1000 when absent.
pub(crate) fn max_results(v: Option<&str>) -> Result<usize, Reply> {
    match v {
        None => Ok(1000),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(n as usize),
            _ => Err(Reply::invalid(&format!(
                "maxResults must be between 1 and 1000, got {v:?}"
            ))),
        },
    }
}
