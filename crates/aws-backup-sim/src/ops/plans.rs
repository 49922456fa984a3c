//! ListRestoreTestingPlans: the caller's plans in its region.

use crate::generate::org::Org;
use crate::generate::plans::restore_testing_plans;
use crate::json::{Obj, json_str};
use crate::ops::params::{PLANS_OP, max_results, page_of, position_token, read_position_token};
use crate::query::Query;
use crate::reply::{Caller, Reply};
use crate::types::SimRestoreTestingPlan;

pub(crate) fn list_restore_testing_plans(
    org: &Org,
    now: i64,
    query: &Query,
    caller: &Caller,
) -> Reply {
    let max = match max_results(query.get("MaxResults")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let start = match read_position_token(query.get("NextToken"), PLANS_OP) {
        Ok(t) => t.map_or(0, |(_, p)| p),
        Err(r) => return r,
    };
    let mine: Vec<SimRestoreTestingPlan> = restore_testing_plans(org, now)
        .into_iter()
        .filter(|p| p.account_id == caller.account && p.region == caller.region)
        .collect();
    let (page, next) = page_of(&mine, start, max);
    let mut out = Vec::with_capacity(512 * page.len() + 64);
    out.extend_from_slice(b"{\"RestoreTestingPlans\":[");
    for (i, p) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mut o = Obj::begin(&mut out);
        o.num("CreationTime", p.creation_time);
        o.opt_num("LastExecutionTime", p.last_execution_time);
        o.opt_num("LastUpdateTime", p.last_update_time);
        o.str("RestoreTestingPlanArn", &p.restore_testing_plan_arn);
        o.str("RestoreTestingPlanName", &p.restore_testing_plan_name);
        o.str("ScheduleExpression", &p.schedule_expression);
        o.str(
            "ScheduleExpressionTimezone",
            &p.schedule_expression_timezone,
        );
        o.num("StartWindowHours", i64::from(p.start_window_hours));
        o.end();
    }
    out.push(b']');
    if let Some(n) = next {
        out.extend_from_slice(b",\"NextToken\":");
        json_str(&mut out, &position_token(PLANS_OP, 0, n));
    }
    out.push(b'}');
    Reply::json(200, out)
}
