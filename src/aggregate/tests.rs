use super::*;

const H: f64 = 3600.0;
const NOW: f64 = 1_800_000_000.0;

fn settings() -> Settings {
    Settings {
        lookback: 24.0 * H,
        overlap: 0.25 * H,
        include_parent_jobs: false,
        extra_labels: vec![],
        resources_enabled: true,
        max_series: 100,
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
        creation: completion - 600.0,
        completion: Some(completion),
        size_bytes: Some(5 * 1024 * 1024),
        ..Job::default()
    }
}

fn count(snap: &[(JobKey, u64)], state: &str) -> u64 {
    snap.iter()
        .filter(|(k, _)| k.state == state)
        .map(|(_, n)| n)
        .sum()
}

#[test]
fn backfill_fills_gauges_but_never_counters_or_histograms() {
    let mut a = Aggregator::new(settings());
    assert_eq!(a.complete_after(JobType::Backup, NOW), NOW - 24.0 * H);
    let out = a.apply_ended(
        JobType::Backup,
        vec![
            ended("1", "COMPLETED", NOW - 2.0 * H),
            ended("2", "FAILED", NOW - H),
        ],
        NOW,
    );
    assert_eq!(out.new, 2);
    let s = a.snapshot(NOW);
    assert_eq!(count(&s.jobs, "COMPLETED"), 1);
    assert_eq!(count(&s.jobs, "FAILED"), 1);
    assert!(s.finished.is_empty());
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
    let s = a.snapshot(later);
    assert_eq!(count(&s.jobs, "COMPLETED"), 2);
    assert_eq!(count(&s.finished, "COMPLETED"), 1);
    assert_eq!(count(&s.finished, "FAILED"), 0);
    let (k, h) = &s.duration[0];
    assert_eq!((k.state.as_str(), h.count, h.sum), ("COMPLETED", 1, 600.0));
    assert_eq!(s.size[0].1.count, 1);
}

#[test]
fn watermark_moves_to_newest_completion_minus_overlap() {
    let mut a = Aggregator::new(settings());
    a.apply_ended(JobType::Backup, vec![ended("1", "COMPLETED", NOW - H)], NOW);
    assert_eq!(a.complete_after(JobType::Backup, NOW), NOW - H - 0.25 * H);
    // Other job types keep their own watermark.
    assert_eq!(a.complete_after(JobType::Copy, NOW), NOW - 24.0 * H);
    // A completion in the future (clock skew) does not push the watermark past now.
    a.apply_ended(JobType::Backup, vec![ended("2", "COMPLETED", NOW + H)], NOW);
    assert_eq!(a.complete_after(JobType::Backup, NOW), NOW - 0.25 * H);
}

#[test]
fn jobs_reread_in_the_overlap_count_once_and_late_jobs_count_when_they_appear() {
    let mut a = Aggregator::new(settings());
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
    let s = a.snapshot(t + 300.0);
    assert_eq!(count(&s.jobs, "COMPLETED"), 1);
    assert_eq!(count(&s.jobs, "FAILED"), 1);
    assert_eq!(count(&s.finished, "FAILED"), 1);
    assert_eq!(count(&s.finished, "COMPLETED"), 0);
}

#[test]
fn seen_ids_are_forgotten_below_the_overlap_and_not_recounted() {
    let mut a = Aggregator::new(settings());
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
    assert_eq!(count(&a.snapshot(NOW + 120.0).finished, "COMPLETED"), 1);
}

#[test]
fn window_slides_and_expires_whole_buckets() {
    let mut a = Aggregator::new(settings());
    a.apply_ended(
        JobType::Backup,
        vec![
            ended("a", "COMPLETED", NOW - 23.0 * H),
            ended("b", "COMPLETED", NOW - 1.0 * H),
        ],
        NOW,
    );
    assert_eq!(count(&a.snapshot(NOW).jobs, "COMPLETED"), 2);
    // Two hours later job a ended 25 h ago: out of the 24 h window. The series stays, at 0
    // once b expires too.
    assert_eq!(count(&a.snapshot(NOW + 2.0 * H).jobs, "COMPLETED"), 1);
    let s = a.snapshot(NOW + 30.0 * H);
    assert_eq!(s.jobs.len(), 1);
    assert_eq!(s.jobs[0].1, 0);
}

#[test]
fn jobs_that_ended_before_the_lookback_feed_counters_not_the_window() {
    let mut a = Aggregator::new(settings());
    a.apply_ended(JobType::Backup, vec![], NOW);
    // A late job whose completion is older than the lookback: counted once, by the counter.
    a.apply_ended(
        JobType::Backup,
        vec![ended("x", "FAILED", NOW - 30.0 * H)],
        NOW,
    );
    let s = a.snapshot(NOW);
    assert_eq!(count(&s.jobs, "FAILED"), 0);
    assert_eq!(count(&s.finished, "FAILED"), 1);
}

#[test]
fn parent_jobs_are_skipped_unless_asked_for() {
    let parent = Job {
        is_parent: true,
        ..ended("p", "COMPLETED", NOW - H)
    };
    let mut a = Aggregator::new(settings());
    let out = a.apply_ended(
        JobType::Backup,
        vec![parent.clone(), ended("c", "COMPLETED", NOW - H)],
        NOW,
    );
    assert_eq!(out.parents_skipped, 1);
    assert_eq!(count(&a.snapshot(NOW).jobs, "COMPLETED"), 1);
    a.apply_active(
        JobType::Backup,
        vec![Job {
            state: "RUNNING".into(),
            completion: None,
            ..parent.clone()
        }],
        NOW,
    );
    assert_eq!(count(&a.snapshot(NOW).jobs, "RUNNING"), 0);

    let mut b = Aggregator::new(Settings {
        include_parent_jobs: true,
        ..settings()
    });
    b.apply_ended(
        JobType::Backup,
        vec![parent, ended("c", "COMPLETED", NOW - H)],
        NOW,
    );
    assert_eq!(count(&b.snapshot(NOW).jobs, "COMPLETED"), 2);
}

