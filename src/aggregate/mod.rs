//! The aggregation core: jobs in, metric values out.
//!
//! Pure and synchronous: no I/O and no clock (every call is given `now`), so it is tested on its
//! own. One [`Aggregator`] holds one target's state: per job type a watermark and the ids seen in
//! the overlap (so a re-read never counts a job twice), windowed counts for the gauges, counters
//! and histograms that skip the start-up backfill, the active-jobs snapshot, restore-test
//! validations still settling, and the newest job per resource.

pub mod histogram;
pub mod window;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use crate::job::{ExtraLabel, Job, JobType};
use histogram::{DURATION_BUCKETS, Histogram, SIZE_BUCKETS};
use window::{Interner, StrHasher, Window};

/// Ids seen this far below `watermark − overlap` are kept a little longer, in case AWS treats
/// the `ByCompleteAfter` bound as inclusive or rounds it.
const SEEN_MARGIN_SECONDS: f64 = 60.0;

/// The validation status of a restore test that has not settled yet.
pub const VALIDATING: &str = "VALIDATING";

/// What the aggregator needs from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub lookback: f64,
    pub overlap: f64,
    pub include_parent_jobs: bool,
    pub extra_labels: Vec<ExtraLabel>,
    pub resources_enabled: bool,
    pub max_series: usize,
}

impl Settings {
    /// Window bucket width: a minute, or coarser for long lookbacks (at most 1440 buckets).
    fn bucket_width(&self) -> f64 {
        (self.lookback / 1440.0).max(60.0)
    }
}

/// Labels of `aws_backup_jobs` and `aws_backup_jobs_finished_total` (region is the target's).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobKey {
    pub job_type: JobType,
    pub account_id: String,
    pub resource_type: String,
    pub state: String,
    pub message_category: String,
    /// Values of the configured extra labels, in their configured order.
    pub extra: Vec<String>,
}

/// Labels of `aws_backup_job_duration_seconds`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DurationKey {
    pub job_type: JobType,
    pub resource_type: String,
    pub state: String,
}

/// Labels of `aws_backup_job_size_bytes`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SizeKey {
    pub job_type: JobType,
    pub resource_type: String,
}

/// Labels of `aws_backup_active_job_oldest_age_seconds`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActiveAgeKey {
    pub job_type: JobType,
    pub account_id: String,
    pub state: String,
}

/// Labels of `aws_backup_restore_validations`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValidationKey {
    pub account_id: String,
    pub resource_type: String,
    pub validation_status: String,
    pub extra: Vec<String>,
}

/// Labels of the per-resource metrics from jobs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKey {
    pub job_type: JobType,
    pub account_id: String,
    pub resource_type: String,
    pub resource_arn: String,
}

/// The newest ended job of a resource.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LastJob {
    pub completion: f64,
    pub success: bool,
}

/// A resource as ListProtectedResources reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtectedResource {
    pub account_id: String,
    pub resource_type: String,
    pub resource_arn: String,
    pub resource_name: String,
    pub last_backup_time: Option<f64>,
}

/// What one read of ended jobs did, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndedOutcome {
    /// Jobs the read listed.
    pub listed: usize,
    /// Jobs not seen before, now counted in the window (and the counters, after the backfill).
    pub new: usize,
    /// Jobs already counted by an earlier read of the overlap.
    pub duplicates: usize,
    /// Composite parent jobs left out (`include_parent_jobs: false`).
    pub parents_skipped: usize,
}

/// Everything one target contributes to the exposition. Plain data, sorted, no region label:
/// the metrics layer adds the target's region and merges targets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub jobs: Vec<(JobKey, u64)>,
    pub finished: Vec<(JobKey, u64)>,
    pub duration: Vec<(DurationKey, Histogram)>,
    pub size: Vec<(SizeKey, Histogram)>,
    pub oldest_active_age: Vec<(ActiveAgeKey, f64)>,
    pub validations: Vec<(ValidationKey, u64)>,
    pub resource_last_job: Vec<(ResourceKey, LastJob)>,
    pub protected_resources: Vec<ProtectedResource>,
    /// Distinct series refused by `max_series` so far, by metric name (monotonic).
    pub series_dropped: Vec<(&'static str, u64)>,
}

