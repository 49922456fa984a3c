//! ListProtectedResources.

use crate::json::json_str;
use crate::ops::params::{RESOURCES_OP, max_results};
use crate::query::Query;
use crate::reply::{Caller, Reply};
use crate::store::{Index, Store};
use crate::token::{decode_token, encode_token};
use crate::wire::JobWriter;

pub(crate) fn list_resources(store: &Store, now: i64, query: &Query, caller: &Caller) -> Reply {
    let get = |k: &str| query.get(k);
    let max = match max_results(get("maxResults")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let after = match get("nextToken") {
        None => None,
        Some(t) => match decode_token(t) {
            Some((RESOURCES_OP, Index::Resources, (_, i))) => Some(i),
            _ => return Reply::invalid("The next token is not valid."),
        },
    };
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"Results\":[");
    let (Some(account), Some(region)) = (
        store.strs.get(&caller.account),
        store.strs.get(&caller.region),
    ) else {
        out.extend_from_slice(b"]}");
        return Reply::json(200, out);
    };
    let (items, next) = store.list_resources(account, region, after, max);
    let mut w = JobWriter::new(store, now);
    for (i, &r) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        w.resource(&mut out, r);
    }
    out.push(b']');
    if let Some(i) = next {
        out.extend_from_slice(b",\"NextToken\":");
        json_str(
            &mut out,
            &encode_token(RESOURCES_OP, Index::Resources, (0, i)),
        );
    }
    out.push(b'}');
    Reply::json(200, out)
}
