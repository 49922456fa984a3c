//! The configuration file as written: every key optional, unknown keys refused, each value
//! with the line it is on (for error messages).

use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// A duration in humantime form (`90s`, `5m`, `24h`).
#[derive(Debug, Deserialize)]
pub(super) struct HumanDuration(#[serde(with = "humantime_serde")] pub Duration);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub refresh_interval: Option<Spanned<HumanDuration>>,
    pub lookback: Option<Spanned<HumanDuration>>,
    pub overlap: Option<Spanned<HumanDuration>>,
    pub job_types: Option<Spanned<Vec<Spanned<String>>>>,
    pub page_size: Option<Spanned<i64>>,
    pub include_parent_jobs: Option<bool>,
    pub extra_labels: Option<Vec<Spanned<String>>>,
    pub resources: Option<RawResources>,
    pub aws: Option<RawAws>,
    pub vaults: Option<RawInventory>,
    pub schedules: Option<RawSchedules>,
    pub restore_testing_plans: Option<RawInventory>,
    pub summaries: Option<RawInventory>,
    pub targets: Option<Spanned<Vec<RawTarget>>>,
}

/// An inventory read with its own cadence (`vaults`, `restore_testing_plans`, `summaries`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInventory {
    pub enabled: Option<bool>,
    pub refresh_interval: Option<Spanned<HumanDuration>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSchedules {
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResources {
    pub enabled: Option<bool>,
    pub max_series: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAws {
    pub max_attempts: Option<Spanned<i64>>,
    pub requests_per_second: Option<Spanned<f64>>,
    pub timeout: Option<Spanned<HumanDuration>>,
    pub retry_mode: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub name: Spanned<String>,
    pub region: Option<Spanned<String>>,
    pub role_arn: Option<Spanned<String>>,
    pub external_id: Option<String>,
    pub account_id: Option<Spanned<String>>,
    pub endpoint_url: Option<Spanned<String>>,
    pub watch_resources: Option<Vec<Spanned<String>>>,
}
