//! One target's aggregation state, and the path of a read through it: pages staged compactly,
//! then committed at once, each new job going to its type's windows, to the restore-test
//! validations and to the per-resource state.

use super::ended::{EndedJobs, Seen};
use super::hash::id_hash;
use super::inventory::Inventory;
use super::resources::{Observed, ResourceState, Slot};
use super::scans::ScanResults;
use super::settings::Settings;
use super::snapshot::Snapshot;
use super::validations::{Reread, Validations};
use crate::job::{
    Job, JobSummary, JobType, ProtectedResource, RestoreTestingPlan, Vault, WatchedRestore,
};

/// A read of ended jobs in progress: pages staged compactly (strings interned or hashed, about
/// 64 bytes a job) so that a backfill of a million jobs never holds a million [`Job`]s, and
/// nothing changes until the whole read is committed.
#[derive(Debug)]
pub struct EndedRead {
    job_type: JobType,
    /// When the read started: a CompletionDate after it is taken as it.
    now: f64,
    staged: Vec<Staged>,
    listed: usize,
    parents_skipped: usize,
}

impl EndedRead {
    /// Jobs listed so far (for progress logs).
    pub fn listed(&self) -> usize {
        self.listed
    }
}

#[derive(Debug)]
struct Staged {
    id: u64,
    completion: f64,
    creation: Option<f64>,
    key: u32,
    size: Option<i64>,
    resource: Option<Slot>,
    schedule: Option<u32>,
    /// Scans with a result: its label set, and whether it counts as the resource's newest
    /// completed scan (found threats or not).
    scan_result: Option<u32>,
    threats_found: Option<bool>,
    /// Restore tests keep the whole job: their validation is followed after the read.
    restore_test: Option<Box<Job>>,
}

/// What one read of ended jobs did, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndedOutcome {
    /// Jobs the read listed.
    pub listed: usize,
    /// Jobs not seen before, now counted.
    pub new: usize,
    /// Jobs already counted by an earlier read of the overlap.
    pub duplicates: usize,
    /// Composite parent jobs left out (`include_parent_jobs: false`).
    pub parents_skipped: usize,
}

#[derive(Debug)]
pub struct TargetAggregate {
    settings: Settings,
    ended: Vec<EndedJobs>,
    validations: Validations,
    scans: ScanResults,
    resources: ResourceState,
    protected: Vec<ProtectedResource>,
    inventory: Inventory,
    /// Distinct ListProtectedResources series refused by the cap, so far.
    refused_protected: super::hash::FastSet<u64>,
}

impl TargetAggregate {
    pub fn new(settings: Settings) -> Self {
        let width = settings.bucket_width();
        TargetAggregate {
            ended: JobType::ALL
                .iter()
                .map(|&t| EndedJobs::new(t, &settings))
                .collect(),
            validations: Validations::new(width),
            scans: ScanResults::new(width),
            resources: ResourceState::new(settings.max_series, settings.schedules_enabled),
            protected: Vec::new(),
            inventory: Inventory::default(),
            refused_protected: Default::default(),
            settings,
        }
    }

    fn ended(&mut self, t: JobType) -> &mut EndedJobs {
        &mut self.ended[t.index()]
    }

    /// The `ByCompleteAfter` bound of the next read of ended jobs.
    pub fn complete_after(&self, job_type: JobType, now: f64) -> f64 {
        self.ended[job_type.index()].complete_after(&self.settings, now)
    }

    /// Whether the start-up backfill of this job type is done.
    pub fn is_backfilled(&self, job_type: JobType) -> bool {
        self.ended[job_type.index()].is_backfilled()
    }

