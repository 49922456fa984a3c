//! The semantics at the edges that alerts rely on (DESIGN §3b), end to end through the real SDK:
//! failures from before start-up, restarts, odd dates, looping pages, settling validations,
//! resources that leave.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_backup_sim::{Faults, SimJob, SimJobType};
use common::*;

const REGION: &str = "us-east-1";

fn backup_template(h: &Harness) -> SimJob {
    h.sim
        .jobs()
        .into_iter()
        .find(|j| {
            j.job_type == SimJobType::Backup
                && j.region == REGION
                && !j.is_parent
                && j.completion_date.is_some()
        })
        .expect("the simulator has ended backup jobs")
}

/// A backup job of a resource no other job touches.
fn lone_job(template: &SimJob, arn: &str, id: &str, state: &str, completion: i64) -> SimJob {
    SimJob {
        resource_arn: arn.into(),
        ..new_backup_job(template, id, state, completion)
    }
}

fn last_job(m: &Exposition, family: &str, arn: &str) -> Option<f64> {
    let labels = [("resource_arn", arn)];
    let s: Vec<_> = m.select(family, &labels).collect();
    assert!(s.len() <= 1, "{family} {arn}: {s:?}");
    s.first().map(|s| s.value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_from_before_start_up_shows_in_the_gauges_and_survives_a_restart() {
    let mut h = Harness::start(sim_options(41), test_config()).await;
    let template = backup_template(&h);
    let arn = "arn:aws:ec2:us-east-1:111122223333:volume/vol-failed-before-start";
    let t = now() as i64;
    h.sim
        .insert(lone_job(&template, arn, "ok-2h", "COMPLETED", t - 2 * 3600));
    h.sim
        .insert(lone_job(&template, arn, "failed-1h", "FAILED", t - 3600));
    assert!(h.refresh().await);
    let m = h.scrape().await;
    let success = "aws_backup_resource_last_job_success";
    assert_eq!(last_job(&m, success, arn), Some(0.0));
    assert_eq!(
        last_job(&m, "aws_backup_resource_last_job_timestamp_seconds", arn),
        Some((t - 3600) as f64)
    );
    // The failure's label set has its counter, at 0: the next failure is an increase.
    let failed_labels = [
        ("job_type", "backup"),
        ("account_id", template.account_id.as_str()),
        ("resource_type", template.resource_type.as_str()),
        ("state", "FAILED"),
        ("message_category", "ACCESS_DENIED"),
    ];
    let counter: Vec<_> = m
        .select("aws_backup_jobs_finished_total", &failed_labels)
        .collect();
    assert_eq!(counter.len(), 1);
    assert_eq!(counter[0].value, 0.0);

    // A restart: a fresh exporter on the same AWS exports the same failure.
    let mut again = h.restart().await;
    assert!(again.refresh().await);
    let m2 = again.scrape().await;
    assert_eq!(last_job(&m2, success, arn), Some(0.0));

    // A later success of that resource clears it.
    h.sim
        .insert(lone_job(&template, arn, "ok-now", "COMPLETED", t - 10));
    assert!(again.refresh().await);
    assert_eq!(last_job(&again.scrape().await, success, arn), Some(1.0));
}

/// The gauges of an exposition, keyed by name and labels: what must not depend on when the
/// exporter started. Ages are kept apart: they move with the clock.
fn gauges(m: &Exposition) -> (BTreeMap<String, f64>, BTreeMap<String, f64>) {
    let mut exact = BTreeMap::new();
    let mut ages = BTreeMap::new();
    for s in &m.samples {
        let skip = s.name.starts_with("aws_backup_exporter_")
            || s.name.starts_with("process_")
            || s.name.ends_with("_total")
            || s.name.starts_with("aws_backup_job_duration_seconds")
            || s.name.starts_with("aws_backup_job_size_bytes");
        if skip {
            continue;
        }
        let key = format!("{}{:?}", s.name, s.labels);
        if s.name == "aws_backup_active_job_oldest_age_seconds" {
            ages.insert(key, s.value);
        } else {
            exact.insert(key, s.value);
        }
    }
    (exact, ages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_exporters_started_forty_seconds_apart_export_the_same_gauges() {
    let mut cfg = test_config();
    // A short lookback, so that many jobs sit near its edge and 40 s move it past some.
    cfg.lookback = Duration::from_secs(3 * 3600);
    cfg.overlap = Duration::from_secs(300);
    let mut a = Harness::start(sim_options(42), cfg).await;
    // A resource whose only job ended in the first minute of A's window: it leaves the window
    // once the lookback's edge passes the next minute.
    let template = backup_template(&a);
    let edge_arn = "arn:aws:ec2:us-east-1:111122223333:volume/vol-at-the-edge";
    let ts = "aws_backup_resource_last_job_timestamp_seconds";
    let window_start = || ((now() - 3.0 * 3600.0) / 60.0).floor() * 60.0;
    let mut first_bucket = window_start();
    for attempt in 0.. {
        a.sim.insert(lone_job(
            &template,
            edge_arn,
            &format!("edge-job-{attempt}"),
            "FAILED",
            first_bucket as i64 + 1,
        ));
        assert!(a.refresh().await);
        if window_start() == first_bucket {
            break;
        }
        // The minute turned during the backfill: place the job in the new first minute.
        assert!(attempt < 3);
        first_bucket = window_start();
    }
    assert_eq!(
        last_job(&a.scrape().await, ts, edge_arn),
        Some(first_bucket + 1.0)
    );

    // At least 40 s, and past the next minute boundary, so that the edge moves.
    let wait = (first_bucket + 3.0 * 3600.0 + 60.0 + 2.0 - now()).max(40.0);
    tokio::time::sleep(Duration::from_secs_f64(wait)).await;
    // Meanwhile AWS moved on: jobs arrived and ended.
    a.sim.advance_to(now() as i64);
    let t = now() as i64;
    a.sim
        .insert(new_backup_job(&template, "while-away", "COMPLETED", t - 5));

    let mut b = a.restart().await;
    for attempt in 0.. {
        let before = (now() / 60.0).floor();
        assert!(b.refresh().await);
        assert!(a.refresh().await);
        // Both snapshots must see the same lookback edge (the same minute).
        if (now() / 60.0).floor() != before {
            assert!(attempt < 3, "the minute keeps turning");
            continue;
        }
        let (ga, age_a) = gauges(&a.scrape().await);
        let (gb, age_b) = gauges(&b.scrape().await);
        assert!(ga.len() > 100, "{} series", ga.len());
        assert_eq!(ga, gb);
        assert_eq!(
            age_a.keys().collect::<Vec<_>>(),
            age_b.keys().collect::<Vec<_>>()
        );
        for (k, v) in &age_a {
            assert!((v - age_b[k]).abs() < 10.0, "{k}: {v} vs {}", age_b[k]);
        }
        break;
    }
    // The edge job left both: the running exporter dropped it, the fresh one never had it.
    assert_eq!(last_job(&a.scrape().await, ts, edge_arn), None);
    // The job that ended while A ran is counted by A's counter; B started after it.
    let finished =
        |m: &Exposition| m.sum("aws_backup_jobs_finished_total", &[("state", "COMPLETED")]);
    assert!(finished(&a.scrape().await) >= 1.0);
    assert_eq!(finished(&b.scrape().await), 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_creation_dates_and_future_completions() {
    let mut h = Harness::start(sim_options(43), test_config()).await;
    assert!(h.refresh().await);
    let template = backup_template(&h);
    let t = now() as i64;
    let undated = SimJob {
        creation_date: None,
        ..lone_job(
            &template,
            "arn:aws:ec2:us-east-1:111122223333:volume/vol-undated",
            "undated",
            "COMPLETED",
            t - 30,
        )
    };
    let running_undated = SimJob {
        state: "RUNNING".into(),
        completion_date: None,
        message_category: None,
        ..undated.clone()
    };
    // In an account of its own, so its age series would be its alone.
    let running_undated = SimJob {
        job_id: "running-undated".into(),
        account_id: "999999999999".into(),
        ..running_undated
    };
    let future_arn = "arn:aws:ec2:us-east-1:111122223333:volume/vol-future";
    let future = lone_job(&template, future_arn, "future", "COMPLETED", t + 2 * 3600);
    h.sim.insert(undated);
    h.sim.insert(running_undated);
    h.sim.insert(future);
    let before = h.scrape().await;
    let durations = |m: &Exposition| m.sum("aws_backup_job_duration_seconds_count", &[]);
    assert!(h.refresh().await);
    let m = h.scrape().await;
    // Both ended jobs are counted once; only the one with a CreationDate observes a duration.
    assert_eq!(m.sum("aws_backup_jobs_finished_total", &[]), 2.0);
    assert_eq!(durations(&m) - durations(&before), 1.0);
    // The running job without a CreationDate is counted, and has no age.
    let alone = [("account_id", "999999999999"), ("state", "RUNNING")];
    assert_eq!(m.sum("aws_backup_jobs", &alone), 1.0);
    assert_eq!(
        m.select("aws_backup_active_job_oldest_age_seconds", &alone)
            .count(),
        0,
        "no age from a missing CreationDate"
    );
    // The future completion counts as now, never later.
    let seen = last_job(
        &m,
        "aws_backup_resource_last_job_timestamp_seconds",
        future_arn,
    )
    .expect("the future job's resource");
    assert!(seen <= now() && seen >= t as f64, "{seen}");
    // And the watermark did not jump to the future: a job ending after this refresh is read.
    let later = now() as i64 + 1;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.sim
        .insert(new_backup_job(&template, "after-future", "FAILED", later));
    assert!(h.refresh().await);
    assert_eq!(
        h.scrape()
            .await
            .sum("aws_backup_jobs_finished_total", &[("state", "FAILED")]),
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_next_token_fails_the_read_and_applies_nothing() {
    let mut h = Harness::start(sim_options(44), test_config()).await;
    assert!(h.refresh().await);
    let good = h.scrape().await;
    let template = backup_template(&h);
    h.sim.insert(new_backup_job(
        &template,
        "during-loop",
        "FAILED",
        now() as i64 - 5,
    ));
    h.sim.set_faults(Faults {
        loop_tokens: true,
        ..Faults::default()
    });
    assert!(!h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.by("aws_backup_jobs", &[], &JOB_KEYS),
        good.by("aws_backup_jobs", &[], &JOB_KEYS)
    );
    for c in ["backup", "restore", "copy", "protected_resources"] {
        let l = [("target", "sim"), ("collector", c)];
        assert_eq!(
            m.get("aws_backup_exporter_collection_success", &l),
            Some(0.0),
            "{c}"
        );
        assert_eq!(
            m.get(
                "aws_backup_exporter_collection_errors_total",
                &[("target", "sim"), ("collector", c), ("error", "malformed")]
            ),
            Some(1.0),
            "{c}"
        );
    }
    // The loop ends, the job is counted once.
    h.sim.set_faults(Faults::default());
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.sum("aws_backup_jobs_finished_total", &[("state", "FAILED")]),
        1.0
    );
    assert_eq!(
        m.get(
            "aws_backup_exporter_collection_success",
            &[("target", "sim"), ("collector", "backup")]
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuck_validations_are_reread_fairly_and_an_undescribable_one_blocks_nothing() {
    let mut cfg = test_config();
    // A 1 s overlap: after the first read, only DescribeRestoreJob can tell a status.
    cfg.overlap = Duration::from_secs(1);
    cfg.page_size = 1000;
    let mut h = Harness::start(sim_options(45), cfg).await;
    let template = h
        .sim
        .jobs()
        .into_iter()
        .find(|j| {
            j.job_type == SimJobType::Restore
                && j.region == REGION
                && j.restore_testing_plan_arn.is_some()
        })
        .expect("the simulator runs restore tests");
    // The simulator's own restore tests still validating are re-read too, and sort first.
    let native = h
        .sim
        .jobs()
        .iter()
        .filter(|j| {
            j.job_type == SimJobType::Restore
                && j.region == REGION
                && (j.restore_testing_plan_arn.is_some() || j.validation_status.is_some())
                && match j.validation_status.as_deref() {
                    Some(s) => s == "VALIDATING",
                    None => j.state == "COMPLETED",
                }
        })
        .count() as u64;
    assert!(native < 100, "{native}");
    let t = now() as i64 - 120;
    let test = |i: usize, status: &str| SimJob {
        job_id: format!("stuck-{i:03}"),
        state: "COMPLETED".into(),
        completion_date: Some(t),
        validation_status: Some(status.into()),
        resource_type: "STUCK".into(),
        ..template.clone()
    };
    // "stuck-000" sorts first: the one that cannot be described.
    for i in 0..261 {
        h.sim.insert(test(i, "VALIDATING"));
    }
    // A restore that ends after them moves the watermark past them: later reads of the
    // 1-s overlap no longer list them.
    h.sim.insert(SimJob {
        job_id: "adhoc-after".into(),
        state: "COMPLETED".into(),
        completion_date: Some(now() as i64 - 5),
        validation_status: None,
        restore_testing_plan_arn: None,
        ..template.clone()
    });
    h.sim.set_faults(Faults {
        undescribable: vec!["stuck-000".into()],
        ..Faults::default()
    });
    assert!(h.refresh().await);
    let validations = |m: &Exposition| {
        m.by(
            "aws_backup_restore_validations",
            &[("resource_type", "STUCK")],
            &["validation_status"],
        )
    };
    let m = h.scrape().await;
    assert_eq!(
        validations(&m),
        BTreeMap::from([(vec!["VALIDATING".to_owned()], 261.0)])
    );

    // They all settle at AWS; only re-reads can tell.
    for i in 0..261 {
        h.sim.insert(test(i, "SUCCESSFUL"));
    }
    let sim = h.sim.clone();
    let described = || sim.requests().total("DescribeRestoreJob");
    let d0 = described();
    assert!(h.refresh().await);
    // 200 a refresh at most: the simulator's own, then ours from the first id. The
    // undescribable one is among them, dropped without blocking the rest.
    assert_eq!(described() - d0, 200);
    let settled = (200 - native - 1) as f64;
    assert_eq!(
        validations(&h.scrape().await),
        BTreeMap::from([
            (vec!["SUCCESSFUL".to_owned()], settled),
            (vec!["VALIDATING".to_owned()], 261.0 - settled)
        ])
    );
    assert!(h.refresh().await);
    // The rest of ours (never tried, so first), then the simulator's again.
    assert_eq!(
        described() - d0,
        261 + 2 * native,
        "each of ours re-read once"
    );
    assert_eq!(
        validations(&h.scrape().await),
        BTreeMap::from([
            (vec!["SUCCESSFUL".to_owned()], 260.0),
            (vec!["VALIDATING".to_owned()], 1.0)
        ])
    );
    // Ours are done: the undescribable one is no longer tried, the simulator's wait their
    // backoff (two rounds after their second try).
    assert!(h.refresh().await);
    assert_eq!(described() - d0, 261 + 2 * native);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_that_is_no_longer_protected_leaves_the_exposition() {
    let mut h = Harness::start(sim_options(46), test_config()).await;
    assert!(h.refresh().await);
    let family = "aws_backup_resource_last_backup_timestamp_seconds";
    let m = h.scrape().await;
    let arn = m
        .select(family, &[("region", REGION)])
        .next()
        .expect("protected resources are listed")
        .labels["resource_arn"]
        .clone();
    let before = m.select(family, &[]).count();
    assert!(h.sim.remove_protected_resource(&arn) >= 1);
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(m.select(family, &[("resource_arn", &arn)]).count(), 0);
    assert_eq!(m.select(family, &[]).count(), before - 1);
}
