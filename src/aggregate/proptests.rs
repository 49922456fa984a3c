//! Model-based property tests of the incremental read: random jobs turning up late (up to
//! half the overlap after they ended), random read schedules with failed reads part-way
//! through, listings in any order with duplicates. After every read the aggregate must agree
//! with a naive recount of the same jobs, and two exporters on different schedules (one
//! started later, as after a restart) must export the same gauges.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::intervals::{Interval, IntervalSource};
use super::*;
use crate::job::{Job, JobType, states};

const NOW0: f64 = 1_800_000_000.0;
const LOOKBACK: f64 = 3600.0;
const OVERLAP: f64 = 600.0;
const RESOURCES: usize = 4;
const STATES: [&str; 4] = [states::COMPLETED, "FAILED", "ABORTED", "EXPIRED"];

fn settings() -> Settings {
    Settings {
        lookback: LOOKBACK,
        overlap: OVERLAP,
        include_parent_jobs: false,
        extra_labels: vec![],
        resources_enabled: true,
        max_series: 100,
        schedules_enabled: true,
    }
}

/// A job as the model sees it: when it ended and when AWS first lists it.
#[derive(Clone, Debug)]
struct Truth {
    id: usize,
    resource: usize,
    state: &'static str,
    completion: f64,
    visible: f64,
    duration: f64,
}

impl Truth {
    fn job(&self) -> Job {
        Job {
            job_type: JobType::Backup,
            id: format!("job-{}", self.id),
            account_id: "111122223333".into(),
            state: self.state.into(),
            message_category: if self.state == states::COMPLETED {
                "SUCCESS".into()
            } else {
                "ACCESS_DENIED".into()
            },
            resource_type: if self.resource.is_multiple_of(2) {
                "EBS"
            } else {
                "RDS"
            }
            .into(),
            resource_arn: format!(
                "arn:aws:ec2:us-east-1:111122223333:volume/vol-{}",
                self.resource
            ),
            creation: Some(self.completion - self.duration),
            completion: Some(self.completion),
            size_bytes: Some(1 << 20),
            ..Job::default()
        }
    }
}

/// One refresh: how long after the previous one, whether it fails and after how many jobs,
/// how the listing is ordered, and which jobs AWS returns twice.
#[derive(Clone, Debug)]
struct Read {
    gap: f64,
    fails_after: Option<usize>,
    order_seed: u64,
    repeats: Vec<usize>,
}

fn truths() -> impl Strategy<Value = Vec<Truth>> {
    let one = (
        0..RESOURCES,
        prop::sample::select(STATES.to_vec()),
        // From just inside the first window to three hours on, in whole seconds.
        (-(LOOKBACK as i64) + 120)..(3 * 3600),
        0..=(OVERLAP as i64 / 2),
        1..7200i64,
    );
    prop::collection::vec(one, 0..80).prop_map(|raw| {
        let mut taken = std::collections::BTreeSet::new();
        raw.into_iter()
            .enumerate()
            // One job per resource and second: the newest job of a resource is then unique.
            .filter(|(_, (r, _, c, _, _))| taken.insert((*r, *c)))
            .map(|(id, (resource, state, c, late, duration))| Truth {
                id,
                resource,
                state,
                completion: NOW0 + c as f64,
                visible: NOW0 + (c + late) as f64,
                duration: duration as f64,
            })
            .collect()
    })
}

fn reads() -> impl Strategy<Value = Vec<Read>> {
    let one = (
        1..=(OVERLAP as i64 / 4),
        prop::option::weighted(0.2, 0..40usize),
        any::<u64>(),
        prop::collection::vec(0..80usize, 0..4),
    )
        .prop_map(|(gap, fails_after, order_seed, repeats)| Read {
            gap: gap as f64,
            fails_after,
            order_seed,
            repeats,
        });
    prop::collection::vec(one, 1..120)
}

/// A small deterministic shuffle, so that a failing case replays exactly.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

/// What AWS lists at `now` for `ByCompleteAfter = after`: jobs visible by then that ended
/// strictly after the bound, in the read's order, some twice.
fn listing(truths: &[Truth], after: f64, now: f64, read: &Read) -> Vec<Job> {
    let mut out: Vec<&Truth> = truths
        .iter()
        .filter(|t| t.visible <= now && t.completion > after)
        .collect();
    for &i in &read.repeats {
        if !out.is_empty() {
            out.push(out[i % out.len()]);
        }
    }
    shuffle(&mut out, read.order_seed | 1);
    out.into_iter().map(Truth::job).collect()
}

