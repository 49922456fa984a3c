//! Per-resource state from jobs: the newest ended job of each (job type, resource), its newest
//! success, and for backups the interval expected between them.
//!
//! A resource's series live while its newest job is inside the lookback, so a fresh exporter
//! and one that has run for a week export the same ones; within an entry, the newest success,
//! the history and the schedule leave as their own jobs leave. `resources.max_series` caps the
//! live series, first come first kept; every distinct refused series is remembered (as a hash)
//! for `aws_backup_exporter_series_dropped_total`.

use super::hash::{FastSet, FieldHasher};
use super::interner::Interner;
use super::intervals::{Interval, IntervalSource, ScheduleBook, median_gap};
use super::keys::ResourceKey;
use super::snapshot::{LastJob, Snapshot};
use crate::job::{Job, JobType};

/// Completed backups kept per resource for the history's median (the newest ones).
const HISTORY_CAP: usize = 256;

/// Where a staged job's per-resource update goes.
#[derive(Clone, Copy, Debug)]
pub enum Slot {
    Kept(u32),
    /// Over the cap before it was even interned: only its hash is kept.
    Refused(u64),
}

/// A new ended job of a resource.
#[derive(Clone, Copy, Debug)]
pub struct Observed {
    pub completion: f64,
    pub success: bool,
    /// The id of its backup rule's schedule, if it has one.
    pub schedule: Option<u32>,
    /// A completed scan with a result: whether it found threats.
    pub threats_found: Option<bool>,
}

#[derive(Clone, Debug)]
struct Entry {
    completion: f64,
    success: bool,
    last_success: Option<f64>,
    /// Backups: the completions of COMPLETED jobs in the window, sorted.
    completed: Vec<f64>,
    /// Backups: the newest job that carried a schedule (completion, schedule id).
    schedule: Option<(f64, u32)>,
    /// Scans: the newest completed scan with a result (completion, threats found).
    scan: Option<(f64, bool)>,
}

impl Entry {
    fn new(o: &Observed) -> Entry {
        Entry {
            completion: o.completion,
            success: o.success,
            last_success: None,
            completed: Vec::new(),
            schedule: None,
            scan: None,
        }
    }

    fn observe(&mut self, o: &Observed, job_type: JobType) {
        if self.completion <= o.completion {
            self.completion = o.completion;
            self.success = o.success;
        }
        if o.success {
            self.last_success = Some(
                self.last_success
                    .map_or(o.completion, |s| s.max(o.completion)),
            );
            if job_type == JobType::Backup {
                let at = self.completed.partition_point(|&c| c <= o.completion);
                self.completed.insert(at, o.completion);
                if self.completed.len() > HISTORY_CAP {
                    self.completed.remove(0);
                }
            }
        }
        if let Some(id) = o.schedule
            && self.schedule.is_none_or(|(c, _)| c <= o.completion)
        {
            self.schedule = Some((o.completion, id));
        }
        if let Some(threats) = o.threats_found
            && self.scan.is_none_or(|(c, _)| c <= o.completion)
        {
            self.scan = Some((o.completion, threats));
        }
    }

    /// Forgets what ended before the window; `false` once the newest job did too.
    fn expire(&mut self, window_start: f64) -> bool {
        if self.completion < window_start {
            return false;
        }
        self.last_success = self.last_success.filter(|&s| s >= window_start);
        let old = self.completed.partition_point(|&c| c < window_start);
        self.completed.drain(..old);
        self.schedule = self.schedule.filter(|&(c, _)| c >= window_start);
        self.scan = self.scan.filter(|&(c, _)| c >= window_start);
        true
    }
}

#[derive(Debug)]
pub struct ResourceState {
    max_series: usize,
    keys: Interner<ResourceKey>,
    /// By key id; `None` for keys whose series left (or were refused).
    entries: Vec<Option<Entry>>,
    live: usize,
    refused: FastSet<u64>,
    /// `None` when `schedules.enabled` is off: intervals come from the job history only.
    schedules: Option<ScheduleBook>,
}

impl ResourceState {
    pub fn new(max_series: usize, schedules: bool) -> Self {
        ResourceState {
            max_series,
            keys: Interner::default(),
            entries: Vec::new(),
            live: 0,
            refused: FastSet::default(),
            schedules: schedules.then(ScheduleBook::default),
        }
    }

