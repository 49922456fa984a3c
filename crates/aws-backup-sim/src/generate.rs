//! A deterministic organization and the jobs its schedules produce. Every job is a pure
//! function of (seed, source, occurrence), so a job's fate never depends on when or in which
//! order the simulator materializes it: the same seed and time give the same jobs.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::model::{Extra, Interner, JobId, Rec, hex_id, uuid_lower, vault_arn};
use crate::options::SimOptions;
use crate::rng::{Rng, hash};
use crate::store::Store;
use crate::types::SimJobType;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const GIB: f64 = 1_073_741_824.0;
const MIB: f64 = 1_048_576.0;

/// Upper bound of (end of a job or its copy) − (scheduled time): how far before the history
/// window occurrences must be replayed so that nothing ending inside it is missed.
pub(crate) const SPAN: i64 = 8 * HOUR;

/// The name, label value and ARN tail of the resource that exercises label escaping.
pub(crate) const HOSTILE_NAME: &str = "db \"prod\" \\ ünïcode\nline2";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ebs,
    Ec2,
    Rds,
    Aurora,
    DynamoDb,
    Efs,
    S3,
    FSx,
    DocumentDb,
    Neptune,
    Vm,
}

const KINDS: [(Kind, u32); 11] = [
    (Kind::Ebs, 18),
    (Kind::Ec2, 18),
    (Kind::Rds, 14),
    (Kind::Aurora, 8),
    (Kind::DynamoDb, 12),
    (Kind::Efs, 8),
    (Kind::S3, 10),
    (Kind::FSx, 4),
    (Kind::DocumentDb, 3),
    (Kind::Neptune, 2),
    (Kind::Vm, 3),
];

impl Kind {
    /// AWS Backup's ResourceType spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Ebs => "EBS",
            Kind::Ec2 => "EC2",
            Kind::Rds => "RDS",
            Kind::Aurora => "Aurora",
            Kind::DynamoDb => "DynamoDB",
            Kind::Efs => "EFS",
            Kind::S3 => "S3",
            Kind::FSx => "FSx",
            Kind::DocumentDb => "DocumentDB",
            Kind::Neptune => "Neptune",
            Kind::Vm => "VirtualMachine",
        }
    }

    fn backup_secs(self) -> (f64, f64) {
        match self {
            Kind::Ebs => (120.0, 2400.0),
            Kind::Ec2 => (300.0, 3600.0),
            Kind::Rds => (300.0, 2700.0),
            Kind::Aurora => (180.0, 1800.0),
            Kind::DynamoDb => (60.0, 600.0),
            Kind::Efs => (600.0, 10_800.0),
            Kind::S3 => (900.0, 14_400.0),
            Kind::FSx => (900.0, 5400.0),
            Kind::DocumentDb | Kind::Neptune => (180.0, 1200.0),
            Kind::Vm => (1800.0, 18_000.0),
        }
    }

    fn restore_secs(self) -> (f64, f64) {
        match self {
            Kind::Ebs => (120.0, 900.0),
            Kind::Ec2 => (300.0, 1800.0),
            Kind::Rds | Kind::Aurora => (600.0, 2400.0),
            Kind::DynamoDb => (300.0, 1800.0),
            Kind::Efs | Kind::S3 | Kind::FSx => (900.0, 3600.0),
            Kind::DocumentDb | Kind::Neptune => (600.0, 1800.0),
            Kind::Vm => (1800.0, 5400.0),
        }
    }

    /// Provisioned size range; AWS reports 0 for RDS and nothing for the cluster engines.
    fn size_range(self) -> Option<(f64, f64)> {
        match self {
            Kind::Ebs => Some((8.0 * GIB, 2048.0 * GIB)),
            Kind::Ec2 => Some((30.0 * GIB, 1024.0 * GIB)),
            Kind::Rds => Some((0.0, 0.0)),
            Kind::Aurora | Kind::DocumentDb | Kind::Neptune => None,
            Kind::DynamoDb => Some((10.0 * MIB, 200.0 * GIB)),
            Kind::Efs => Some((GIB, 5.0 * 1024.0 * GIB)),
            Kind::S3 => Some((100.0 * MIB, 20.0 * 1024.0 * GIB)),
            Kind::FSx => Some((100.0 * GIB, 10.0 * 1024.0 * GIB)),
            Kind::Vm => Some((40.0 * GIB, 4.0 * 1024.0 * GIB)),
        }
    }
}