    /// Starts a read of ended jobs; stage its pages with [`TargetAggregate::stage`] as they
    /// arrive and apply them all at once with [`TargetAggregate::commit`] when every page
    /// succeeded. A read that fails is dropped and changes nothing.
    pub fn begin_read(&self, job_type: JobType, now: f64) -> EndedRead {
        EndedRead {
            job_type,
            now,
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
        let extras = self.settings.extra_labels.clone();
        let key = self.ended(read.job_type).key_id(&job, &extras);
        let resource = (self.settings.resources_enabled && !job.resource_arn.is_empty())
            .then(|| self.resources.slot(&job));
        let schedule = resource.and_then(|_| self.resources.schedule_id(&job));
        let scan_result = self.scans.key_id(&job);
        let threats_found = job
            .completed_scan_result()
            .map(|r| r == crate::job::states::THREATS_FOUND);
        read.staged.push(Staged {
            id: id_hash(&job.id),
            // A CompletionDate in the future (a clock off at AWS's end) is taken as now.
            completion: completion.min(read.now),
            creation: job.creation,
            key,
            size: job.size_bytes,
            resource,
            schedule,
            scan_result,
            threats_found,
            restore_test: job.is_restore_test().then(|| Box::new(job)),
        });
    }

    /// Applies a complete read: the watermark advances, new jobs are counted, ids seen before
    /// (the overlap) are skipped.
    pub fn commit(&mut self, read: EndedRead, now: f64) -> EndedOutcome {
        let t = read.job_type;
        let mut out = EndedOutcome {
            listed: read.listed,
            parents_skipped: read.parents_skipped,
            ..EndedOutcome::default()
        };
        let window_start = self.settings.window_start(now);
        let extras = self.settings.extra_labels.clone();
        let mut newest: Option<f64> = None;
        for job in read.staged {
            let seen = self.ended[t.index()].see(&self.settings, job.id, job.completion);
            if seen == Seen::Forgotten {
                out.duplicates += 1;
                continue;
            }
            newest = Some(newest.map_or(job.completion, |n| n.max(job.completion)));
            if seen == Seen::Again {
                out.duplicates += 1;
                if let Some(full) = &job.restore_test
                    && self.validations.is_pending(&full.id)
                {
                    self.validations.update(full, &extras);
                }
                continue;
            }
            out.new += 1;
            let ended = &mut self.ended[t.index()];
            let success = ended.key(job.key).state == crate::job::states::COMPLETED;
            ended.count(
                job.key,
                job.completion,
                job.creation,
                job.size,
                window_start,
            );
            if let Some(slot) = job.resource
                && job.completion >= window_start
            {
                self.resources.observe(
                    slot,
                    Observed {
                        completion: job.completion,
                        success,
                        schedule: job.schedule,
                        threats_found: job.threats_found,
                    },
                );
            }
            if let Some(key) = job.scan_result {
                self.scans.add(key, job.completion, window_start);
            }
            if let Some(full) = job.restore_test {
                self.validations
                    .add(*full, job.completion, window_start, &extras);
            }
        }
        self.ended[t.index()].finish_read(&self.settings, newest, now);
        out
    }

    /// Stages and commits `jobs` as one complete read.
    #[cfg(test)]
    pub fn apply_ended(
        &mut self,
        job_type: JobType,
        jobs: impl IntoIterator<Item = Job>,
        now: f64,
    ) -> EndedOutcome {
        let mut read = self.begin_read(job_type, now);
        for job in jobs {
            self.stage(&mut read, job);
        }
        self.commit(read, now)
    }

    /// Replaces the active-jobs snapshot of one job type with a complete new listing.
    pub fn apply_active(
        &mut self,
        job_type: JobType,
        jobs: impl IntoIterator<Item = Job>,
        now: f64,
    ) {
        let settings = self.settings.clone();
        self.ended(job_type).apply_active(jobs, &settings, now);
    }

    /// Starts a round of re-reads (DescribeRestoreJob): up to `max` restore tests due, least
    /// recently tried first.
    pub fn validations_next_round(&mut self, max: usize) -> Vec<String> {
        self.validations.next_round(max)
    }

    /// Applies the outcome of re-reading restore test `id` in this round.
    pub fn apply_reread(&mut self, id: &str, outcome: Reread) {
        let extras = self.settings.extra_labels.clone();
        self.validations.reread(id, outcome, &extras);
    }

    /// Replaces the ListProtectedResources view, capped at `max_series`.
    pub fn apply_protected_resources(&mut self, mut resources: Vec<ProtectedResource>) {
        if !self.settings.resources_enabled {
            return;
        }
        resources.sort_by(|a, b| a.resource_arn.cmp(&b.resource_arn));
        if resources.len() > self.settings.max_series {
            for r in resources.drain(self.settings.max_series..) {
                self.refused_protected
                    .insert(super::hash::hash_of(&r.resource_arn));
            }
        }
        self.protected = resources;
    }

    /// Replaces the vaults with a complete new listing.
    pub fn apply_vaults(&mut self, vaults: Vec<Vault>) {
        self.inventory.apply_vaults(vaults);
    }

    /// Replaces the restore testing plans with a complete new listing.
    pub fn apply_restore_testing_plans(&mut self, plans: Vec<RestoreTestingPlan>) {
        self.inventory.apply_plans(plans);
    }

    /// Replaces the job summaries with a complete new reading.
    pub fn apply_job_summaries(&mut self, rows: Vec<JobSummary>) {
        self.inventory.apply_summaries(rows);
    }

    /// Records the restore history of the watched resources that were read.
    pub fn apply_watched(&mut self, read: Vec<WatchedRestore>) {
        self.inventory.apply_watched(read);
    }

    /// Slides every window to `now` and returns the values to expose, in `region`.
    pub fn snapshot(&mut self, region: &str, now: f64) -> Snapshot {
        let window_start = self.settings.window_start(now);
        let mut out = Snapshot {
            region: region.to_owned(),
            ..Snapshot::default()
        };
        for e in &mut self.ended {
            e.snapshot(window_start, &mut out);
        }
        self.validations.snapshot(window_start, &mut out);
        self.scans.snapshot(window_start, &mut out);
        if self.settings.resources_enabled {
            self.resources.snapshot(window_start, now, &mut out);
            out.protected_resources = self.protected.clone();
        }
        out.dropped.protected = self.refused_protected.len() as u64;
        out.vaults = self.inventory.vaults();
        out.restore_testing_plans = self.inventory.plans(now);
        out.job_summaries = self.inventory.summaries();
        out.watched = self.inventory.watched();
        out
    }

    /// Label sets, window buckets and ids held, to show that memory follows label sets.
    #[cfg(test)]
    pub fn footprint(&self) -> (usize, usize, usize) {
        self.ended
            .iter()
            .map(|e| e.footprint())
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
    }
}
