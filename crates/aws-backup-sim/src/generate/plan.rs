//! Every job the schedules start in a span of time.

use crate::generate::backup::backup_occurrence;
use crate::generate::brisk::{BRISK_EVERY, brisk_jobs};
use crate::generate::org::{HOUR, Org};
use crate::generate::planned::Planned;
use crate::generate::restore::restore;
use crate::generate::scan::scan_after;
use crate::rng::Rng;
use crate::schedule::occurrences;

/// Every job whose schedule fired in `(from, to]`, with its copies, children and restores.
pub(crate) fn plan(org: &Org, from: i64, to: i64) -> Vec<Planned> {
    let mut out = Vec::new();
    if !org.scheduled || to <= from {
        return out;
    }
    for (ri, r) in org.resources.iter().enumerate() {
        let to = r.stopped_at.map_or(to, |s| s.min(to));
        for (k, base) in occurrences(r.period, r.offset, from, to) {
            let first = out.len();
            backup_occurrence(org, ri, k, base, &mut out);
            let scan = out[first..]
                .iter()
                .find_map(|b| scan_after(org, b, k, false));
            out.extend(scan);
        }
    }
    for p in &org.plans {
        for (k, base) in occurrences(p.period, p.offset, from, to) {
            let mut rng = Rng::keyed(&[org.seed, 0x7E57, p.key, k as u64]);
            let n = p.candidates.len().min(2);
            let mut picked: Vec<usize> = Vec::new();
            while picked.len() < n {
                let c = *rng.pick(&p.candidates);
                if !picked.contains(&c) {
                    picked.push(c);
                }
            }
            for (i, ri) in picked.into_iter().enumerate() {
                let created = base + 45 * i as i64 + rng.range(0, 30);
                out.push(restore(org, ri, created, &mut rng, Some(&p.arn)));
            }
        }
    }
    let slot = 8 * HOUR;
    for a in &org.adhoc {
        for (k, start) in occurrences(slot, 0, from - slot, to) {
            let mut rng = Rng::keyed(&[org.seed, 0xAD, a.key, k as u64]);
            let created = start + rng.range(0, slot);
            if created <= from || created > to || !rng.chance(0.5) {
                continue;
            }
            let ri = *rng.pick(&a.candidates);
            out.push(restore(org, ri, created, &mut rng, None));
        }
    }
    if org.brisk {
        for (k, base) in occurrences(BRISK_EVERY, 0, from, to) {
            brisk_jobs(org, k, base, &mut out);
        }
    }
    out
}
