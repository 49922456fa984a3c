use std::collections::BTreeMap;

use super::*;
use crate::job::{ExtraLabel, Job, JobType};

const H: f64 = 3600.0;
/// On a minute boundary, so that `NOW - lookback` is a bucket edge.
const NOW: f64 = 1_800_000_000.0;

fn settings() -> Settings {
    Settings {
        lookback: 24.0 * H,
        overlap: 0.25 * H,
        include_parent_jobs: false,
        extra_labels: vec![],
        resources_enabled: true,
        max_series: 100,
        schedules_enabled: true,
    }
}

fn ended(id: &str, state: &str, completion: f64) -> Job {
    Job {
        job_type: JobType::Backup,
        id: id.into(),
        account_id: "111122223333".into(),
        state: state.into(),
        message_category: if state == "COMPLETED" {
            "SUCCESS"
        } else {
            "ACCESS_DENIED"
        }
        .into(),
        resource_type: "EBS".into(),
        resource_arn: format!("arn:aws:ec2:us-east-1:111122223333:volume/vol-{id}"),
        creation: Some(completion - 600.0),
        completion: Some(completion),
        size_bytes: Some(5 * 1024 * 1024),
        ..Job::default()
    }
}

fn count(snap: &BTreeMap<JobKey, u64>, state: &str) -> u64 {
    snap.iter()
        .filter(|(k, _)| k.state == state)
        .map(|(_, n)| n)
        .sum()
}

fn snap(a: &mut TargetAggregate, now: f64) -> Snapshot {
    a.snapshot("us-east-1", now)
}

#[test]
fn backfill_fills_gauges_and_zeroed_counters_never_histograms() {
    let mut a = TargetAggregate::new(settings());
    assert_eq!(a.complete_after(JobType::Backup, NOW), NOW - 24.0 * H - 1.0);
    let out = a.apply_ended(
        JobType::Backup,
        vec![
            ended("1", "COMPLETED", NOW - 2.0 * H),
            ended("2", "FAILED", NOW - H),
        ],
        NOW,
    );
    assert_eq!(out.new, 2);
    let s = snap(&mut a, NOW);
    assert_eq!(count(&s.jobs, "COMPLETED"), 1);
    assert_eq!(count(&s.jobs, "FAILED"), 1);
    // Every label set the gauges know has its counter, at 0.
    assert_eq!(s.finished.len(), 2);
    assert_eq!(s.finished.values().sum::<u64>(), 0);
    assert!(s.duration.is_empty());
    assert!(s.size.is_empty());

    // The next read counts only what is new.
    let later = NOW + 300.0;
    a.apply_ended(
        JobType::Backup,
        vec![
            ended("2", "FAILED", NOW - H),
            ended("3", "COMPLETED", NOW + 60.0),
        ],
        later,
    );
    let s = snap(&mut a, later);
    assert_eq!(count(&s.jobs, "COMPLETED"), 2);
    assert_eq!(count(&s.finished, "COMPLETED"), 1);
    assert_eq!(count(&s.finished, "FAILED"), 0);
    let (k, h) = s.duration.iter().next().unwrap();
    assert_eq!((k.state.as_str(), h.count, h.sum), ("COMPLETED", 1, 600.0));
    assert_eq!(s.size.values().next().unwrap().count, 1);
}

#[test]
fn watermark_moves_to_newest_completion_minus_overlap_and_never_past_now() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(JobType::Backup, vec![ended("1", "COMPLETED", NOW - H)], NOW);
    assert_eq!(a.complete_after(JobType::Backup, NOW), NOW - H - 0.25 * H);
    // Other job types keep their own watermark.
    assert_eq!(a.complete_after(JobType::Copy, NOW), NOW - 24.0 * H - 1.0);
    // A completion in the future (clock skew) does not push the watermark past now.
    a.apply_ended(JobType::Backup, vec![ended("2", "COMPLETED", NOW + H)], NOW);
    assert_eq!(a.complete_after(JobType::Backup, NOW), NOW - 0.25 * H);
}

