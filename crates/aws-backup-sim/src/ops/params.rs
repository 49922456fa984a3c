//! Parameters every listing shares.

use crate::reply::Reply;

/// Token operation byte for ListProtectedResources (job listings use their job type's, 0 to 3).
pub(crate) const RESOURCES_OP: u8 = 16;

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