const APPS: [&str; 24] = [
    "orders",
    "payments",
    "catalog",
    "auth",
    "search",
    "billing",
    "ledger",
    "inventory",
    "analytics",
    "crm",
    "checkout",
    "reporting",
    "metrics",
    "mail",
    "wiki",
    "grafana",
    "jenkins",
    "gitlab",
    "kafka",
    "etl",
    "shipping",
    "pricing",
    "identity",
    "notifications",
];

/// One protected resource and its backup plan assignment.
#[derive(Clone, Debug)]
pub(crate) struct ResSpec {
    pub account: usize,
    pub region: usize,
    pub kind: Kind,
    pub arn: String,
    pub name: String,
    pub vault: &'static str,
    pub period: i64,
    pub offset: i64,
    pub composite: bool,
    pub copy_to: Option<String>,
    pub chronic: Option<(&'static str, String)>,
    pub base_size: Option<i64>,
    /// How long before the job history its previous recovery point was made.
    pub prior_age: i64,
    pub key: u64,
}

/// A restore testing plan: every `period`, restores a couple of resources and validates them.
#[derive(Clone, Debug)]
pub(crate) struct PlanSpec {
    pub arn: String,
    pub period: i64,
    pub offset: i64,
    pub key: u64,
    pub candidates: Vec<usize>,
}

/// Occasional restores by hand in one account and region.
#[derive(Clone, Debug)]
pub(crate) struct AdhocSpec {
    pub key: u64,
    pub candidates: Vec<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Org {
    pub seed: u64,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub resources: Vec<ResSpec>,
    pub plans: Vec<PlanSpec>,
    pub adhoc: Vec<AdhocSpec>,
    /// False in bulk mode: the resources exist but no schedule runs.
    pub scheduled: bool,
    /// Demo pace (see `SimOptions::brisk`).
    pub brisk: bool,
}

pub(crate) fn build_org(opts: &SimOptions) -> Org {
    let seed = opts.seed;
    let mut rng = Rng::keyed(&[seed, 0xACC0]);
    let mut accounts: Vec<String> = Vec::new();
    while accounts.len() < opts.accounts.max(1) {
        let id = format!("{}", 100_000_000_000 + rng.below(900_000_000_000));
        if !accounts.contains(&id) {
            accounts.push(id);
        }
    }
    let regions = if opts.regions.is_empty() {
        vec!["us-east-1".to_owned()]
    } else {
        opts.regions.clone()
    };
    let bulk = opts.bulk_backup_jobs.is_some();
    let mut org = Org {
        seed,
        accounts,
        regions,
        resources: Vec::new(),
        plans: Vec::new(),
        adhoc: Vec::new(),
        scheduled: !bulk,
        brisk: opts.brisk && !bulk,
    };
    for a in 0..org.accounts.len() {
        for g in 0..org.regions.len() {
            if bulk && (a, g) != (0, 0) {
                continue;
            }
            let first = org.resources.len();
            let mut names = HashSet::new();
            for i in 0..opts.resources_per_account {
                let r = make_resource(&org, a, g, i, &mut names);
                org.resources.push(r);
            }
            let here: Vec<usize> = (first..org.resources.len()).collect();
            if bulk || here.is_empty() {
                continue;
            }
            let key = hash(&[seed, 0x9A7, a as u64, g as u64]);
            let mut prng = Rng::new(key);
            let mut arn = format!(
                "arn:aws:backup:{}:{}:restore-testing-plan:critical_data_restore_test-",
                org.regions[g], org.accounts[a]
            );
            uuid_lower(&mut arn, prng.next_u64(), prng.next_u64());
            org.plans.push(PlanSpec {
                arn,
                period: 6 * HOUR,
                offset: prng.range(0, 6 * HOUR),
                key,
                candidates: here.clone(),
            });
            org.adhoc.push(AdhocSpec {
                key: hash(&[seed, 0xAD0C, a as u64, g as u64]),
                candidates: here,
            });
        }
    }
    org
}

fn make_resource(org: &Org, a: usize, g: usize, i: usize, names: &mut HashSet<String>) -> ResSpec {
    let seed = org.seed;
    let key = hash(&[seed, 0x5E5, a as u64, g as u64, i as u64]);
    let mut rng = Rng::new(key);
    let account = &org.accounts[a];
    let region = &org.regions[g];
    let hostile = a == 0 && g == 0 && i == 0;
    let kind = if hostile {
        Kind::DynamoDb
    } else {
        KINDS[rng.weighted(&KINDS.map(|k| k.1))].0
    };
    let app = *rng.pick(&APPS);
    let env = ["prod", "staging", "dev"][rng.weighted(&[60, 25, 15])];
    let mut base = match kind {
        Kind::Ebs => format!("{app}-{env}-data{}", rng.range(1, 4)),
        Kind::Ec2 => format!("{app}-{env}-{:02}", rng.range(1, 13)),
        Kind::Rds => format!("{app}-{env}-db"),
        Kind::Aurora => format!("{app}-{env}-aurora"),
        Kind::DynamoDb => {
            let t = rng.pick(&["events", "sessions", "state", "locks", "items"]);
            format!("{app}-{env}-{t}")
        }
        Kind::Efs => format!("{app}-{env}-shared"),
        Kind::S3 => {
            let t = rng.pick(&["artifacts", "logs", "exports", "media", "uploads"]);
            format!("acme-{app}-{env}-{t}-{}", &account[8..])
        }
        Kind::FSx => format!("{app}-{env}-fsx"),
        Kind::DocumentDb => format!("{app}-{env}-docdb"),
        Kind::Neptune => format!("{app}-{env}-graph"),
        Kind::Vm => format!("{app}-{env}-vm{:02}", rng.range(1, 13)),
    };
    if hostile {
        base = HOSTILE_NAME.to_owned();
    }
    let mut name = base.clone();
    let mut n = 2;
    while !names.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    let mut arn = String::new();
    let hx = rng.next_u64();
    match kind {
        Kind::Ebs => {
            let _ = write!(arn, "arn:aws:ec2:{region}:{account}:volume/vol-");
            hex_id(&mut arn, hx, 17);
        }
        Kind::Ec2 => {
            let _ = write!(arn, "arn:aws:ec2:{region}:{account}:instance/i-");
            hex_id(&mut arn, hx, 17);
        }
        Kind::Rds => {
            let _ = write!(arn, "arn:aws:rds:{region}:{account}:db:{name}");
        }
        Kind::Aurora | Kind::DocumentDb | Kind::Neptune => {
            let _ = write!(arn, "arn:aws:rds:{region}:{account}:cluster:{name}");
        }
        Kind::DynamoDb => {
            let _ = write!(arn, "arn:aws:dynamodb:{region}:{account}:table/{name}");
        }
        Kind::Efs => {
            let _ = write!(
                arn,
                "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-"
            );
            hex_id(&mut arn, hx, 17);
        }
        Kind::S3 => {
            let _ = write!(arn, "arn:aws:s3:::{name}");
        }
        Kind::FSx => {
            let _ = write!(arn, "arn:aws:fsx:{region}:{account}:file-system/fs-");
            hex_id(&mut arn, hx, 17);
        }
        Kind::Vm => {
            let _ = write!(arn, "arn:aws:backup-gateway:{region}:{account}:vm/vm-");
            hex_id(&mut arn, hx, 17);
        }
    }
    let period = match kind {
        _ if hostile => HOUR,
        Kind::DynamoDb | Kind::Aurora | Kind::Rds if rng.chance(0.5) => HOUR,
        Kind::Ebs if rng.chance(0.2) => HOUR,
        Kind::Efs | Kind::S3 if rng.chance(0.25) => 12 * HOUR,
        _ => DAY,
    };
    let offset = rng.range(0, period);
    let vault = if period == HOUR {
        "prod-hourly"
    } else if env != "prod" {
        "Default"
    } else if matches!(kind, Kind::S3 | Kind::Efs) && rng.chance(0.3) {
        "compliance-vault"
    } else {
        "prod-daily"
    };
    let composite = kind == Kind::Ec2 && rng.chance(0.2);
    let wants_copy = matches!(vault, "prod-daily" | "compliance-vault") && rng.chance(0.5);
    let last = org.accounts.len() - 1;
    let copy_to = if !wants_copy || composite {
        None
    } else if a != last {
        let mut s = String::new();
        vault_arn(&mut s, region, &org.accounts[last], "central-backup-vault");
        Some(s)
    } else if org.regions.len() > 1 {
        let other = &org.regions[(g + 1) % org.regions.len()];
        let mut s = String::new();
        vault_arn(&mut s, other, account, "dr-vault");
        Some(s)
    } else {
        None
    };
    let chronic = (!hostile && rng.chance(0.04)).then(|| failure(kind, &arn, &mut rng));
    let base_size = kind.size_range().map(|(lo, hi)| {
        if hi <= 0.0 {
            0
        } else {
            rng.log_range(lo, hi) as i64
        }
    });
    let prior_age = if chronic.is_some() {
        rng.range(3 * DAY, 10 * DAY)
    } else {
        rng.range(HOUR, DAY)
    };
    ResSpec {
        account: a,
        region: g,
        kind,
        arn,
        name,
        vault,
        period,
        offset,
        composite,
        copy_to,
        chronic,
        base_size,
        prior_age,
        key,
    }
}

/// Why a backup failed: MessageCategory and StatusMessage.
fn failure(kind: Kind, arn: &str, rng: &mut Rng) -> (&'static str, String) {
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

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub state: &'static str,
    pub message: Option<String>,
    pub category: Option<&'static str>,
    pub size: Option<i64>,
}

/// When a job changes state. Backup: CREATED → PENDING → RUNNING (→ ABORTING) → end;
/// copy: CREATED → RUNNING → end; restore: PENDING → RUNNING → end.
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
            SimJobType::Copy if t < tl.running_at => "CREATED",
            _ => "RUNNING",
        }
    }

    /// Nothing about the job will change after `t`.
    pub(crate) fn settled(&self, t: i64) -> bool {
        t >= self.tl.end && self.tl.validation.is_none_or(|(at, _)| t >= at)
    }

    pub(crate) fn rec_at(&self, org: &Org, strs: &mut Interner, t: i64) -> Rec {
        let r = &org.resources[self.resource];
        let ended = t >= self.tl.end;
        let o = &self.tl.outcome;
        let state = self.state_at(t);
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
            size: if ended { o.size } else { None },
            account: strs.intern(&org.accounts[r.account]),
            region: strs.intern(&org.regions[r.region]),
            state: strs.intern(state),
            status_message: match &o.message {
                Some(m) if ended => Some(strs.intern(m)),
                _ => None,
            },
            message_category: match o.category {
                Some(c) if ended && self.ty != SimJobType::Restore => Some(strs.intern(c)),
                _ => None,
            },
            resource_arn: strs.intern(&r.arn),
            resource_type: strs.intern(r.kind.name()),
            resource_name: (self.ty != SimJobType::Restore).then(|| strs.intern(&r.name)),
            vault: Some(strs.intern(r.vault)),
            parent: self.parent.as_deref().map(|p| strs.intern(p)),
            plan: self.plan.as_deref().map(|p| strs.intern(p)),
            validation,
            is_parent: self.is_parent,
            dated: true,
        }
    }
}