#[test]
fn a_future_completion_counts_as_now() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(JobType::Backup, vec![], NOW);
    a.apply_ended(
        JobType::Backup,
        vec![ended("f", "FAILED", NOW + 5.0 * H)],
        NOW,
    );
    let s = snap(&mut a, NOW);
    let (k, last) = s.resource_last_job.iter().next().unwrap();
    assert!(k.resource_arn.ends_with("vol-f"));
    assert_eq!(last.completion, NOW);
    // Its duration is measured to now, and a creation after that reads as zero.
    let h = s.duration.values().next().unwrap();
    assert_eq!((h.count, h.sum), (1, 0.0));
    // It leaves the window a lookback after now, like any job that ended now.
    assert_eq!(
        count(&snap(&mut a, NOW + 24.0 * H - 60.0).jobs, "FAILED"),
        1
    );
    assert_eq!(
        count(&snap(&mut a, NOW + 24.0 * H + 60.0).jobs, "FAILED"),
        0
    );
}

#[test]
fn a_job_without_creation_date_is_counted_with_no_duration_and_no_age() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(JobType::Backup, vec![], NOW);
    let no_date = Job {
        creation: None,
        ..ended("n", "COMPLETED", NOW - 60.0)
    };
    a.apply_ended(JobType::Backup, vec![no_date.clone()], NOW);
    let running = Job {
        state: "RUNNING".into(),
        completion: None,
        message_category: String::new(),
        ..no_date.clone()
    };
    let dated = Job {
        id: "d".into(),
        creation: Some(NOW - 120.0),
        ..running.clone()
    };
    a.apply_active(JobType::Backup, vec![running.clone()], NOW);
    let s = snap(&mut a, NOW);
    assert_eq!(count(&s.jobs, "COMPLETED"), 1);
    assert_eq!(count(&s.finished, "COMPLETED"), 1);
    assert!(s.duration.is_empty(), "no duration without a CreationDate");
    assert_eq!(count(&s.jobs, "RUNNING"), 1);
    assert!(
        s.oldest_active_age.is_empty(),
        "no age without a CreationDate"
    );
    // Beside a dated one, the age is the dated job's.
    a.apply_active(JobType::Backup, vec![running, dated], NOW);
    let s = snap(&mut a, NOW);
    assert_eq!(count(&s.jobs, "RUNNING"), 2);
    assert_eq!(
        s.oldest_active_age.values().copied().collect::<Vec<_>>(),
        [120.0]
    );
}

#[test]
fn jobs_reread_in_the_overlap_count_once_and_late_jobs_count_when_they_appear() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(
        JobType::Backup,
        vec![ended("1", "COMPLETED", NOW - 60.0)],
        NOW,
    );
    // Second read: job 1 again (overlap), plus job 9 that ended before the watermark but was
    // listed late.
    let t = NOW + 300.0;
    let out = a.apply_ended(
        JobType::Backup,
        vec![
            ended("1", "COMPLETED", NOW - 60.0),
            ended("9", "FAILED", NOW - 300.0),
        ],
        t,
    );
    assert_eq!((out.new, out.duplicates), (1, 1));
    // Third read lists both again: nothing changes.
    let out = a.apply_ended(
        JobType::Backup,
        vec![
            ended("1", "COMPLETED", NOW - 60.0),
            ended("9", "FAILED", NOW - 300.0),
        ],
        t + 300.0,
    );
    assert_eq!((out.new, out.duplicates), (0, 2));
    let s = snap(&mut a, t + 300.0);
    assert_eq!(count(&s.jobs, "COMPLETED"), 1);
    assert_eq!(count(&s.jobs, "FAILED"), 1);
    assert_eq!(count(&s.finished, "FAILED"), 1);
    assert_eq!(count(&s.finished, "COMPLETED"), 0);
}

