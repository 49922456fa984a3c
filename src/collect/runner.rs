//! One target's loop: its client, its aggregation state, its collectors on their own
//! cadences. Targets run independently: one failing never delays another.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{info, warn};

use super::clock::unix_now;
use super::collector::{Admit, Collector, Context, Gate, Health, Publish};
use super::registry::collectors;
use crate::aggregate::{Settings, TargetAggregate};
use crate::aws::{BackupApi, ClientOptions};
use crate::config::{Config, Target};

struct Scheduled {
    collector: Box<dyn Collector>,
    /// Epoch seconds at which it runs next.
    due: f64,
}

pub struct TargetRunner {
    target: Target,
    config: Arc<Config>,
    options: ClientOptions,
    api: Option<BackupApi>,
    state: TargetAggregate,
    collectors: Vec<Scheduled>,
    health: Arc<dyn Health>,
    publish: Arc<dyn Publish>,
    /// Asked before the first read; `None` once admitted.
    gate: Option<Arc<dyn Gate>>,
    /// Set when the gate refused the target: it never reads.
    refused: Option<String>,
    first_done: bool,
}

/// The aggregation settings of a configuration.
pub fn settings(c: &Config) -> Settings {
    Settings {
        lookback: c.lookback.as_secs_f64(),
        overlap: c.overlap.as_secs_f64(),
        include_parent_jobs: c.include_parent_jobs,
        extra_labels: c.extra_labels.clone(),
        resources_enabled: c.resources.enabled,
        max_series: c.resources.max_series,
        schedules_enabled: c.schedules.enabled,
    }
}

impl TargetRunner {
    pub fn new(
        target: Target,
        config: Arc<Config>,
        options: ClientOptions,
        health: Arc<dyn Health>,
        publish: Arc<dyn Publish>,
        gate: Option<Arc<dyn Gate>>,
    ) -> Self {
        let collectors = collectors(&config, &target)
            .into_iter()
            .map(|collector| Scheduled {
                collector,
                due: 0.0,
            })
            .collect();
        TargetRunner {
            state: TargetAggregate::new(settings(&config)),
            target,
            config,
            options,
            api: None,
            collectors,
            health,
            publish,
            gate,
            refused: None,
            first_done: false,
        }
    }

    /// Runs each collector when it is due, for ever.
    pub async fn run(mut self) {
        loop {
            let now = unix_now();
            let due: Vec<usize> = (0..self.collectors.len())
                .filter(|&i| self.collectors[i].due <= now)
                .collect();
            if !due.is_empty() {
                self.round(&due, false).await;
            }
            let next = self
                .collectors
                .iter()
                .map(|s| s.due)
                .fold(f64::INFINITY, f64::min);
            let wait = (next - unix_now()).clamp(0.0, 3600.0);
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }

    /// Runs every collector once, now (`--once`, and tests that script time); `true` if every
    /// one succeeded.
    pub async fn refresh_all(&mut self) -> bool {
        let all: Vec<usize> = (0..self.collectors.len()).collect();
        self.round(&all, true).await
    }

    /// Reports every collector as failed, and waits for the next refresh.
    fn fail_all(&mut self, cause: crate::aws::Cause) {
        let now = unix_now();
        for s in &mut self.collectors {
            self.health
                .collected(&self.target.name, s.collector.name(), Err(cause), now);
            s.due = now + self.config.refresh_interval.as_secs_f64();
        }
    }

    /// Whether the gate lets the target read (asked until it answers yes or no).
    async fn admitted(&mut self) -> bool {
        if let Some(why) = &self.refused {
            warn!(target = %self.target.name, reason = %why, "target refused: not reading");
            return false;
        }
        let Some(gate) = self.gate.clone() else {
            return true;
        };
        match gate.admit(&self.target.name).await {
            Admit::Yes => {
                self.gate = None;
                true
            }
            Admit::NotYet(e) => {
                warn!(target = %self.target.name, error = %e, "cannot tell yet whether this target overlaps another; not reading until it can");
                self.fail_all(e.cause);
                false
            }
            Admit::Refused(why) => {
                tracing::error!(target = %self.target.name, reason = %why, "target refused: it would count the jobs of another target twice");
                self.refused = Some(why);
                false
            }
        }
    }

    /// One round: the given collectors in order, then the new snapshot is published. The
    /// first round, and `wait_served` ones, return once a scrape would see the snapshot; the
    /// others do not wait for the render (which may be spaced out by seconds with many
    /// targets), so neither the round's measured duration nor the next refresh is delayed.
    async fn round(&mut self, which: &[usize], wait_served: bool) -> bool {
        let started = Instant::now();
        let name = self.target.name.clone();
        if !self.admitted().await {
            if self.refused.is_some() {
                self.fail_all(crate::aws::Cause::Other);
            }
            self.finish(started);
            return false;
        }
        if self.api.is_none() {
            match BackupApi::connect(
                &self.target,
                &self.config.aws,
                self.config.page_size,
                &self.options,
            )
            .await
            {
                Ok(api) => self.api = Some(api),
                Err(e) => {
                    warn!(target = %name, error = %e, "cannot set up the AWS client");
                    self.fail_all(e.cause);
                    self.finish(started);
                    return false;
                }
            }
        }
        let Some(api) = self.api.as_ref() else {
            return false;
        };
        let mut all_ok = true;
        for &i in which {
            let s = &mut self.collectors[i];
            let cx = Context {
                target: &name,
                api,
                state: &mut self.state,
            };
            let result = s.collector.collect(cx).await;
            let now = unix_now();
            // A failed read is retried at the next refresh, however long its own cadence.
            let wait = match &result {
                Ok(()) => s.collector.interval(),
                Err(_) => s.collector.interval().min(self.config.refresh_interval),
            };
            s.due = now + wait.as_secs_f64();
            self.health.collected(
                &name,
                s.collector.name(),
                result.as_ref().map(|_| ()).map_err(|e| e.cause),
                now,
            );
            all_ok &= result.is_ok();
        }
        let snapshot = self.state.snapshot(api.region(), unix_now());
        let publish = self.publish.clone();
        let served = publish.publish(&name, snapshot);
        let took = started.elapsed();
        if wait_served || !self.first_done {
            served.await;
        }
        self.finish_took(took);
        all_ok
    }

    fn finish(&mut self, started: Instant) {
        self.finish_took(started.elapsed());
    }

    fn finish_took(&mut self, took: Duration) {
        self.health
            .round_took(&self.target.name, took.as_secs_f64());
        if !self.first_done {
            self.first_done = true;
            info!(target = %self.target.name, elapsed = ?took, "first refresh finished");
            self.publish.first_round_done(&self.target.name);
        }
    }
}
