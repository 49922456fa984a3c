//! What the aggregation needs from the configuration, and the one place that says where the
//! lookback window starts.

use crate::job::ExtraLabel;

#[derive(Clone, Debug)]
pub struct Settings {
    pub lookback: f64,
    pub overlap: f64,
    pub include_parent_jobs: bool,
    pub extra_labels: Vec<ExtraLabel>,
    pub resources_enabled: bool,
    pub max_series: usize,
    /// Whether backups' expected intervals are worked out (`schedules.enabled`).
    pub schedules_enabled: bool,
}

impl Settings {
    /// Window bucket width: a minute, or coarser for long lookbacks (at most 1440 buckets).
    pub fn bucket_width(&self) -> f64 {
        (self.lookback / 1440.0).max(60.0)
    }

    /// Where the lookback window starts at `now`: `now − lookback`, rounded down to its
    /// bucket. Jobs that ended at or after it count. The start-up backfill and the sliding
    /// window both use this edge, so a fresh exporter and one that has run for a week agree to
    /// the job.
    pub fn window_start(&self, now: f64) -> f64 {
        let w = self.bucket_width();
        ((now - self.lookback) / w).floor() * w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_on_a_bucket_edge() {
        let s = Settings {
            lookback: 3600.0,
            overlap: 60.0,
            include_parent_jobs: false,
            extra_labels: vec![],
            resources_enabled: true,
            max_series: 10,
            schedules_enabled: true,
        };
        assert_eq!(s.bucket_width(), 60.0);
        assert_eq!(s.window_start(10_000.0), 6_360.0);
        assert_eq!(s.window_start(10_019.0), 6_360.0);
        assert_eq!(s.window_start(10_020.0), 6_420.0);
        let long = Settings {
            lookback: 30.0 * 86_400.0,
            ..s
        };
        assert_eq!(long.bucket_width(), 1800.0);
    }
}
