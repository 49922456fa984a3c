//! The organization's shape: accounts, regions, resources on schedules, restore testing plans.

use crate::generate::kind::Kind;

pub(crate) const HOUR: i64 = 3600;
pub(crate) const DAY: i64 = 86_400;

/// Upper bound of (end of a job or its copy) − (scheduled time): how far before the history
/// window occurrences must be replayed so that nothing ending inside it is missed.
pub(crate) const SPAN: i64 = 8 * HOUR;

/// The name, label value and ARN tail of the resource that exercises label escaping.
pub(crate) const HOSTILE_NAME: &str = "db \"prod\" \\ ünïcode\nline2";

/// One protected resource and its backup plan assignment.
#[derive(Clone, Debug)]
pub(crate) struct ResSpec {
    pub account: usize,
    pub region: usize,
    pub kind: Kind,
    pub arn: String,
    pub name: String,
    pub vault: &'static str,
    pub period: i64,
    pub offset: i64,
    pub composite: bool,
    pub copy_to: Option<String>,
    pub chronic: Option<(&'static str, String)>,
    pub base_size: Option<i64>,
    /// How long before the job history its previous recovery point was made.
    pub prior_age: i64,
    pub key: u64,
    /// The backup rule that runs this resource's schedule.
    pub rule: RuleSpec,
    /// The schedule's last run: none after it (its backups stopped before the start).
    pub stopped_at: Option<i64>,
    /// GuardDuty scans its completed backups.
    pub scanned: bool,
    /// Its scans find malware.
    pub infected: bool,
    /// Every restore of it fails, before the history and after.
    pub restore_fails: bool,
    /// It was restored successfully 20 days before the start.
    pub old_restore: bool,
}

/// A backup plan's rule: its cron is the resource's `period` and `offset`, in UTC.
#[derive(Clone, Debug)]
pub(crate) struct RuleSpec {
    pub plan: &'static str,
    pub name: String,
    pub cron: String,
}

impl RuleSpec {
    /// (plan name, rule name, cron, time zone), as the interner keeps it.
    pub(crate) fn parts(&self) -> [&str; 4] {
        [self.plan, &self.name, &self.cron, RULE_TIMEZONE]
    }
}

/// The time zone of every generated schedule.
pub(crate) const RULE_TIMEZONE: &str = "Etc/UTC";

/// A restore testing plan: every `period`, restores a couple of resources and validates them.
#[derive(Clone, Debug)]
pub(crate) struct PlanSpec {
    pub account: usize,
    pub region: usize,
    pub name: &'static str,
    pub arn: String,
    pub period: i64,
    pub offset: i64,
    pub key: u64,
    pub candidates: Vec<usize>,
    pub created: i64,
    pub updated: i64,
    pub window_hours: i32,
    /// A plan that stopped running: its last run, for good.
    pub last_run: Option<i64>,
}

/// Occasional restores by hand in one account and region.
#[derive(Clone, Debug)]
pub(crate) struct AdhocSpec {
    pub key: u64,
    pub candidates: Vec<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Org {
    pub seed: u64,
    /// The simulator's start time: what "hours before the start" refers to.
    pub start: i64,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub resources: Vec<ResSpec>,
    pub plans: Vec<PlanSpec>,
    /// Plans that no longer run (listed, never restoring anything).
    pub stale_plans: Vec<PlanSpec>,
    pub adhoc: Vec<AdhocSpec>,
    /// False in bulk mode: the resources exist but no schedule runs.
    pub scheduled: bool,
    /// Demo pace (see `SimOptions::brisk`).
    pub brisk: bool,
}
