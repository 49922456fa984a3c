//! A job the schedules produce, with its timeline: what it looks like at any time.

use crate::generate::org::Org;
use crate::model::{Extra, Interner, JobId, Rec};
use crate::rng::Rng;
use crate::types::SimJobType;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub state: &'static str,
    pub message: Option<String>,
    /// MessageCategory; for scan jobs (which have none), the ScanResultStatus.
    pub category: Option<&'static str>,
    pub size: Option<i64>,
}

/// When a job changes state. Backup: CREATED → PENDING → RUNNING (→ ABORTING) → end;
/// copy and scan: CREATED → RUNNING → end; restore: PENDING → RUNNING → end.
#[derive(Clone, Debug)]
pub(crate) struct Timeline {
    pub created: i64,
    pub pending_at: i64,
    pub running_at: i64,
    pub aborting_at: Option<i64>,
    pub end: i64,
    pub outcome: Outcome,
    /// Restore tests: when VALIDATING settles, and to what.
    pub validation: Option<(i64, &'static str)>,
}

/// The only scanner AWS Backup offers.
pub(crate) const MALWARE_SCANNER: &str = "GUARDDUTY";

/// A job the schedules produce, with everything needed to render it at any time.
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    pub ty: SimJobType,
    pub id: JobId,
    pub resource: usize,
    pub is_parent: bool,
    pub parent: Option<String>,
    pub plan: Option<String>,
    pub tl: Timeline,
    pub extra: Option<Extra>,
    /// What the job acts on when it is not one of the organization's resources (a restore
    /// someone started from a recovery point inserted by hand); `resource` is then unused.
    pub subject: Option<Box<Subject>>,
}

/// A job's account, region and resource, given rather than taken from the organization.
#[derive(Clone, Debug)]
pub(crate) struct Subject {
    pub account: String,
    pub region: String,
    pub arn: String,
    pub resource_type: String,
    pub vault: Option<String>,
}

impl Planned {
    pub(crate) fn state_at(&self, t: i64) -> &'static str {
        let tl = &self.tl;
        if t >= tl.end {
            return tl.outcome.state;
        }
        match self.ty {
            SimJobType::Backup if t < tl.pending_at => "CREATED",
            SimJobType::Backup if t < tl.running_at => "PENDING",
            SimJobType::Backup if tl.aborting_at.is_some_and(|a| t >= a) => "ABORTING",
            SimJobType::Restore if t < tl.running_at => "PENDING",
            SimJobType::Copy | SimJobType::Scan if t < tl.running_at => "CREATED",
            _ => "RUNNING",
        }
    }

    /// Nothing about the job will change after `t`.
    pub(crate) fn settled(&self, t: i64) -> bool {
        t >= self.tl.end && self.tl.validation.is_none_or(|(at, _)| t >= at)
    }

    pub(crate) fn rec_at(&self, org: &Org, strs: &mut Interner, t: i64) -> Rec {
        let (account, region, arn, rtype, name, vault, rule) = match &self.subject {
            Some(s) => (
                s.account.as_str(),
                s.region.as_str(),
                s.arn.as_str(),
                s.resource_type.as_str(),
                None,
                s.vault.as_deref(),
                None,
            ),
            None => {
                let r = &org.resources[self.resource];
                (
                    org.accounts[r.account].as_str(),
                    org.regions[r.region].as_str(),
                    r.arn.as_str(),
                    r.kind.name(),
                    Some(r.name.as_str()),
                    Some(r.vault),
                    Some(r.rule.parts()),
                )
            }
        };
        let ended = t >= self.tl.end;
        let o = &self.tl.outcome;
        let state = self.state_at(t);
        let scan = self.ty == SimJobType::Scan;
        let validation = match self.tl.validation {
            Some((at, fin)) if ended && state == "COMPLETED" => {
                Some(strs.intern(if t >= at { fin } else { "VALIDATING" }))
            }
            _ => None,
        };
        Rec {
            id: self.id.clone(),
            creation: self.tl.created,
            completion: ended.then_some(self.tl.end),
            size: if ended && !scan { o.size } else { None },
            account: strs.intern(account),
            region: strs.intern(region),
            state: strs.intern(state),
            status_message: match &o.message {
                Some(m) if ended => Some(strs.intern(m)),
                _ => None,
            },
            message_category: match o.category {
                Some(c) if ended && !scan && self.ty != SimJobType::Restore => Some(strs.intern(c)),
                _ => None,
            },
            resource_arn: strs.intern(arn),
            resource_type: strs.intern(rtype),
            resource_name: name
                .filter(|_| self.ty != SimJobType::Restore)
                .map(|n| strs.intern(n)),
            vault: vault.map(|v| strs.intern(v)),
            parent: self.parent.as_deref().map(|p| strs.intern(p)),
            plan: self.plan.as_deref().map(|p| strs.intern(p)),
            validation,
            rule: rule
                .filter(|_| matches!(self.ty, SimJobType::Backup | SimJobType::Scan))
                .map(|r| strs.intern_rule(r)),
            scanner: scan.then(|| strs.intern(MALWARE_SCANNER)),
            scan_result: match o.category {
                Some(c) if ended && scan => Some(strs.intern(c)),
                _ => None,
            },
            is_parent: self.is_parent,
            dated: true,
        }
    }
}

pub(crate) fn job_id(rng: &mut Rng) -> JobId {
    JobId::from_hash(rng.next_u64(), rng.next_u64())
}

pub(crate) fn varied_size(base: Option<i64>, rng: &mut Rng) -> Option<i64> {
    let f = 0.9 + 0.2 * rng.unit();
    base.map(|b| (b as f64 * f) as i64)
}
