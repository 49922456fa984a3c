//! The label sets of the job-derived families. Region is not among them: a target's snapshot
//! is all one region, which the metrics layer adds.

use crate::job::JobType;

/// Labels of `aws_backup_jobs` and `aws_backup_jobs_finished_total`.
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

/// Labels of the per-resource families derived from jobs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKey {
    pub job_type: JobType,
    pub account_id: String,
    pub resource_type: String,
    pub resource_arn: String,
}

/// Labels of `aws_backup_scan_results`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScanResultKey {
    pub account_id: String,
    pub resource_type: String,
    pub malware_scanner: String,
    pub scan_result_status: String,
}
