//! Every target's snapshot merged into one set of series, with the region label added.
//!
//! Targets are merged because some families carry no region or account (the histograms).
//! `resources.max_series` holds across targets too: targets are taken in name order, each
//! family admitting series until it is full, so the same snapshots always give the same
//! exposition.

use std::collections::BTreeMap;

use crate::aggregate::{
    ActiveAgeKey, DurationKey, FastSet, Histogram, JobKey, LastJob, PlanSeries, ResourceKey,
    ScanResultKey, SizeKey, Snapshot, ValidationKey, hash_of,
};
use crate::job::{ExtraLabel, JobSummary, ProtectedResource, Vault, WatchedRestore};

/// What the merge needs from the configuration.
#[derive(Clone, Debug)]
pub struct MergeSettings {
    pub extra_labels: Vec<ExtraLabel>,
    pub lookback_seconds: f64,
    pub resources_enabled: bool,
    pub max_series: usize,
}

/// All targets' series, merged, ready to encode. Keys lead with the region.
#[derive(Debug, Default)]
pub struct Merged {
    pub extra_labels: Vec<ExtraLabel>,
    pub lookback_seconds: f64,
    pub resources_enabled: bool,
    pub jobs: BTreeMap<(String, JobKey), u64>,
    pub finished: BTreeMap<(String, JobKey), u64>,
    pub duration: BTreeMap<DurationKey, Histogram>,
    pub size: BTreeMap<SizeKey, Histogram>,
    pub oldest_active: BTreeMap<(String, ActiveAgeKey), f64>,
    pub validations: BTreeMap<(String, ValidationKey), u64>,
    pub scan_results: BTreeMap<(String, ScanResultKey), u64>,
    pub resource_last_job: BTreeMap<(String, ResourceKey), LastJob>,
    pub protected: BTreeMap<(String, String), ProtectedResource>,
    /// `None` when no target has read them (collector off, or not yet successful).
    pub vaults: Option<BTreeMap<(String, String, String), Vault>>,
    pub plans: Option<BTreeMap<(String, String, String), PlanSeries>>,
    /// Summary counts by (region, row without its count).
    pub job_summaries: Option<BTreeMap<(String, JobSummary), u64>>,
    pub watched: Option<BTreeMap<(String, String), WatchedRestore>>,
    /// Distinct series refused so far: the job-based per-resource families, and
    /// ListProtectedResources'.
    pub dropped_last_job: u64,
    pub dropped_protected: u64,
}

/// Series refused across targets, remembered so that each is counted once.
#[derive(Debug, Default)]
pub struct Refused {
    last_job: FastSet<u64>,
    protected: FastSet<u64>,
}

fn merge_histogram<K: Ord + Clone>(into: &mut BTreeMap<K, Histogram>, k: &K, h: &Histogram) {
    match into.get_mut(k) {
        Some(existing) => existing.merge(h),
        None => {
            into.insert(k.clone(), h.clone());
        }
    }
}

impl Merged {
    /// Merges the targets' snapshots (by target name); `refused` remembers across merges
    /// what the cross-target cap refused.
    pub fn new<'a>(
        targets: impl IntoIterator<Item = &'a Snapshot>,
        settings: &MergeSettings,
        refused: &mut Refused,
    ) -> Self {
        let mut m = Merged {
            extra_labels: settings.extra_labels.clone(),
            lookback_seconds: settings.lookback_seconds,
            resources_enabled: settings.resources_enabled,
            ..Merged::default()
        };
        let max = settings.max_series;
        for s in targets {
            let r = &s.region;
            for (k, v) in &s.jobs {
                *m.jobs.entry((r.clone(), k.clone())).or_default() += v;
            }
            for (k, v) in &s.finished {
                *m.finished.entry((r.clone(), k.clone())).or_default() += v;
            }
            for (k, h) in &s.duration {
                merge_histogram(&mut m.duration, k, h);
            }
            for (k, h) in &s.size {
                merge_histogram(&mut m.size, k, h);
            }
            for (k, v) in &s.oldest_active_age {
                let e = m.oldest_active.entry((r.clone(), k.clone())).or_insert(*v);
                *e = e.max(*v);
            }
            for (k, v) in &s.validations {
                *m.validations.entry((r.clone(), k.clone())).or_default() += v;
            }
            for (k, v) in &s.scan_results {
                *m.scan_results.entry((r.clone(), k.clone())).or_default() += v;
            }
            for (k, v) in &s.resource_last_job {
                let key = (r.clone(), k.clone());
                let full = m.resource_last_job.len() >= max;
                match m.resource_last_job.get_mut(&key) {
                    Some(e) if e.completion < v.completion => *e = *v,
                    Some(_) => {}
                    None if full => {
                        refused.last_job.insert(hash_of(&key));
                    }
                    None => {
                        m.resource_last_job.insert(key, *v);
                    }
                }
            }
            for p in &s.protected_resources {
                let key = (r.clone(), p.resource_arn.clone());
                if m.protected.contains_key(&key) || m.protected.len() < max {
                    m.protected.insert(key, p.clone());
                } else {
                    refused.protected.insert(hash_of(&key));
                }
            }
            if let Some(vaults) = &s.vaults {
                let into = m.vaults.get_or_insert_default();
                for v in vaults {
                    into.insert((r.clone(), v.account_id.clone(), v.name.clone()), v.clone());
                }
            }
            if let Some(plans) = &s.restore_testing_plans {
                let into = m.plans.get_or_insert_default();
                for p in plans {
                    let key = (r.clone(), p.plan.account_id.clone(), p.plan.name.clone());
                    into.insert(key, p.clone());
                }
            }
            if let Some(rows) = &s.job_summaries {
                let into = m.job_summaries.get_or_insert_default();
                for row in rows {
                    let key = JobSummary {
                        count: 0,
                        ..row.clone()
                    };
                    *into.entry((r.clone(), key)).or_default() += row.count;
                }
            }
            if let Some(watched) = &s.watched {
                let into = m.watched.get_or_insert_default();
                for w in watched {
                    into.insert((r.clone(), w.resource_arn.clone()), w.clone());
                }
            }
            m.dropped_last_job += s.dropped.last_job;
            m.dropped_protected += s.dropped.protected;
        }
        m.dropped_last_job += refused.last_job.len() as u64;
        m.dropped_protected += refused.protected.len() as u64;
        m
    }
}
