//! End to end through the real SDK: the simulator's data in, exact metric values out.

mod common;

use aws_backup_sim::{Faults, SimJobType};
use common::*;

const REGION: &str = "us-east-1";
const LOOKBACK: f64 = 24.0 * 3600.0;

/// An ended, non-parent backup job of the region, to model new jobs on.
fn backup_template(h: &Harness) -> aws_backup_sim::SimJob {
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

fn assert_jobs_match(h: &Harness, scraped: &Exposition) {
    let expected = expected_jobs(&h.sim.jobs(), REGION, now() - LOOKBACK);
    let got = scraped.by("aws_backup_jobs", &[("region", REGION)], &JOB_KEYS);
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_reads_every_page_of_every_job_type_and_counts_exactly() {
    let mut cfg = test_config();
    cfg.page_size = 10;
    let mut h = Harness::start(sim_options(7), cfg).await;
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_jobs_match(&h, &m);

    // Several pages of each type were needed.
    let jobs = h.sim.jobs();
    for (t, op) in [
        (SimJobType::Backup, "ListBackupJobs"),
        (SimJobType::Restore, "ListRestoreJobs"),
        (SimJobType::Copy, "ListCopyJobs"),
        (SimJobType::Scan, "ListScanJobs"),
    ] {
        let ended = jobs
            .iter()
            .filter(|j| j.job_type == t && j.region == REGION)
            // Within the lookback: the restore history also holds restores from 20 days ago.
            .filter(|j| {
                j.completion_date
                    .is_some_and(|c| c as f64 > now() - LOOKBACK)
            })
            .count();
        assert!(
            ended > 10,
            "{op}: {ended} ended jobs is not more than one page"
        );
        let requests = h.sim.requests().total(op) as usize;
        assert!(
            requests > ended / 10,
            "{op}: {requests} requests for {ended} jobs"
        );
    }
    // The backfill fills gauges only.
    assert_eq!(m.sum("aws_backup_jobs_finished_total", &[]), 0.0);
    assert_eq!(m.sum("aws_backup_job_duration_seconds_count", &[]), 0.0);
    for t in ["backup", "restore", "copy"] {
        assert_eq!(
            m.get(
                "aws_backup_exporter_collection_success",
                &[("target", "sim"), ("collector", t)]
            ),
            Some(1.0)
        );
    }
    assert_eq!(m.get("aws_backup_lookback_seconds", &[]), Some(LOOKBACK));
    assert!(
        m.sum(
            "aws_backup_exporter_api_requests_total",
            &[("outcome", "success")]
        ) > 3.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_jobs_raise_counters_by_exactly_their_number_and_rereads_never_double_count() {
    let mut h = Harness::start(sim_options(8), test_config()).await;
    assert!(h.refresh().await);
    let before = h.scrape().await;
    let template = backup_template(&h);
    let t = now() as i64 - 30;
    for i in 0..7 {
        h.sim.insert(new_backup_job(
            &template,
            &format!("new-ok-{i}"),
            "COMPLETED",
            t,
        ));
    }
    for i in 0..3 {
        h.sim.insert(new_backup_job(
            &template,
            &format!("new-failed-{i}"),
            "FAILED",
            t,
        ));
    }
    assert!(h.refresh().await);
    let after = h.scrape().await;
    let labels = |state: &'static str, cat: &'static str| {
        vec![
            ("job_type", "backup"),
            ("region", REGION),
            ("account_id", template.account_id.as_str()),
            ("resource_type", template.resource_type.as_str()),
            ("state", state),
            ("message_category", cat),
        ]
    };
    assert_eq!(after.sum("aws_backup_jobs_finished_total", &[]), 10.0);
    assert_eq!(
        after.sum(
            "aws_backup_jobs_finished_total",
            &labels("COMPLETED", "SUCCESS")
        ),
        7.0
    );
    assert_eq!(
        after.sum(
            "aws_backup_jobs_finished_total",
            &labels("FAILED", "ACCESS_DENIED")
        ),
        3.0
    );
    assert_eq!(
        after.sum("aws_backup_jobs", &labels("FAILED", "ACCESS_DENIED"))
            - before.sum("aws_backup_jobs", &labels("FAILED", "ACCESS_DENIED")),
        3.0
    );
    assert_eq!(
        after.sum(
            "aws_backup_job_duration_seconds_count",
            &[("job_type", "backup")]
        ),
        10.0
    );
    assert_eq!(
        after.sum(
            "aws_backup_job_duration_seconds_sum",
            &[("job_type", "backup")]
        ),
        6000.0
    );
    assert_jobs_match(&h, &after);

    // Two more refreshes re-read the overlap: nothing moves.
    assert!(h.refresh().await);
    assert!(h.refresh().await);
    let again = h.scrape().await;
    assert_eq!(again.sum("aws_backup_jobs_finished_total", &[]), 10.0);
    assert_jobs_match(&h, &again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_listed_late_inside_the_overlap_is_counted_once() {
    let mut h = Harness::start(sim_options(9), test_config()).await;
    assert!(h.refresh().await);
    let template = h
        .sim
        .jobs()
        .into_iter()
        .filter(|j| j.job_type == SimJobType::Backup && j.region == REGION && !j.is_parent)
        .max_by_key(|j| j.completion_date)
        .unwrap();
    let newest = template.completion_date.unwrap();
    // Ended 5 minutes before the newest completion the exporter has seen (the watermark),
    // inside the 15-minute overlap, but only listed now.
    h.sim
        .insert(new_backup_job(&template, "late-1", "FAILED", newest - 300));
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.sum("aws_backup_jobs_finished_total", &[("state", "FAILED")]),
        1.0
    );
    assert_jobs_match(&h, &m);
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.sum("aws_backup_jobs_finished_total", &[("state", "FAILED")]),
        1.0
    );
    assert_jobs_match(&h, &m);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_third_call_throttled_gives_the_same_numbers() {
    let mut clean = Harness::start(sim_options(10), test_config()).await;
    assert!(clean.refresh().await);
    let expected = clean.scrape().await;

    let mut h = Harness::start(sim_options(10), test_config()).await;
    h.sim.set_faults(Faults {
        throttle_every: Some(3),
        ..Faults::default()
    });
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.by("aws_backup_jobs", &[], &JOB_KEYS),
        expected.by("aws_backup_jobs", &[], &JOB_KEYS)
    );
    assert_jobs_match(&h, &m);
    let throttled = m.sum(
        "aws_backup_exporter_api_requests_total",
        &[("outcome", "throttled")],
    );
    // Every operation the collectors call, inventory included.
    let faulted: u64 = h.sim.requests().operations().map(|(_, c)| c.faulted).sum();
    assert!(throttled > 0.0);
    assert_eq!(throttled, faulted as f64);
    // Inventory too: throttling changes nothing.
    let vaults = |m: &Exposition| {
        m.by(
            "aws_backup_vault_recovery_points",
            &[],
            &["account_id", "region", "vault_name"],
        )
    };
    assert!(!vaults(&expected).is_empty());
    assert_eq!(vaults(&m), vaults(&expected));
    for t in [
        "backup",
        "restore",
        "copy",
        "scan",
        "protected_resources",
        "vaults",
        "restore_testing_plans",
    ] {
        assert_eq!(
            m.get(
                "aws_backup_exporter_collection_success",
                &[("target", "sim"), ("collector", t)]
            ),
            Some(1.0)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_aws_fails_the_last_good_data_stays_and_success_drops_to_zero() {
    let mut cfg = test_config();
    cfg.aws.max_attempts = 2;
    let mut h = Harness::start(sim_options(11), cfg).await;
    assert!(h.refresh().await);
    let good = h.scrape().await;
    h.sim.set_faults(Faults {
        fail_all: true,
        ..Faults::default()
    });
    assert!(!h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(
        m.by("aws_backup_jobs", &[], &JOB_KEYS),
        good.by("aws_backup_jobs", &[], &JOB_KEYS)
    );
    for t in ["backup", "restore", "copy"] {
        let l = [("target", "sim"), ("collector", t)];
        assert_eq!(
            m.get("aws_backup_exporter_collection_success", &l),
            Some(0.0)
        );
        assert_eq!(
            m.get("aws_backup_exporter_last_success_timestamp_seconds", &l),
            good.get("aws_backup_exporter_last_success_timestamp_seconds", &l)
        );
    }
    assert!(
        m.sum(
            "aws_backup_exporter_api_requests_total",
            &[("outcome", "error")]
        ) > 0.0
    );

    // AWS recovers, with a job that ended while it was down: counted once.
    let template = backup_template(&h);
    h.sim.insert(new_backup_job(
        &template,
        "during-outage",
        "COMPLETED",
        now() as i64 - 5,
    ));
    h.sim.set_faults(Faults::default());
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_eq!(m.sum("aws_backup_jobs_finished_total", &[]), 1.0);
    assert_jobs_match(&h, &m);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_pages_and_5xx_never_lose_or_double_count() {
    let mut h = Harness::start(sim_options(12), test_config()).await;
    h.sim.set_faults(Faults {
        malformed_every: Some(5),
        unavailable_every: Some(7),
        ..Faults::default()
    });
    // A failed read changes nothing; retries and later refreshes fill it in.
    for _ in 0..4 {
        h.refresh().await;
    }
    h.sim.set_faults(Faults::default());
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert_jobs_match(&h, &m);
    assert_eq!(m.sum("aws_backup_jobs_finished_total", &[]), 0.0);
}