#[test]
fn seen_ids_are_forgotten_below_the_overlap_and_not_recounted() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(
        JobType::Backup,
        vec![ended("old", "COMPLETED", NOW - 10.0 * H)],
        NOW,
    );
    a.apply_ended(
        JobType::Backup,
        vec![ended("new", "COMPLETED", NOW - 60.0)],
        NOW + 60.0,
    );
    let (_, _, seen) = a.footprint();
    assert_eq!(seen, 1, "the old id fell below watermark - overlap");
    // AWS returning the old job anyway must not count it again.
    let out = a.apply_ended(
        JobType::Backup,
        vec![ended("old", "COMPLETED", NOW - 10.0 * H)],
        NOW + 120.0,
    );
    assert_eq!(out.new, 0);
    assert_eq!(count(&snap(&mut a, NOW + 120.0).finished, "COMPLETED"), 1);
}

#[test]
fn window_slides_and_series_leave_when_empty() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(
        JobType::Backup,
        vec![
            ended("a", "COMPLETED", NOW - 23.0 * H),
            ended("b", "COMPLETED", NOW - 1.0 * H),
        ],
        NOW,
    );
    assert_eq!(count(&snap(&mut a, NOW).jobs, "COMPLETED"), 2);
    // Two hours later job a ended 25 h ago: out of the 24 h window.
    assert_eq!(count(&snap(&mut a, NOW + 2.0 * H).jobs, "COMPLETED"), 1);
    // Once b expires too, the series is gone, as a fresh exporter would not have it either;
    // the counter stays.
    let s = snap(&mut a, NOW + 30.0 * H);
    assert!(s.jobs.is_empty());
    assert_eq!(s.finished.len(), 1);
    assert!(s.resource_last_job.is_empty());
}

#[test]
fn the_lookback_edge_is_the_same_for_the_backfill_and_the_sliding_window() {
    // The edge is `now - lookback` rounded down to the minute: a job that ended inside the
    // first minute of the window is counted whether the window slid onto it or a backfill
    // started there, and one a second before the edge by neither.
    let jobs = || {
        vec![
            ended("edge", "COMPLETED", NOW - 24.0 * H),
            ended("inside", "COMPLETED", NOW - 24.0 * H + 59.0),
            ended("outside", "COMPLETED", NOW - 24.0 * H - 1.0),
        ]
    };
    let later = NOW + 30.0; // same bucket edge as NOW
    let mut running = TargetAggregate::new(settings());
    running.apply_ended(JobType::Backup, jobs(), NOW - 3.0 * H);
    let mut fresh = TargetAggregate::new(settings());
    // A backfill lists from its bound: the job one second before the edge is not listed,
    // or (if AWS rounds) listed and not counted.
    assert_eq!(
        fresh.complete_after(JobType::Backup, later),
        NOW - 24.0 * H - 1.0
    );
    fresh.apply_ended(JobType::Backup, jobs(), later);
    let a = snap(&mut running, later);
    let b = snap(&mut fresh, later);
    assert_eq!(count(&a.jobs, "COMPLETED"), 2);
    assert_eq!(a.jobs, b.jobs);
    assert_eq!(a.resource_last_job, b.resource_last_job);
    assert_eq!(a.resource_last_job.len(), 2);
}

#[test]
fn jobs_that_ended_before_the_lookback_feed_counters_not_the_window() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(JobType::Backup, vec![], NOW);
    // A late job whose completion is older than the lookback: counted once, by the counter.
    a.apply_ended(
        JobType::Backup,
        vec![ended("x", "FAILED", NOW - 30.0 * H)],
        NOW,
    );
    let s = snap(&mut a, NOW);
    assert_eq!(count(&s.jobs, "FAILED"), 0);
    assert_eq!(count(&s.finished, "FAILED"), 1);
    assert!(s.resource_last_job.is_empty());
}

