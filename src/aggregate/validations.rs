//! Restore-test validations: each restore test that ended within the lookback counts under its
//! current ValidationStatus, and the ones still settling are re-read until they settle.
//!
//! Re-reads are fair: the least recently tried come first, each with a backoff of its own that
//! doubles while it stays unsettled (counted in rounds of re-reads, one per refresh, so the
//! cadence follows `refresh_interval`), so 200 tests that never settle cannot starve the rest;
//! a test that cannot be described is dropped; one that left the lookback is no longer re-read.

use std::collections::BTreeMap;

use super::hash::FieldHasher;
use super::interner::Interner;
use super::keys::ValidationKey;
use super::snapshot::Snapshot;
use super::window::Window;
use crate::job::{ExtraLabel, Job, states};

/// The longest wait between two re-reads of one test, in rounds.
const MAX_BACKOFF_ROUNDS: u64 = 16;

/// A restore test whose validation has not settled.
#[derive(Debug)]
struct Pending {
    completion: f64,
    /// The job as last seen: its labels, and the status it is counted under.
    job: Job,
    attempts: u32,
    /// Not re-read before this round.
    eligible: u64,
    /// The round of its last re-read (0: never), for least-recently-tried-first order.
    last_try: u64,
}

#[derive(Debug)]
pub struct Validations {
    keys: Interner<ValidationKey>,
    window: Window,
    pending: BTreeMap<String, Pending>,
    /// Rounds of re-reads so far.
    round: u64,
}

/// How a re-read of one pending test went.
#[derive(Debug)]
pub enum Reread {
    Read(Box<Job>),
    /// The job cannot be described (not found, not allowed): stop trying.
    Gone,
    /// A transient failure: try again later.
    Failed,
}

impl Validations {
    pub fn new(bucket_width: f64) -> Self {
        Validations {
            keys: Interner::default(),
            window: Window::new(bucket_width),
            pending: BTreeMap::new(),
            round: 0,
        }
    }

    fn key_id(&mut self, job: &Job, status: &str, extras: &[ExtraLabel]) -> u32 {
        let mut h = FieldHasher::new(0)
            .field(&job.account_id)
            .field(&job.resource_type)
            .field(status);
        for l in extras {
            h = h.field(l.value(job));
        }
        self.keys.find_or_insert(
            h.finish(),
            |k| {
                k.account_id == job.account_id
                    && k.resource_type == job.resource_type
                    && k.validation_status == status
                    && k.extra.iter().zip(extras).all(|(v, l)| v == l.value(job))
            },
            || ValidationKey {
                account_id: job.account_id.clone(),
                resource_type: job.resource_type.clone(),
                validation_status: status.to_owned(),
                extra: extras.iter().map(|l| l.value(job).to_owned()).collect(),
            },
        )
    }

    /// A restore test listed for the first time.
    pub fn add(&mut self, job: Job, completion: f64, window_start: f64, extras: &[ExtraLabel]) {
        if completion < window_start {
            return;
        }
        if let Some(status) = &job.validation_status {
            let id = self.key_id(&job, status, extras);
            self.window.add(id, completion, 1);
        }
        let unsettled = match job.validation_status.as_deref() {
            Some(s) => s == states::VALIDATING,
            None => job.is_completed(),
        };
        if unsettled {
            self.pending.insert(
                job.id.clone(),
                Pending {
                    completion,
                    job,
                    attempts: 0,
                    // The listing just gave its status: first re-read in the next round.
                    eligible: self.round + 2,
                    last_try: 0,
                },
            );
        }
    }

    pub fn is_pending(&self, id: &str) -> bool {
        self.pending.contains_key(id)
    }

    /// Starts a round of re-reads: up to `max` pending tests due, least recently tried first.
    pub fn next_round(&mut self, max: usize) -> Vec<String> {
        self.round += 1;
        let round = self.round;
        let mut due: Vec<(u64, &String)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.eligible <= round)
            .map(|(id, p)| (p.last_try, id))
            .collect();
        due.sort();
        due.into_iter()
            .take(max)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Applies the outcome of re-reading pending test `id` in this round.
    pub fn reread(&mut self, id: &str, outcome: Reread, extras: &[ExtraLabel]) {
        match outcome {
            Reread::Read(job) => self.update(&job, extras),
            Reread::Gone => {
                self.pending.remove(id);
            }
            Reread::Failed => {}
        }
        if let Some(p) = self.pending.get_mut(id) {
            p.attempts += 1;
            p.last_try = self.round;
            let wait = 1u64 << p.attempts.saturating_sub(1).min(8);
            p.eligible = self.round + wait.min(MAX_BACKOFF_ROUNDS);
        }
    }

