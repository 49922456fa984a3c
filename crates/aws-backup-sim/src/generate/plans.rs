//! The restore testing plans as ListRestoreTestingPlans shows them: the ones that run (their
//! schedule is the one `plan` follows) and those that stopped.

use crate::generate::org::{Org, RULE_TIMEZONE};
use crate::schedule::{cron, last_at};
use crate::types::SimRestoreTestingPlan;

/// Every restore testing plan as of `now`, by account, region and name.
pub(crate) fn restore_testing_plans(org: &Org, now: i64) -> Vec<SimRestoreTestingPlan> {
    let mut out: Vec<SimRestoreTestingPlan> = org
        .plans
        .iter()
        .chain(&org.stale_plans)
        .map(|p| {
            let last = p
                .last_run
                .unwrap_or_else(|| last_at(p.period, p.offset, now));
            SimRestoreTestingPlan {
                account_id: org.accounts[p.account].clone(),
                region: org.regions[p.region].clone(),
                restore_testing_plan_arn: p.arn.clone(),
                restore_testing_plan_name: p.name.to_owned(),
                creation_time: p.created,
                last_execution_time: (last >= p.created).then_some(last),
                last_update_time: Some(p.updated),
                schedule_expression: cron(p.period, p.offset)
                    .expect("generated periods divide a day"),
                schedule_expression_timezone: RULE_TIMEZONE.to_owned(),
                start_window_hours: p.window_hours,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.account_id, &a.region, &a.restore_testing_plan_name).cmp(&(
            &b.account_id,
            &b.region,
            &b.restore_testing_plan_name,
        ))
    });
    out
}