/// The naive recount the aggregate must agree with.
#[derive(Default)]
struct Model {
    /// Job id → whether it was counted by the start-up backfill.
    counted: BTreeMap<usize, bool>,
    backfilled: bool,
}

impl Model {
    /// A successful read at `now`: every job visible by then that is inside the window is
    /// counted, once.
    fn read(&mut self, truths: &[Truth], window_start: f64, now: f64) {
        for t in truths {
            if t.visible <= now && t.completion >= window_start {
                let backfill = !self.backfilled;
                self.counted.entry(t.id).or_insert(backfill);
            }
        }
        self.backfilled = true;
    }

    fn counted<'a>(&'a self, truths: &'a [Truth]) -> impl Iterator<Item = (&'a Truth, bool)> {
        truths
            .iter()
            .filter_map(|t| self.counted.get(&t.id).map(|&b| (t, b)))
    }

    fn jobs(&self, truths: &[Truth], window_start: f64) -> BTreeMap<JobKey, u64> {
        let mut out = BTreeMap::new();
        for (t, _) in self.counted(truths) {
            if t.completion >= window_start {
                *out.entry(key(t)).or_default() += 1;
            }
        }
        out
    }

    fn finished(&self, truths: &[Truth]) -> BTreeMap<JobKey, u64> {
        let mut out = BTreeMap::new();
        for (t, backfill) in self.counted(truths) {
            *out.entry(key(t)).or_default() += u64::from(!backfill);
        }
        out
    }

    /// Observations and sum of the duration histogram, per (resource type, state).
    fn durations(&self, truths: &[Truth]) -> BTreeMap<(String, String), (u64, f64)> {
        let mut out: BTreeMap<_, (u64, f64)> = BTreeMap::new();
        for (t, backfill) in self.counted(truths) {
            if !backfill {
                let j = t.job();
                let e = out.entry((j.resource_type, j.state)).or_default();
                e.0 += 1;
                e.1 += t.duration;
            }
        }
        out
    }

    /// Per resource: the newest job, the newest success, and the median gap of its
    /// successes (the history interval: these jobs carry no schedule).
    fn last_job(&self, truths: &[Truth], window_start: f64) -> BTreeMap<String, LastJob> {
        let mut out: BTreeMap<String, LastJob> = BTreeMap::new();
        let mut successes: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (t, _) in self.counted(truths) {
            if t.completion < window_start {
                continue;
            }
            let success = t.state == states::COMPLETED;
            let arn = t.job().resource_arn;
            let e = out.entry(arn.clone()).or_insert(LastJob {
                completion: t.completion,
                success,
                last_success: None,
                interval: None,
                threats_found: None,
            });
            if e.completion < t.completion {
                e.completion = t.completion;
                e.success = success;
            }
            if success {
                e.last_success = Some(e.last_success.map_or(t.completion, |s| s.max(t.completion)));
                successes.entry(arn).or_default().push(t.completion);
            }
        }
        for (arn, mut done) in successes {
            if done.len() < 3 {
                continue;
            }
            done.sort_by(f64::total_cmp);
            let mut gaps: Vec<f64> = done.windows(2).map(|w| w[1] - w[0]).collect();
            gaps.sort_by(f64::total_cmp);
            let n = gaps.len();
            let median = if n % 2 == 1 {
                gaps[n / 2]
            } else {
                (gaps[n / 2 - 1] + gaps[n / 2]) / 2.0
            };
            if let Some(e) = out.get_mut(&arn) {
                e.interval = Some(Interval {
                    seconds: median,
                    source: IntervalSource::History,
                });
            }
        }
        out
    }
}

fn key(t: &Truth) -> JobKey {
    let j = t.job();
    JobKey {
        job_type: JobType::Backup,
        account_id: j.account_id,
        resource_type: j.resource_type,
        state: j.state,
        message_category: j.message_category,
        extra: vec![],
    }
}

