//! The resolved configuration, with its defaults, and how `--check-config` prints it.

use std::time::Duration;

use crate::job::{ExtraLabel, JobType};

/// The resolved configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub refresh_interval: Duration,
    pub lookback: Duration,
    pub overlap: Duration,
    pub job_types: Vec<JobType>,
    pub page_size: i32,
    pub include_parent_jobs: bool,
    pub extra_labels: Vec<ExtraLabel>,
    pub resources: Resources,
    pub aws: Aws,
    /// ListBackupVaults.
    pub vaults: Inventory,
    /// The expected backup interval of each resource, from its rule's cron or its history.
    pub schedules: Schedules,
    /// ListRestoreTestingPlans.
    pub restore_testing_plans: Inventory,
    /// List{Backup,Restore,Copy}JobSummaries.
    pub summaries: Inventory,
    /// Never empty: without `targets:` there is one target from the AWS environment.
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resources {
    pub enabled: bool,
    pub max_series: usize,
}

/// An inventory read: whether it runs, and how often (inventories change slowly).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Inventory {
    pub enabled: bool,
    pub refresh_interval: Duration,
}

impl Inventory {
    const fn hourly(enabled: bool) -> Self {
        Inventory {
            enabled,
            refresh_interval: Duration::from_secs(3600),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedules {
    pub enabled: bool,
}

/// The SDK's retry mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryMode {
    /// Exponential backoff with jitter; the exporter's own limiter slows down on throttles.
    #[default]
    Standard,
    /// The SDK's client-side rate limiter on top: against sustained throttling it slows a
    /// client down to a fraction of a request per second.
    Adaptive,
}

impl RetryMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RetryMode::Standard => "standard",
            RetryMode::Adaptive => "adaptive",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Aws {
    pub max_attempts: u32,
    pub requests_per_second: f64,
    pub timeout: Duration,
    pub retry_mode: RetryMode,
}

/// One AWS account and region to watch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    pub name: String,
    /// `None`: the region of the AWS environment (AWS_REGION, profile).
    pub region: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// `ByAccountId`; `*` lists the whole organization from its management account.
    pub account_id: Option<String>,
    pub endpoint_url: Option<String>,
    /// Resources of the target's own account whose whole restore history is read
    /// (ListRestoreJobsByProtectedResource).
    pub watch_resources: Vec<String>,
}

impl Target {
    /// Whether the target lists a whole organization (`account_id: "*"`).
    pub fn is_organization(&self) -> bool {
        self.account_id.as_deref() == Some("*")
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            refresh_interval: Duration::from_secs(300),
            lookback: Duration::from_secs(24 * 3600),
            overlap: Duration::from_secs(15 * 60),
            job_types: JobType::DEFAULT.to_vec(),
            page_size: 1000,
            include_parent_jobs: false,
            extra_labels: Vec::new(),
            resources: Resources {
                enabled: true,
                max_series: 10_000,
            },
            aws: Aws {
                max_attempts: 5,
                requests_per_second: 10.0,
                timeout: Duration::from_secs(30),
                retry_mode: RetryMode::Standard,
            },
            vaults: Inventory::hourly(true),
            schedules: Schedules { enabled: true },
            restore_testing_plans: Inventory::hourly(true),
            summaries: Inventory::hourly(false),
            targets: vec![Target {
                name: "default".into(),
                ..Target::default()
            }],
        }
    }
}

impl Config {
    /// The resolved configuration as YAML, for `--check-config`.
    pub fn to_yaml(&self) -> String {
        let d = |d: Duration| humantime::format_duration(d).to_string();
        let list = |v: Vec<&str>| format!("[{}]", v.join(", "));
        let mut out = String::new();
        out += &format!("refresh_interval: {}\n", d(self.refresh_interval));
        out += &format!("lookback: {}\n", d(self.lookback));
        out += &format!("overlap: {}\n", d(self.overlap));
        out += &format!(
            "job_types: {}\n",
            list(self.job_types.iter().map(|t| t.as_str()).collect())
        );
        out += &format!("page_size: {}\n", self.page_size);
        out += &format!("include_parent_jobs: {}\n", self.include_parent_jobs);
        out += &format!(
            "extra_labels: {}\n",
            list(self.extra_labels.iter().map(|l| l.name()).collect())
        );
        out += &format!(
            "resources: {{ enabled: {}, max_series: {} }}\n",
            self.resources.enabled, self.resources.max_series
        );
        out += &format!(
            "aws: {{ max_attempts: {}, requests_per_second: {}, timeout: {}, retry_mode: {} }}\n",
            self.aws.max_attempts,
            self.aws.requests_per_second,
            d(self.aws.timeout),
            self.aws.retry_mode.as_str(),
        );
        let inventory = |i: &Inventory| {
            format!(
                "{{ enabled: {}, refresh_interval: {} }}",
                i.enabled,
                d(i.refresh_interval)
            )
        };
        out += &format!("vaults: {}\n", inventory(&self.vaults));
        out += &format!("schedules: {{ enabled: {} }}\n", self.schedules.enabled);
        out += &format!(
            "restore_testing_plans: {}\n",
            inventory(&self.restore_testing_plans)
        );
        out += &format!("summaries: {}\n", inventory(&self.summaries));
        out += "targets:\n";
        for t in &self.targets {
            out += &format!("  - name: {:?}\n", t.name);
            let opt = |k: &str, v: &Option<String>, default: &str| match v {
                Some(v) => format!("    {k}: {v:?}\n"),
                None => format!("    {k}: null  # {default}\n"),
            };
            out += &opt("region", &t.region, "from the AWS environment");
            out += &opt("role_arn", &t.role_arn, "no role assumed");
            out += &opt("external_id", &t.external_id, "none");
            out += &opt("account_id", &t.account_id, "the caller's account");
            out += &opt("endpoint_url", &t.endpoint_url, "AWS's endpoint");
            out += &format!(
                "    watch_resources: [{}]\n",
                t.watch_resources
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out
    }
}
