//! ListRestoreJobsByProtectedResource (the whole restore history of one resource of the
//! caller's account, in its region) and StartRestoreJob.

use std::collections::HashMap;

use serde_json::Value;

use crate::generate::planned::Subject;
use crate::generate::restore::requested;
use crate::json::Obj;
use crate::live::Live;
use crate::model::JobId;
use crate::ops::jobs::{Page, date_range, job_token, write_page};
use crate::ops::params::{BY_RESOURCE_OP, max_results};
use crate::query::Query;
use crate::reply::{Caller, Reply};
use crate::rng::hash;
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

/// Restore jobs started so far: their idempotency tokens, and how many, for their ids.
#[derive(Default)]
pub(crate) struct Started {
    tokens: HashMap<(String, String), String>,
    seq: u64,
}

/// StartRestoreJob: a restore of one of the store's COMPLETED backups (by the
/// RecoveryPointArn ListBackupJobs shows) in the caller's account and region, on the
/// simulator's clock. The same IdempotencyToken gives the same job again.
pub(crate) fn start_restore_job(
    store: &mut Store,
    live: &mut Live,
    started: &mut Started,
    seed: u64,
    body: &[u8],
    caller: &Caller,
) -> Reply {
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(body) else {
        return Reply::error(
            400,
            "InvalidRequestException",
            "The request body is not a JSON object.",
        );
    };
    let text = |k: &str| req.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let missing = |k: &str| {
        Reply::error(
            400,
            "MissingParameterValueException",
            &format!("{k} is required."),
        )
    };
    let Some(rp_arn) = text("RecoveryPointArn") else {
        return missing("RecoveryPointArn");
    };
    match req.get("Metadata") {
        Some(Value::Object(m)) if m.values().all(Value::is_string) => {}
        Some(_) => return Reply::invalid("Metadata must map strings to strings."),
        None => return missing("Metadata"),
    }
    if text("IamRoleArn").is_none() {
        return missing("IamRoleArn");
    }
    let token = text("IdempotencyToken").map(|t| (caller.account.clone(), t.to_owned()));
    if let Some(id) = token.as_ref().and_then(|k| started.tokens.get(k)) {
        return started_reply(id);
    }
    let not_found = || {
        Reply::error(
            400,
            "ResourceNotFoundException",
            &format!("Recovery point {rp_arn} was not found."),
        )
    };
    let Some(slot) = store.backup_of_recovery_point(rp_arn) else {
        return not_found();
    };
    let s = &store.strs;
    let b = &store.tables[SimJobType::Backup].recs[slot as usize];
    if s.str(b.account) != caller.account || s.str(b.region) != caller.region {
        return not_found();
    }
    let subject = Subject {
        account: caller.account.clone(),
        region: caller.region.clone(),
        arn: s.str(b.resource_arn).to_owned(),
        resource_type: text("ResourceType")
            .unwrap_or(s.str(b.resource_type))
            .to_owned(),
        vault: s.opt(b.vault).map(str::to_owned),
    };
    let (size, rp_created) = (b.size, b.creation);
    started.seq += 1;
    let id = JobId::from_hash(
        hash(&[seed, 0x57A27, started.seq]),
        hash(&[started.seq, seed]),
    );
    let id_text = id.to_string();
    let p = requested(id, live.cursor, subject, size, rp_arn, rp_created);
    live.start_job(store, p);
    if let Some(k) = token {
        started.tokens.insert(k, id_text.clone());
    }
    started_reply(&id_text)
}

fn started_reply(id: &str) -> Reply {
    let mut out = Vec::with_capacity(64);
    let mut o = Obj::begin(&mut out);
    o.str("RestoreJobId", id);
    o.end();
    Reply::json(200, out)
}
