//! Backup jobs of a schedule occurrence: plain ones with their copy, composite ones with
//! their children, and why some fail.

use crate::generate::kind::Kind;
use crate::generate::org::{HOUR, Org, ResSpec};
use crate::generate::planned::{Outcome, Planned, Timeline, job_id, varied_size};
use crate::model::{Extra, JobId};
use crate::rng::Rng;
use crate::types::SimJobType;

/// Why a backup failed: MessageCategory and StatusMessage.
pub(crate) fn failure(kind: Kind, arn: &str, rng: &mut Rng) -> (&'static str, String) {
    match rng.weighted(&[35, 15, 35, 15]) {
        0 => (
            "AccessDenied",
            format!(
                "Access denied: AWS Backup could not describe resource {arn}. \
                 Review the IAM policies of the backup role."
            ),
        ),
        1 => (
            "AccessDenied",
            "The KMS key that encrypts the resource does not allow the backup role to use it."
                .to_owned(),
        ),
        2 => (
            "InvalidParameters",
            match kind {
                Kind::Rds | Kind::Aurora | Kind::DocumentDb | Kind::Neptune => {
                    "The database is not in a state that allows a snapshot (status: modifying)."
                }
                Kind::Ec2 => "The instance is not in a state that allows an image to be created.",
                Kind::DynamoDb => "The table is being updated and cannot be backed up right now.",
                Kind::Efs | Kind::FSx => "The file system is not in the available state.",
                _ => "The resource is not in a state that allows a backup.",
            }
            .to_owned(),
        ),
        _ => (
            "ResourceNotFound",
            format!(
                "Resource {arn} was not found; it may have been deleted after it was \
                 assigned to the backup plan."
            ),
        ),
    }
}

pub(crate) fn backup_timeline(r: &ResSpec, created: i64, rng: &mut Rng, simple: bool) -> Timeline {
    let pending_at = created + rng.range(20, 180);
    let running_at = pending_at + rng.range(10, 120);
    let (lo, hi) = r.kind.backup_secs();
    let d = rng.log_range(lo, hi) as i64;
    let chronic_roll = rng.unit();
    let u = rng.unit();
    let fail_end = running_at + (d as f64 * (0.05 + 0.3 * rng.unit())) as i64 + 30;
    let mut tl = Timeline {
        created,
        pending_at,
        running_at,
        aborting_at: None,
        end: running_at + d,
        outcome: Outcome {
            state: "COMPLETED",
            message: None,
            category: Some("SUCCESS"),
            size: varied_size(r.base_size, rng),
        },
        validation: None,
    };
    let failed = |category, message| Outcome {
        state: "FAILED",
        message: Some(message),
        category: Some(category),
        size: None,
    };
    if let (Some((cat, msg)), true) = (&r.chronic, chronic_roll < 0.5) {
        tl.end = fail_end;
        tl.outcome = failed(cat, msg.clone());
    } else if u < 0.03 {
        let (cat, msg) = failure(r.kind, &r.arn, rng);
        tl.end = fail_end;
        tl.outcome = failed(cat, msg);
    } else if u < 0.04 && !simple {
        // Never started inside its one-hour start window.
        tl.end = created + HOUR;
        tl.pending_at = tl.end;
        tl.running_at = tl.end;
        tl.outcome = Outcome {
            state: "EXPIRED",
            message: Some("The backup job did not start within the start window.".into()),
            category: Some("Expired"),
            size: None,
        };
    } else if u < 0.047 && !simple {
        let at = running_at + (d as f64 * (0.2 + 0.6 * rng.unit())) as i64;
        tl.aborting_at = Some(at);
        tl.end = at + rng.range(30, 240);
        tl.outcome = Outcome {
            state: "ABORTED",
            message: Some("The backup job was stopped by a user.".into()),
            category: Some("Aborted"),
            size: None,
        };
    } else if u < 0.075 && matches!(r.kind, Kind::Ec2 | Kind::Vm) {
        tl.outcome.category = Some("InvalidParameters");
        tl.outcome.message = Some(
            "Application-consistent (Windows VSS) snapshot failed; a crash-consistent backup \
             was taken instead."
                .into(),
        );
    }
    tl
}

