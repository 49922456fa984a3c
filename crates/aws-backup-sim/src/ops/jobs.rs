//! ListBackupJobs, ListRestoreJobs, ListCopyJobs and DescribeRestoreJob.

use crate::json::json_str;
use crate::model::{JobId, Sym};
use crate::ops::params::max_results;
use crate::query::{Query, parse_date};
use crate::reply::{Caller, Reply};
use crate::store::{Accounts, Index, JobFilter, Key, Store};
use crate::token::{decode_token, encode_token};
use crate::types::SimJobType;
use crate::wire::JobWriter;

pub(crate) fn list_jobs(
    store: &Store,
    now: i64,
    ty: SimJobType,
    query: &Query,
    caller: &Caller,
) -> Reply {
    let get = |k: &str| query.get(k);
    let max = match max_results(get("maxResults")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let created = match date_range(get("createdAfter"), get("createdBefore")) {
        Ok(r) => r.unwrap_or((i64::MIN, i64::MAX)),
        Err(r) => return r,
    };
    let completed = match date_range(get("completeAfter"), get("completeBefore")) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let account = match account_filter(get("accountId"), caller) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let token = match job_token(get("nextToken"), ty as u8) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let key = |backup: &'static str, restore: &'static str, copy: &'static str| match ty {
        SimJobType::Backup => backup,
        SimJobType::Restore => restore,
        _ => copy,
    };
    // Parameters each operation's SDK input has; others are ignored, as AWS does.
    let p = |name: &str, applies: bool| if applies { get(name) } else { None };
    let is_backup = ty == SimJobType::Backup;
    let is_restore = ty == SimJobType::Restore;
    let is_copy = ty == SimJobType::Copy;
    let strings = [
        p(key("state", "status", "state"), true),
        p("resourceArn", !is_restore),
        p("resourceType", true),
        p("backupVaultName", is_backup),
        p("parentJobId", true),
        p("messageCategory", !is_restore),
        p("restoreTestingPlanArn", is_restore),
    ];
    let dest = p("destinationVaultArn", is_copy);
    let source = p("sourceRecoveryPointArn", is_copy);
    let list_key = key("BackupJobs", "RestoreJobs", "CopyJobs");
    let filter = resolve(
        store, caller, account, &strings, created, completed, dest, source,
    );
    let page = Page {
        ty,
        op: ty as u8,
        list_key,
    };
    write_page(store, now, &page, filter.as_ref(), token, max)
}

/// What a page lists: jobs of `ty` under `list_key`, with tokens of operation `op`.
pub(crate) struct Page<'a> {
    pub ty: SimJobType,
    pub op: u8,
    pub list_key: &'a str,
}

/// One page of jobs, with the NextToken to resume from. `filter: None` names a value no job
/// has: nothing can match.
pub(crate) fn write_page(
    store: &Store,
    now: i64,
    page: &Page,
    filter: Option<&JobFilter>,
    token: Option<(Index, Key)>,
    max: usize,
) -> Reply {
    let (ty, list_key) = (page.ty, page.list_key);
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(list_key.as_bytes());
    out.extend_from_slice(b"\":[");
    let Some(filter) = filter else {
        out.extend_from_slice(b"]}");
        return Reply::json(200, out);
    };
    let idx = store.index_for(filter);
    let after = match token {
        Some((i, k)) if i == idx => Some(k),
        Some(_) => return Reply::invalid("The next token does not belong to this query."),
        None => None,
    };
    let (slots, next) = store.list(ty, filter, idx, after, max);
    out.reserve(slots.len() * 1024);
    let mut w = JobWriter::new(store, now);
    for (i, &slot) in slots.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        w.write(&mut out, ty, slot);
    }
    out.push(b']');
    if let Some(k) = next {
        out.extend_from_slice(b",\"NextToken\":");
        json_str(&mut out, &encode_token(page.op, idx, k));
    }
    out.push(b'}');
    Reply::json(200, out)
}

pub(crate) fn describe_restore_job(store: &Store, now: i64, id: &str, caller: &Caller) -> Reply {
    let t = &store.tables[SimJobType::Restore];
    let visible = t.slot(&JobId::parse(id)).filter(|&slot| {
        let r = &t.recs[slot as usize];
        store.strs.str(r.region) == caller.region
            && (caller.is_management || store.strs.str(r.account) == caller.account)
    });
    match visible {
        Some(slot) => {
            let mut out = Vec::with_capacity(1024);
            JobWriter::new(store, now).write(&mut out, SimJobType::Restore, slot);
            Reply::json(200, out)
        }
        None => Reply::error(
            404,
            "ResourceNotFoundException",
            &format!("Restore job {id} was not found."),
        ),
    }
}

/// `accountId`: the caller's account when absent, every account for `*`.
pub(crate) fn account_filter<'a>(
    v: Option<&'a str>,
    caller: &'a Caller,
) -> Result<Option<&'a str>, Reply> {
    match v {
        None => Ok(Some(caller.account.as_str())),
        Some("*") => Ok(None),
        Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(a)),
        Some(a) => Err(Reply::invalid(&format!("Invalid accountId {a:?}"))),
    }
}

/// A job listing's page token (operation `op`): its index and where to resume.
pub(crate) fn job_token(v: Option<&str>, op: u8) -> Result<Option<(Index, Key)>, Reply> {
    match v {
        None => Ok(None),
        Some(t) => match decode_token(t) {
            Some((o, idx, key)) if o == op => Ok(Some((idx, key))),
            _ => Err(Reply::invalid("The next token is not valid.")),
        },
    }
}

/// `after`/`before` dates as an inclusive range of whole seconds; both bounds are strict, as
/// the words say ("created after", "completed before").
pub(crate) fn date_range(
    after: Option<&str>,
    before: Option<&str>,
) -> Result<Option<(i64, i64)>, Reply> {
    if after.is_none() && before.is_none() {
        return Ok(None);
    }
    let parse =
        |s: &str| parse_date(s).ok_or_else(|| Reply::invalid(&format!("Invalid date {s:?}")));
    let lo = match after {
        Some(s) => parse(s)?.0.saturating_add(1),
        None => i64::MIN,
    };
    let hi = match before {
        Some(s) => {
            let (secs, nanos) = parse(s)?;
            if nanos > 0 {
                secs
            } else {
                secs.saturating_sub(1)
            }
        }
        None => i64::MAX,
    };
    Ok(Some((lo, hi)))
}

#[allow(clippy::too_many_arguments)]
fn resolve<'a>(
    store: &Store,
    caller: &Caller,
    account: Option<&str>,
    strings: &[Option<&str>; 7],
    created: (i64, i64),
    completed: Option<(i64, i64)>,
    dest: Option<&'a str>,
    source: Option<&'a str>,
) -> Option<JobFilter<'a>> {
    let sym = |v: Option<&str>| -> Option<Option<Sym>> {
        match v {
            None => Some(None),
            Some(s) => store.strs.get(s).map(Some),
        }
    };
    let accounts = match account {
        None => Accounts::All,
        Some(a) => Accounts::One(store.strs.get(a)?),
    };
    Some(JobFilter {
        region: store.strs.get(&caller.region)?,
        accounts,
        state: sym(strings[0])?,
        resource_arn: sym(strings[1])?,
        resource_type: sym(strings[2])?,
        vault: sym(strings[3])?,
        parent: sym(strings[4])?,
        category: sym(strings[5])?,
        plan: sym(strings[6])?,
        rp_created: None,
        scanner: None,
        scan_result: None,
        created,
        completed,
        dest_vault_arn: dest,
        source_rp_arn: source,
    })
}
