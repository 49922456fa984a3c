//! Everything one target contributes to the exposition: plain, sorted data that crosses to
//! the renderer. The metrics layer merges targets and encodes.

use std::collections::BTreeMap;

use super::histogram::Histogram;
use super::intervals::Interval;
use super::keys::{
    ActiveAgeKey, DurationKey, JobKey, ResourceKey, ScanResultKey, SizeKey, ValidationKey,
};
use crate::job::{JobSummary, ProtectedResource, RestoreTestingPlan, Vault, WatchedRestore};

/// A restore testing plan with the interval of its schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSeries {
    pub plan: RestoreTestingPlan,
    pub interval: Option<f64>,
}

/// A resource's series from its jobs: the newest ended job, the newest success, and (backups)
/// the interval expected between backups.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LastJob {
    pub completion: f64,
    pub success: bool,
    /// The newest COMPLETED job within the lookback.
    pub last_success: Option<f64>,
    pub interval: Option<Interval>,
    /// Scans: whether the newest completed scan within the lookback found threats.
    pub threats_found: Option<bool>,
}

/// Distinct per-resource series a target refused because of `resources.max_series`, so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Job-based per-resource series (the last-job families share their keys).
    pub last_job: u64,
    /// ListProtectedResources series.
    pub protected: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The region every series of this target carries.
    pub region: String,
    pub jobs: BTreeMap<JobKey, u64>,
    pub finished: BTreeMap<JobKey, u64>,
    pub duration: BTreeMap<DurationKey, Histogram>,
    pub size: BTreeMap<SizeKey, Histogram>,
    pub oldest_active_age: BTreeMap<ActiveAgeKey, f64>,
    pub validations: BTreeMap<ValidationKey, u64>,
    pub scan_results: BTreeMap<ScanResultKey, u64>,
    pub resource_last_job: BTreeMap<ResourceKey, LastJob>,
    pub protected_resources: Vec<ProtectedResource>,
    /// `None` until the collector first succeeded, or when it is off.
    pub vaults: Option<Vec<Vault>>,
    pub restore_testing_plans: Option<Vec<PlanSeries>>,
    pub job_summaries: Option<Vec<JobSummary>>,
    pub watched: Option<Vec<WatchedRestore>>,
    pub dropped: Dropped,
}