#[test]
fn unknown_states_and_categories_pass_through() {
    let mut a = Aggregator::new(settings());
    a.apply_ended(JobType::Backup, vec![], NOW);
    let mut j = ended("n", "HIBERNATED", NOW - 60.0);
    j.message_category = "SOMETHING_NEW".into();
    a.apply_ended(JobType::Backup, vec![j], NOW);
    let s = a.snapshot(NOW);
    assert_eq!(s.jobs[0].0.state, "HIBERNATED");
    assert_eq!(s.jobs[0].0.message_category, "SOMETHING_NEW");
    assert_eq!(s.finished[0].1, 1);
}

#[test]
fn active_snapshot_is_replaced_and_keeps_zeroed_series() {
    let mut a = Aggregator::new(settings());
    let running = |id: &str, age: f64| Job {
        state: "RUNNING".into(),
        completion: None,
        creation: NOW - age,
        message_category: String::new(),
        ..ended(id, "RUNNING", NOW)
    };
    a.apply_active(
        JobType::Backup,
        vec![running("r1", 600.0), running("r2", 7200.0)],
        NOW,
    );
    let s = a.snapshot(NOW);
    assert_eq!(count(&s.jobs, "RUNNING"), 2);
    assert_eq!(s.oldest_active_age.len(), 1);
    assert_eq!(s.oldest_active_age[0].1, 7200.0);
    // Next refresh: nothing running. The gauge reads 0; the age series goes away.
    a.apply_active(JobType::Backup, vec![], NOW + 60.0);
    let s = a.snapshot(NOW + 60.0);
    assert_eq!(s.jobs.len(), 1);
    assert_eq!(s.jobs[0].1, 0);
    assert!(s.oldest_active_age.is_empty());
}

#[test]
fn extra_labels_follow_the_job_fields() {
    let mut a = Aggregator::new(Settings {
        extra_labels: vec![ExtraLabel::BackupVaultName, ExtraLabel::RestoreTestingPlan],
        ..settings()
    });
    let mut j = ended("v", "COMPLETED", NOW - 60.0);
    j.backup_vault_name = "Default".into();
    a.apply_ended(JobType::Backup, vec![j], NOW);
    let s = a.snapshot(NOW);
    assert_eq!(
        s.jobs[0].0.extra,
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
        creation: completion - 900.0,
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
    let mut a = Aggregator::new(settings());
    a.apply_ended(
        JobType::Restore,
        vec![
            restore_test("t1", Some("VALIDATING"), NOW - H),
            restore_test("t2", Some("SUCCESSFUL"), NOW - H),
            restore_test("t3", None, NOW - H),
        ],
        NOW,
    );
    assert_eq!(
        a.pending_validations(),
        vec!["t1".to_string(), "t3".to_string()]
    );
    assert_eq!(
        validations(&a.snapshot(NOW)),
        vec![("SUCCESSFUL".into(), 1), ("VALIDATING".into(), 1)]
    );
    a.apply_validation(&restore_test("t1", Some("FAILED"), NOW - H), NOW + 60.0);
    a.apply_validation(&restore_test("t3", Some("VALIDATING"), NOW - H), NOW + 60.0);
    assert_eq!(a.pending_validations(), vec!["t3".to_string()]);
    assert_eq!(
        validations(&a.snapshot(NOW + 60.0)),
        vec![
            ("FAILED".into(), 1),
            ("SUCCESSFUL".into(), 1),
            ("VALIDATING".into(), 1)
        ]
    );
    // The overlap re-read lists t3 settled: the move happens there too, once.
    a.apply_ended(
        JobType::Restore,
        vec![restore_test("t3", Some("TIMED_OUT"), NOW - H)],
        NOW + 120.0,
    );
    a.apply_validation(&restore_test("t3", Some("TIMED_OUT"), NOW - H), NOW + 120.0);
    assert!(a.pending_validations().is_empty());
    assert_eq!(
        validations(&a.snapshot(NOW + 120.0)),
        vec![
            ("FAILED".into(), 1),
            ("SUCCESSFUL".into(), 1),
            ("TIMED_OUT".into(), 1),
            ("VALIDATING".into(), 0)
        ]
    );
}

#[test]
fn per_resource_last_job_flips_and_respects_the_cap() {
    let mut a = Aggregator::new(Settings {
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
    let s = a.snapshot(NOW);
    assert_eq!(
        s.resource_last_job[0].1,
        LastJob {
            completion: NOW - 2.0 * H,
            success: true
        }
    );
    a.apply_ended(JobType::Backup, vec![failed, other], NOW + 60.0);
    let s = a.snapshot(NOW + 60.0);
    assert_eq!(s.resource_last_job.len(), 1);
    assert_eq!(
        s.resource_last_job[0].1,
        LastJob {
            completion: NOW - H,
            success: false
        }
    );
    let dropped = |s: &Snapshot| -> Vec<u64> { s.series_dropped.iter().map(|(_, n)| *n).collect() };
    assert_eq!(dropped(&s), vec![0, 1, 1]);
    // The same refused resource again is not a new refused series.
    let mut again = ended("4", "FAILED", NOW - 60.0);
    again.resource_arn = "arn:two".into();
    a.apply_ended(JobType::Backup, vec![again], NOW + 120.0);
    assert_eq!(dropped(&a.snapshot(NOW + 120.0)), vec![0, 1, 1]);
}

#[test]
fn memory_follows_label_sets_not_jobs() {
    let mut a = Aggregator::new(settings());
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
