//! The inventory and per-resource families end to end through the real SDK: vaults, restore
//! testing plans, schedule-aware freshness, scan results, job summaries, watched resources,
//! a denied inventory read, and a restore started through StartRestoreJob. Every expected
//! value is worked out here from the simulator's own ground truth.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use aws_backup_exporter::config::Target;
use aws_backup_sim::{Faults, SimCreatedBy, SimJob, SimJobType, Simulator};
use common::*;

const LOOKBACK: f64 = 24.0 * 3600.0;
const DAY: i64 = 86_400;
const USE1: &str = "us-east-1";
const EUW1: &str = "eu-west-1";

/// Every sample of `name` matching `matching`, zeros included, keyed by the values of `keys`;
/// a label set that shows up twice fails the test.
fn series(
    m: &Exposition,
    name: &str,
    matching: &[(&str, &str)],
    keys: &[&str],
) -> BTreeMap<Vec<String>, f64> {
    let mut out = BTreeMap::new();
    for s in m.select(name, matching) {
        let k: Vec<String> = keys
            .iter()
            .map(|k| s.labels.get(*k).cloned().unwrap_or_default())
            .collect();
        assert!(
            out.insert(k.clone(), s.value).is_none(),
            "{name}: {k:?} twice"
        );
    }
    out
}

/// Every sample of `name`, by its whole label set.
fn samples(m: &Exposition, name: &str) -> BTreeMap<BTreeMap<String, String>, f64> {
    let out: BTreeMap<_, _> = m
        .select(name, &[])
        .map(|s| (s.labels.clone(), s.value))
        .collect();
    assert!(!out.is_empty(), "no {name}");
    out
}

