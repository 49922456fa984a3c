//! The few resources whose story differs from the rest: a schedule that stopped. Each choice
//! draws from its own keyed stream, so the rest of the organization stays as it was.

use crate::generate::org::{HOSTILE_NAME, HOUR, Org};
use crate::rng::{Rng, hash};
use crate::schedule::last_at;

/// One in 40 resources of an account and region (at least one): hourly ones whose schedule
/// last ran 2 to 5 hours before the start. Against their own schedule they are overdue;
/// against a fixed day-long threshold they are not.
pub(crate) fn stop_some(org: &mut Org, here: &[usize]) {
    let mut hourly: Vec<(u64, usize)> = here
        .iter()
        .map(|&i| (&org.resources[i], i))
        .filter(|(r, _)| r.period == HOUR && r.name != HOSTILE_NAME)
        .map(|(r, i)| (hash(&[r.key, 0x5709]), i))
        .collect();
    hourly.sort_unstable();
    let n = (here.len() / 40).max(1);
    for &(h, i) in hourly.iter().take(n) {
        let r = &mut org.resources[i];
        let ago = Rng::new(h).range(2, 5) * HOUR;
        r.stopped_at = Some(last_at(r.period, r.offset, org.start - ago));
    }
}