fn job_id(rng: &mut Rng) -> JobId {
    JobId::from_hash(rng.next_u64(), rng.next_u64())
}

fn varied_size(base: Option<i64>, rng: &mut Rng) -> Option<i64> {
    let f = 0.9 + 0.2 * rng.unit();
    base.map(|b| (b as f64 * f) as i64)
}

/// Occurrences `k` of a schedule (`k·period + offset`) that fall in `(from, to]`.
fn occurrences(period: i64, offset: i64, from: i64, to: i64) -> impl Iterator<Item = (i64, i64)> {
    let k0 = (from - offset).div_euclid(period) + 1;
    let k1 = (to - offset).div_euclid(period);
    (k0..=k1).map(move |k| (k, k * period + offset))
}

/// Every job whose schedule fired in `(from, to]`, with its copies, children and restores.
pub(crate) fn plan(org: &Org, from: i64, to: i64) -> Vec<Planned> {
    let mut out = Vec::new();
    if !org.scheduled || to <= from {
        return out;
    }
    for (ri, r) in org.resources.iter().enumerate() {
        for (k, base) in occurrences(r.period, r.offset, from, to) {
            backup_occurrence(org, ri, k, base, &mut out);
        }
    }
    for p in &org.plans {
        for (k, base) in occurrences(p.period, p.offset, from, to) {
            let mut rng = Rng::keyed(&[org.seed, 0x7E57, p.key, k as u64]);
            let n = p.candidates.len().min(2);
            let mut picked: Vec<usize> = Vec::new();
            while picked.len() < n {
                let c = *rng.pick(&p.candidates);
                if !picked.contains(&c) {
                    picked.push(c);
                }
            }
            for (i, ri) in picked.into_iter().enumerate() {
                let created = base + 45 * i as i64 + rng.range(0, 30);
                out.push(restore(org, ri, created, &mut rng, Some(&p.arn)));
            }
        }
    }
    let slot = 8 * HOUR;
    for a in &org.adhoc {
        for (k, start) in occurrences(slot, 0, from - slot, to) {
            let mut rng = Rng::keyed(&[org.seed, 0xAD, a.key, k as u64]);
            let created = start + rng.range(0, slot);
            if created <= from || created > to || !rng.chance(0.5) {
                continue;
            }
            let ri = *rng.pick(&a.candidates);
            out.push(restore(org, ri, created, &mut rng, None));
        }
    }
    if org.brisk {
        for (k, base) in occurrences(BRISK_EVERY, 0, from, to) {
            brisk_jobs(org, k, base, &mut out);
        }
    }
    out
}

