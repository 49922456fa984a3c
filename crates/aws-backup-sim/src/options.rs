//! What to simulate.

use std::time::Duration;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// Accounts in the organization; the first is the management account.
    pub accounts: usize,
    pub regions: Vec<String>,
    /// Protected resources per account and region.
    pub resources_per_account: usize,
    /// How far back ended jobs go.
    pub history: Duration,
    /// Jobs keep arriving and progressing with the wall clock.
    pub live: bool,
    /// Benchmark store: instead of the organization, exactly N COMPLETED backup jobs spread
    /// evenly over `history`, all in the first account and region. Their CreatedBy names no
    /// backup rule (no cron), so pages keep the size the throughput benchmarks were measured
    /// with; no scans, vaults or restore testing plans.
    pub bulk_backup_jobs: Option<usize>,
    /// Role ARNs whose AssumeRole is refused with AccessDenied.
    pub denied_roles: Vec<String>,
    /// Demo pace: besides the schedules, every 20 seconds a short backup (with a copy and a
    /// malware scan when it succeeds) and a restore (half of them restore tests) start and end
    /// within about a minute, so that a demo or an end-to-end check sees every counter move
    /// at once.
    pub brisk: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            accounts: 3,
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            resources_per_account: 40,
            history: Duration::from_secs(26 * 3600),
            live: false,
            bulk_backup_jobs: None,
            denied_roles: Vec::new(),
            brisk: false,
        }
    }
}
