//! The workload beside the simulator's own schedules (which already start, run and end jobs of
//! every type, in every state, at demo pace): jobs listed late within the overlap, restore
//! tests that settle minutes later, and states and categories AWS may add tomorrow.

use aws_backup_sim::{SimJob, SimJobType, Simulator};

use super::Rng;

/// A restore test to settle later.
struct Unsettled {
    job: SimJob,
    at: i64,
}

pub struct Workload {
    sim: Simulator,
    rng: Rng,
    next: i64,
    seq: u64,
    late: usize,
    templates: Vec<SimJob>,
    templates_at: i64,
    unsettled: Vec<Unsettled>,
}

/// How a scan ends, with its result where it has one.
const SCAN_ENDS: [(&str, Option<&str>); 4] = [
    ("COMPLETED", Some("NO_THREATS_FOUND")),
    ("COMPLETED", Some("THREATS_FOUND")),
    ("FAILED", None),
    ("CANCELED", None),
];

const BACKUP_ENDS: [(&str, &str); 6] = [
    ("COMPLETED", "SUCCESS"),
    ("COMPLETED", "InvalidParameters"),
    ("FAILED", "AccessDenied"),
    ("FAILED", "ResourceNotFound"),
    ("EXPIRED", "Expired"),
    ("ABORTED", "Aborted"),
];

impl Workload {
    pub fn new(sim: Simulator, rng: Rng) -> Workload {
        Workload {
            sim,
            rng,
            next: 0,
            seq: 0,
            late: 0,
            templates: Vec::new(),
            templates_at: 0,
            unsettled: Vec::new(),
        }
    }

    /// Jobs inserted with a CompletionDate already behind the exporter's newest: listed late.
    pub fn late_listed(&self) -> usize {
        self.late
    }

    fn id(&mut self) -> String {
        self.seq += 1;
        format!("soak-{:06}", self.seq)
    }

    pub fn step(&mut self, now: i64) {
        for u in std::mem::take(&mut self.unsettled) {
            if u.at <= now {
                self.sim.insert(u.job);
            } else {
                self.unsettled.push(u);
            }
        }
        if now < self.next {
            return;
        }
        self.next = now + self.rng.range(1, 4) as i64;
        if self.templates.is_empty() || now - self.templates_at > 60 {
            self.templates = self
                .sim
                .jobs()
                .into_iter()
                .filter(|j| !j.is_parent && j.completion_date.is_some())
                .collect();
            self.templates_at = now;
        }
        if self.templates.is_empty() {
            return;
        }
        let template = self.rng.pick(&self.templates).clone();
        let id = self.id();
        match template.job_type {
            SimJobType::Backup | SimJobType::Copy => {
                // Ended up to ten minutes ago, inside the 15-minute overlap, listed only now.
                let (state, category) = if self.rng.chance(3) {
                    ("SOMETHING_NEW", "ALSO_NEW")
                } else {
                    *self.rng.pick(&BACKUP_ENDS)
                };
                let completion = now - self.rng.range(30, 600) as i64;
                self.sim.insert(SimJob {
                    job_id: id,
                    state: state.into(),
                    message_category: Some(category.into()),
                    creation_date: Some(completion - self.rng.range(60, 3600) as i64),
                    completion_date: Some(completion),
                    is_parent: false,
                    parent_job_id: None,
                    ..template
                });
                self.late += 1;
            }
            SimJobType::Scan => {
                // A malware scan that ended within the overlap, listed only now.
                let (state, result) = *self.rng.pick(&SCAN_ENDS);
                let completion = now - self.rng.range(30, 600) as i64;
                self.sim.insert(SimJob {
                    job_id: id,
                    state: state.into(),
                    message_category: None,
                    scan_result_status: result.map(Into::into),
                    creation_date: Some(completion - self.rng.range(60, 3600) as i64),
                    completion_date: Some(completion),
                    is_parent: false,
                    parent_job_id: None,
                    ..template
                });
                self.late += 1;
            }
            SimJobType::Restore => {
                // A restore test that validates for a while, then settles.
                let job = SimJob {
                    job_id: id,
                    state: "COMPLETED".into(),
                    creation_date: Some(now - 600),
                    completion_date: Some(now - 2),
                    validation_status: Some("VALIDATING".into()),
                    restore_testing_plan_arn: template.restore_testing_plan_arn.clone().or_else(
                        || {
                            Some(format!(
                                "arn:aws:backup:{}:{}:restore-testing-plan:soak-plan",
                                template.region, template.account_id
                            ))
                        },
                    ),
                    is_parent: false,
                    parent_job_id: None,
                    ..template
                };
                self.sim.insert(job.clone());
                let status = *self
                    .rng
                    .pick(&["SUCCESSFUL", "SUCCESSFUL", "FAILED", "TIMED_OUT"]);
                self.unsettled.push(Unsettled {
                    job: SimJob {
                        validation_status: Some(status.into()),
                        ..job
                    },
                    at: now + self.rng.range(30, 240) as i64,
                });
            }
        }
    }
}