#[test]
fn parent_jobs_are_skipped_unless_asked_for() {
    let parent = Job {
        is_parent: true,
        ..ended("p", "COMPLETED", NOW - H)
    };
    let mut a = TargetAggregate::new(settings());
    let out = a.apply_ended(
        JobType::Backup,
        vec![parent.clone(), ended("c", "COMPLETED", NOW - H)],
        NOW,
    );
    assert_eq!(out.parents_skipped, 1);
    assert_eq!(count(&snap(&mut a, NOW).jobs, "COMPLETED"), 1);
    a.apply_active(
        JobType::Backup,
        vec![Job {
            state: "RUNNING".into(),
            completion: None,
            ..parent.clone()
        }],
        NOW,
    );
    assert_eq!(count(&snap(&mut a, NOW).jobs, "RUNNING"), 0);

    let mut b = TargetAggregate::new(Settings {
        include_parent_jobs: true,
        ..settings()
    });
    b.apply_ended(
        JobType::Backup,
        vec![parent, ended("c", "COMPLETED", NOW - H)],
        NOW,
    );
    assert_eq!(count(&snap(&mut b, NOW).jobs, "COMPLETED"), 2);
}

#[test]
fn unknown_states_and_categories_pass_through() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(JobType::Backup, vec![], NOW);
    let mut j = ended("n", "HIBERNATED", NOW - 60.0);
    j.message_category = "SOMETHING_NEW".into();
    a.apply_ended(JobType::Backup, vec![j], NOW);
    let s = snap(&mut a, NOW);
    let (k, _) = s.jobs.iter().next().unwrap();
    assert_eq!(k.state, "HIBERNATED");
    assert_eq!(k.message_category, "SOMETHING_NEW");
    assert_eq!(s.finished.values().copied().collect::<Vec<_>>(), [1]);
}

#[test]
fn active_snapshot_is_replaced_whole() {
    let mut a = TargetAggregate::new(settings());
    let running = |id: &str, age: f64| Job {
        state: "RUNNING".into(),
        completion: None,
        creation: Some(NOW - age),
        message_category: String::new(),
        ..ended(id, "RUNNING", NOW)
    };
    a.apply_active(
        JobType::Backup,
        vec![running("r1", 600.0), running("r2", 7200.0)],
        NOW,
    );
    let s = snap(&mut a, NOW);
    assert_eq!(count(&s.jobs, "RUNNING"), 2);
    assert_eq!(
        s.oldest_active_age.values().copied().collect::<Vec<_>>(),
        [7200.0]
    );
    // Next refresh: nothing running. Both series go, as they would for a fresh exporter.
    a.apply_active(JobType::Backup, vec![], NOW + 60.0);
    let s = snap(&mut a, NOW + 60.0);
    assert!(s.jobs.is_empty());
    assert!(s.oldest_active_age.is_empty());
}

#[test]
fn extra_labels_follow_the_job_fields() {
    let mut a = TargetAggregate::new(Settings {
        extra_labels: vec![ExtraLabel::BackupVaultName, ExtraLabel::RestoreTestingPlan],
        ..settings()
    });
    let mut j = ended("v", "COMPLETED", NOW - 60.0);
    j.backup_vault_name = "Default".into();
    a.apply_ended(JobType::Backup, vec![j], NOW);
    let s = snap(&mut a, NOW);
    assert_eq!(
        s.jobs.keys().next().unwrap().extra,
        vec!["Default".to_string(), String::new()]
    );
}

fn restore_test(id: &str, validation: Option<&str>, completion: f64) -> Job {
    Job {
        job_type: JobType::Restore,
        id: id.into(),
        account_id: "111122223333".into(),
        state: "COMPLETED".into(),
        resource_type: "RDS".into(),
        resource_arn: "arn:aws:rds:us-east-1:111122223333:db:orders".into(),
        creation: Some(completion - 900.0),
        completion: Some(completion),
        restore_testing_plan: "weekly".into(),
        validation_status: validation.map(str::to_owned),
        ..Job::default()
    }
}

fn validations(s: &Snapshot) -> Vec<(String, u64)> {
    s.validations
        .iter()
        .map(|(k, n)| (k.validation_status.clone(), *n))
        .collect()
}

