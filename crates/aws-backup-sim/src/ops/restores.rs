//! ListRestoreJobsByProtectedResource: the whole restore history of one resource of the
//! caller's account, in its region.

use crate::ops::jobs::{Page, date_range, job_token, write_page};
use crate::ops::params::{BY_RESOURCE_OP, max_results};
use crate::query::Query;
use crate::reply::{Caller, Reply};
use crate::store::{Accounts, JobFilter, Store};
use crate::types::SimJobType;

pub(crate) fn list_restore_jobs_by_resource(
    store: &Store,
    now: i64,
    arn: &str,
    query: &Query,
    caller: &Caller,
) -> Reply {
    let get = |k: &str| query.get(k);
    let max = match max_results(get("maxResults")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let rp_created = match date_range(
        get("recoveryPointCreationDateAfter"),
        get("recoveryPointCreationDateBefore"),
    ) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let token = match job_token(get("nextToken"), BY_RESOURCE_OP) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let s = &store.strs;
    let sym = |v: Option<&str>| match v {
        None => Some(None),
        Some(v) => s.get(v).map(Some),
    };
    let filter = (|| {
        Some(JobFilter {
            region: s.get(&caller.region)?,
            accounts: Accounts::One(s.get(&caller.account)?),
            state: sym(get("status"))?,
            resource_arn: Some(s.get(arn)?),
            resource_type: None,
            vault: None,
            parent: None,
            category: None,
            plan: None,
            rp_created,
            scanner: None,
            scan_result: None,
            created: (i64::MIN, i64::MAX),
            completed: None,
            dest_vault_arn: None,
            source_rp_arn: None,
        })
    })();
    let page = Page {
        ty: SimJobType::Restore,
        op: BY_RESOURCE_OP,
        list_key: "RestoreJobs",
    };
    write_page(store, now, &page, filter.as_ref(), token, max)
}
