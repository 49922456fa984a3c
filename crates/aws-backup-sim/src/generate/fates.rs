//! The few resources whose story differs from the rest: a schedule that stopped, malware
//! scans and what they find, a restore history. Each choice draws from its own keyed stream, so the rest of the
//! organization stays as it was.

use crate::generate::kind::Kind;
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
        .filter(|(r, _)| r.period == HOUR && r.name != HOSTILE_NAME && !r.infected)
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

/// GuardDuty scans most EBS, EC2 and S3 resources of the prod vaults (composite backups
/// aside). One resource per account and region is infected, an hourly one when there is one
/// (scanned every four hours, its newest completed scan always found threats); otherwise two
/// daily ones, so that one of them has a completed scan within a day. Chosen before the
/// stopped schedules, which spare them.
pub(crate) fn scan_some(org: &mut Org, here: &[usize]) {
    let mut eligible = Vec::new();
    for &i in here {
        let r = &mut org.resources[i];
        let can = matches!(r.kind, Kind::Ebs | Kind::Ec2 | Kind::S3)
            && matches!(r.vault, "prod-hourly" | "prod-daily")
            && !r.composite;
        r.scanned = can && Rng::keyed(&[r.key, 0x5CA4]).chance(0.7);
        if can {
            eligible.push((r.period != HOUR, hash(&[r.key, 0x1AFEC7]), i));
        }
    }
    eligible.sort_unstable();
    let n = match eligible.first() {
        Some((false, _, _)) => 1,
        _ => 2,
    };
    for &(_, _, i) in eligible.iter().take(n) {
        let r = &mut org.resources[i];
        r.scanned = true;
        r.infected = true;
    }
}

/// One resource per account and region never restores (every restore of it fails); about a
/// third of the others were restored 20 days before the start.
pub(crate) fn restore_some(org: &mut Org, here: &[usize]) {
    let never = here
        .iter()
        .map(|&i| (&org.resources[i], i))
        .filter(|(r, _)| r.name != HOSTILE_NAME)
        .map(|(r, i)| (hash(&[r.key, 0xFA11]), i))
        .min();
    if let Some((_, i)) = never {
        org.resources[i].restore_fails = true;
    }
    for &i in here {
        let r = &mut org.resources[i];
        r.old_restore = !r.restore_fails && Rng::keyed(&[r.key, 0x01D]).chance(1.0 / 3.0);
    }
}
