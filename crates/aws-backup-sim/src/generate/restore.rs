//! Restore jobs: ad hoc ones and those of restore testing plans.

use crate::generate::org::Org;
use crate::generate::planned::{Outcome, Planned, Timeline, job_id, varied_size};
use crate::rng::Rng;
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
    let validation = match (plan, state) {
        (Some(_), "COMPLETED") => {
            let at = end + rng.range(300, 1500);
            let fin = ["SUCCESSFUL", "FAILED", "TIMED_OUT"][rng.weighted(&[85, 10, 5])];
            Some((at, fin))
        }
        _ => None,
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
    }
}
