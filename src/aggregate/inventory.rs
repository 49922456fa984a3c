//! What the inventory collectors last read: vaults, restore testing plans, job summaries and
//! watched resources' restore history. Each is replaced
//! whole by a successful read and kept as it was by a failed one; `None` until the first
//! success (or when its collector is off), so that its families are left out rather than empty.

use super::schedule::Schedule;
use super::snapshot::PlanSeries;
use std::collections::BTreeMap;

use crate::job::{JobSummary, RestoreTestingPlan, Vault, WatchedRestore};

#[derive(Debug, Default)]
pub struct Inventory {
    vaults: Option<Vec<Vault>>,
    /// With each plan's parsed schedule (`None` if it cannot be evaluated).
    plans: Option<Vec<(RestoreTestingPlan, Option<Schedule>)>>,
    summaries: Option<Vec<JobSummary>>,
    /// By ARN: each watched resource as last read successfully (a failed read of one keeps
    /// what was read of it before).
    watched: Option<BTreeMap<String, WatchedRestore>>,
}

impl Inventory {
    pub fn apply_vaults(&mut self, mut vaults: Vec<Vault>) {
        vaults.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.vaults = Some(vaults);
    }

    pub fn apply_plans(&mut self, mut plans: Vec<RestoreTestingPlan>) {
        plans.sort_by(|a, b| (&a.account_id, &a.name).cmp(&(&b.account_id, &b.name)));
        let parsed = plans
            .into_iter()
            .map(|p| {
                let schedule = Schedule::parse(&p.schedule_expression, &p.timezone);
                if let Err(e) = &schedule {
                    tracing::warn!(plan = %p.name, expression = %p.schedule_expression, error = %e, "cannot evaluate a restore testing plan's schedule; no interval for it");
                }
                (p, schedule.ok())
            })
            .collect();
        self.plans = Some(parsed);
    }

    pub fn apply_summaries(&mut self, mut rows: Vec<JobSummary>) {
        rows.sort();
        self.summaries = Some(rows);
    }

    pub fn apply_watched(&mut self, read: Vec<WatchedRestore>) {
        let into = self.watched.get_or_insert_default();
        for w in read {
            into.insert(w.resource_arn.clone(), w);
        }
    }

    pub fn summaries(&self) -> Option<Vec<JobSummary>> {
        self.summaries.clone()
    }

    pub fn watched(&self) -> Option<Vec<WatchedRestore>> {
        Some(self.watched.as_ref()?.values().cloned().collect())
    }

    pub fn vaults(&self) -> Option<Vec<Vault>> {
        self.vaults.clone()
    }

    /// The plans with their interval as of `now`.
    pub fn plans(&self, now: f64) -> Option<Vec<PlanSeries>> {
        let plans = self.plans.as_ref()?;
        Some(
            plans
                .iter()
                .map(|(p, s)| PlanSeries {
                    plan: p.clone(),
                    interval: s.as_ref().and_then(|s| s.interval(now).ok()),
                })
                .collect(),
        )
    }
}
