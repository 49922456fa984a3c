//! ListScanJobs: the same store and page tokens as the other job listings, with the names
//! its SDK input uses (PascalCase `By…` filters).

use crate::model::Sym;
use crate::ops::jobs::{Page, account_filter, date_range, job_token, write_page};
use crate::ops::params::max_results;
use crate::query::Query;
use crate::reply::{Caller, Reply};
use crate::store::{Accounts, JobFilter, Store};
use crate::types::SimJobType;

pub(crate) fn list_scan_jobs(store: &Store, now: i64, query: &Query, caller: &Caller) -> Reply {
    let get = |k: &str| query.get(k);
    let max = match max_results(get("MaxResults")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let completed = match date_range(get("ByCompleteAfter"), get("ByCompleteBefore")) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let account = match account_filter(get("ByAccountId"), caller) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let token = match job_token(get("NextToken"), SimJobType::Scan as u8) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let filter = resolve(store, caller, account, query, completed);
    let page = Page {
        ty: SimJobType::Scan,
        op: SimJobType::Scan as u8,
        list_key: "ScanJobs",
    };
    write_page(store, now, &page, filter.as_ref(), token, max)
}

/// The filter, or `None` when a value names nothing the store holds.
fn resolve<'a>(
    store: &Store,
    caller: &Caller,
    account: Option<&str>,
    query: &'a Query,
    completed: Option<(i64, i64)>,
) -> Option<JobFilter<'a>> {
    let sym = |k: &str| -> Option<Option<Sym>> {
        match query.get(k) {
            None => Some(None),
            Some(v) => store.strs.get(v).map(Some),
        }
    };
    let accounts = match account {
        None => Accounts::All,
        Some(a) => Accounts::One(store.strs.get(a)?),
    };
    Some(JobFilter {
        region: store.strs.get(&caller.region)?,
        accounts,
        state: sym("ByState")?,
        resource_arn: sym("ByResourceArn")?,
        resource_type: sym("ByResourceType")?,
        vault: sym("ByBackupVaultName")?,
        parent: None,
        category: None,
        plan: None,
        rp_created: None,
        scanner: sym("ByMalwareScanner")?,
        scan_result: sym("ByScanResultStatus")?,
        created: (i64::MIN, i64::MAX),
        completed,
        dest_vault_arn: None,
        source_rp_arn: query.get("ByRecoveryPointArn"),
    })
}
