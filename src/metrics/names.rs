//! The exported family names that code refers to in more than one place.

pub const JOBS: &str = "aws_backup_jobs";
/// Without the `_total` suffix: the OpenMetrics encoder adds it to the sample names.
pub const JOBS_FINISHED: &str = "aws_backup_jobs_finished";
pub const JOB_DURATION: &str = "aws_backup_job_duration_seconds";
pub const JOB_SIZE: &str = "aws_backup_job_size_bytes";
pub const ACTIVE_OLDEST_AGE: &str = "aws_backup_active_job_oldest_age_seconds";
pub const RESTORE_VALIDATIONS: &str = "aws_backup_restore_validations";
pub const RESOURCE_LAST_JOB_TS: &str = "aws_backup_resource_last_job_timestamp_seconds";
pub const RESOURCE_LAST_JOB_SUCCESS: &str = "aws_backup_resource_last_job_success";
pub const RESOURCE_LAST_BACKUP_TS: &str = "aws_backup_resource_last_backup_timestamp_seconds";
pub const RESOURCE_LAST_SUCCESS_TS: &str = "aws_backup_resource_last_success_timestamp_seconds";
pub const RESOURCE_BACKUP_INTERVAL: &str = "aws_backup_resource_backup_interval_seconds";
pub const SCAN_RESULTS: &str = "aws_backup_scan_results";
pub const RESOURCE_LAST_SCAN_THREATS: &str = "aws_backup_resource_last_scan_threats_found";
pub const VAULT_INFO: &str = "aws_backup_vault_info";
pub const VAULT_RECOVERY_POINTS: &str = "aws_backup_vault_recovery_points";
pub const VAULT_LOCKED: &str = "aws_backup_vault_locked";
pub const VAULT_LOCK_DATE: &str = "aws_backup_vault_lock_date_timestamp_seconds";
pub const VAULT_MIN_RETENTION: &str = "aws_backup_vault_min_retention_seconds";
pub const VAULT_MAX_RETENTION: &str = "aws_backup_vault_max_retention_seconds";
pub const PLAN_LAST_EXECUTION: &str =
    "aws_backup_restore_testing_plan_last_execution_timestamp_seconds";
pub const PLAN_INTERVAL: &str = "aws_backup_restore_testing_plan_interval_seconds";
pub const JOB_SUMMARY: &str = "aws_backup_job_summary_jobs";
pub const RESOURCE_LAST_RESTORE_TS: &str = "aws_backup_resource_last_restore_timestamp_seconds";
pub const RESOURCE_LAST_RESTORE_DURATION: &str =
    "aws_backup_resource_last_restore_duration_seconds";
pub const RESOURCE_RESTORE_WATCHED: &str = "aws_backup_resource_restore_watched";
pub const LOOKBACK: &str = "aws_backup_lookback_seconds";
pub const SERIES_DROPPED: &str = "aws_backup_exporter_series_dropped";

/// The per-resource families, for `aws_backup_exporter_series_dropped_total{metric}`.
pub const PER_RESOURCE: [&str; 6] = [
    RESOURCE_LAST_JOB_TS,
    RESOURCE_LAST_JOB_SUCCESS,
    RESOURCE_LAST_SUCCESS_TS,
    RESOURCE_BACKUP_INTERVAL,
    RESOURCE_LAST_SCAN_THREATS,
    RESOURCE_LAST_BACKUP_TS,
];
