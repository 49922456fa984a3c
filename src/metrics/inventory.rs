//! Encoding the inventory families: vaults, restore testing plans, job summaries and watched
//! resources.

use prometheus_client::encoding::DescriptorEncoder;

use super::encode::{Labels, Result, gauges};
use super::merge::Merged;
use super::names;
use crate::job::{Vault, WatchedRestore};

const DAY: f64 = 86_400.0;

impl Merged {
    pub(super) fn encode_inventory(&self, encoder: &mut DescriptorEncoder) -> Result {
        if let Some(vaults) = &self.vaults {
            encode_vaults(encoder, vaults.iter().map(|((r, _, _), v)| (r.as_str(), v)))?;
        }
        if let Some(plans) = &self.plans {
            fn labels((r, a, n): &(String, String, String)) -> Labels<'_> {
                vec![
                    ("region", r.as_str()),
                    ("account_id", a.as_str()),
                    ("plan_name", n.as_str()),
                ]
            }
            gauges(
                encoder,
                names::PLAN_LAST_EXECUTION,
                "LastExecutionTime of the restore testing plan (only plans that have run).",
                plans
                    .iter()
                    .filter_map(|(k, p)| Some((labels(k), p.plan.last_execution?))),
            )?;
            gauges(
                encoder,
                names::PLAN_INTERVAL,
                "The longest gap between runs of the plan's schedule over the next 14 days.",
                plans
                    .iter()
                    .filter_map(|(k, p)| Some((labels(k), p.interval?))),
            )?;
        }
        if let Some(rows) = &self.job_summaries {
            gauges(
                encoder,
                names::JOB_SUMMARY,
                "Jobs counted by AWS Backup's own job summaries (List*JobSummaries) over the period, by creation date.",
                rows.iter().map(|((r, k), n)| {
                    let l = vec![
                        ("job_type", k.job_type.as_str()),
                        ("region", r.as_str()),
                        ("account_id", k.account_id.as_str()),
                        ("resource_type", k.resource_type.as_str()),
                        ("state", k.state.as_str()),
                        ("message_category", k.message_category.as_str()),
                        ("period", k.period),
                    ];
                    (l, *n)
                }),
            )?;
        }
        if let Some(watched) = &self.watched {
            encode_watched(encoder, watched.iter().map(|((r, _), w)| (r.as_str(), w)))?;
        }
        Ok(())
    }
}

fn encode_watched<'a>(
    encoder: &mut DescriptorEncoder,
    watched: impl Iterator<Item = (&'a str, &'a WatchedRestore)> + Clone,
) -> Result {
    let labels = |r: &'a str, w: &'a WatchedRestore| {
        vec![
            ("region", r),
            ("account_id", w.account_id.as_str()),
            ("resource_type", w.resource_type.as_str()),
            ("resource_arn", w.resource_arn.as_str()),
        ]
    };
    gauges(
        encoder,
        names::RESOURCE_RESTORE_WATCHED,
        "1 for each watched resource (targets[].watch_resources) whose restore history was read.",
        watched.clone().map(|(r, w)| {
            let l = vec![
                ("region", r),
                ("account_id", w.account_id.as_str()),
                ("resource_arn", w.resource_arn.as_str()),
            ];
            (l, 1i64)
        }),
    )?;
    gauges(
        encoder,
        names::RESOURCE_LAST_RESTORE_TS,
        "Watched resources: CompletionDate of the newest COMPLETED restore job in their whole history.",
        watched
            .clone()
            .filter_map(|(r, w)| Some((labels(r, w), w.last_completed?.0))),
    )?;
    gauges(
        encoder,
        names::RESOURCE_LAST_RESTORE_DURATION,
        "Watched resources: how long that newest COMPLETED restore took (CompletionDate minus CreationDate).",
        watched.filter_map(|(r, w)| Some((labels(r, w), w.last_completed?.1?))),
    )
}

fn encode_vaults<'a>(
    encoder: &mut DescriptorEncoder,
    vaults: impl Iterator<Item = (&'a str, &'a Vault)> + Clone,
) -> Result {
    let labels = |r: &'a str, v: &'a Vault| {
        vec![
            ("region", r),
            ("account_id", v.account_id.as_str()),
            ("vault_name", v.name.as_str()),
        ]
    };
    gauges(
        encoder,
        names::VAULT_INFO,
        "One per backup vault, with its type, state and encryption key type.",
        vaults.clone().map(|(r, v)| {
            let mut l = labels(r, v);
            l.extend([
                ("vault_type", v.vault_type.as_str()),
                ("vault_state", v.vault_state.as_str()),
                ("encryption_key_type", v.encryption_key_type.as_str()),
            ]);
            (l, 1i64)
        }),
    )?;
    gauges(
        encoder,
        names::VAULT_RECOVERY_POINTS,
        "NumberOfRecoveryPoints of the vault.",
        vaults
            .clone()
            .map(|(r, v)| (labels(r, v), v.recovery_points)),
    )?;
    gauges(
        encoder,
        names::VAULT_LOCKED,
        "1 if the vault has a Vault Lock, else 0.",
        vaults
            .clone()
            .map(|(r, v)| (labels(r, v), i64::from(v.locked))),
    )?;
    gauges(
        encoder,
        names::VAULT_LOCK_DATE,
        "LockDate of the vault: when its Vault Lock becomes immutable (only where set).",
        vaults
            .clone()
            .filter_map(|(r, v)| Some((labels(r, v), v.lock_date?))),
    )?;
    gauges(
        encoder,
        names::VAULT_MIN_RETENTION,
        "MinRetentionDays of the vault's lock, in seconds (only where set).",
        vaults
            .clone()
            .filter_map(|(r, v)| Some((labels(r, v), v.min_retention_days? as f64 * DAY))),
    )?;
    gauges(
        encoder,
        names::VAULT_MAX_RETENTION,
        "MaxRetentionDays of the vault's lock, in seconds (only where set).",
        vaults.filter_map(|(r, v)| Some((labels(r, v), v.max_retention_days? as f64 * DAY))),
    )
}
