//! The jobs of one job type: the incremental read's watermark and the ids seen in its overlap
//! (so a re-read never counts a job twice), the windowed counts behind `aws_backup_jobs`, the
//! counter and histograms that skip the start-up backfill, and the active-jobs snapshot.

use std::collections::BTreeMap;

use super::hash::{FastMap, FieldHasher};
use super::histogram::{DURATION_BUCKETS, Histogram, SIZE_BUCKETS};
use super::interner::Interner;
use super::keys::{ActiveAgeKey, DurationKey, JobKey, SizeKey};
use super::settings::Settings;
use super::snapshot::Snapshot;
use super::window::Window;
use crate::job::{ExtraLabel, Job, JobType};

/// Ids seen this far below `watermark − overlap` are kept a little longer, in case AWS treats
/// the `ByCompleteAfter` bound as inclusive or rounds it.
const SEEN_MARGIN_SECONDS: f64 = 60.0;

/// Whether a listed job is new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    New,
    /// Listed again by a read of the overlap.
    Again,
    /// Older than the overlap: counted long ago (AWS returned it past our bound), or later
    /// than the overlap can catch.
    Forgotten,
}

#[derive(Debug)]
pub struct EndedJobs {
    job_type: JobType,
    /// Newest CompletionDate seen (never past `now`); `None` until a read found a job.
    watermark: Option<f64>,
    /// Whether the start-up backfill (the first successful read) is done.
    backfilled: bool,
    /// Id hashes with their CompletionDate, kept while a read can list them again.
    seen: FastMap<u64, f64>,
    keys: Interner<JobKey>,
    window: Window,
    /// Per label set; every label set the window ever held is here, at 0 if only the backfill
    /// saw it, so that `increase()` sees the first job after start-up.
    finished: BTreeMap<u32, u64>,
    duration: BTreeMap<DurationKey, Histogram>,
    size: BTreeMap<SizeKey, Histogram>,
    active: BTreeMap<JobKey, u64>,
    oldest_active: BTreeMap<ActiveAgeKey, f64>,
}

impl EndedJobs {
    pub fn new(job_type: JobType, settings: &Settings) -> Self {
        EndedJobs {
            job_type,
            watermark: None,
            backfilled: false,
            seen: FastMap::default(),
            keys: Interner::default(),
            window: Window::new(settings.bucket_width()),
            finished: BTreeMap::new(),
            duration: BTreeMap::new(),
            size: BTreeMap::new(),
            active: BTreeMap::new(),
            oldest_active: BTreeMap::new(),
        }
    }

    /// The `ByCompleteAfter` bound of the next read: the whole window until a job was seen,
    /// then the overlap before the newest completion seen. One second before the window's
    /// edge, so that a job ending exactly on it is listed however AWS reads "after".
    pub fn complete_after(&self, settings: &Settings, now: f64) -> f64 {
        let edge = settings.window_start(now) - 1.0;
        match self.watermark {
            None => edge,
            Some(w) => (w - settings.overlap).max(edge),
        }
    }

    pub fn is_backfilled(&self) -> bool {
        self.backfilled
    }

