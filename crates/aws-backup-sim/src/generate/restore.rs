//! Restore jobs: ad hoc ones, those of restore testing plans, and a restore history older
//! than the job history.

use crate::generate::org::{DAY, HOUR, Org};
use crate::generate::planned::{Outcome, Planned, Subject, Timeline, job_id, varied_size};
use crate::model::{Extra, JobId};
use crate::rng::Rng;
use crate::rng::hash_str;
use crate::types::SimJobType;

pub(crate) fn restore(
    org: &Org,
    ri: usize,
    created: i64,
    rng: &mut Rng,
    plan: Option<&str>,
) -> Planned {
    let r = &org.resources[ri];
    let running_at = created + rng.range(30, 180);
    let (lo, hi) = r.kind.restore_secs();
    let d = rng.log_range(lo, hi) as i64;
    let u = rng.unit();
    let size = varied_size(r.base_size, rng);
    let (state, message, end) = if u < 0.06 {
        let msg = *rng.pick(&[
            "Restore failed: the subnet named in the restore metadata no longer exists.",
            "Restore failed: insufficient capacity for the requested instance class.",
            "Restore failed: a resource with the requested name already exists.",
        ]);
        ("FAILED", Some(msg.to_owned()), running_at + d / 4)
    } else if u < 0.08 {
        (
            "ABORTED",
            Some("The restore job was stopped by a user.".to_owned()),
            running_at + d / 2,
        )
    } else {
        ("COMPLETED", None, running_at + d)
    };
    let mut validation = match (plan, state) {
        (Some(_), "COMPLETED") => {
            let at = end + rng.range(300, 1500);
            let fin = ["SUCCESSFUL", "FAILED", "TIMED_OUT"][rng.weighted(&[85, 10, 5])];
            Some((at, fin))
        }
        _ => None,
    };
    // A resource that never restores: the same draws, then a failure (so that every other
    // job stays as it was).
    let (state, message, end) = if r.restore_fails && state == "COMPLETED" {
        validation = None;
        ("FAILED", Some(NEVER.to_owned()), running_at + d / 4)
    } else {
        (state, message, end)
    };
    Planned {
        ty: SimJobType::Restore,
        id: job_id(rng),
        resource: ri,
        is_parent: false,
        parent: None,
        plan: plan.map(str::to_owned),
        tl: Timeline {
            created,
            pending_at: created,
            running_at,
            aborting_at: None,
            end,
            outcome: Outcome {
                state,
                message,
                category: None,
                size,
            },
            validation,
        },
        extra: None,
        subject: None,
    }
}

const NEVER: &str = "Restore failed: the recovery point's encryption key is pending deletion.";

/// Restores from before the job history: for about a third of the resources one that
/// succeeded 20 days before the start, and for the resource of each account and region
/// that never restores, two that failed (20 and 9 days before). Only whole-history reads
/// (ListRestoreJobsByProtectedResource, listings without a date filter) see them.
pub(crate) fn prehistory(org: &Org) -> Vec<Planned> {
    let mut out = Vec::new();
    for (ri, r) in org.resources.iter().enumerate() {
        let mut rng = Rng::keyed(&[org.seed, 0x01D, r.key]);
        let ages: &[i64] = if r.restore_fails {
            &[20, 9]
        } else if r.old_restore {
            &[20]
        } else {
            &[]
        };
        for &days in ages {
            let created = org.start - days * DAY + rng.range(0, 6 * HOUR);
            let mut p = restore(org, ri, created, &mut rng, None);
            let tl = &mut p.tl;
            tl.end = tl.end.max(tl.running_at + 300);
            if r.restore_fails {
                tl.outcome.state = "FAILED";
                tl.outcome.message = Some(NEVER.to_owned());
            } else {
                tl.outcome.state = "COMPLETED";
                tl.outcome.message = None;
            }
            out.push(p);
        }
    }
    out
}

/// A restore someone started (StartRestoreJob) at `created`: pending for seconds, running
/// for a minute or two, then COMPLETED, or FAILED for one in six (by its id).
pub(crate) fn requested(
    id: JobId,
    created: i64,
    subject: Subject,
    size: Option<i64>,
    rp_arn: &str,
    rp_created: i64,
) -> Planned {
    let h = hash_str(&id.to_string());
    let mut rng = Rng::new(h);
    let running_at = created + rng.range(5, 20);
    let end = running_at + rng.range(30, 120);
    let failed = h.is_multiple_of(6);
    Planned {
        ty: SimJobType::Restore,
        id,
        resource: usize::MAX,
        is_parent: false,
        parent: None,
        plan: None,
        tl: Timeline {
            created,
            pending_at: created,
            running_at,
            aborting_at: None,
            end,
            outcome: Outcome {
                state: if failed { "FAILED" } else { "COMPLETED" },
                message: failed.then(|| {
                    "Restore failed: the subnet named in the restore metadata does not exist."
                        .to_owned()
                }),
                category: None,
                size,
            },
            validation: None,
        },
        extra: Some(Extra {
            source_rp_arn: Some(rp_arn.into()),
            rp_created: Some(rp_created),
            ..Extra::default()
        }),
        subject: Some(Box::new(subject)),
    }
}
