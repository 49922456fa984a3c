//! The benchmark store: many completed backup jobs and nothing else.

use crate::generate::org::Org;
use crate::generate::planned::varied_size;
use crate::model::{JobId, Rec};
use crate::rng::{Rng, hash};
use crate::store::Store;
use crate::types::SimJobType;

/// The benchmark store: exactly `n` COMPLETED backup jobs spread evenly over `history`
/// before `now`, cycling over the first account's resources in the first region.
pub(crate) fn bulk(org: &Org, store: &mut Store, n: usize, now: i64, history: i64) {
    if n == 0 || org.resources.is_empty() {
        return;
    }
    let strs = &mut store.strs;
    let account = strs.intern(&org.accounts[0]);
    let region = strs.intern(&org.regions[0]);
    let completed = strs.intern("COMPLETED");
    let success = strs.intern("SUCCESS");
    let res: Vec<_> = org
        .resources
        .iter()
        .map(|r| {
            (
                strs.intern(&r.arn),
                strs.intern(r.kind.name()),
                strs.intern(&r.name),
                strs.intern(r.vault),
                r,
            )
        })
        .collect();
    let history = history.max(1);
    let mut recs = Vec::with_capacity(n);
    for i in 0..n {
        let (arn, rtype, name, vault, r) = res[i % res.len()];
        let h = hash(&[org.seed, 0xB01C, i as u64]);
        let mut rng = Rng::new(h);
        let completion = now - history + ((i as i128 + 1) * i128::from(history) / n as i128) as i64;
        let duration = rng.range(60, 1800);
        recs.push(Rec {
            id: JobId::from_hash(h, rng.next_u64()),
            creation: completion - duration,
            completion: Some(completion),
            size: varied_size(r.base_size, &mut rng),
            account,
            region,
            state: completed,
            status_message: None,
            message_category: Some(success),
            resource_arn: arn,
            resource_type: rtype,
            resource_name: Some(name),
            vault: Some(vault),
            parent: None,
            plan: None,
            validation: None,
            // No rule: pages stay the size the throughput benchmarks were measured with.
            rule: None,
            scanner: None,
            scan_result: None,
            is_parent: false,
            dated: true,
        });
    }
    store.bulk_append(SimJobType::Backup, recs);
}