    /// The id of the job's label set.
    pub fn key_id(&mut self, job: &Job, extras: &[ExtraLabel]) -> u32 {
        let mut h = FieldHasher::new(self.job_type as u8)
            .field(&job.account_id)
            .field(&job.resource_type)
            .field(&job.state)
            .field(&job.message_category);
        for l in extras {
            h = h.field(l.value(job));
        }
        self.keys.find_or_insert(
            h.finish(),
            |k| {
                k.account_id == job.account_id
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

    pub fn key(&self, id: u32) -> &JobKey {
        self.keys.key(id)
    }

    /// Remembers a listed job's id; says whether it is new.
    pub fn see(&mut self, settings: &Settings, id: u64, completion: f64) -> Seen {
        let horizon = self
            .watermark
            .map(|w| w - settings.overlap - SEEN_MARGIN_SECONDS);
        if horizon.is_some_and(|h| completion < h) {
            return Seen::Forgotten;
        }
        match self.seen.insert(id, completion) {
            Some(_) => Seen::Again,
            None => Seen::New,
        }
    }

    /// Counts a new ended job: in the window if it ended inside it, and (after the backfill)
    /// in the counter and histograms.
    pub fn count(
        &mut self,
        key: u32,
        completion: f64,
        creation: Option<f64>,
        size: Option<i64>,
        window_start: f64,
    ) {
        if completion >= window_start {
            self.window.add(key, completion, 1);
        }
        let finished = self.finished.entry(key).or_insert(0);
        if !self.backfilled {
            return;
        }
        *finished += 1;
        let k = self.keys.key(key);
        if let Some(created) = creation {
            self.duration
                .entry(DurationKey {
                    job_type: k.job_type,
                    resource_type: k.resource_type.clone(),
                    state: k.state.clone(),
                })
                .or_insert_with(|| Histogram::new(DURATION_BUCKETS))
                .observe((completion - created).max(0.0));
        }
        if k.state == crate::job::states::COMPLETED
            && let Some(bytes) = size
        {
            self.size
                .entry(SizeKey {
                    job_type: k.job_type,
                    resource_type: k.resource_type.clone(),
                })
                .or_insert_with(|| Histogram::new(SIZE_BUCKETS))
                .observe(bytes as f64);
        }
    }

    /// Ends a complete read: the backfill is done, the watermark moves to the newest
    /// completion seen (never past `now`), ids below the overlap are forgotten.
    pub fn finish_read(&mut self, settings: &Settings, newest: Option<f64>, now: f64) {
        self.backfilled = true;
        let newest = match (self.watermark, newest) {
            (Some(w), Some(n)) => Some(w.max(n)),
            (w, n) => w.or(n),
        };
        self.watermark = newest.map(|n| n.min(now));
        if let Some(w) = self.watermark {
            let keep_from = w - settings.overlap - SEEN_MARGIN_SECONDS;
            self.seen.retain(|_, c| *c >= keep_from);
            self.seen.shrink_to_fit();
        }
    }

    /// Replaces the active-jobs snapshot with a complete new listing.
    pub fn apply_active(
        &mut self,
        jobs: impl IntoIterator<Item = Job>,
        settings: &Settings,
        now: f64,
    ) {
        let mut counts: BTreeMap<JobKey, u64> = BTreeMap::new();
        let mut oldest: BTreeMap<ActiveAgeKey, f64> = BTreeMap::new();
        for job in jobs {
            if job.is_parent && !settings.include_parent_jobs {
                continue;
            }
            let extras = &settings.extra_labels;
            let key = JobKey {
                job_type: self.job_type,
                account_id: job.account_id.clone(),
                resource_type: job.resource_type.clone(),
                state: job.state.clone(),
                message_category: job.message_category.clone(),
                extra: extras.iter().map(|l| l.value(&job).to_owned()).collect(),
            };
            *counts.entry(key).or_default() += 1;
            // A job without a CreationDate is counted, but has no age.
            let Some(created) = job.creation else {
                continue;
            };
            let age = (now - created).max(0.0);
            let k = ActiveAgeKey {
                job_type: self.job_type,
                account_id: job.account_id,
                state: job.state,
            };
            let e = oldest.entry(k).or_insert(age);
            *e = e.max(age);
        }
        self.active = counts;
        self.oldest_active = oldest;
    }

    /// Slides the window to `window_start` and adds this job type's series to `out`.
    pub fn snapshot(&mut self, window_start: f64, out: &mut Snapshot) {
        self.window.expire(window_start);
        for (id, n) in self.window.nonzero() {
            *out.jobs.entry(self.keys.key(id).clone()).or_default() += n;
        }
        for (k, n) in &self.active {
            *out.jobs.entry(k.clone()).or_default() += n;
        }
        for (&id, &n) in &self.finished {
            out.finished.insert(self.keys.key(id).clone(), n);
        }
        out.duration
            .extend(self.duration.iter().map(|(k, v)| (k.clone(), v.clone())));
        out.size
            .extend(self.size.iter().map(|(k, v)| (k.clone(), v.clone())));
        out.oldest_active_age
            .extend(self.oldest_active.iter().map(|(k, v)| (k.clone(), *v)));
    }

    /// Label sets, window buckets and remembered ids, to show that memory follows label sets.
    #[cfg(test)]
    pub fn footprint(&self) -> (usize, usize, usize) {
        (self.keys.len(), self.window.bucket_count(), self.seen.len())
    }
}
