//! ListBackupJobSummaries, ListRestoreJobSummaries and ListCopyJobSummaries: job counts by
//! account, state, resource type and message category, over the days before now, computed
//! from the store's jobs by CreationDate (as AWS's are).
//!
//! As AWS documents it: a dimension left out or `ANY` gives one row per value, `AGGREGATE_ALL`
//! one row summed over all values, anything else only that value. AccountId left out means
//! the caller's account; `ANY` and `AGGREGATE_ALL` span the organization for its management
//! account, while a member account always gets its own jobs.

use std::collections::BTreeMap;

use crate::json::{Obj, json_str};
use crate::ops::params::{SUMMARIES_OP, max_results, page_of, position_token, read_position_token};
use crate::query::Query;
use crate::reply::{Caller, Reply};
use crate::store::Store;
use crate::types::SimJobType;

const DAY: i64 = 86_400;
const AGGREGATE_ALL: &str = "AGGREGATE_ALL";

/// What one dimension asks for.
enum Dim<'a> {
    Each,
    Sum,
    Only(&'a str),
}

impl<'a> Dim<'a> {
    fn parse(v: Option<&'a str>) -> Dim<'a> {
        match v {
            None | Some("ANY") => Dim::Each,
            Some(AGGREGATE_ALL) => Dim::Sum,
            Some(v) => Dim::Only(v),
        }
    }

    /// The row key of a job's value, or `None` when the job does not count.
    fn key<'v>(&self, value: Option<&'v str>) -> Option<Option<&'v str>>
    where
        'a: 'v,
    {
        match self {
            Dim::Each => Some(value),
            Dim::Sum => Some(Some(AGGREGATE_ALL)),
            Dim::Only(want) => (value == Some(*want)).then_some(value),
        }
    }
}

/// (StartTime, AccountId, State, ResourceType, MessageCategory) → Count.
type Rows<'s> = BTreeMap<(i64, &'s str, &'s str, &'s str, Option<&'s str>), i64>;

pub(crate) fn list_job_summaries(
    store: &Store,
    now: i64,
    ty: SimJobType,
    query: &Query,
    caller: &Caller,
) -> Reply {
    let get = |k: &str| query.get(k);
    let max = match max_results(get("MaxResults")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (period, days, buckets) = match get("AggregationPeriod") {
        None | Some("ONE_DAY") => ("ONE_DAY", 1, 14),
        Some("SEVEN_DAYS") => ("SEVEN_DAYS", 7, 1),
        Some("FOURTEEN_DAYS") => ("FOURTEEN_DAYS", 14, 1),
        Some(p) => return Reply::invalid(&format!("Invalid AggregationPeriod {p:?}")),
    };
    let op = SUMMARIES_OP + ty as u8;
    // Later pages are computed as of the first one's time.
    let (now, start) = match read_position_token(get("NextToken"), op) {
        Ok(Some((stamp, pos))) => (stamp, pos),
        Ok(None) => (now, 0),
        Err(r) => return r,
    };
    let account = match get("AccountId") {
        Some("ANY") if caller.is_management => Dim::Each,
        Some(AGGREGATE_ALL) if caller.is_management => Dim::Sum,
        None | Some("ANY" | AGGREGATE_ALL) => Dim::Only(caller.account.as_str()),
        Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => {
            Dim::Only(if caller.is_management {
                a
            } else {
                &caller.account
            })
        }
        Some(a) => return Reply::invalid(&format!("Invalid AccountId {a:?}")),
    };
    let restore = ty == SimJobType::Restore;
    let state = Dim::parse(get("State"));
    let rtype = Dim::parse(get("ResourceType"));
    let category = if restore {
        Dim::Each
    } else {
        Dim::parse(get("MessageCategory"))
    };
    let s = &store.strs;
    let mut rows = Rows::new();
    let span = days * DAY * buckets;
    if let Some(region) = s.get(&caller.region) {
        for r in store.created_in(ty, now - span, now) {
            if r.region != region {
                continue;
            }
            let key = (
                account.key(Some(s.str(r.account))),
                state.key(Some(s.str(r.state))),
                rtype.key(Some(s.str(r.resource_type))),
                category.key(s.opt(r.message_category)),
            );
            let (Some(Some(a)), Some(Some(st)), Some(Some(rt)), Some(cat)) = key else {
                continue;
            };
            let bucket = (now - r.creation).min(span - 1) / (days * DAY);
            let start_time = now - (bucket + 1) * days * DAY;
            *rows.entry((start_time, a, st, rt, cat)).or_default() += 1;
        }
    }
    let rows: Vec<_> = rows.into_iter().collect();
    let (page, next) = page_of(&rows, start, max);
    let list_key = match ty {
        SimJobType::Backup => "BackupJobSummaries",
        SimJobType::Restore => "RestoreJobSummaries",
        _ => "CopyJobSummaries",
    };
    let mut out = Vec::with_capacity(256 * page.len() + 64);
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(list_key.as_bytes());
    out.extend_from_slice(b"\":[");
    for (i, ((start_time, a, st, rt, cat), count)) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mut o = Obj::begin(&mut out);
        o.str("Region", &caller.region);
        o.str("AccountId", a);
        o.str("State", st);
        o.str("ResourceType", rt);
        if !restore {
            o.opt_str("MessageCategory", *cat);
        }
        o.num("Count", *count);
        o.num("StartTime", *start_time);
        o.num("EndTime", start_time + days * DAY);
        o.end();
    }
    out.extend_from_slice(b"],\"AggregationPeriod\":");
    json_str(&mut out, period);
    if let Some(n) = next {
        out.extend_from_slice(b",\"NextToken\":");
        json_str(&mut out, &position_token(op, now, n));
    }
    out.push(b'}');
    Reply::json(200, out)
}
