//! The exporter's vocabulary: one normalized job type for every job family, and the inventory
//! records (`inventory`). Every other module speaks these; this one imports none of them.
//!
//! `aws` turns the SDK's shapes into these types; everything downstream sees only them. States
//! and categories stay AWS's own strings so that a value AWS adds later passes through.

use std::fmt;
use std::str::FromStr;

mod inventory;

pub use inventory::{JobSummary, ProtectedResource, RestoreTestingPlan, Vault, WatchedRestore};

/// AWS's spellings of the states the exporter treats specially.
pub mod states {
    pub const COMPLETED: &str = "COMPLETED";
    /// Scans that finished but could not look at everything.
    pub const COMPLETED_WITH_ISSUES: &str = "COMPLETED_WITH_ISSUES";
    /// The scan result that raises the malware alert.
    pub const THREATS_FOUND: &str = "THREATS_FOUND";
    pub const CREATED: &str = "CREATED";
    pub const PENDING: &str = "PENDING";
    pub const RUNNING: &str = "RUNNING";
    pub const ABORTING: &str = "ABORTING";
    /// The validation status of a restore test that has not settled yet.
    pub const VALIDATING: &str = "VALIDATING";
}

/// The job families AWS Backup lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobType {
    #[default]
    Backup,
    Restore,
    Copy,
    /// Malware scans of recovery points (ListScanJobs); opt-in.
    Scan,
}

impl JobType {
    pub const ALL: [JobType; 4] = [
        JobType::Backup,
        JobType::Restore,
        JobType::Copy,
        JobType::Scan,
    ];

    /// The job types read unless `job_types` says otherwise.
    pub const DEFAULT: [JobType; 3] = [JobType::Backup, JobType::Restore, JobType::Copy];

    /// The `job_type` label value, also the config spelling and the collector name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobType::Backup => "backup",
            JobType::Restore => "restore",
            JobType::Copy => "copy",
            JobType::Scan => "scan",
        }
    }

    /// A dense index, for per-type tables.
    pub fn index(self) -> usize {
        self as usize
    }

    /// States in which a job of this type has not ended yet; each is listed with `ByState`
    /// (`ByStatus` for restores) on every refresh.
    pub fn active_states(self) -> &'static [&'static str] {
        use states::*;
        match self {
            JobType::Backup => &[CREATED, PENDING, RUNNING, ABORTING],
            JobType::Restore => &[PENDING, RUNNING],
            JobType::Copy | JobType::Scan => &[CREATED, RUNNING],
        }
    }

    /// Whether `state` is one of this type's active states.
    pub fn is_active_state(self, state: &str) -> bool {
        self.active_states().contains(&state)
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!("unknown job type {s:?}, expected backup, restore, copy or scan")
            })
    }
}

/// A job as the exporter needs it. Dates are epoch seconds.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Job {
    pub job_type: JobType,
    pub id: String,
    pub account_id: String,
    /// `State` of backup and copy jobs, `Status` of restore jobs.
    pub state: String,
    /// Empty for restore jobs: AWS gives none.
    pub message_category: String,
    pub resource_type: String,
    /// Backup and copy: ResourceArn; restore: SourceResourceArn.
    pub resource_arn: String,
    pub resource_name: String,
    /// `None` when AWS gave no CreationDate: the job is counted, but has no duration or age.
    pub creation: Option<f64>,
    pub completion: Option<f64>,
    pub size_bytes: Option<i64>,
    pub is_parent: bool,
    /// Backup: the vault; copy: the source vault; restore: the recovery point's vault.
    pub backup_vault_name: String,
    /// Restore jobs started by a restore testing plan: the plan's name.
    pub restore_testing_plan: String,
    /// Restore jobs only: ValidationStatus, if AWS reported one.
    pub validation_status: Option<String>,
    /// Backup jobs started by a backup plan: the rule's schedule (`CreatedBy`).
    pub schedule: Option<Schedule>,
    /// Scan jobs: the scanner (GUARDDUTY) and, once it has one, `ScanResult.ScanResultStatus`.
    pub malware_scanner: String,
    pub scan_result: Option<String>,
}

