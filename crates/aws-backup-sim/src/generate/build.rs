//! The organization built from the options: accounts, resources, their plans and vaults.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::generate::backup::failure;
use crate::generate::fates::{restore_some, scan_some, stop_some};
use crate::generate::kind::{KINDS, Kind};
use crate::generate::org::{AdhocSpec, DAY, HOSTILE_NAME, HOUR, Org, PlanSpec, ResSpec, RuleSpec};
use crate::model::{hex_id, uuid_lower, vault_arn};
use crate::options::SimOptions;
use crate::rng::{Rng, hash};
use crate::schedule::{cron, last_at};

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

/// The organization of `opts`, for a simulator started at `start`.
pub(crate) fn build_org(opts: &SimOptions, start: i64) -> Org {
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
        start,
        accounts,
        regions,
        resources: Vec::new(),
        plans: Vec::new(),
        stale_plans: Vec::new(),
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
            scan_some(&mut org, &here);
            stop_some(&mut org, &here);
            restore_some(&mut org, &here);
            let key = hash(&[seed, 0x9A7, a as u64, g as u64]);
            let mut prng = Rng::new(key);
            let mut arn = format!(
                "arn:aws:backup:{}:{}:restore-testing-plan:critical_data_restore_test-",
                org.regions[g], org.accounts[a]
            );
            uuid_lower(&mut arn, prng.next_u64(), prng.next_u64());
            // Whole minutes, so that a cron expression can say it.
            let offset = prng.range(0, 6 * 60) * 60;
            let mut plan = PlanSpec {
                account: a,
                region: g,
                name: "critical_data_restore_test",
                arn,
                period: 6 * HOUR,
                offset,
                key,
                candidates: here.clone(),
                created: 0,
                updated: 0,
                window_hours: 1,
                last_run: None,
            };
            dated(&mut plan, start);
            org.plans.push(plan);
            if g == 0 {
                org.stale_plans.push(stale_plan(&org, a, start));
            }
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
    // Whole minutes, so that the rule's cron expression says exactly when it fires.
    let offset = rng.range(0, period / 60) * 60;
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
        rule: rule(vault, period, offset),
        stopped_at: None,
        scanned: false,
        infected: false,
        restore_fails: false,
        old_restore: false,
    }
}

/// When a plan was created and last updated: months before the start.
fn dated(plan: &mut PlanSpec, start: i64) {
    let mut rng = Rng::keyed(&[plan.key, 0xDA7E]);
    plan.created = start - rng.range(60 * DAY, 400 * DAY);
    plan.updated = plan.created + rng.range(DAY, 50 * DAY);
}

/// An account's daily restore testing plan in its first region that stopped running three
/// days before the start: the plan an alert on LastExecutionTime exists for.
fn stale_plan(org: &Org, a: usize, start: i64) -> PlanSpec {
    let key = hash(&[org.seed, 0x57A1E, a as u64]);
    let mut rng = Rng::new(key);
    let mut arn = format!(
        "arn:aws:backup:{}:{}:restore-testing-plan:daily_archive_restore_test-",
        org.regions[0], org.accounts[a]
    );
    uuid_lower(&mut arn, rng.next_u64(), rng.next_u64());
    let offset = rng.range(0, 24 * 60) * 60;
    let mut plan = PlanSpec {
        account: a,
        region: 0,
        name: "daily_archive_restore_test",
        arn,
        period: DAY,
        offset,
        key,
        candidates: Vec::new(),
        created: 0,
        updated: 0,
        window_hours: 4,
        last_run: Some(last_at(DAY, offset, start) - 3 * DAY),
    };
    dated(&mut plan, start - 3 * DAY);
    plan
}

/// The rule of a resource's schedule, in a plan per vault (how AWS Backup users usually
/// organize them): one rule per distinct schedule.
fn rule(vault: &str, period: i64, offset: i64) -> RuleSpec {
    let plan = match vault {
        "prod-hourly" => "prod-hourly-backups",
        "prod-daily" => "prod-daily-backups",
        "compliance-vault" => "compliance-backups",
        _ => "default-backups",
    };
    let (h, m) = (offset / HOUR, offset % HOUR / 60);
    let name = match period {
        HOUR => format!("hourly-at-{m:02}"),
        p if p == 12 * HOUR => format!("twice-daily-{h:02}{m:02}"),
        _ => format!("daily-{h:02}{m:02}"),
    };
    RuleSpec {
        plan,
        name,
        cron: cron(period, offset).expect("generated periods divide a day"),
    }
}