/// How often demo pace starts its short jobs.
const BRISK_EVERY: i64 = 20;

/// Demo pace: a backup of a random simple resource (and its copy) and a restore, each running
/// seconds instead of hours. Keys are offset so that ids never meet the schedules' own.
fn brisk_jobs(org: &Org, k: i64, base: i64, out: &mut Vec<Planned>) {
    let mut rng = Rng::keyed(&[org.seed, 0xB215C, k as u64]);
    let simple: Vec<usize> = (0..org.resources.len())
        .filter(|&i| !org.resources[i].composite)
        .collect();
    if simple.is_empty() {
        return;
    }
    // Prefer resources whose plan copies them, so that copy jobs move too.
    let copied: Vec<usize> = simple
        .iter()
        .copied()
        .filter(|&i| org.resources[i].copy_to.is_some())
        .collect();
    let pool = if copied.is_empty() { &simple } else { &copied };
    let mut jobs = Vec::new();
    backup_occurrence(org, *rng.pick(pool), k + (1 << 40), base, &mut jobs);
    let mut prev_end = base;
    for p in &mut jobs {
        // The backup first, then its copy once it completed.
        let created = if p.ty == SimJobType::Copy {
            prev_end + 3
        } else {
            base
        };
        let tl = &mut p.tl;
        tl.created = created;
        tl.pending_at = created + 2;
        tl.running_at = created + 5;
        tl.aborting_at = None;
        tl.end = tl.running_at + rng.range(10, 40);
        prev_end = tl.end;
    }
    out.extend(jobs);
    let plan = (!org.plans.is_empty() && rng.chance(0.5)).then(|| {
        org.plans[rng.below(org.plans.len() as u64) as usize]
            .arn
            .clone()
    });
    let mut r = restore(org, *rng.pick(&simple), base + 7, &mut rng, plan.as_deref());
    r.tl.running_at = r.tl.created + 3;
    r.tl.end = r.tl.running_at + rng.range(10, 40);
    if let Some((_, status)) = r.tl.validation {
        r.tl.validation = Some((r.tl.end + rng.range(15, 45), status));
    }
    out.push(r);
}

fn backup_timeline(r: &ResSpec, created: i64, rng: &mut Rng, simple: bool) -> Timeline {
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

fn backup_occurrence(org: &Org, ri: usize, k: i64, base: i64, out: &mut Vec<Planned>) {
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
                }),
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
        });
    }
}

fn restore(org: &Org, ri: usize, created: i64, rng: &mut Rng, plan: Option<&str>) -> Planned {
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
            is_parent: false,
            dated: true,
        });
    }
    store.bulk_append(SimJobType::Backup, recs);
}