/// A backup rule's schedule as AWS reports it: `cron(…)` in AWS's dialect, and the IANA
/// time zone it runs in (UTC when AWS names none).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Schedule {
    pub cron: String,
    pub timezone: String,
}

impl Job {
    /// A restore job started by a restore testing plan, whose validation is tracked.
    pub fn is_restore_test(&self) -> bool {
        self.job_type == JobType::Restore
            && (!self.restore_testing_plan.is_empty() || self.validation_status.is_some())
    }

    pub fn is_completed(&self) -> bool {
        self.state == states::COMPLETED
    }

    /// A scan that completed (with or without issues) and carries a result: what "the newest
    /// completed scan" of a resource means. FAILED and CANCELED scans do not count.
    pub fn completed_scan_result(&self) -> Option<&str> {
        let done = self.state == states::COMPLETED || self.state == states::COMPLETED_WITH_ISSUES;
        (self.job_type == JobType::Scan && done)
            .then_some(self.scan_result.as_deref())
            .flatten()
    }
}

/// Opt-in label dimensions (`extra_labels` in the config): bounded, but not wanted by everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExtraLabel {
    BackupVaultName,
    RestoreTestingPlan,
}

impl ExtraLabel {
    pub const ALL: [ExtraLabel; 2] = [ExtraLabel::BackupVaultName, ExtraLabel::RestoreTestingPlan];

    /// The label name, also the config spelling.
    pub fn name(self) -> &'static str {
        match self {
            ExtraLabel::BackupVaultName => "backup_vault_name",
            ExtraLabel::RestoreTestingPlan => "restore_testing_plan",
        }
    }

    /// The job's value for this label: empty for job types that do not carry the field.
    pub fn value(self, job: &Job) -> &str {
        match self {
            ExtraLabel::BackupVaultName => &job.backup_vault_name,
            ExtraLabel::RestoreTestingPlan => &job.restore_testing_plan,
        }
    }
}

impl FromStr for ExtraLabel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExtraLabel::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown extra label {s:?}, expected backup_vault_name or restore_testing_plan"
                )
            })
    }
}

/// The plan name from a restore testing plan ARN
/// (`arn:aws:backup:REGION:ACCOUNT:restore-testing-plan:NAME-ID` → `NAME-ID`).
pub fn restore_testing_plan_name(arn: &str) -> &str {
    arn.rsplit_once(":restore-testing-plan:")
        .map(|(_, name)| name)
        .unwrap_or(arn)
}

/// The name at the end of a vault ARN (`arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME`).
pub fn vault_name(arn: &str) -> &str {
    arn.rsplit_once(":backup-vault:")
        .map(|(_, n)| n)
        .unwrap_or_default()
}

/// The account of an ARN (its fifth field); empty for ARNs without one (S3 buckets).
pub fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_type_round_trips_and_rejects_unknown() {
        for t in JobType::ALL {
            assert_eq!(t.as_str().parse::<JobType>().unwrap(), t);
            assert_eq!(JobType::ALL[t.index()], t);
        }
        assert!("backups".parse::<JobType>().is_err());
    }

    #[test]
    fn active_states_per_type() {
        assert!(JobType::Backup.is_active_state("ABORTING"));
        assert!(!JobType::Restore.is_active_state("CREATED"));
        assert!(!JobType::Copy.is_active_state("COMPLETED"));
    }

    #[test]
    fn names_from_arns() {
        assert_eq!(
            restore_testing_plan_name(
                "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:weekly-rds-abc123"
            ),
            "weekly-rds-abc123"
        );
        assert_eq!(restore_testing_plan_name("odd"), "odd");
        assert_eq!(
            vault_name("arn:aws:backup:us-east-1:111122223333:backup-vault:Default"),
            "Default"
        );
        assert_eq!(vault_name(""), "");
        assert_eq!(
            arn_account("arn:aws:rds:us-east-1:111122223333:db:x"),
            "111122223333"
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket"), "");
    }
}