/// Incremental-read state of one job type.
#[derive(Debug, Default)]
struct TypeState {
    /// Newest CompletionDate seen (capped at `now`); `None` until a read found a job.
    watermark: Option<f64>,
    /// Whether the start-up backfill (the first successful read) is done.
    backfilled: bool,
    /// Id hashes with their CompletionDate, kept while a read can list them again.
    seen: HashMap<u64, f64>,
    /// Active jobs now, by label set; keys seen once stay (reading 0) so series do not vanish.
    active: BTreeMap<JobKey, u64>,
    oldest_active: BTreeMap<ActiveAgeKey, f64>,
}

/// A read of ended jobs in progress: pages staged compactly (strings interned or hashed, about
/// 64 bytes a job) so that a backfill of a million jobs never holds a million [`Job`]s, and
/// nothing changes until the whole read is committed.
#[derive(Debug)]
pub struct EndedRead {
    job_type: JobType,
    staged: Vec<Staged>,
    listed: usize,
    parents_skipped: usize,
}

impl EndedRead {
    /// Jobs staged so far (for progress logs).
    pub fn len(&self) -> usize {
        self.listed
    }

    pub fn is_empty(&self) -> bool {
        self.listed == 0
    }
}

#[derive(Debug)]
struct Staged {
    id: u64,
    completion: f64,
    creation: f64,
    key: u32,
    size: Option<i64>,
    resource: Option<ResourceSlot>,
    /// Restore tests keep the whole job: their validation is followed after the read.
    restore_test: Option<Box<Job>>,
}

#[derive(Clone, Copy, Debug)]
enum ResourceSlot {
    Kept(u32),
    Refused(u64),
}

/// Job ids are remembered as 64-bit hashes: 8 bytes instead of a 36-byte string, and a
/// collision among the few thousand ids of one overlap is vanishingly unlikely.
fn id_hash(id: &str) -> u64 {
    StrHasher::new(0).field(id).finish()
}

/// A restore test whose validation has not settled: re-read until it does.
#[derive(Debug)]
struct PendingValidation {
    completion: f64,
    job: Job,
}

/// One target's aggregation state.
#[derive(Debug)]
pub struct Aggregator {
    settings: Settings,
    types: [TypeState; 3],
    job_keys: Interner<JobKey>,
    jobs_window: Window,
    finished: BTreeMap<JobKey, u64>,
    duration: BTreeMap<DurationKey, Histogram>,
    size: BTreeMap<SizeKey, Histogram>,
    validation_keys: Interner<ValidationKey>,
    validations_window: Window,
    pending_validations: BTreeMap<String, PendingValidation>,
    resource_keys: Interner<ResourceKey>,
    resource_last: Vec<Option<LastJob>>,
    protected: Vec<ProtectedResource>,
    /// Hashes of the distinct series refused by `max_series`: job-based per-resource series
    /// (both families share their keys), and ListProtectedResources series.
    refused_resources: HashSet<u64>,
    refused_protected: HashSet<u64>,
}

/// Per-resource metric names, for `aws_backup_exporter_series_dropped_total{metric}`.
pub const RESOURCE_LAST_JOB_TS: &str = "aws_backup_resource_last_job_timestamp_seconds";
pub const RESOURCE_LAST_JOB_SUCCESS: &str = "aws_backup_resource_last_job_success";
pub const RESOURCE_LAST_BACKUP_TS: &str = "aws_backup_resource_last_backup_timestamp_seconds";

