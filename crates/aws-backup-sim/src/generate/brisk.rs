//! Demo pace: short jobs every few seconds, so every counter moves at once.

use crate::generate::backup::backup_occurrence;
use crate::generate::org::Org;
use crate::generate::planned::Planned;
use crate::generate::restore::restore;
use crate::generate::scan::scan_after;
use crate::rng::Rng;
use crate::types::SimJobType;

/// How often demo pace starts its short jobs.
pub(crate) const BRISK_EVERY: i64 = 20;

/// Demo pace: a backup of a random simple resource (with its copy and scan) and a restore, each running
/// seconds instead of hours. Keys are offset so that ids never meet the schedules' own.
pub(crate) fn brisk_jobs(org: &Org, k: i64, base: i64, out: &mut Vec<Planned>) {
    let mut rng = Rng::keyed(&[org.seed, 0xB215C, k as u64]);
    let simple: Vec<usize> = (0..org.resources.len())
        .filter(|&i| !org.resources[i].composite)
        .collect();
    if simple.is_empty() {
        return;
    }
    // Never a resource whose schedule stopped. Prefer resources whose plan copies them, so
    // that copy jobs move too.
    let running: Vec<usize> = simple
        .iter()
        .copied()
        .filter(|&i| org.resources[i].stopped_at.is_none())
        .collect();
    let copied: Vec<usize> = running
        .iter()
        .copied()
        .filter(|&i| org.resources[i].copy_to.is_some())
        .collect();
    // Best of all, copied and scanned: then scans move too.
    let scanned: Vec<usize> = copied
        .iter()
        .copied()
        .filter(|&i| org.resources[i].scanned)
        .collect();
    let pool = [&scanned, &copied, &running]
        .into_iter()
        .find(|p| !p.is_empty());
    let Some(pool) = pool else {
        return;
    };
    let mut jobs = Vec::new();
    let key = k + (1 << 40);
    backup_occurrence(org, *rng.pick(pool), key, base, &mut jobs);
    let mut prev_end = base;
    for p in &mut jobs {
        // The backup first, then its copy once it completed.
        let created = if p.ty == SimJobType::Copy {
            prev_end + 3
        } else {
            base
        };
        let tl = &mut p.tl;
        tl.created = created;
        tl.pending_at = created + 2;
        tl.running_at = created + 5;
        tl.aborting_at = None;
        tl.end = tl.running_at + rng.range(10, 40);
        prev_end = tl.end;
    }
    // And a scan of the backup's recovery point, once it completed.
    let scan = jobs.first().and_then(|b| scan_after(org, b, key, true));
    if let Some(mut s) = scan {
        let tl = &mut s.tl;
        tl.created = jobs[0].tl.end + 3;
        tl.pending_at = tl.created;
        tl.running_at = tl.created + 2;
        tl.end = tl.running_at + rng.range(10, 40);
        jobs.push(s);
    }
    out.extend(jobs);
    let plan = (!org.plans.is_empty() && rng.chance(0.5)).then(|| {
        org.plans[rng.below(org.plans.len() as u64) as usize]
            .arn
            .clone()
    });
    let mut r = restore(org, *rng.pick(&simple), base + 7, &mut rng, plan.as_deref());
    r.tl.running_at = r.tl.created + 3;
    r.tl.end = r.tl.running_at + rng.range(10, 40);
    if let Some((_, status)) = r.tl.validation {
        r.tl.validation = Some((r.tl.end + rng.range(15, 45), status));
    }
    out.push(r);
}
