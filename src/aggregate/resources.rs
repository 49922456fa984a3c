//! Per-resource state from jobs: the newest ended job of each (job type, resource).
//!
//! A resource's series live while its newest job is inside the lookback, so a fresh exporter
//! and one that has run for a week export the same ones. `resources.max_series` caps the live
//! series, first come first kept; every distinct refused series is remembered (as a hash) for
//! `aws_backup_exporter_series_dropped_total`.

use super::hash::{FastSet, FieldHasher};
use super::interner::Interner;
use super::keys::ResourceKey;
use super::snapshot::{LastJob, Snapshot};
use crate::job::Job;

/// Where a staged job's per-resource update goes.
#[derive(Clone, Copy, Debug)]
pub enum Slot {
    Kept(u32),
    /// Over the cap before it was even interned: only its hash is kept.
    Refused(u64),
}

#[derive(Debug)]
pub struct ResourceState {
    max_series: usize,
    keys: Interner<ResourceKey>,
    /// By key id; `None` for keys whose series left (or were refused).
    entries: Vec<Option<LastJob>>,
    live: usize,
    refused: FastSet<u64>,
}

impl ResourceState {
    pub fn new(max_series: usize) -> Self {
        ResourceState {
            max_series,
            keys: Interner::default(),
            entries: Vec::new(),
            live: 0,
            refused: FastSet::default(),
        }
    }

    /// The job's slot, found or interned; while staging a read. Keys are interned up to twice
    /// the cap (live ones plus some that left), so a flood of resources cannot grow memory.
    pub fn slot(&mut self, job: &Job) -> Slot {
        let hash = key_hash(
            job.job_type as u8,
            &job.account_id,
            &job.resource_type,
            &job.resource_arn,
        );
        let matches = |k: &ResourceKey| {
            k.job_type == job.job_type
                && k.account_id == job.account_id
                && k.resource_type == job.resource_type
                && k.resource_arn == job.resource_arn
        };
        if let Some(id) = self.keys.find(hash, matches) {
            return Slot::Kept(id);
        }
        if self.keys.len() >= self.max_series.saturating_mul(2) {
            return Slot::Refused(hash);
        }
        Slot::Kept(self.keys.find_or_insert(hash, matches, || ResourceKey {
            job_type: job.job_type,
            account_id: job.account_id.clone(),
            resource_type: job.resource_type.clone(),
            resource_arn: job.resource_arn.clone(),
        }))
    }

    /// A new ended job of the resource in `slot`.
    pub fn observe(&mut self, slot: Slot, completion: f64, success: bool) {
        let id = match slot {
            Slot::Kept(id) => id as usize,
            Slot::Refused(hash) => {
                self.refused.insert(hash);
                return;
            }
        };
        if self.entries.len() <= id {
            self.entries.resize(id + 1, None);
        }
        match &mut self.entries[id] {
            Some(last) => {
                if last.completion <= completion {
                    *last = LastJob {
                        completion,
                        success,
                    };
                }
            }
            None if self.live >= self.max_series => {
                let k = self.keys.key(id as u32);
                let hash = key_hash(
                    k.job_type as u8,
                    &k.account_id,
                    &k.resource_type,
                    &k.resource_arn,
                );
                self.refused.insert(hash);
            }
            e @ None => {
                *e = Some(LastJob {
                    completion,
                    success,
                });
                self.live += 1;
            }
        }
    }

    /// Drops the resources whose newest job left the window, and adds the rest to `out`.
    pub fn snapshot(&mut self, window_start: f64, out: &mut Snapshot) {
        for (id, e) in self.entries.iter_mut().enumerate() {
            match e {
                Some(last) if last.completion < window_start => {
                    *e = None;
                    self.live -= 1;
                }
                Some(last) => {
                    out.resource_last_job
                        .insert(self.keys.key(id as u32).clone(), *last);
                }
                None => {}
            }
        }
        out.dropped.last_job = self.refused.len() as u64;
        self.compact();
    }

    /// Forgets the keys of resources that left once there are more keys than the cap, so
    /// that new resources can be interned again. Called between reads, never during one: a
    /// staged read holds key ids.
    fn compact(&mut self) {
        if self.keys.len() <= self.max_series || self.live == self.keys.len() {
            return;
        }
        let mut keys = Interner::default();
        let mut entries = Vec::with_capacity(self.live);
        for (id, key) in self.keys.iter() {
            if let Some(Some(last)) = self.entries.get(id as usize) {
                let hash = key_hash(
                    key.job_type as u8,
                    &key.account_id,
                    &key.resource_type,
                    &key.resource_arn,
                );
                keys.find_or_insert(hash, |_| false, || key.clone());
                entries.push(Some(*last));
            }
        }
        self.keys = keys;
        self.entries = entries;
    }
}

fn key_hash(job_type: u8, account: &str, resource_type: &str, arn: &str) -> u64 {
    FieldHasher::new(job_type)
        .field(account)
        .field(resource_type)
        .field(arn)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobType;

    fn job(arn: &str) -> Job {
        Job {
            job_type: JobType::Backup,
            account_id: "111122223333".into(),
            resource_type: "EBS".into(),
            resource_arn: arn.into(),
            ..Job::default()
        }
    }

    fn live(r: &mut ResourceState, window_start: f64) -> Vec<(String, LastJob)> {
        let mut s = Snapshot::default();
        r.snapshot(window_start, &mut s);
        s.resource_last_job
            .into_iter()
            .map(|(k, v)| (k.resource_arn, v))
            .collect()
    }

    #[test]
    fn newest_job_wins_and_series_leave_with_it() {
        let mut r = ResourceState::new(10);
        let a = r.slot(&job("a"));
        r.observe(a, 100.0, true);
        r.observe(a, 300.0, false);
        r.observe(a, 200.0, true); // older than the newest: no change
        let b = r.slot(&job("b"));
        r.observe(b, 150.0, true);
        assert_eq!(
            live(&mut r, 0.0),
            [
                (
                    "a".to_owned(),
                    LastJob {
                        completion: 300.0,
                        success: false
                    }
                ),
                (
                    "b".to_owned(),
                    LastJob {
                        completion: 150.0,
                        success: true
                    }
                )
            ]
        );
        // b's newest job leaves the window; a's failure stays until it leaves too.
        assert_eq!(live(&mut r, 200.0).len(), 1);
        assert!(live(&mut r, 301.0).is_empty());
    }

    #[test]
    fn the_cap_holds_live_series_and_frees_with_expiry() {
        let mut r = ResourceState::new(2);
        for (i, arn) in ["a", "b", "c"].into_iter().enumerate() {
            let s = r.slot(&job(arn));
            r.observe(s, 100.0 + i as f64, true);
        }
        let mut s = Snapshot::default();
        r.snapshot(0.0, &mut s);
        assert_eq!(s.resource_last_job.len(), 2);
        assert_eq!(s.dropped.last_job, 1);
        // Once a and b left, a new resource is admitted; the refusal stays counted.
        assert!(live(&mut r, 500.0).is_empty());
        for arn in ["d", "e", "f", "g"] {
            let s = r.slot(&job(arn));
            r.observe(s, 1000.0, true);
        }
        let mut s = Snapshot::default();
        r.snapshot(500.0, &mut s);
        let arns: Vec<_> = s
            .resource_last_job
            .keys()
            .map(|k: &ResourceKey| k.resource_arn.clone())
            .collect();
        assert_eq!(arns, ["d", "e"]);
        assert_eq!(s.dropped.last_job, 3);
    }
}
