//! Everything one target contributes to the exposition: plain, sorted data that crosses to
//! the renderer. The metrics layer merges targets and encodes.

use std::collections::BTreeMap;

use super::histogram::Histogram;
use super::intervals::Interval;
use super::keys::{ActiveAgeKey, DurationKey, JobKey, ResourceKey, SizeKey, ValidationKey};
use crate::job::ProtectedResource;

/// A resource's series from its jobs: the newest ended job, the newest success, and (backups)
/// the interval expected between backups.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LastJob {
    pub completion: f64,
    pub success: bool,
    /// The newest COMPLETED job within the lookback.
    pub last_success: Option<f64>,
    pub interval: Option<Interval>,
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
    pub resource_last_job: BTreeMap<ResourceKey, LastJob>,
    pub protected_resources: Vec<ProtectedResource>,
    pub dropped: Dropped,
}