    /// The id of a backup job's schedule, while staging a read.
    pub fn schedule_id(&mut self, job: &Job) -> Option<u32> {
        let book = self.schedules.as_mut()?;
        if job.job_type != JobType::Backup {
            return None;
        }
        book.id(job.schedule.as_ref()?)
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
    pub fn observe(&mut self, slot: Slot, o: Observed) {
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
        let job_type = self.keys.key(id as u32).job_type;
        match &mut self.entries[id] {
            Some(e) => e.observe(&o, job_type),
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
            slot @ None => {
                let mut e = Entry::new(&o);
                e.observe(&o, job_type);
                *slot = Some(e);
                self.live += 1;
            }
        }
    }

    /// Drops what left the window, and adds the rest to `out`: intervals as of `now`.
    pub fn snapshot(&mut self, window_start: f64, now: f64, out: &mut Snapshot) {
        for (id, slot) in self.entries.iter_mut().enumerate() {
            let Some(e) = slot else { continue };
            if !e.expire(window_start) {
                *slot = None;
                self.live -= 1;
                continue;
            }
            let key = self.keys.key(id as u32);
            // The rule's cron first (unless schedules are off), else the job history.
            let interval = if key.job_type == JobType::Backup {
                let scheduled = self
                    .schedules
                    .as_mut()
                    .zip(e.schedule)
                    .and_then(|(book, (_, s))| book.interval(s, now));
                match scheduled {
                    Some(seconds) => Some(Interval {
                        seconds,
                        source: IntervalSource::Schedule,
                    }),
                    None => median_gap(&e.completed).map(|seconds| Interval {
                        seconds,
                        source: IntervalSource::History,
                    }),
                }
            } else {
                None
            };
            out.resource_last_job.insert(
                key.clone(),
                LastJob {
                    completion: e.completion,
                    success: e.success,
                    last_success: e.last_success,
                    interval,
                    threats_found: e.scan.map(|(_, t)| t),
                },
            );
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
        let mut old = std::mem::take(&mut self.entries);
        for (id, key) in self.keys.iter() {
            if let Some(e) = old.get_mut(id as usize).and_then(Option::take) {
                let hash = key_hash(
                    key.job_type as u8,
                    &key.account_id,
                    &key.resource_type,
                    &key.resource_arn,
                );
                keys.find_or_insert(hash, |_| false, || key.clone());
                entries.push(Some(e));
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

    fn ended(completion: f64, success: bool) -> Observed {
        Observed {
            completion,
            success,
            schedule: None,
            threats_found: None,
        }
    }

    fn live(r: &mut ResourceState, window_start: f64) -> Vec<(String, LastJob)> {
        let mut s = Snapshot::default();
        r.snapshot(window_start, window_start, &mut s);
        s.resource_last_job
            .into_iter()
            .map(|(k, v)| (k.resource_arn, v))
            .collect()
    }

    #[test]
    fn newest_job_wins_and_series_leave_with_it() {
        let mut r = ResourceState::new(10, true);
        let a = r.slot(&job("a"));
        r.observe(a, ended(100.0, true));
        r.observe(a, ended(300.0, false));
        r.observe(a, ended(200.0, true)); // older than the newest: no change
        let b = r.slot(&job("b"));
        r.observe(b, ended(150.0, true));
        assert_eq!(
            live(&mut r, 0.0),
            [
                (
                    "a".to_owned(),
                    LastJob {
                        completion: 300.0,
                        success: false,
                        last_success: Some(200.0),
                        interval: None,
                        threats_found: None,
                    }
                ),
                (
                    "b".to_owned(),
                    LastJob {
                        completion: 150.0,
                        success: true,
                        last_success: Some(150.0),
                        interval: None,
                        threats_found: None,
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
        let mut r = ResourceState::new(2, true);
        for (i, arn) in ["a", "b", "c"].into_iter().enumerate() {
            let s = r.slot(&job(arn));
            r.observe(s, ended(100.0 + i as f64, true));
        }
        let mut s = Snapshot::default();
        r.snapshot(0.0, 0.0, &mut s);
        assert_eq!(s.resource_last_job.len(), 2);
        assert_eq!(s.dropped.last_job, 1);
        // Once a and b left, a new resource is admitted; the refusal stays counted.
        assert!(live(&mut r, 500.0).is_empty());
        for arn in ["d", "e", "f", "g"] {
            let s = r.slot(&job(arn));
            r.observe(s, ended(1000.0, true));
        }
        let mut s = Snapshot::default();
        r.snapshot(500.0, 500.0, &mut s);
        let arns: Vec<_> = s
            .resource_last_job
            .keys()
            .map(|k: &ResourceKey| k.resource_arn.clone())
            .collect();
        assert_eq!(arns, ["d", "e"]);
        assert_eq!(s.dropped.last_job, 3);
    }
}