fn key(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn success(m: &Exposition, target: &str, collector: &str) -> Option<f64> {
    m.get(
        "aws_backup_exporter_collection_success",
        &[("target", target), ("collector", collector)],
    )
}

/// The longest gap between consecutive runs of a daily-repeating AWS cron
/// `cron(M H ? * * *)`: `*` hours is hourly, one hour daily, a list of hours the longest gap
/// between them, across midnight included.
fn cron_interval(cron: &str) -> f64 {
    let fields: Vec<&str> = cron
        .strip_prefix("cron(")
        .and_then(|c| c.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not a cron: {cron}"))
        .split_whitespace()
        .collect();
    assert_eq!(fields.len(), 6, "{cron}");
    assert!(fields[0].parse::<u32>().is_ok(), "{cron}: one minute");
    assert_eq!(&fields[2..], ["?", "*", "*", "*"], "{cron}: every day");
    if fields[1] == "*" {
        return 3600.0;
    }
    let mut hours: Vec<i64> = fields[1]
        .split(',')
        .map(|h| h.parse().unwrap_or_else(|_| panic!("{cron}: hours")))
        .collect();
    hours.sort_unstable();
    let wrap = hours[0] + 24 - hours[hours.len() - 1];
    let longest = hours
        .windows(2)
        .map(|w| w[1] - w[0])
        .chain([wrap])
        .max()
        .unwrap();
    (longest * 3600) as f64
}

#[test]
fn cron_intervals_are_worked_out_from_the_hours() {
    assert_eq!(cron_interval("cron(17 * ? * * *)"), 3600.0);
    assert_eq!(cron_interval("cron(5 3,15 ? * * *)"), 43_200.0);
    assert_eq!(cron_interval("cron(0 2,8 ? * * *)"), 64_800.0);
    assert_eq!(cron_interval("cron(0 20,2 ? * * *)"), 64_800.0);
    assert_eq!(cron_interval("cron(0 5,11,17,23 ? * * *)"), 21_600.0);
    assert_eq!(cron_interval("cron(59 23 ? * * *)"), 86_400.0);
}

/// Non-parent jobs of `t` in `region` that ended within the lookback.
fn ended(jobs: &[SimJob], t: SimJobType, region: &str) -> Vec<SimJob> {
    jobs.iter()
        .filter(|j| {
            j.job_type == t
                && j.region == region
                && !j.is_parent
                && j.completion_date
                    .is_some_and(|c| c as f64 > now() - LOOKBACK)
        })
        .cloned()
        .collect()
}

/// (account_id, resource_type, resource_arn) of a job.
fn resource_key(j: &SimJob) -> Vec<String> {
    vec![
        j.account_id.clone(),
        j.resource_type.clone(),
        j.resource_arn.clone(),
    ]
}

const RESOURCE_KEYS: [&str; 3] = ["account_id", "resource_type", "resource_arn"];

/// The median gap between sorted completions, when there are at least three.
fn median_gap(completions: &[i64]) -> Option<f64> {
    if completions.len() < 3 {
        return None;
    }
    let mut gaps: Vec<i64> = completions.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_unstable();
    let n = gaps.len();
    Some(if n % 2 == 1 {
        gaps[n / 2] as f64
    } else {
        (gaps[n / 2 - 1] + gaps[n / 2]) as f64 / 2.0
    })
}

/// Per backup resource of `region`, what the freshness families must say: the newest
/// COMPLETED backup's CompletionDate, and the expected interval with its source (the cron of
/// the newest backup job naming a rule; without one, or with `schedules` off, the median gap
/// of at least three completed backups).
#[allow(clippy::type_complexity)]
fn expected_freshness(
    jobs: &[SimJob],
    region: &str,
    schedules: bool,
) -> (
    BTreeMap<Vec<String>, f64>,
    BTreeMap<Vec<String>, f64>,
    BTreeMap<Vec<String>, String>,
) {
    let mut by_resource: BTreeMap<Vec<String>, Vec<SimJob>> = BTreeMap::new();
    for j in ended(jobs, SimJobType::Backup, region) {
        by_resource.entry(resource_key(&j)).or_default().push(j);
    }
    let (mut last_success, mut interval, mut crons) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for (k, mut js) in by_resource {
        js.sort_by_key(|j| j.completion_date);
        let mut completed: Vec<i64> = js
            .iter()
            .filter(|j| j.state == "COMPLETED")
            .map(|j| j.completion_date.unwrap())
            .collect();
        completed.sort_unstable();
        if let Some(&c) = completed.last() {
            last_success.insert(k.clone(), c as f64);
        }
        let cron = js
            .iter()
            .rev()
            .find_map(|j| j.created_by.as_ref())
            .map(|c| c.cron.clone())
            .filter(|_| schedules);
        let mut with_source = k.clone();
        match cron {
            Some(cron) => {
                with_source.push("schedule".into());
                interval.insert(with_source, cron_interval(&cron));
                crons.insert(k, cron);
            }
            None => {
                if let Some(gap) = median_gap(&completed) {
                    with_source.push("history".into());
                    interval.insert(with_source, gap);
                }
            }
        }
    }
    (last_success, interval, crons)
}

fn scraped_freshness(
    m: &Exposition,
    region: &str,
) -> (BTreeMap<Vec<String>, f64>, BTreeMap<Vec<String>, f64>) {
    let last_success = series(
        m,
        "aws_backup_resource_last_success_timestamp_seconds",
        &[("region", region), ("job_type", "backup")],
        &RESOURCE_KEYS,
    );
    let interval = series(
        m,
        "aws_backup_resource_backup_interval_seconds",
        &[("region", region)],
        &["account_id", "resource_type", "resource_arn", "source"],
    );
    (last_success, interval)
}

// 1. Vaults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vaults_are_exactly_each_target_accounts_own_in_its_region_retention_in_seconds() {
    let opts = sim_options(41);
    let probe = Simulator::new(opts.clone(), now() as i64);
    let last = probe.accounts().last().unwrap().clone();
    let mut cfg = test_config();
    cfg.targets = vec![
        Target {
            name: "org-use1".into(),
            region: Some(USE1.into()),
            account_id: Some("*".into()),
            ..Target::default()
        },
        // The last account holds the central vault the others copy to.
        Target {
            name: "last-euw1".into(),
            region: Some(EUW1.into()),
            role_arn: Some(format!("arn:aws:iam::{last}:role/aws-backup-exporter")),
            ..Target::default()
        },
    ];
    let mut h = Harness::start(opts, cfg).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let mgmt = h.sim.management_account();
    let all = h.sim.vaults();
    let mut total = 0;
    for (region, account) in [(USE1, mgmt.as_str()), (EUW1, last.as_str())] {
        let want: Vec<_> = all
            .iter()
            .filter(|v| v.region == region && v.account_id == account)
            .collect();
        total += want.len();
        assert!(
            want.iter()
                .any(|v| v.vault_type == "LOGICALLY_AIR_GAPPED_BACKUP_VAULT" && v.locked),
            "the simulator has a locked air-gapped vault in {region}"
        );
        assert!(want.iter().any(|v| v.locked && v.lock_date.is_none()));
        assert!(want.iter().any(|v| !v.locked));
        let r = [("region", region)];
        let name =
            |v: &aws_backup_sim::SimVault| vec![account.to_owned(), v.backup_vault_name.clone()];
        let keys = ["account_id", "vault_name"];

        let info: BTreeMap<Vec<String>, f64> = want
            .iter()
            .map(|v| {
                let mut k = name(v);
                k.extend([
                    v.vault_type.clone(),
                    v.vault_state.clone(),
                    v.encryption_key_type.clone(),
                ]);
                (k, 1.0)
            })
            .collect();
        assert_eq!(
            series(
                &m,
                "aws_backup_vault_info",
                &r,
                &[
                    "account_id",
                    "vault_name",
                    "vault_type",
                    "vault_state",
                    "encryption_key_type"
                ]
            ),
            info,
            "{region}"
        );
        let points: BTreeMap<_, _> = want
            .iter()
            .map(|v| (name(v), v.number_of_recovery_points as f64))
            .collect();
        assert_eq!(
            series(&m, "aws_backup_vault_recovery_points", &r, &keys),
            points
        );
        let locked: BTreeMap<_, _> = want
            .iter()
            .map(|v| (name(v), f64::from(u8::from(v.locked))))
            .collect();
        assert_eq!(series(&m, "aws_backup_vault_locked", &r, &keys), locked);
        let lock_date: BTreeMap<_, _> = want
            .iter()
            .filter_map(|v| Some((name(v), v.lock_date? as f64)))
            .collect();
        assert!(!lock_date.is_empty());
        assert_eq!(
            series(
                &m,
                "aws_backup_vault_lock_date_timestamp_seconds",
                &r,
                &keys
            ),
            lock_date
        );
        // AWS says days; the exporter says seconds.
        let days = |f: fn(&aws_backup_sim::SimVault) -> Option<i64>| -> BTreeMap<_, _> {
            want.iter()
                .filter_map(|v| Some((name(v), (f(v)? * DAY) as f64)))
                .collect()
        };
        let min = days(|v| v.min_retention_days);
        let max = days(|v| v.max_retention_days);
        assert!(max.len() < min.len() && !max.is_empty(), "{min:?} {max:?}");
        assert_eq!(
            series(&m, "aws_backup_vault_min_retention_seconds", &r, &keys),
            min
        );
        assert_eq!(
            series(&m, "aws_backup_vault_max_retention_seconds", &r, &keys),
            max
        );
        let airgapped = key(&[account, "airgapped-vault"]);
        assert_eq!(min[&airgapped], 7.0 * 86_400.0);
        assert_eq!(max[&airgapped], 90.0 * 86_400.0);
    }
    // Nothing of any other account or region.
    assert_eq!(m.select("aws_backup_vault_info", &[]).count(), total);
    assert_eq!(
        m.select("aws_backup_vault_recovery_points", &[]).count(),
        total
    );
    let central = key(&[&last, "central-backup-vault"]);
    assert!(
        series(
            &m,
            "aws_backup_vault_recovery_points",
            &[("region", EUW1)],
            &["account_id", "vault_name"]
        )
        .contains_key(&central)
    );
    for t in ["org-use1", "last-euw1"] {
        assert_eq!(success(&m, t, "vaults"), Some(1.0));
    }
}

// 2. Restore testing plans

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_testing_plans_show_their_last_run_and_their_schedules_interval() {
    let opts = sim_options(42);
    let probe = Simulator::new(opts.clone(), now() as i64);
    let member = probe.accounts()[1].clone();
    let mut cfg = test_config();
    cfg.targets = vec![
        Target {
            name: "org-use1".into(),
            region: Some(USE1.into()),
            account_id: Some("*".into()),
            ..Target::default()
        },
        Target {
            name: "member-euw1".into(),
            region: Some(EUW1.into()),
            role_arn: Some(format!("arn:aws:iam::{member}:role/aws-backup-exporter")),
            ..Target::default()
        },
    ];
    let mut h = Harness::start(opts, cfg).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let mgmt = h.sim.management_account();
    let plans = h.sim.restore_testing_plans();
    let keys = ["account_id", "plan_name"];
    let mut total = 0;
    for (region, account, names) in [
        (
            USE1,
            mgmt.as_str(),
            vec!["critical_data_restore_test", "daily_archive_restore_test"],
        ),
        // Not the account's first region: no stale daily plan there.
        (EUW1, member.as_str(), vec!["critical_data_restore_test"]),
    ] {
        let want: Vec<_> = plans
            .iter()
            .filter(|p| p.region == region && p.account_id == account)
            .collect();
        total += want.len();
        let got_names: BTreeSet<&str> = want
            .iter()
            .map(|p| p.restore_testing_plan_name.as_str())
            .collect();
        assert_eq!(got_names, names.iter().copied().collect());
        let r = [("region", region)];
        let last: BTreeMap<_, _> = want
            .iter()
            .filter_map(|p| {
                Some((
                    key(&[account, &p.restore_testing_plan_name]),
                    p.last_execution_time? as f64,
                ))
            })
            .collect();
        assert_eq!(last.len(), want.len(), "every plan here has run");
        assert_eq!(
            series(
                &m,
                "aws_backup_restore_testing_plan_last_execution_timestamp_seconds",
                &r,
                &keys
            ),
            last
        );
        let interval: BTreeMap<_, _> = want
            .iter()
            .map(|p| {
                (
                    key(&[account, &p.restore_testing_plan_name]),
                    cron_interval(&p.schedule_expression),
                )
            })
            .collect();
        let got = series(
            &m,
            "aws_backup_restore_testing_plan_interval_seconds",
            &r,
            &keys,
        );
        assert_eq!(got, interval);
        assert_eq!(
            got[&key(&[account, "critical_data_restore_test"])],
            21_600.0
        );
        if region == USE1 {
            let stale = key(&[account, "daily_archive_restore_test"]);
            assert_eq!(got[&stale], 86_400.0);
            // It stopped three days before the start: what an alert on it reads.
            assert!(h.sim.now() as f64 - last[&stale] >= 3.0 * 86_400.0);
            let fresh = key(&[account, "critical_data_restore_test"]);
            assert!(h.sim.now() as f64 - last[&fresh] <= 21_600.0);
        }
    }
    assert_eq!(
        m.select(
            "aws_backup_restore_testing_plan_last_execution_timestamp_seconds",
            &[]
        )
        .count(),
        total
    );
    assert_eq!(success(&m, "org-use1", "restore_testing_plans"), Some(1.0));
    assert_eq!(
        success(&m, "member-euw1", "restore_testing_plans"),
        Some(1.0)
    );
}

// 3. Schedule-aware freshness

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_intervals_come_from_each_resources_newest_rule_and_stopped_ones_are_overdue() {
    let mut h = Harness::start(sim_options(43), test_config()).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let (want_success, want_interval, crons) = expected_freshness(&h.sim.jobs(), USE1, true);
    let (got_success, got_interval) = scraped_freshness(&m, USE1);
    assert!(want_success.len() > 50);
    assert_eq!(got_success, want_success);
    assert_eq!(got_interval, want_interval);
    let sources: BTreeSet<&str> = want_interval.keys().map(|k| k[3].as_str()).collect();
    assert_eq!(sources, BTreeSet::from(["schedule"]));
    // Hourly, twice-daily and daily rules are all there.
    let seen: BTreeSet<i64> = want_interval.values().map(|&v| v as i64).collect();
    for i in [3600, 43_200, 86_400] {
        assert!(seen.contains(&i), "no {i} s rule among {seen:?}");
    }
    assert!(crons.values().any(|c| c.contains(',')));

    // The resources whose schedule stopped: hourly, overdue against 1.5 intervals.
    let stopped: Vec<_> = h
        .sim
        .resources()
        .into_iter()
        .filter(|r| r.stopped && r.region == USE1)
        .collect();
    assert!(stopped.len() >= h.sim.accounts().len());
    for r in &stopped {
        let k = key(&[&r.account_id, &r.resource_type, &r.resource_arn]);
        let mut ks = k.clone();
        ks.push("schedule".into());
        assert_eq!(got_interval.get(&ks), Some(&3600.0), "{}", r.resource_arn);
        let last = got_success[&k];
        assert!(
            now() - last > 1.5 * 3600.0,
            "{}: last success {:.0} s ago",
            r.resource_arn,
            now() - last
        );
    }

    // A daily resource's newest backup now comes from a rule at 02:00 and 08:00: the
    // longest gap, 18 hours, not the average.
    let daily = crons
        .iter()
        .find(|(_, c)| cron_interval(c) == 86_400.0)
        .map(|(k, _)| k.clone())
        .unwrap();
    let template = ended(&h.sim.jobs(), SimJobType::Backup, USE1)
        .into_iter()
        .find(|j| resource_key(j) == daily)
        .unwrap();
    let t = now() as i64 - 30;
    h.sim.insert(SimJob {
        created_by: Some(SimCreatedBy {
            plan_name: "uneven-backups".into(),
            rule_name: "twice-at-02-and-08".into(),
            cron: "cron(0 2,8 ? * * *)".into(),
            timezone: "Etc/UTC".into(),
        }),
        ..new_backup_job(&template, "uneven-1", "COMPLETED", t)
    });
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let (got_success, got_interval) = scraped_freshness(&m, USE1);
    let mut ks = daily.clone();
    ks.push("schedule".into());
    assert_eq!(got_interval[&ks], 64_800.0);
    assert_eq!(got_success[&daily], t as f64);
    let (want_success, want_interval, _) = expected_freshness(&h.sim.jobs(), USE1, true);
    assert_eq!(got_success, want_success);
    assert_eq!(got_interval, want_interval);

    // On-demand backups name no rule: the interval is the median gap of the completed ones
    // (four gaps: the mean of the middle two), once there are three; a failed one is no gap.
    // All within the overlap, which the next read re-reads.
    let on_demand = |arn: &str, id: &str, state: &str, completion: i64| SimJob {
        resource_arn: arn.to_owned(),
        created_by: None,
        ..new_backup_job(&template, id, state, completion)
    };
    let (five, two) = (
        format!("{}-on-demand-5", template.resource_arn),
        format!("{}-on-demand-2", template.resource_arn),
    );
    let t0 = now() as i64 - 600;
    for (i, at) in [0, 50, 300, 400, 550].into_iter().enumerate() {
        h.sim
            .insert(on_demand(&five, &format!("od5-{i}"), "COMPLETED", t0 + at));
    }
    h.sim
        .insert(on_demand(&five, "od5-failed", "FAILED", t0 + 580));
    for (i, at) in [0, 200].into_iter().enumerate() {
        h.sim
            .insert(on_demand(&two, &format!("od2-{i}"), "COMPLETED", t0 + at));
    }
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let (got_success, got_interval) = scraped_freshness(&m, USE1);
    let at = |arn: &str, source: Option<&str>| {
        let mut k = key(&[&template.account_id, &template.resource_type, arn]);
        k.extend(source.map(str::to_owned));
        k
    };
    assert_eq!(got_interval.get(&at(&five, Some("history"))), Some(&125.0));
    assert_eq!(got_interval.get(&at(&five, Some("schedule"))), None);
    assert_eq!(got_success[&at(&five, None)], (t0 + 550) as f64);
    assert_eq!(got_success[&at(&two, None)], (t0 + 200) as f64);
    assert!(!got_interval.keys().any(|k| k[2] == two));
    let (want_success, want_interval, _) = expected_freshness(&h.sim.jobs(), USE1, true);
    assert_eq!(got_success, want_success);
    assert_eq!(got_interval, want_interval);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_schedules_the_interval_is_the_median_gap_of_at_least_three_backups() {
    let mut cfg = test_config();
    cfg.schedules.enabled = false;
    let mut h = Harness::start(sim_options(44), cfg).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let jobs = h.sim.jobs();
    let (want_success, want_interval, _) = expected_freshness(&jobs, USE1, false);
    let (got_success, got_interval) = scraped_freshness(&m, USE1);
    assert_eq!(got_success, want_success);
    assert_eq!(got_interval, want_interval);
    let sources: BTreeSet<&str> = got_interval.keys().map(|k| k[3].as_str()).collect();
    assert_eq!(sources, BTreeSet::from(["history"]));
    // Hourly resources learn about an hour; daily ones (fewer than three backups in 20 h of
    // history) mostly learn nothing.
    assert!(
        got_interval
            .values()
            .any(|&v| (3000.0..4200.0).contains(&v))
    );
    assert!(got_interval.len() < want_success.len());
    let (_, scheduled, _) = expected_freshness(&jobs, USE1, true);
    let daily: Vec<_> = scheduled
        .iter()
        .filter(|(_, v)| **v == 86_400.0)
        .map(|(k, _)| k[..3].to_vec())
        .collect();
    assert!(!daily.is_empty());
    // Most daily resources learn nothing (on-demand backups can give a few of them three).
    let unlearned = daily
        .iter()
        .filter(|k| {
            let mut ks = k.to_vec();
            ks.push("history".into());
            !got_interval.contains_key(&ks)
        })
        .count();
    assert!(
        2 * unlearned > daily.len(),
        "{unlearned} of {}",
        daily.len()
    );
}

// 4. Scan jobs

fn expected_scan_results(jobs: &[SimJob], region: &str) -> BTreeMap<Vec<String>, f64> {
    let mut out = BTreeMap::new();
    for j in ended(jobs, SimJobType::Scan, region) {
        let Some(status) = &j.scan_result_status else {
            continue;
        };
        let k = vec![
            j.account_id.clone(),
            j.resource_type.clone(),
            j.malware_scanner.clone().unwrap_or_default(),
            status.clone(),
        ];
        *out.entry(k).or_insert(0.0) += 1.0;
    }
    out
}

/// Per resource: 1 if its newest completed scan (COMPLETED or COMPLETED_WITH_ISSUES, with a
/// result) within the lookback found threats, else 0.
fn expected_threats(jobs: &[SimJob], region: &str) -> BTreeMap<Vec<String>, f64> {
    let mut newest: BTreeMap<Vec<String>, (i64, bool)> = BTreeMap::new();
    for j in ended(jobs, SimJobType::Scan, region) {
        if !matches!(j.state.as_str(), "COMPLETED" | "COMPLETED_WITH_ISSUES") {
            continue;
        }
        let Some(status) = &j.scan_result_status else {
            continue;
        };
        let c = j.completion_date.unwrap();
        let found = status == "THREATS_FOUND";
        let e = newest.entry(resource_key(&j)).or_insert((c, found));
        if c > e.0 {
            *e = (c, found);
        }
    }
    newest
        .into_iter()
        .map(|(k, (_, found))| (k, f64::from(u8::from(found))))
        .collect()
}

fn assert_scans_match(h: &Harness, m: &Exposition) {
    let jobs = h.sim.jobs();
    let scans: Vec<SimJob> = jobs
        .iter()
        .filter(|j| j.job_type == SimJobType::Scan)
        .cloned()
        .collect();
    let want = expected_jobs(&scans, USE1, now() - LOOKBACK);
    assert!(!want.is_empty());
    assert_eq!(
        m.by(
            "aws_backup_jobs",
            &[("region", USE1), ("job_type", "scan")],
            &JOB_KEYS
        ),
        want
    );
    assert_eq!(
        series(
            m,
            "aws_backup_scan_results",
            &[("region", USE1)],
            &[
                "account_id",
                "resource_type",
                "malware_scanner",
                "scan_result_status"
            ]
        ),
        expected_scan_results(&jobs, USE1)
    );
    assert_eq!(
        series(
            m,
            "aws_backup_resource_last_scan_threats_found",
            &[("region", USE1)],
            &RESOURCE_KEYS
        ),
        expected_threats(&jobs, USE1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_results_count_completed_scans_and_threats_follow_the_newest_completed_one() {
    let mut h = Harness::start(sim_options(45), test_config()).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_scans_match(&h, &m);
    let results = expected_scan_results(&h.sim.jobs(), USE1);
    let statuses: BTreeSet<&str> = results.keys().map(|k| k[3].as_str()).collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["NO_THREATS_FOUND", "THREATS_FOUND"])
    );
    assert!(results.keys().all(|k| k[2] == "GUARDDUTY"));
    let threats = expected_threats(&h.sim.jobs(), USE1);
    assert!(threats.values().any(|&v| v == 1.0));
    assert!(threats.values().any(|&v| v == 0.0));
    assert_eq!(success(&m, "sim", "scan"), Some(1.0));

    // An infected resource: a newer FAILED scan changes nothing, a newer clean one clears it.
    let infected = threats.iter().find(|(_, v)| **v == 1.0).unwrap().0.clone();
    let template = ended(&h.sim.jobs(), SimJobType::Scan, USE1)
        .into_iter()
        .find(|j| resource_key(j) == infected && j.scan_result_status.is_some())
        .unwrap();
    let t = now() as i64 - 60;
    h.sim.insert(SimJob {
        job_id: "scan-failed-1".into(),
        state: "FAILED".into(),
        scan_result_status: None,
        creation_date: Some(t - 300),
        completion_date: Some(t),
        ..template.clone()
    });
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_scans_match(&h, &m);
    let labels = |k: &[String]| {
        vec![
            ("region", USE1.to_owned()),
            ("account_id", k[0].clone()),
            ("resource_type", k[1].clone()),
            ("resource_arn", k[2].clone()),
        ]
    };
    let threats_of = |m: &Exposition| {
        let l = labels(&infected);
        let l: Vec<(&str, &str)> = l.iter().map(|(a, b)| (*a, b.as_str())).collect();
        m.get("aws_backup_resource_last_scan_threats_found", &l)
    };
    assert_eq!(threats_of(&m), Some(1.0));
    let clean_before = m.sum(
        "aws_backup_scan_results",
        &[("region", USE1), ("scan_result_status", "NO_THREATS_FOUND")],
    );
    h.sim.insert(SimJob {
        job_id: "scan-clean-1".into(),
        state: "COMPLETED".into(),
        scan_result_status: Some("NO_THREATS_FOUND".into()),
        creation_date: Some(t - 200),
        completion_date: Some(t + 30),
        ..template.clone()
    });
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_scans_match(&h, &m);
    assert_eq!(threats_of(&m), Some(0.0));
    assert_eq!(
        m.sum(
            "aws_backup_scan_results",
            &[("region", USE1), ("scan_result_status", "NO_THREATS_FOUND")],
        ),
        clean_before + 1.0
    );
    // Both new scans were seen after start-up: the counter has them, once each.
    assert_eq!(
        m.sum("aws_backup_jobs_finished_total", &[("job_type", "scan")]),
        2.0
    );
}

// 5. Job summaries

/// What `aws_backup_job_summary_jobs` must say for `region`: the backup, restore and copy jobs
/// of `accounts` (all when `None`) created within 7 and 14 days before the simulator's now,
/// parents included. Keyed by (job_type, account_id, resource_type, state, message_category,
/// period).
fn expected_summaries(
    jobs: &[SimJob],
    region: &str,
    account: Option<&str>,
    sim_now: i64,
) -> BTreeMap<Vec<String>, f64> {
    let mut out = BTreeMap::new();
    for j in jobs {
        if j.job_type == SimJobType::Scan
            || j.region != region
            || account.is_some_and(|a| a != j.account_id)
        {
            continue;
        }
        let Some(created) = j.creation_date.or(j.completion_date) else {
            continue;
        };
        for (days, period) in [(7, "7d"), (14, "14d")] {
            if created > sim_now - days * DAY && created <= sim_now {
                let k = vec![
                    job_type_name(&j.job_type).to_owned(),
                    j.account_id.clone(),
                    j.resource_type.clone(),
                    j.state.clone(),
                    j.message_category.clone().unwrap_or_default(),
                    period.to_owned(),
                ];
                *out.entry(k).or_insert(0.0) += 1.0;
            }
        }
    }
    out
}

const SUMMARY_KEYS: [&str; 6] = [
    "job_type",
    "account_id",
    "resource_type",
    "state",
    "message_category",
    "period",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_summaries_per_account_for_the_organization_and_own_account_otherwise() {
    let sim_now = now() as i64;
    let opts = sim_options(46);
    let mut cfg = test_config();
    cfg.summaries.enabled = true;
    cfg.targets.push(Target {
        name: "own-euw1".into(),
        region: Some(EUW1.into()),
        ..Target::default()
    });
    let mut h = Harness::start_at(opts, cfg, sim_now).await;
    let mgmt = h.sim.management_account();
    let member = h.sim.accounts()[1].clone();
    // Jobs from 3 and 10 days ago, before the 20-hour history: in the summaries only, and 10
    // days only in the 14-day one.
    let jobs = h.sim.jobs();
    let mut inserted = 0;
    for t in [SimJobType::Backup, SimJobType::Restore, SimJobType::Copy] {
        for (region, account) in [
            (USE1, &mgmt),
            (USE1, &member),
            (EUW1, &mgmt),
            (EUW1, &member),
        ] {
            let template = jobs
                .iter()
                .find(|j| {
                    j.job_type == t
                        && j.region == region
                        && &j.account_id == account
                        && !j.is_parent
                        && j.completion_date.is_some()
                })
                .unwrap();
            for (i, (days, state)) in [(3, "COMPLETED"), (10, "FAILED"), (10, "COMPLETED")]
                .into_iter()
                .enumerate()
            {
                let created = sim_now - days * DAY - 3600;
                h.sim.insert(SimJob {
                    job_id: format!("old-{}-{region}-{account}-{i}", job_type_name(&t)),
                    state: state.into(),
                    message_category: template.message_category.as_ref().map(|_| {
                        if state == "COMPLETED" {
                            "SUCCESS"
                        } else {
                            "ACCESS_DENIED"
                        }
                        .into()
                    }),
                    creation_date: Some(created),
                    completion_date: Some(created + 900),
                    restore_testing_plan_arn: None,
                    validation_status: None,
                    ..template.clone()
                });
                inserted += 1;
            }
        }
    }
    assert_eq!(inserted, 36);
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let jobs = h.sim.jobs();

    let org = expected_summaries(&jobs, USE1, None, sim_now);
    let got_org = series(
        &m,
        "aws_backup_job_summary_jobs",
        &[("region", USE1)],
        &SUMMARY_KEYS,
    );
    assert_eq!(got_org, org);
    let accounts: BTreeSet<&str> = got_org.keys().map(|k| k[1].as_str()).collect();
    assert_eq!(
        accounts,
        h.sim.accounts().iter().map(String::as_str).collect()
    );
    let own = expected_summaries(&jobs, EUW1, Some(&mgmt), sim_now);
    let got_own = series(
        &m,
        "aws_backup_job_summary_jobs",
        &[("region", EUW1)],
        &SUMMARY_KEYS,
    );
    assert_eq!(got_own, own);
    let accounts: BTreeSet<&str> = got_own.keys().map(|k| k[1].as_str()).collect();
    assert_eq!(accounts, BTreeSet::from([mgmt.as_str()]));
    // The periods differ by exactly the jobs created 7 to 14 days ago: ours from 10 days ago,
    // and the simulator's own older restores.
    for (region, got) in [(USE1, &got_org), (EUW1, &got_own)] {
        let total = |t: &str, period: &str| -> f64 {
            got.iter()
                .filter(|(k, _)| k[0] == t && k[5] == period)
                .map(|(_, v)| v)
                .sum()
        };
        let (account, per_account) = match region {
            USE1 => (None, 2),
            _ => (Some(mgmt.as_str()), 1),
        };
        for t in [SimJobType::Backup, SimJobType::Restore, SimJobType::Copy] {
            let older = jobs
                .iter()
                .filter(|j| {
                    j.job_type == t
                        && j.region == region
                        && account.is_none_or(|a| a == j.account_id)
                        && j.creation_date
                            .is_some_and(|c| c > sim_now - 14 * DAY && c <= sim_now - 7 * DAY)
                })
                .count();
            assert!(older >= 2 * per_account, "{region} {t:?}: {older}");
            let name = job_type_name(&t);
            assert_eq!(
                total(name, "14d") - total(name, "7d"),
                older as f64,
                "{region} {name}"
            );
        }
        // Restores have no message category.
        assert!(
            got.keys()
                .filter(|k| k[0] == "restore")
                .all(|k| k[4].is_empty())
        );
        assert!(got.keys().any(|k| k[0] == "backup" && !k[4].is_empty()));
        // Never AWS's pseudo-values.
        assert!(
            got.keys()
                .flatten()
                .all(|v| v != "ANY" && v != "AGGREGATE_ALL")
        );
    }
    for t in ["sim", "own-euw1"] {
        assert_eq!(success(&m, t, "summaries"), Some(1.0));
    }
    // Nothing else moved: the old jobs are outside the lookback.
    assert_eq!(
        m.by("aws_backup_jobs", &[("region", USE1)], &JOB_KEYS),
        expected_jobs(&jobs, USE1, now() - LOOKBACK)
    );
}

// 6. Watched resources

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_resources_show_their_newest_completed_restore_from_their_whole_history() {
    // Seed 46 restores the resource with the hostile name (quotes, a backslash, a newline and
    // unicode in its ARN); seed 49 an S3 bucket, whose ARN names no account.
    for (seed, arn_has_account) in [(46, true), (49, false)] {
        watched_case(seed, arn_has_account).await;
    }
}

async fn watched_case(seed: u64, arn_has_account: bool) {
    let opts = sim_options(seed);
    let probe = Simulator::new(opts.clone(), now() as i64);
    let mgmt = probe.management_account();
    let (restored, never) = probe.restore_examples(&mgmt, USE1);
    let (restored, never) = (restored.unwrap(), never.unwrap());
    assert_eq!(restored.contains(&mgmt), arn_has_account, "{restored}");
    let mut cfg = test_config();
    cfg.targets[0].watch_resources = vec![restored.clone(), never.clone()];
    let mut h = Harness::start(opts, cfg).await;
    let restores_of = |sim: &Simulator, arn: &str| -> Vec<SimJob> {
        sim.jobs()
            .into_iter()
            .filter(|j| {
                j.job_type == SimJobType::Restore
                    && j.region == USE1
                    && j.account_id == mgmt
                    && j.resource_arn == arn
            })
            .collect()
    };
    // The newest COMPLETED restore of the whole history: (its job, CompletionDate, duration).
    let newest_completed = |sim: &Simulator| {
        let j = restores_of(sim, &restored)
            .into_iter()
            .filter(|j| j.state == "COMPLETED" && j.completion_date.is_some())
            .max_by_key(|j| j.completion_date)
            .expect("restored once");
        let c = j.completion_date.unwrap();
        let d = c - j.creation_date.unwrap();
        (j, c as f64, d as f64)
    };
    let (template, first, _) = newest_completed(&h.sim);
    // 20 days before the start: only the whole-history read sees it.
    assert!(
        first < now() - LOOKBACK,
        "its newest completed restore is inside the lookback"
    );
    assert!(first < (h.sim.now() - 19 * DAY) as f64);
    // Around it, an older completed restore and a newer failed one, which must not win.
    let t = first as i64;
    for (id, state, created, took) in [
        ("watched-older", "COMPLETED", t - 5 * DAY, 7200),
        ("watched-failed", "FAILED", t + 4 * DAY, 600),
    ] {
        h.sim.insert(SimJob {
            job_id: id.into(),
            state: state.into(),
            status_message: None,
            creation_date: Some(created),
            completion_date: Some(created + took),
            restore_testing_plan_arn: None,
            validation_status: None,
            ..template.clone()
        });
    }
    let failed = restores_of(&h.sim, &never);
    assert!(failed.len() >= 2);
    assert!(failed.iter().all(|j| j.state != "COMPLETED"));

    let check = |m: &Exposition, sim: &Simulator| {
        let (newest, completed, duration) = newest_completed(sim);
        let keys = ["account_id", "resource_arn"];
        assert_eq!(
            series(
                m,
                "aws_backup_resource_restore_watched",
                &[("region", USE1)],
                &keys
            ),
            BTreeMap::from([
                (key(&[&mgmt, &restored]), 1.0),
                (key(&[&mgmt, &never]), 1.0)
            ])
        );
        let full = [
            ("region", USE1),
            ("account_id", mgmt.as_str()),
            ("resource_type", newest.resource_type.as_str()),
            ("resource_arn", restored.as_str()),
        ];
        assert_eq!(
            m.get("aws_backup_resource_last_restore_timestamp_seconds", &full),
            Some(completed)
        );
        assert_eq!(
            m.get("aws_backup_resource_last_restore_duration_seconds", &full),
            Some(duration)
        );
        for family in [
            "aws_backup_resource_last_restore_timestamp_seconds",
            "aws_backup_resource_last_restore_duration_seconds",
        ] {
            assert_eq!(m.select(family, &[]).count(), 1, "{family}");
            assert_eq!(
                m.select(family, &[("resource_arn", never.as_str())])
                    .count(),
                0
            );
        }
        assert_eq!(success(m, "sim", "watched_resources"), Some(1.0));
        completed
    };
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(check(&m, &h.sim), first);

    // A restore that completed just now takes over at the next read.
    let at = now() as i64 - 100;
    h.sim.insert(SimJob {
        job_id: "watched-now".into(),
        state: "COMPLETED".into(),
        status_message: None,
        creation_date: Some(at - 450),
        completion_date: Some(at),
        restore_testing_plan_arn: None,
        validation_status: None,
        ..template.clone()
    });
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(check(&m, &h.sim), at as f64);
    assert_eq!(
        m.sum("aws_backup_resource_last_restore_duration_seconds", &[]),
        450.0
    );
    assert_eq!(
        h.sim.requests().total("ListRestoreJobsByProtectedResource"),
        4
    );
}

// 7. Failure isolation

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_vault_listing_fails_only_the_vaults_collector() {
    // Two simulators with the same data: the same seed, as of the same time.
    let sim_now = now() as i64;
    let mut clean = Harness::start_at(sim_options(48), test_config(), sim_now).await;
    assert!(clean.refresh().await);
    let expected = clean.scrape().await;

    let mut h = Harness::start_at(sim_options(48), test_config(), sim_now).await;
    h.sim.set_faults(Faults {
        denied_operations: vec!["ListBackupVaults".into()],
        ..Faults::default()
    });
    assert!(!h.refresh().await, "the vaults collector fails");
    let m = h.scrape().await;
    assert_eq!(success(&m, "sim", "vaults"), Some(0.0));
    for c in [
        "backup",
        "restore",
        "copy",
        "scan",
        "protected_resources",
        "restore_testing_plans",
    ] {
        assert_eq!(success(&m, "sim", c), Some(1.0), "{c}");
    }
    assert_eq!(
        m.get(
            "aws_backup_exporter_collection_errors_total",
            &[
                ("target", "sim"),
                ("collector", "vaults"),
                ("error", "access_denied")
            ]
        ),
        Some(1.0)
    );
    let denied = h.sim.requests().faulted("ListBackupVaults");
    assert!(denied >= 1);
    assert_eq!(
        m.get(
            "aws_backup_exporter_api_requests_total",
            &[("operation", "ListBackupVaults"), ("outcome", "error")]
        ),
        Some(denied as f64)
    );
    // The job numbers are those of an exporter that was never denied anything.
    assert_eq!(
        m.by("aws_backup_jobs", &[], &JOB_KEYS),
        expected.by("aws_backup_jobs", &[], &JOB_KEYS)
    );
    assert_eq!(
        m.by("aws_backup_jobs", &[("region", USE1)], &JOB_KEYS),
        expected_jobs(&h.sim.jobs(), USE1, now() - LOOKBACK)
    );
    for family in [
        "aws_backup_resource_last_job_timestamp_seconds",
        "aws_backup_resource_last_backup_timestamp_seconds",
        "aws_backup_restore_testing_plan_last_execution_timestamp_seconds",
    ] {
        assert_eq!(samples(&m, family), samples(&expected, family), "{family}");
    }
    // No vault has ever been read: no vault series at all.
    for family in [
        "aws_backup_vault_info",
        "aws_backup_vault_recovery_points",
        "aws_backup_vault_locked",
    ] {
        assert_eq!(m.select(family, &[]).count(), 0, "{family}");
    }

    // The permission is granted: the vaults appear, as the clean exporter has them.
    h.sim.set_faults(Faults::default());
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(success(&m, "sim", "vaults"), Some(1.0));
    let vaults = |m: &Exposition| {
        series(
            m,
            "aws_backup_vault_recovery_points",
            &[],
            &["region", "account_id", "vault_name"],
        )
    };
    assert!(!vaults(&expected).is_empty());
    assert_eq!(vaults(&m), vaults(&expected));
}

// 8. StartRestoreJob through the real SDK

fn sdk_client(endpoint: &str) -> aws_sdk_backup::Client {
    use aws_credential_types::Credentials;
    use aws_sdk_backup::config::{BehaviorVersion, Region, retry::RetryConfig};
    let conf = aws_sdk_backup::config::Builder::new()
        .region(Region::new(USE1))
        .endpoint_url(endpoint)
        // Any key signs as the management account.
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .behavior_version(BehaviorVersion::latest())
        .build();
    aws_sdk_backup::Client::from_conf(conf)
}

/// Restore jobs of `region` in a terminal state, by id.
fn ended_restores(jobs: &[SimJob], region: &str) -> BTreeMap<String, SimJob> {
    jobs.iter()
        .filter(|j| {
            j.job_type == SimJobType::Restore
                && j.region == region
                && !is_active(&j.job_type, &j.state)
                && j.completion_date.is_some()
        })
        .map(|j| (j.job_id.clone(), j.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_started_through_the_sdk_is_counted_once_when_it_ends() {
    // The simulator's data is 15 minutes old, so that moving it on by a few minutes keeps
    // every date in the exporter's past.
    let sim_start = now() as i64 - 900;
    let mut h = Harness::start_at(sim_options(49), test_config(), sim_start).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(m.sum("aws_backup_jobs_finished_total", &[]), 0.0);
    let client = sdk_client(&h.server.endpoint_url());
    let mgmt = h.sim.management_account();

    let listed = client
        .list_backup_jobs()
        .by_state(aws_sdk_backup::types::BackupJobState::Completed)
        .max_results(20)
        .send()
        .await
        .unwrap();
    let backup = listed
        .backup_jobs()
        .iter()
        .find(|b| b.recovery_point_arn().is_some())
        .expect("a completed backup with a recovery point");
    let rp = backup.recovery_point_arn().unwrap().to_owned();
    let restores_before = h
        .sim
        .jobs()
        .iter()
        .filter(|j| j.job_type == SimJobType::Restore)
        .count();
    let ended_before = ended_restores(&h.sim.jobs(), USE1);
    let start = || {
        client
            .start_restore_job()
            .recovery_point_arn(&rp)
            .iam_role_arn(format!(
                "arn:aws:iam::{mgmt}:role/AWSBackupDefaultServiceRole"
            ))
            .metadata("volumeType", "gp3")
            .metadata("availabilityZone", "us-east-1a")
            .idempotency_token("inventory-restore-1")
    };
    let id = start()
        .send()
        .await
        .unwrap()
        .restore_job_id()
        .unwrap()
        .to_owned();
    let again = start().send().await.unwrap();
    assert_eq!(again.restore_job_id(), Some(id.as_str()));
    let jobs = h.sim.jobs();
    assert_eq!(
        jobs.iter()
            .filter(|j| j.job_type == SimJobType::Restore)
            .count(),
        restores_before + 1,
        "one job for one token"
    );
    let job = jobs.iter().find(|j| j.job_id == id).unwrap();
    assert_eq!(job.state, "PENDING");
    assert_eq!(job.account_id, mgmt);
    assert_eq!(Some(job.resource_arn.as_str()), backup.resource_arn());
    assert_eq!(job.creation_date, Some(sim_start));

    // A recovery point nobody made: ResourceNotFoundException (HTTP 400, as AWS's model
    // leaves it).
    let e = start()
        .recovery_point_arn("arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0")
        .idempotency_token("inventory-restore-unknown")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_resource_not_found_exception()),
        "{e:?}"
    );
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
    // No recovery point at all: MissingParameterValueException.
    let e = client
        .start_restore_job()
        .iam_role_arn("arn:aws:iam::123456789012:role/restore")
        .metadata("volumeType", "gp3")
        .idempotency_token("inventory-restore-missing")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_missing_parameter_value_exception()),
        "{e:?}"
    );
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
    assert_eq!(h.sim.requests().total("StartRestoreJob"), 4);

    // Still pending: the exporter sees it as active, not finished.
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.sum("aws_backup_jobs_finished_total", &[("job_type", "restore")]),
        0.0
    );
    assert!(
        m.sum(
            "aws_backup_jobs",
            &[("job_type", "restore"), ("state", "PENDING")]
        ) >= 1.0
    );

    // The simulator moves on five minutes: the restore has ended.
    h.sim.advance_to(sim_start + 300);
    let jobs = h.sim.jobs();
    let done = jobs.iter().find(|j| j.job_id == id).unwrap().clone();
    assert!(
        matches!(done.state.as_str(), "COMPLETED" | "FAILED"),
        "{done:?}"
    );
    assert!(done.completion_date.unwrap() <= sim_start + 300);
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let restores: Vec<SimJob> = jobs
        .iter()
        .filter(|j| j.job_type == SimJobType::Restore)
        .cloned()
        .collect();
    assert_eq!(
        m.by(
            "aws_backup_jobs",
            &[("region", USE1), ("job_type", "restore")],
            &JOB_KEYS
        ),
        expected_jobs(&restores, USE1, now() - LOOKBACK)
    );
    // The counter holds exactly the restores that ended since the backfill, ours among them.
    let newly: Vec<SimJob> = ended_restores(&jobs, USE1)
        .into_iter()
        .filter(|(id, _)| !ended_before.contains_key(id))
        .map(|(_, j)| j)
        .collect();
    assert!(newly.iter().any(|j| j.job_id == id));
    let want = expected_jobs(&newly, USE1, now() - LOOKBACK);
    let finished = |m: &Exposition| {
        m.by(
            "aws_backup_jobs_finished_total",
            &[("region", USE1), ("job_type", "restore")],
            &JOB_KEYS,
        )
    };
    assert_eq!(finished(&m), want);
    let mine = [
        ("job_type", "restore"),
        ("region", USE1),
        ("account_id", mgmt.as_str()),
        ("resource_type", done.resource_type.as_str()),
        ("state", done.state.as_str()),
        ("message_category", ""),
    ];
    let mine_count = newly
        .iter()
        .filter(|j| j.resource_type == done.resource_type && j.state == done.state)
        .count() as f64;
    assert_eq!(
        m.get("aws_backup_jobs_finished_total", &mine),
        Some(mine_count)
    );
    assert_eq!(
        m.sum(
            "aws_backup_job_duration_seconds_count",
            &[("job_type", "restore")]
        ),
        newly.len() as f64
    );
    // Refreshing again re-reads the overlap and counts nothing twice.
    assert!(h.refresh().await);
    let again = h.scrape().await;
    assert_eq!(finished(&again), want);
    assert_eq!(
        again.by(
            "aws_backup_jobs",
            &[("region", USE1), ("job_type", "restore")],
            &JOB_KEYS
        ),
        expected_jobs(&restores, USE1, now() - LOOKBACK)
    );
}
