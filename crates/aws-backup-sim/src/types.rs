//! The simulator's public data: jobs and protected resources as the API lists them.

/// The job families the simulator lists; also the index of each one's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SimJobType {
    Backup = 0,
    Restore = 1,
    Copy = 2,
    /// Malware scans of recovery points (ListScanJobs).
    Scan = 3,
}

impl SimJobType {
    pub const ALL: [SimJobType; 4] = [
        SimJobType::Backup,
        SimJobType::Restore,
        SimJobType::Copy,
        SimJobType::Scan,
    ];
}

/// One job as the API lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimJob {
    pub job_type: SimJobType,
    pub job_id: String,
    pub account_id: String,
    pub region: String,
    /// AWS spelling: COMPLETED, FAILED, RUNNING… (`Status` for restore jobs).
    pub state: String,
    pub status_message: Option<String>,
    /// Always `None` for restore and scan jobs: AWS gives none.
    pub message_category: Option<String>,
    /// SourceResourceArn for restore jobs; for scan jobs, the resource whose recovery point
    /// was scanned.
    pub resource_arn: String,
    pub resource_type: String,
    /// Always `None` for restore jobs: the restore wire shape has no ResourceName.
    pub resource_name: Option<String>,
    /// For copy jobs, the source vault; for scan jobs, the vault of the scanned recovery point.
    pub backup_vault_name: Option<String>,
    /// `None`: the API leaves CreationDate out (as AWS has been seen to for some jobs).
    pub creation_date: Option<i64>,
    pub completion_date: Option<i64>,
    /// Always `None` for scan jobs.
    pub backup_size_bytes: Option<i64>,
    /// Always false for scan jobs (as `parent_job_id` is `None`): they have no parents.
    pub is_parent: bool,
    pub parent_job_id: Option<String>,
    /// Restore jobs started by a restore testing plan only.
    pub restore_testing_plan_arn: Option<String>,
    /// Restore jobs started by a restore testing plan only.
    pub validation_status: Option<String>,
    /// The backup rule that started a backup job (its `CreatedBy`), or whose recovery point a
    /// scan job scans (a scan's `CreatedBy` shows the plan and rule ids only); `None` for
    /// restore and copy jobs and for jobs inserted without one (the wire then has no cron).
    pub created_by: Option<SimCreatedBy>,
    /// Scan jobs only: `GUARDDUTY`.
    pub malware_scanner: Option<String>,
    /// Scan jobs only: `ScanResult.ScanResultStatus` (NO_THREATS_FOUND, THREATS_FOUND), set
    /// once a scan COMPLETED or COMPLETED_WITH_ISSUES; failed and canceled scans have none.
    pub scan_result_status: Option<String>,
}

/// The backup rule behind a backup job: on the wire, `CreatedBy`'s BackupPlanName,
/// BackupRuleName, BackupRuleCron and BackupRuleTimezone (plan and rule ids derive from them).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SimCreatedBy {
    pub plan_name: String,
    pub rule_name: String,
    /// AWS's six-field cron, e.g. `cron(15 3 ? * * *)`: the schedule the job's resource runs.
    pub cron: String,
    pub timezone: String,
}

/// One entry of ListProtectedResources.
#[derive(Clone, Debug, PartialEq)]
pub struct SimResource {
    pub account_id: String,
    pub region: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub resource_name: Option<String>,
    /// Creation date of the newest COMPLETED backup job of the resource, or of a recovery point
    /// from before the simulated history.
    pub last_backup_time: Option<i64>,
    /// Ground truth, not on the wire: the resource's (hourly) schedule stopped 2 to 5 hours
    /// before the simulator's start, so its backups are overdue against its own schedule.
    pub stopped: bool,
}

/// One backup vault as ListBackupVaults shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimVault {
    pub account_id: String,
    pub region: String,
    pub backup_vault_name: String,
    pub backup_vault_arn: String,
    /// BACKUP_VAULT or LOGICALLY_AIR_GAPPED_BACKUP_VAULT.
    pub vault_type: String,
    /// AVAILABLE.
    pub vault_state: String,
    pub creation_date: i64,
    pub encryption_key_arn: String,
    /// AWS_OWNED_KMS_KEY or CUSTOMER_MANAGED_KMS_KEY.
    pub encryption_key_type: String,
    pub creator_request_id: Option<String>,
    /// COMPLETED backup jobs in this vault (as the store holds them now), plus recovery
    /// points from before the simulated history.
    pub number_of_recovery_points: i64,
    /// Whether the vault has a Vault Lock (governance or compliance mode).
    pub locked: bool,
    /// When a compliance-mode lock became immutable; `None` for governance mode or no lock.
    pub lock_date: Option<i64>,
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
}

/// One restore testing plan as ListRestoreTestingPlans shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRestoreTestingPlan {
    pub account_id: String,
    pub region: String,
    pub restore_testing_plan_arn: String,
    pub restore_testing_plan_name: String,
    pub creation_time: i64,
    /// The plan's last run at or before now (for a plan that stopped, its last run ever).
    pub last_execution_time: Option<i64>,
    pub last_update_time: Option<i64>,
    /// AWS's six-field cron, e.g. `cron(30 4,10,16,22 ? * * *)`.
    pub schedule_expression: String,
    pub schedule_expression_timezone: String,
    pub start_window_hours: i32,
}
