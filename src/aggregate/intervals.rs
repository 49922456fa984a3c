//! The gap expected between a resource's backups: from the schedule of the rule that created
//! its newest scheduled backup job, else the median gap of its completed backups.
//!
//! Schedules are few (one per backup rule) and resources many, so each distinct (cron, time
//! zone) is interned once and evaluated at most once an hour.

use super::hash::FieldHasher;
use super::interner::Interner;
use super::schedule::{Schedule, ScheduleError};
use crate::job;

/// At most this many distinct schedules are tracked; more (a flood of bogus ones) get none.
const MAX_SCHEDULES: usize = 10_000;

/// History needs at least this many completed backups (two gaps) to give an interval.
pub const MIN_HISTORY: usize = 3;

/// Where an interval came from (the `source` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum IntervalSource {
    Schedule,
    History,
}

impl IntervalSource {
    pub fn as_str(self) -> &'static str {
        match self {
            IntervalSource::Schedule => "schedule",
            IntervalSource::History => "history",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub seconds: f64,
    pub source: IntervalSource,
}

#[derive(Debug, Default)]
pub struct ScheduleBook {
    keys: Interner<job::Schedule>,
    parsed: Vec<Result<Schedule, ScheduleError>>,
    /// Per schedule: the hour its interval was last worked out for, and the result.
    cached: Vec<Option<(i64, Option<f64>)>>,
}

impl ScheduleBook {
    /// The id of a job's schedule, interning it; `None` past the cap.
    pub fn id(&mut self, s: &job::Schedule) -> Option<u32> {
        let hash = FieldHasher::new(0)
            .field(&s.cron)
            .field(&s.timezone)
            .finish();
        let matches = |k: &job::Schedule| k == s;
        if let Some(id) = self.keys.find(hash, matches) {
            return Some(id);
        }
        if self.keys.len() >= MAX_SCHEDULES {
            return None;
        }
        let id = self.keys.find_or_insert(hash, matches, || s.clone());
        let parsed = Schedule::parse(&s.cron, &s.timezone);
        if let Err(e) = &parsed {
            tracing::warn!(cron = %s.cron, timezone = %s.timezone, error = %e, "cannot evaluate a backup rule's schedule; its resources fall back to their history");
        }
        self.parsed.push(parsed);
        self.cached.push(None);
        Some(id)
    }

    /// The interval of schedule `id` at `now`, worked out once per hour.
    pub fn interval(&mut self, id: u32, now: f64) -> Option<f64> {
        let hour = (now / 3600.0).floor() as i64;
        let i = id as usize;
        if let Some((h, v)) = self.cached[i]
            && h == hour
        {
            return v;
        }
        let v = self.parsed[i].as_ref().ok()?.interval(now).ok();
        self.cached[i] = Some((hour, v));
        v
    }
}

/// The median gap between consecutive completions (sorted), with at least [`MIN_HISTORY`].
pub fn median_gap(completions: &[f64]) -> Option<f64> {
    if completions.len() < MIN_HISTORY {
        return None;
    }
    let mut gaps: Vec<f64> = completions.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let n = gaps.len();
    Some(if n % 2 == 1 {
        gaps[n / 2]
    } else {
        (gaps[n / 2 - 1] + gaps[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_needs_three_completions() {
        assert_eq!(median_gap(&[]), None);
        assert_eq!(median_gap(&[0.0, 3600.0]), None);
        assert_eq!(median_gap(&[0.0, 3600.0, 10_800.0]), Some(5_400.0));
        assert_eq!(
            median_gap(&[0.0, 3600.0, 7200.0, 86_400.0 + 7200.0]),
            Some(3600.0)
        );
    }

    #[test]
    fn schedules_are_interned_and_bad_ones_give_nothing() {
        let mut b = ScheduleBook::default();
        let daily = job::Schedule {
            cron: "cron(0 5 ? * * *)".into(),
            timezone: "Europe/Paris".into(),
        };
        let bad = job::Schedule {
            cron: "cron(0 5 ?)".into(),
            timezone: String::new(),
        };
        let a = b.id(&daily).unwrap();
        assert_eq!(b.id(&daily.clone()), Some(a));
        let x = b.id(&bad).unwrap();
        assert_ne!(a, x);
        assert_eq!(b.interval(a, 1_796_083_200.0), Some(86_400.0));
        assert_eq!(b.interval(x, 1_796_083_200.0), None);
    }
}
