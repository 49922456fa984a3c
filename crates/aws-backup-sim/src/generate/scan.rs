//! Malware scans: after a completed backup of a scanned resource, GuardDuty scans its
//! recovery point (every fourth one of an hourly schedule, every one otherwise).

use crate::generate::kind::Kind;
use crate::generate::org::{HOUR, Org};
use crate::generate::planned::{Outcome, Planned, Timeline, job_id};
use crate::model::Extra;
use crate::rng::Rng;
use crate::types::SimJobType;

/// The scan of `backup`'s recovery point, if there is one; `every` scans whatever the cadence
/// (demo pace). `k` keys the scan as it keys the backup's occurrence.
pub(crate) fn scan_after(org: &Org, backup: &Planned, k: i64, every: bool) -> Option<Planned> {
    let r = &org.resources[backup.resource];
    let completed = backup.ty == SimJobType::Backup
        && !backup.is_parent
        && backup.tl.outcome.state == "COMPLETED";
    if !r.scanned || !completed || (!every && r.period == HOUR && k.rem_euclid(4) != 0) {
        return None;
    }
    let mut rng = Rng::keyed(&[org.seed, 0x5CA, r.key, k as u64]);
    let created = backup.tl.end + rng.range(30, 300);
    let running_at = created + rng.range(10, 90);
    let (lo, hi) = if r.kind == Kind::S3 {
        (300.0, 7200.0)
    } else {
        (120.0, 3600.0)
    };
    let d = rng.log_range(lo, hi) as i64;
    let (state, message, end) = if r.infected {
        match rng.weighted(&[92, 8]) {
            0 => ("COMPLETED", None, running_at + d),
            _ => ("COMPLETED_WITH_ISSUES", Some(PARTLY), running_at + d),
        }
    } else {
        match rng.weighted(&[86, 6, 6, 2]) {
            0 => ("COMPLETED", None, running_at + d),
            1 => ("COMPLETED_WITH_ISSUES", Some(PARTLY), running_at + d),
            2 => {
                let msg = *rng.pick(&[
                    "The scanner role is not allowed to use the KMS key of the recovery point.",
                    "The scan did not finish within its time limit.",
                ]);
                ("FAILED", Some(msg), running_at + d / 5)
            }
            _ => (
                "CANCELED",
                Some("The scan job was canceled."),
                running_at + d / 3,
            ),
        }
    };
    let found = r.infected || rng.chance(0.02);
    let result = matches!(state, "COMPLETED" | "COMPLETED_WITH_ISSUES").then_some(if found {
        "THREATS_FOUND"
    } else {
        "NO_THREATS_FOUND"
    });
    Some(Planned {
        ty: SimJobType::Scan,
        id: job_id(&mut rng),
        resource: backup.resource,
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
                state,
                message: message.map(str::to_owned),
                category: result,
                size: None,
            },
            validation: None,
        },
        extra: Some(Extra {
            source_job: Some(backup.id.to_string().into()),
            ..Extra::default()
        }),
        subject: None,
    })
}

const PARTLY: &str =
    "Some objects could not be scanned (unsupported or password-protected archives).";
