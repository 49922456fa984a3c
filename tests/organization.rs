//! Restore tests, per-resource freshness, many targets, organization mode, label escaping.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use aws_backup_exporter::config::Target;
use aws_backup_exporter::job::ExtraLabel;
use aws_backup_sim::{SimJob, SimJobType, SimOptions};
use common::*;

const LOOKBACK: f64 = 24.0 * 3600.0;

fn ended_in(jobs: &[SimJob], t: &SimJobType, region: &str) -> Vec<SimJob> {
    jobs.iter()
        .filter(|j| {
            &j.job_type == t
                && j.region == region
                && !j.is_parent
                // Within the lookback: the restore history also holds restores from 20 days ago.
                && j.completion_date.is_some_and(|c| c as f64 > now() - LOOKBACK)
        })
        .cloned()
        .collect()
}

/// `aws_backup_restore_validations` as the simulator's data says it must be.
fn expected_validations(jobs: &[SimJob], region: &str) -> BTreeMap<Vec<String>, f64> {
    let mut out = BTreeMap::new();
    for j in ended_in(jobs, &SimJobType::Restore, region) {
        if let Some(v) = &j.validation_status {
            let k = vec![j.account_id.clone(), j.resource_type.clone(), v.clone()];
            *out.entry(k).or_insert(0.0) += 1.0;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_validation_moves_from_validating_to_failed_between_refreshes() {
    let mut cfg = test_config();
    cfg.extra_labels = vec![ExtraLabel::RestoreTestingPlan];
    // A 1 s overlap, so that the third refresh no longer lists the restore test and has to
    // re-read it with DescribeRestoreJob (within the overlap, the re-listing updates it).
    cfg.overlap = std::time::Duration::from_secs(1);
    let mut h = Harness::start(sim_options(31), cfg).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let keys = ["account_id", "resource_type", "validation_status"];
    assert_eq!(
        m.by(
            "aws_backup_restore_validations",
            &[("region", "us-east-1")],
            &keys
        ),
        expected_validations(&h.sim.jobs(), "us-east-1")
    );

    // A restore test ends now, still validating.
    let template = ended_in(&h.sim.jobs(), &SimJobType::Restore, "us-east-1")
        .into_iter()
        .find(|j| j.restore_testing_plan_arn.is_some())
        .expect("the simulator runs restore tests");
    let mut job = SimJob {
        job_id: "restore-test-new".into(),
        state: "COMPLETED".into(),
        completion_date: Some(now() as i64 - 60),
        validation_status: Some("VALIDATING".into()),
        ..template.clone()
    };
    h.sim.insert(job.clone());
    // And an ad-hoc restore after it, which moves the restore watermark past the test.
    h.sim.insert(SimJob {
        job_id: "restore-adhoc-new".into(),
        state: "COMPLETED".into(),
        completion_date: Some(now() as i64 - 5),
        validation_status: None,
        restore_testing_plan_arn: None,
        ..template.clone()
    });
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.by(
            "aws_backup_restore_validations",
            &[("region", "us-east-1")],
            &keys
        ),
        expected_validations(&h.sim.jobs(), "us-east-1")
    );
    let plan = template
        .restore_testing_plan_arn
        .as_deref()
        .unwrap()
        .rsplit_once(":restore-testing-plan:")
        .unwrap()
        .1
        .to_owned();
    let mine = |status: &'static str| {
        vec![
            ("region", "us-east-1"),
            ("account_id", template.account_id.as_str()),
            ("resource_type", template.resource_type.as_str()),
            ("validation_status", status),
            ("restore_testing_plan", plan.as_str()),
        ]
    };
    let validating_before = m.sum("aws_backup_restore_validations", &mine("VALIDATING"));
    let failed_before = m.sum("aws_backup_restore_validations", &mine("FAILED"));
    assert!(validating_before >= 1.0);

    // Validation fails; the next refresh re-reads the job (DescribeRestoreJob).
    job.validation_status = Some("FAILED".into());
    h.sim.insert(job);
    let describes = h.sim.requests().total("DescribeRestoreJob");
    assert!(h.refresh().await);
    assert!(h.sim.requests().total("DescribeRestoreJob") > describes);
    let m = h.scrape().await;
    assert_eq!(
        m.sum("aws_backup_restore_validations", &mine("VALIDATING")),
        validating_before - 1.0
    );
    assert_eq!(
        m.sum("aws_backup_restore_validations", &mine("FAILED")),
        failed_before + 1.0
    );
    assert_eq!(
        m.by(
            "aws_backup_restore_validations",
            &[("region", "us-east-1")],
            &keys
        ),
        expected_validations(&h.sim.jobs(), "us-east-1")
    );
    // Each counted once as a finished restore job, whatever the validation did.
    assert_eq!(
        m.sum("aws_backup_jobs_finished_total", &[("job_type", "restore")]),
        2.0
    );
}

/// Newest ended job per (job_type, account, resource_type, resource_arn), from the simulator.
fn expected_last_jobs(jobs: &[SimJob], region: &str) -> BTreeMap<Vec<String>, (i64, bool)> {
    let mut out: BTreeMap<Vec<String>, (i64, bool)> = BTreeMap::new();
    for t in SimJobType::ALL {
        for j in ended_in(jobs, &t, region) {
            let k = vec![
                job_type_name(&t).to_owned(),
                j.account_id.clone(),
                j.resource_type.clone(),
                j.resource_arn.clone(),
            ];
            let c = j.completion_date.unwrap();
            let e = out.entry(k).or_insert((c, j.state == "COMPLETED"));
            if c > e.0 {
                *e = (c, j.state == "COMPLETED");
            }
        }
    }
    out
}

fn scraped_last_jobs(m: &Exposition, region: &str) -> BTreeMap<Vec<String>, (i64, bool)> {
    let keys = ["job_type", "account_id", "resource_type", "resource_arn"];
    let mut out = BTreeMap::new();
    for s in m.select(
        "aws_backup_resource_last_job_timestamp_seconds",
        &[("region", region)],
    ) {
        let k: Vec<String> = keys.iter().map(|k| s.labels[*k].clone()).collect();
        let pairs: Vec<(&str, &str)> = s
            .labels
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let ok = m
            .get("aws_backup_resource_last_job_success", &pairs)
            .unwrap();
        out.insert(k, (s.value as i64, ok == 1.0));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_resource_success_flips_after_a_failed_job() {
    let mut h = Harness::start(sim_options(32), test_config()).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        scraped_last_jobs(&m, "us-east-1"),
        expected_last_jobs(&h.sim.jobs(), "us-east-1")
    );

    // A resource whose newest backup succeeded now fails.
    let last = expected_last_jobs(&h.sim.jobs(), "us-east-1");
    let (key, _) = last
        .iter()
        .find(|(k, (_, ok))| k[0] == "backup" && *ok)
        .unwrap();
    let template = ended_in(&h.sim.jobs(), &SimJobType::Backup, "us-east-1")
        .into_iter()
        .find(|j| j.resource_arn == key[3])
        .unwrap();
    let t = now() as i64 - 20;
    h.sim
        .insert(new_backup_job(&template, "flip-1", "FAILED", t));
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let labels = [
        ("job_type", "backup"),
        ("region", "us-east-1"),
        ("account_id", key[1].as_str()),
        ("resource_type", key[2].as_str()),
        ("resource_arn", key[3].as_str()),
    ];
    assert_eq!(
        m.get("aws_backup_resource_last_job_success", &labels),
        Some(0.0)
    );
    assert_eq!(
        m.get("aws_backup_resource_last_job_timestamp_seconds", &labels),
        Some(t as f64)
    );
    assert_eq!(
        scraped_last_jobs(&m, "us-east-1"),
        expected_last_jobs(&h.sim.jobs(), "us-east-1")
    );

    // ListProtectedResources: LastBackupTime per resource, with its name.
    let resources: BTreeMap<String, (String, i64)> = h
        .sim
        .resources()
        .into_iter()
        .filter(|r| r.region == "us-east-1" && r.account_id == h.sim.management_account())
        .filter_map(|r| {
            Some((
                r.resource_arn,
                (r.resource_name.unwrap_or_default(), r.last_backup_time?),
            ))
        })
        .collect();
    let scraped: BTreeMap<String, (String, i64)> = m
        .select(
            "aws_backup_resource_last_backup_timestamp_seconds",
            &[("region", "us-east-1")],
        )
        .map(|s| {
            (
                s.labels["resource_arn"].clone(),
                (s.labels["resource_name"].clone(), s.value as i64),
            )
        })
        .collect();
    assert!(!resources.is_empty());
    assert_eq!(scraped, resources);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_series_cap_holds_and_counts_what_it_refused() {
    let mut cfg = test_config();
    cfg.resources.max_series = 5;
    let mut h = Harness::start(sim_options(33), cfg).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let distinct = expected_last_jobs(&h.sim.jobs(), "us-east-1").len();
    assert!(distinct > 5);
    for name in [
        "aws_backup_resource_last_job_timestamp_seconds",
        "aws_backup_resource_last_job_success",
        "aws_backup_resource_last_backup_timestamp_seconds",
    ] {
        assert_eq!(m.select(name, &[]).count(), 5, "{name}");
    }
    let dropped = |m: &Exposition, metric: &str| {
        m.get(
            "aws_backup_exporter_series_dropped_total",
            &[("metric", metric)],
        )
        .unwrap()
    };
    assert_eq!(
        dropped(&m, "aws_backup_resource_last_job_timestamp_seconds"),
        (distinct - 5) as f64
    );
    assert_eq!(
        dropped(&m, "aws_backup_resource_last_job_success"),
        (distinct - 5) as f64
    );
    let protected = h
        .sim
        .resources()
        .iter()
        .filter(|r| r.region == "us-east-1" && r.account_id == h.sim.management_account())
        .count();
    assert_eq!(
        dropped(&m, "aws_backup_resource_last_backup_timestamp_seconds"),
        (protected - 5) as f64
    );
    // Refreshing again refuses the same series: the counter does not move.
    assert!(h.refresh().await);
    let again = h.scrape().await;
    assert_eq!(
        dropped(&again, "aws_backup_resource_last_job_success"),
        (distinct - 5) as f64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_targets_two_regions_one_assumed_role_and_a_denied_one_isolated() {
    let denied = "arn:aws:iam::999999999999:role/no-access".to_string();
    let opts = SimOptions {
        denied_roles: vec![denied.clone()],
        ..sim_options(34)
    };
    // The member account comes from the simulator; build the config once it is known.
    let probe = aws_backup_sim::Simulator::new(opts.clone(), now() as i64);
    let member = probe.accounts()[1].clone();
    let mut cfg = test_config();
    cfg.targets = vec![
        Target {
            name: "org-use1".into(),
            region: Some("us-east-1".into()),
            account_id: Some("*".into()),
            ..Target::default()
        },
        Target {
            name: "member-euw1".into(),
            region: Some("eu-west-1".into()),
            role_arn: Some(format!("arn:aws:iam::{member}:role/aws-backup-exporter")),
            external_id: Some("ext-123".into()),
            ..Target::default()
        },
        // In a region of its own: beside the organization target it would overlap it.
        Target {
            name: "denied".into(),
            region: Some("us-west-2".into()),
            role_arn: Some(denied),
            ..Target::default()
        },
    ];
    let mut h = Harness::start(opts, cfg).await;
    assert!(!h.refresh().await, "the denied target fails");
    let m = h.scrape().await;
    let jobs = h.sim.jobs();

    // us-east-1: the whole organization, exactly.
    assert_eq!(
        m.by("aws_backup_jobs", &[("region", "us-east-1")], &JOB_KEYS),
        expected_jobs(&jobs, "us-east-1", now() - LOOKBACK)
    );
    // eu-west-1: only the member account, through the assumed role.
    let member_jobs: Vec<SimJob> = jobs
        .iter()
        .filter(|j| j.account_id == member)
        .cloned()
        .collect();
    assert_eq!(
        m.by("aws_backup_jobs", &[("region", "eu-west-1")], &JOB_KEYS),
        expected_jobs(&member_jobs, "eu-west-1", now() - LOOKBACK)
    );
    for t in ["backup", "restore", "copy"] {
        let ok = |target| {
            m.get(
                "aws_backup_exporter_collection_success",
                &[("target", target), ("collector", t)],
            )
        };
        assert_eq!(ok("org-use1"), Some(1.0));
        assert_eq!(ok("member-euw1"), Some(1.0));
        assert_eq!(ok("denied"), Some(0.0));
    }
    assert_eq!(h.request("GET", "/readyz", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_mode_labels_every_account_and_default_mode_only_the_callers() {
    let mut cfg = test_config();
    cfg.targets.push(Target {
        name: "own-account".into(),
        region: Some("eu-west-1".into()),
        ..Target::default()
    });
    let mut h = Harness::start(sim_options(35), cfg).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let accounts = |region: &str| -> BTreeSet<String> {
        m.select("aws_backup_jobs", &[("region", region)])
            .map(|s| s.labels["account_id"].clone())
            .collect()
    };
    let all: BTreeSet<String> = h.sim.accounts().into_iter().collect();
    assert!(all.len() >= 3);
    assert_eq!(accounts("us-east-1"), all);
    assert_eq!(
        accounts("eu-west-1"),
        BTreeSet::from([h.sim.management_account()])
    );
}

fn promtool_check(text: &str) {
    let mut c = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/test installs it)");
    c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = c.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_come_out_escaped_in_both_formats() {
    let mut h = Harness::start(sim_options(36), test_config()).await;
    assert!(h.refresh().await);
    let hostile = h
        .sim
        .resources()
        .into_iter()
        .find(|r| {
            r.region == "us-east-1"
                && r.resource_name
                    .as_deref()
                    .is_some_and(|n| n.contains('"') && n.contains('\n'))
        })
        .expect("the simulator has a resource with a hostile name");
    let name = hostile.resource_name.clone().unwrap();
    assert!(name.contains('\\') && !name.is_ascii());
    for accept in ["", "application/openmetrics-text;version=1.0.0"] {
        let r = h.request("GET", "/metrics", &[("Accept", accept)]).await;
        let text = r.text();
        let parsed = Exposition::parse(&text);
        let by_arn = [("resource_arn", hostile.resource_arn.as_str())];
        let found: Vec<_> = parsed
            .select("aws_backup_resource_last_backup_timestamp_seconds", &by_arn)
            .collect();
        assert_eq!(found.len(), 1, "accept {accept:?}");
        assert_eq!(found[0].labels["resource_name"], name);
        if accept.is_empty() {
            promtool_check(&text);
        }
    }
}
