//! What AWS Backup knows besides jobs, as the exporter needs it: protected resources, vaults,
//! restore testing plans, job summaries, and the restore history of watched resources.

use super::JobType;

/// A resource as ListProtectedResources reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtectedResource {
    pub account_id: String,
    pub resource_type: String,
    pub resource_arn: String,
    pub resource_name: String,
    pub last_backup_time: Option<f64>,
}

/// A backup vault as ListBackupVaults reports it (of every vault type).
#[derive(Clone, Debug, PartialEq)]
pub struct Vault {
    pub account_id: String,
    pub name: String,
    pub arn: String,
    /// BACKUP_VAULT, LOGICALLY_AIR_GAPPED_BACKUP_VAULT, RESTORE_ACCESS_BACKUP_VAULT.
    pub vault_type: String,
    /// CREATING, AVAILABLE, FAILED; empty where AWS gives none.
    pub vault_state: String,
    /// AWS_OWNED_KMS_KEY or CUSTOMER_MANAGED_KMS_KEY; empty where AWS gives none.
    pub encryption_key_type: String,
    pub recovery_points: i64,
    pub locked: bool,
    /// When the lock becomes immutable (compliance mode), if set.
    pub lock_date: Option<f64>,
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
}

/// A restore testing plan as ListRestoreTestingPlans reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreTestingPlan {
    pub account_id: String,
    pub name: String,
    pub last_execution: Option<f64>,
    /// `cron(…)` in AWS's dialect.
    pub schedule_expression: String,
    /// IANA time zone; empty for UTC.
    pub timezone: String,
}

/// One row of a List*JobSummaries answer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct JobSummary {
    pub job_type: JobType,
    pub account_id: String,
    pub resource_type: String,
    pub state: String,
    pub message_category: String,
    /// `7d` or `14d`.
    pub period: &'static str,
    pub count: u64,
}

/// What a watched resource's whole restore history says.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchedRestore {
    pub account_id: String,
    pub resource_arn: String,
    /// From its restore jobs; empty when it has none.
    pub resource_type: String,
    /// The newest COMPLETED restore job: its CompletionDate and how long it took (without a
    /// CreationDate, no duration). `None` when none completed.
    pub last_completed: Option<(f64, Option<f64>)>,
}