/// A stable hash of a series key, so refused series are remembered in 8 bytes each.
pub fn series_hash(key: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

fn slot(t: JobType) -> usize {
    match t {
        JobType::Backup => 0,
        JobType::Restore => 1,
        JobType::Copy => 2,
    }
}

impl Aggregator {
    pub fn new(settings: Settings) -> Self {
        let width = settings.bucket_width();
        Aggregator {
            settings,
            types: Default::default(),
            job_keys: Interner::default(),
            jobs_window: Window::new(width),
            finished: BTreeMap::new(),
            duration: BTreeMap::new(),
            size: BTreeMap::new(),
            validation_keys: Interner::default(),
            validations_window: Window::new(width),
            pending_validations: BTreeMap::new(),
            resource_keys: Interner::default(),
            resource_last: Vec::new(),
            protected: Vec::new(),
            refused_resources: HashSet::new(),
            refused_protected: HashSet::new(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The `ByCompleteAfter` bound of the next read of ended jobs: the whole lookback until a
    /// job was seen, then the overlap before the newest completion seen.
    pub fn complete_after(&self, job_type: JobType, now: f64) -> f64 {
        match self.types[slot(job_type)].watermark {
            None => now - self.settings.lookback,
            Some(w) => (w - self.settings.overlap).max(now - self.settings.lookback),
        }
    }

    /// Whether the start-up backfill of this job type is done.
    pub fn is_backfilled(&self, job_type: JobType) -> bool {
        self.types[slot(job_type)].backfilled
    }

    fn extra_values(&self, job: &Job) -> Vec<String> {
        self.settings
            .extra_labels
            .iter()
            .map(|l| l.value(job).to_owned())
            .collect()
    }

    fn job_key(&self, job: &Job) -> JobKey {
        JobKey {
            job_type: job.job_type,
            account_id: job.account_id.clone(),
            resource_type: job.resource_type.clone(),
            state: job.state.clone(),
            message_category: job.message_category.clone(),
            extra: self.extra_values(job),
        }
    }

    /// Starts a read of ended jobs; stage its pages with [`Aggregator::stage`] as they arrive
    /// and apply them all at once with [`Aggregator::commit`] when every page succeeded. A
    /// read that fails is dropped and changes nothing.
    pub fn begin_read(&self, job_type: JobType) -> EndedRead {
        EndedRead {
            job_type,
            staged: Vec::new(),
            listed: 0,
            parents_skipped: 0,
        }
    }

    /// Stages one listed job in compact form: its label set interned, strings dropped.
    pub fn stage(&mut self, read: &mut EndedRead, job: Job) {
        read.listed += 1;
        let Some(completion) = job.completion else {
            return;
        };
        if job.is_parent && !self.settings.include_parent_jobs {
            read.parents_skipped += 1;
            return;
        }
        let key = self.job_key_id(&job);
        let resource = if self.settings.resources_enabled && !job.resource_arn.is_empty() {
            Some(self.resource_slot(&job))
        } else {
            None
        };
        read.staged.push(Staged {
            id: id_hash(&job.id),
            completion,
            creation: job.creation,
            key,
            size: job.size_bytes,
            resource,
            restore_test: job.is_restore_test().then(|| Box::new(job)),
        });
    }

    /// Applies a complete read: the watermark advances, new jobs are counted, ids seen before
    /// (the overlap) are skipped.
    pub fn commit(&mut self, read: EndedRead, now: f64) -> EndedOutcome {
        let job_type = read.job_type;
        let mut out = EndedOutcome {
            listed: read.listed,
            parents_skipped: read.parents_skipped,
            ..EndedOutcome::default()
        };
        let counting = self.types[slot(job_type)].backfilled;
        let window_start = now - self.settings.lookback;
        let horizon = self.types[slot(job_type)]
            .watermark
            .map(|w| w - self.settings.overlap - SEEN_MARGIN_SECONDS);
        let mut newest = self.types[slot(job_type)].watermark;
        for job in read.staged {
            // Below the horizon the seen set no longer remembers ids: such a job was counted
            // before (AWS returned it past our bound) or is later than the overlap can catch.
            if horizon.is_some_and(|h| job.completion < h) {
                out.duplicates += 1;
                continue;
            }
            newest = Some(newest.map_or(job.completion, |n: f64| n.max(job.completion)));
            let seen = &mut self.types[slot(job_type)].seen;
            if seen.insert(job.id, job.completion).is_some() {
                out.duplicates += 1;
                if let Some(full) = &job.restore_test
                    && self.pending_validations.contains_key(&full.id)
                {
                    self.apply_validation(full, now);
                }
                continue;
            }
            out.new += 1;
            self.count_new_ended(job, window_start, counting);
        }
        let ts = &mut self.types[slot(job_type)];
        ts.backfilled = true;
        ts.watermark = newest.map(|n| n.min(now));
        if let Some(w) = ts.watermark {
            let keep_from = w - self.settings.overlap - SEEN_MARGIN_SECONDS;
            ts.seen.retain(|_, c| *c >= keep_from);
            ts.seen.shrink_to_fit();
        }
        out
    }

    /// Stages and commits `jobs` as one complete read.
    pub fn apply_ended(
        &mut self,
        job_type: JobType,
        jobs: impl IntoIterator<Item = Job>,
        now: f64,
    ) -> EndedOutcome {
        let mut read = self.begin_read(job_type);
        for job in jobs {
            self.stage(&mut read, job);
        }
        self.commit(read, now)
    }

    fn job_key_id(&mut self, job: &Job) -> u32 {
        let extras = &self.settings.extra_labels;
        let mut h = StrHasher::new(slot(job.job_type) as u8)
            .field(&job.account_id)
            .field(&job.resource_type)
            .field(&job.state)
            .field(&job.message_category);
        for l in extras {
            h = h.field(l.value(job));
        }
        self.job_keys.find_or_insert(
            h.finish(),
            |k| {
                k.job_type == job.job_type
                    && k.account_id == job.account_id
                    && k.resource_type == job.resource_type
                    && k.state == job.state
                    && k.message_category == job.message_category
                    && k.extra.iter().zip(extras).all(|(v, l)| v == l.value(job))
            },
            || JobKey {
                job_type: job.job_type,
                account_id: job.account_id.clone(),
                resource_type: job.resource_type.clone(),
                state: job.state.clone(),
                message_category: job.message_category.clone(),
                extra: extras.iter().map(|l| l.value(job).to_owned()).collect(),
            },
        )
    }

    fn validation_id(&mut self, job: &Job, status: &str) -> u32 {
        let extras = &self.settings.extra_labels;
        let mut h = StrHasher::new(0)
            .field(&job.account_id)
            .field(&job.resource_type)
            .field(status);
        for l in extras {
            h = h.field(l.value(job));
        }
        self.validation_keys.find_or_insert(
            h.finish(),
            |k| {
                k.account_id == job.account_id
                    && k.resource_type == job.resource_type
                    && k.validation_status == status
                    && k.extra.iter().zip(extras).all(|(v, l)| v == l.value(job))
            },
            || ValidationKey {
                account_id: job.account_id.clone(),
                resource_type: job.resource_type.clone(),
                validation_status: status.to_owned(),
                extra: extras.iter().map(|l| l.value(job).to_owned()).collect(),
            },
        )
    }

    /// The job's per-resource series: interned while under `max_series`, else refused.
    fn resource_slot(&mut self, job: &Job) -> ResourceSlot {
        let hash = StrHasher::new(slot(job.job_type) as u8)
            .field(&job.account_id)
            .field(&job.resource_type)
            .field(&job.resource_arn)
            .finish();
        let matches = |k: &ResourceKey| {
            k.job_type == job.job_type
                && k.account_id == job.account_id
                && k.resource_type == job.resource_type
                && k.resource_arn == job.resource_arn
        };
        if let Some(id) = self.resource_keys.find(hash, matches) {
            return ResourceSlot::Kept(id);
        }
        if self.resource_keys.len() >= self.settings.max_series {
            return ResourceSlot::Refused(hash);
        }
        ResourceSlot::Kept(
            self.resource_keys
                .find_or_insert(hash, matches, || ResourceKey {
                    job_type: job.job_type,
                    account_id: job.account_id.clone(),
                    resource_type: job.resource_type.clone(),
                    resource_arn: job.resource_arn.clone(),
                }),
        )
    }

    fn count_new_ended(&mut self, job: Staged, window_start: f64, counting: bool) {
        if job.completion > window_start {
            self.jobs_window.add(job.key, job.completion, 1);
        }
        if counting {
            let key = self.job_keys.key(job.key);
            let d = DurationKey {
                job_type: key.job_type,
                resource_type: key.resource_type.clone(),
                state: key.state.clone(),
            };
            let completed = key.state == "COMPLETED";
            let s = SizeKey {
                job_type: key.job_type,
                resource_type: key.resource_type.clone(),
            };
            self.duration
                .entry(d)
                .or_insert_with(|| Histogram::new(DURATION_BUCKETS))
                .observe((job.completion - job.creation).max(0.0));
            if completed && let Some(bytes) = job.size {
                self.size
                    .entry(s)
                    .or_insert_with(|| Histogram::new(SIZE_BUCKETS))
                    .observe(bytes as f64);
            }
            let key = self.job_keys.key(job.key).clone();
            *self.finished.entry(key).or_default() += 1;
        }
        if let Some(full) = &job.restore_test
            && job.completion > window_start
        {
            if let Some(status) = &full.validation_status {
                let id = self.validation_id(full, status);
                self.validations_window.add(id, job.completion, 1);
            }
            let unsettled = match full.validation_status.as_deref() {
                Some(s) => s == VALIDATING,
                None => full.state == "COMPLETED",
            };
            if unsettled {
                self.pending_validations.insert(
                    full.id.clone(),
                    PendingValidation {
                        completion: job.completion,
                        job: (**full).clone(),
                    },
                );
            }
        }
        match job.resource {
            Some(ResourceSlot::Kept(id)) => {
                let success = self.job_keys.key(job.key).state == "COMPLETED";
                let i = id as usize;
                if self.resource_last.len() <= i {
                    self.resource_last.resize(i + 1, None);
                }
                let last = &mut self.resource_last[i];
                if last.is_none_or(|l| l.completion <= job.completion) {
                    *last = Some(LastJob {
                        completion: job.completion,
                        success,
                    });
                }
            }
            Some(ResourceSlot::Refused(hash)) => {
                self.refused_resources.insert(hash);
            }
            None => {}
        }
    }

    /// Ids of restore tests whose validation has not settled: re-read them (DescribeRestoreJob).
    pub fn pending_validations(&self) -> Vec<String> {
        self.pending_validations.keys().cloned().collect()
    }

    /// Applies a re-read restore job: its validation may have moved (VALIDATING → FAILED). The
    /// job stays counted once; only its `validation_status` label changes.
    pub fn apply_validation(&mut self, job: &Job, now: f64) {
        let Some(pending) = self.pending_validations.get(&job.id) else {
            return;
        };
        let completion = pending.completion;
        let old = pending.job.validation_status.clone();
        let new = job.validation_status.clone();
        // Buckets are dropped only once they fall out of the lookback, so a job still inside it
        // has its count in place.
        let in_window = completion > now - self.settings.lookback;
        if old != new {
            let base = pending.job.clone();
            if let Some(o) = &old
                && in_window
            {
                let id = self.validation_id(&base, o);
                self.validations_window.add(id, completion, -1);
            }
            if let Some(n) = &new
                && in_window
            {
                let id = self.validation_id(&base, n);
                self.validations_window.add(id, completion, 1);
            }
        }
        match new.as_deref() {
            Some(s) if s != VALIDATING => {
                self.pending_validations.remove(&job.id);
            }
            _ => {
                if let Some(p) = self.pending_validations.get_mut(&job.id) {
                    p.job.validation_status = new;
                }
            }
        }
    }

    /// Replaces the active-jobs snapshot of one job type with a complete new listing.
    pub fn apply_active(
        &mut self,
        job_type: JobType,
        jobs: impl IntoIterator<Item = Job>,
        now: f64,
    ) {
        let include_parents = self.settings.include_parent_jobs;
        let mut counts: BTreeMap<JobKey, u64> = BTreeMap::new();
        let mut oldest: BTreeMap<ActiveAgeKey, f64> = BTreeMap::new();
        for job in jobs {
            if job.is_parent && !include_parents {
                continue;
            }
            *counts.entry(self.job_key(&job)).or_default() += 1;
            let age = (now - job.creation).max(0.0);
            let k = ActiveAgeKey {
                job_type,
                account_id: job.account_id.clone(),
                state: job.state.clone(),
            };
            let e = oldest.entry(k).or_insert(age);
            *e = e.max(age);
        }
        let ts = &mut self.types[slot(job_type)];
        for v in ts.active.values_mut() {
            *v = 0;
        }
        for (k, n) in counts {
            ts.active.insert(k, n);
        }
        ts.oldest_active = oldest;
    }

    /// Replaces the ListProtectedResources view, capped at `max_series`.
    pub fn apply_protected_resources(&mut self, mut resources: Vec<ProtectedResource>) {
        if !self.settings.resources_enabled {
            return;
        }
        resources.sort_by(|a, b| a.resource_arn.cmp(&b.resource_arn));
        if resources.len() > self.settings.max_series {
            for r in resources.drain(self.settings.max_series..) {
                self.refused_protected.insert(series_hash(&r.resource_arn));
            }
        }
        self.protected = resources;
    }

    /// Slides the windows to `now` and returns the values to expose.
    pub fn snapshot(&mut self, now: f64) -> Snapshot {
        let window_start = now - self.settings.lookback;
        self.jobs_window.expire(window_start);
        self.validations_window.expire(window_start);
        self.pending_validations
            .retain(|_, p| p.completion > window_start);

        let mut jobs: BTreeMap<JobKey, u64> = BTreeMap::new();
        for (id, n) in self.jobs_window.totals() {
            *jobs.entry(self.job_keys.key(id).clone()).or_default() += n.max(0) as u64;
        }
        for ts in &self.types {
            for (k, n) in &ts.active {
                *jobs.entry(k.clone()).or_default() += n;
            }
        }
        let mut oldest_active_age = Vec::new();
        for ts in &self.types {
            oldest_active_age.extend(ts.oldest_active.iter().map(|(k, v)| (k.clone(), *v)));
        }
        let validations = self
            .validations_window
            .totals()
            .map(|(id, n)| (self.validation_keys.key(id).clone(), n.max(0) as u64))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        let mut resource_last_job: Vec<_> = self
            .resource_last
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (self.resource_keys.key(i as u32).clone(), v)))
            .collect();
        resource_last_job.sort_by(|a, b| a.0.cmp(&b.0));
        Snapshot {
            jobs: jobs.into_iter().collect(),
            finished: self.finished.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            duration: self
                .duration
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            size: self
                .size
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            oldest_active_age,
            validations,
            resource_last_job,
            protected_resources: self.protected.clone(),
            series_dropped: vec![
                (RESOURCE_LAST_BACKUP_TS, self.refused_protected.len() as u64),
                (
                    RESOURCE_LAST_JOB_SUCCESS,
                    self.refused_resources.len() as u64,
                ),
                (RESOURCE_LAST_JOB_TS, self.refused_resources.len() as u64),
            ],
        }
    }

    /// Label sets and buckets held, to show that memory follows label sets, not jobs.
    pub fn footprint(&self) -> (usize, usize, usize) {
        let seen = self.types.iter().map(|t| t.seen.len()).sum();
        (self.job_keys.len(), self.jobs_window.bucket_count(), seen)
    }
}

#[cfg(test)]
mod tests;