#[test]
fn restore_validation_moves_between_statuses_and_counts_once() {
    let mut a = TargetAggregate::new(settings());
    a.apply_ended(
        JobType::Restore,
        vec![
            restore_test("t1", Some("VALIDATING"), NOW - H),
            restore_test("t2", Some("SUCCESSFUL"), NOW - H),
            restore_test("t3", None, NOW - H),
        ],
        NOW,
    );
    // Pending: t1 and t3, re-read from the round after the listing that found them.
    assert!(a.validations_next_round(10).is_empty());
    assert_eq!(a.validations_next_round(10), ["t1", "t3"]);
    assert_eq!(
        validations(&snap(&mut a, NOW)),
        vec![("SUCCESSFUL".into(), 1), ("VALIDATING".into(), 1)]
    );
    let t = NOW + 60.0;
    a.apply_reread(
        "t1",
        Reread::Read(Box::new(restore_test("t1", Some("FAILED"), NOW - H))),
    );
    a.apply_reread(
        "t3",
        Reread::Read(Box::new(restore_test("t3", Some("VALIDATING"), NOW - H))),
    );
    // t1 settled; t3 is still validating and is re-read again next round.
    assert_eq!(a.validations_next_round(10), ["t3"]);
    assert_eq!(
        validations(&snap(&mut a, t)),
        vec![
            ("FAILED".into(), 1),
            ("SUCCESSFUL".into(), 1),
            ("VALIDATING".into(), 1)
        ]
    );
    // The overlap re-read lists t3 settled: the move happens there, once.
    a.apply_ended(
        JobType::Restore,
        vec![restore_test("t3", Some("TIMED_OUT"), NOW - H)],
        NOW + 120.0,
    );
    assert!(a.validations_next_round(10).is_empty());
    assert!(a.validations_next_round(10).is_empty());
    assert_eq!(
        validations(&snap(&mut a, NOW + 120.0)),
        vec![
            ("FAILED".into(), 1),
            ("SUCCESSFUL".into(), 1),
            ("TIMED_OUT".into(), 1),
        ]
    );
}

#[test]
fn per_resource_last_job_flips_and_respects_the_cap() {
    let mut a = TargetAggregate::new(Settings {
        max_series: 1,
        ..settings()
    });
    let mut ok = ended("1", "COMPLETED", NOW - 2.0 * H);
    ok.resource_arn = "arn:one".into();
    let mut failed = ended("2", "FAILED", NOW - H);
    failed.resource_arn = "arn:one".into();
    let mut other = ended("3", "COMPLETED", NOW - H);
    other.resource_arn = "arn:two".into();
    a.apply_ended(JobType::Backup, vec![ok], NOW);
    let s = snap(&mut a, NOW);
    assert_eq!(
        s.resource_last_job.values().copied().collect::<Vec<_>>(),
        [LastJob {
            completion: NOW - 2.0 * H,
            success: true,
            last_success: Some(NOW - 2.0 * H),
            interval: None,
            threats_found: None,
        }]
    );
    a.apply_ended(JobType::Backup, vec![failed, other], NOW + 60.0);
    let s = snap(&mut a, NOW + 60.0);
    assert_eq!(
        s.resource_last_job.values().copied().collect::<Vec<_>>(),
        [LastJob {
            completion: NOW - H,
            success: false,
            last_success: Some(NOW - 2.0 * H),
            interval: None,
            threats_found: None,
        }]
    );
    assert_eq!(s.dropped.last_job, 1);
    // The same refused resource again is not a new refused series.
    let mut again = ended("4", "FAILED", NOW - 60.0);
    again.resource_arn = "arn:two".into();
    a.apply_ended(JobType::Backup, vec![again], NOW + 120.0);
    assert_eq!(snap(&mut a, NOW + 120.0).dropped.last_job, 1);
}

#[test]
fn memory_follows_label_sets_not_jobs() {
    let mut a = TargetAggregate::new(settings());
    let jobs: Vec<Job> = (0..50_000)
        .map(|i| ended(&i.to_string(), "COMPLETED", NOW - 20.0 * H + i as f64))
        .collect();
    a.apply_ended(JobType::Backup, jobs, NOW);
    let (label_sets, buckets, seen) = a.footprint();
    assert_eq!(label_sets, 1);
    assert_eq!(buckets, 50_000 / 60 + 1);
    // Only ids inside the overlap (15 min + margin) are remembered.
    assert_eq!(seen, 16 * 60 + 1);
}