/// Runs one exporter over `reads`, starting at `start`, checking it against the model after
/// every read; returns its last snapshot and the time of its last read.
fn run(truths: &[Truth], start: f64, reads: &[Read]) -> Result<(Snapshot, f64), TestCaseError> {
    let s = settings();
    let mut agg = TargetAggregate::new(s.clone());
    let mut model = Model::default();
    let mut now = start;
    let mut last = None;
    for read in reads {
        now += read.gap;
        let after = agg.complete_after(JobType::Backup, now);
        let listed = listing(truths, after, now, read);
        let mut staged = agg.begin_read(JobType::Backup, now);
        match read.fails_after {
            Some(n) => {
                // Pages up to a failure are staged, then the read is dropped.
                for job in listed.into_iter().take(n) {
                    agg.stage(&mut staged, job);
                }
                drop(staged);
            }
            None => {
                for job in listed {
                    agg.stage(&mut staged, job);
                }
                agg.commit(staged, now);
                model.read(truths, s.window_start(now), now);
            }
        }
        let snap = agg.snapshot("us-east-1", now);
        let ws = s.window_start(now);
        prop_assert_eq!(
            &snap.jobs,
            &model.jobs(truths, ws),
            "gauges at {}",
            now - NOW0
        );
        prop_assert_eq!(&snap.finished, &model.finished(truths), "counters");
        let durations: BTreeMap<_, _> = snap
            .duration
            .iter()
            .map(|(k, h)| ((k.resource_type.clone(), k.state.clone()), (h.count, h.sum)))
            .collect();
        prop_assert_eq!(durations, model.durations(truths), "durations");
        let last_job: BTreeMap<_, _> = snap
            .resource_last_job
            .iter()
            .map(|(k, v)| (k.resource_arn.clone(), *v))
            .collect();
        prop_assert_eq!(last_job, model.last_job(truths, ws), "last job");
        last = Some(snap);
    }
    Ok((last.expect("at least one read"), now))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_job_is_counted_once_whatever_the_schedule(
        truths in truths(),
        reads in reads(),
    ) {
        run(&truths, NOW0, &reads)?;
    }

    #[test]
    fn an_exporter_started_later_exports_the_same_gauges(
        truths in truths(),
        first in reads(),
        second in reads(),
        delay in 0..7200i64,
    ) {
        // The second starts later; both end with a successful read at the same moment.
        let span = |reads: &[Read]| reads.iter().map(|r| r.gap).sum::<f64>();
        let b_start = NOW0 + delay as f64;
        let end = (NOW0 + span(&first)).max(b_start + span(&second)) + 1.0;
        let tail = |gap: f64| Read { gap, fails_after: None, order_seed: 7, repeats: vec![] };
        let (mut first, mut second) = (first, second);
        first.push(tail(end - NOW0 - span(&first)));
        second.push(tail(end - b_start - span(&second)));
        let (a, _) = run(&truths, NOW0, &first)?;
        let (b, _) = run(&truths, b_start, &second)?;
        prop_assert_eq!(a.jobs, b.jobs);
        prop_assert_eq!(a.resource_last_job, b.resource_last_job);
    }

    #[test]
    fn jobs_with_any_field_values_are_counted_never_a_panic(
        jobs in prop::collection::vec(
            (
                ".*", ".*", ".*", ".*",
                prop::option::of(-1e13..1e13f64),
                prop::option::of(-1e13..1e13f64),
                prop::option::of(any::<i64>()),
                any::<bool>(),
            ),
            0..40,
        ),
    ) {
        let s = settings();
        let mut agg = TargetAggregate::new(s.clone());
        let now = NOW0;
        let ws = s.window_start(now);
        let jobs: Vec<Job> = jobs
            .into_iter()
            .enumerate()
            .map(|(i, (account, state, rtype, arn, creation, completion, size, parent))| Job {
                id: i.to_string(),
                account_id: account,
                state,
                resource_type: rtype,
                resource_arn: arn,
                creation,
                completion,
                size_bytes: size,
                is_parent: parent,
                ..Job::default()
            })
            .collect();
        // A completion in the future counts as now; parents are left out.
        let in_window = jobs
            .iter()
            .filter(|j| !j.is_parent && j.completion.is_some_and(|c| c.min(now) >= ws))
            .count() as u64;
        agg.apply_ended(JobType::Backup, jobs.clone(), now);
        let first = agg.snapshot("us-east-1", now);
        prop_assert_eq!(first.jobs.values().sum::<u64>(), in_window);
        // The same listing again a minute later counts nothing twice.
        agg.apply_ended(JobType::Backup, jobs, now + 60.0);
        let again = agg.snapshot("us-east-1", now + 60.0);
        prop_assert_eq!(again.finished.values().sum::<u64>(), 0);
        prop_assert!(again.jobs.values().sum::<u64>() <= in_window);
        for h in again.duration.values().chain(again.size.values()) {
            prop_assert!(h.sum.is_finite());
        }
    }
}