pub(crate) fn backup_occurrence(org: &Org, ri: usize, k: i64, base: i64, out: &mut Vec<Planned>) {
    let r = &org.resources[ri];
    let mut rng = Rng::keyed(&[org.seed, 1, r.key, k as u64]);
    let created = base + rng.range(0, 90);
    let id = job_id(&mut rng);
    if r.composite {
        composite(r, ri, id, created, &mut rng, out);
        return;
    }
    let tl = backup_timeline(r, created, &mut rng, false);
    let copy = match (&r.copy_to, tl.outcome.state) {
        (Some(dest), "COMPLETED") => {
            let mut crng = Rng::keyed(&[org.seed, 2, r.key, k as u64]);
            let created = tl.end + crng.range(60, 300);
            let running_at = created + crng.range(10, 120);
            let d = crng.log_range(180.0, 2700.0) as i64;
            let outcome = if crng.chance(0.06) {
                let (cat, msg) = if crng.chance(0.5) {
                    (
                        "AccessDenied",
                        "The destination backup vault's access policy does not allow copies \
                         from this account.",
                    )
                } else {
                    (
                        "InvalidParameters",
                        "The KMS key of the destination vault is not shared with the source \
                         account.",
                    )
                };
                Outcome {
                    state: "FAILED",
                    message: Some(msg.into()),
                    category: Some(cat),
                    size: None,
                }
            } else {
                Outcome {
                    state: "COMPLETED",
                    message: None,
                    category: Some("SUCCESS"),
                    size: tl.outcome.size,
                }
            };
            let end = if outcome.state == "FAILED" {
                running_at + crng.range(30, 300)
            } else {
                running_at + d
            };
            Some(Planned {
                ty: SimJobType::Copy,
                id: job_id(&mut crng),
                resource: ri,
                is_parent: false,
                parent: None,
                plan: None,
                tl: Timeline {
                    created,
                    pending_at: created,
                    running_at,
                    aborting_at: None,
                    end,
                    outcome,
                    validation: None,
                },
                extra: Some(Extra {
                    source_job: Some(id.to_string().into()),
                    dest_vault_arn: Some(dest.as_str().into()),
                    ..Extra::default()
                }),
                subject: None,
            })
        }
        _ => None,
    };
    out.push(Planned {
        ty: SimJobType::Backup,
        id,
        resource: ri,
        is_parent: false,
        parent: None,
        plan: None,
        tl,
        extra: None,
        subject: None,
    });
    out.extend(copy);
}

/// A composite backup: a parent whose state summarizes 2–4 children of the same type.
fn composite(
    r: &ResSpec,
    ri: usize,
    id: JobId,
    created: i64,
    rng: &mut Rng,
    out: &mut Vec<Planned>,
) {
    let n = rng.range(2, 5);
    let parent_id = id.to_string();
    let children: Vec<Timeline> = (0..n)
        .map(|i| backup_timeline(r, created + 1 + i, rng, true))
        .collect();
    let running_at = children
        .iter()
        .map(|c| c.running_at)
        .min()
        .unwrap_or(created);
    let end = children.iter().map(|c| c.end).max().unwrap_or(created) + rng.range(5, 60);
    let failed: Vec<&Timeline> = children
        .iter()
        .filter(|c| c.outcome.state != "COMPLETED")
        .collect();
    let size: i64 = children.iter().filter_map(|c| c.outcome.size).sum();
    let has_size = children.iter().any(|c| c.outcome.size.is_some());
    let outcome = if failed.is_empty() {
        Outcome {
            state: "COMPLETED",
            message: None,
            category: Some("SUCCESS"),
            size: has_size.then_some(size),
        }
    } else if failed.len() == children.len() {
        Outcome {
            state: "FAILED",
            message: Some("All child jobs failed.".into()),
            category: failed[0].outcome.category,
            size: None,
        }
    } else {
        Outcome {
            state: "PARTIAL",
            message: Some("One or more child jobs did not complete successfully.".into()),
            category: failed[0].outcome.category,
            size: has_size.then_some(size),
        }
    };
    out.push(Planned {
        ty: SimJobType::Backup,
        id,
        resource: ri,
        is_parent: true,
        parent: None,
        plan: None,
        tl: Timeline {
            created,
            pending_at: running_at,
            running_at,
            aborting_at: None,
            end,
            outcome,
            validation: None,
        },
        extra: None,
        subject: None,
    });
    for tl in children {
        out.push(Planned {
            ty: SimJobType::Backup,
            id: job_id(rng),
            resource: ri,
            is_parent: false,
            parent: Some(parent_id.clone()),
            plan: None,
            tl,
            extra: None,
            subject: None,
        });
    }
}