    /// A pending test listed again or re-read: its validation may have moved
    /// (VALIDATING → FAILED). The job stays counted once; only its label changes.
    pub fn update(&mut self, job: &Job, extras: &[ExtraLabel]) {
        let Some(pending) = self.pending.get(&job.id) else {
            return;
        };
        let completion = pending.completion;
        let old = pending.job.validation_status.clone();
        let new = job.validation_status.clone();
        if old != new {
            let base = pending.job.clone();
            // Buckets leave only with the lookback, so a pending job's count is in place.
            if let Some(o) = &old {
                let id = self.key_id(&base, o, extras);
                self.window.add(id, completion, -1);
            }
            if let Some(n) = &new {
                let id = self.key_id(&base, n, extras);
                self.window.add(id, completion, 1);
            }
        }
        match new.as_deref() {
            Some(s) if s != states::VALIDATING => {
                self.pending.remove(&job.id);
            }
            _ => {
                if let Some(p) = self.pending.get_mut(&job.id) {
                    p.job.validation_status = new;
                }
            }
        }
    }

    /// Slides the window; tests that left it are no longer re-read.
    pub fn snapshot(&mut self, window_start: f64, out: &mut Snapshot) {
        self.window.expire(window_start);
        self.pending.retain(|_, p| p.completion >= window_start);
        for (id, n) in self.window.nonzero() {
            *out.validations
                .entry(self.keys.key(id).clone())
                .or_default() += n;
        }
    }

    #[cfg(test)]
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobType;

    fn test(id: &str, status: Option<&str>) -> Job {
        Job {
            job_type: JobType::Restore,
            id: id.into(),
            account_id: "111122223333".into(),
            state: "COMPLETED".into(),
            resource_type: "EBS".into(),
            restore_testing_plan: "plan".into(),
            validation_status: status.map(str::to_owned),
            ..Job::default()
        }
    }

    fn counts(v: &mut Validations) -> Vec<(String, u64)> {
        let mut s = Snapshot::default();
        v.snapshot(0.0, &mut s);
        s.validations
            .into_iter()
            .map(|(k, n)| (k.validation_status, n))
            .collect()
    }

    #[test]
    fn rereads_are_fair_and_back_off_per_test() {
        let mut v = Validations::new(60.0);
        for i in 0..5 {
            v.add(test(&format!("t{i}"), Some("VALIDATING")), 1000.0, 0.0, &[]);
        }
        // Round 1 follows the listing that found them: nothing to re-read yet.
        assert!(v.next_round(2).is_empty());
        // Two a round: the never-tried first, then the least recently tried.
        let r2 = v.next_round(2);
        assert_eq!(r2, ["t0", "t1"]);
        for id in &r2 {
            v.reread(id, Reread::Failed, &[]);
        }
        let r3 = v.next_round(2);
        assert_eq!(r3, ["t2", "t3"]);
        for id in &r3 {
            v.reread(
                id,
                Reread::Read(Box::new(test(id, Some("VALIDATING")))),
                &[],
            );
        }
        assert_eq!(v.next_round(2), ["t4", "t0"]);
        v.reread("t4", Reread::Failed, &[]);
        // t0 was handed out but not tried (the round was cut short): it keeps its place.
        assert_eq!(v.next_round(9), ["t0", "t1", "t2", "t3", "t4"]);
        for id in ["t0", "t1", "t2", "t3", "t4"] {
            v.reread(id, Reread::Failed, &[]);
        }
        // All were tried twice now: each waits two rounds.
        assert!(v.next_round(9).is_empty());
        assert_eq!(v.next_round(9).len(), 5);
    }

    #[test]
    fn gone_tests_are_dropped_and_settled_ones_move_between_labels() {
        let mut v = Validations::new(60.0);
        v.add(test("a", Some("VALIDATING")), 1000.0, 0.0, &[]);
        v.add(test("b", Some("VALIDATING")), 1000.0, 0.0, &[]);
        v.add(test("c", None), 1000.0, 0.0, &[]);
        assert_eq!(v.pending_count(), 3);
        v.reread("a", Reread::Gone, &[]);
        v.reread("b", Reread::Read(Box::new(test("b", Some("FAILED")))), &[]);
        v.reread(
            "c",
            Reread::Read(Box::new(test("c", Some("SUCCESSFUL")))),
            &[],
        );
        assert_eq!(v.pending_count(), 0);
        assert_eq!(
            counts(&mut v),
            [
                ("FAILED".to_owned(), 1),
                ("SUCCESSFUL".to_owned(), 1),
                ("VALIDATING".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn tests_that_left_the_lookback_are_not_reread() {
        let mut v = Validations::new(60.0);
        v.add(test("old", Some("VALIDATING")), 1000.0, 0.0, &[]);
        v.add(test("new", Some("VALIDATING")), 5000.0, 0.0, &[]);
        let mut s = Snapshot::default();
        v.snapshot(1020.0, &mut s);
        v.next_round(10);
        assert_eq!(v.next_round(10), ["new"]);
        assert_eq!(s.validations.values().sum::<u64>(), 1);
    }
}
