//! The refresh loop: per target and job type, the incremental read of ended jobs, the
//! active-jobs snapshot and the restore validations still settling; then the target's new
//! snapshot is published. Targets run independently: one failing never delays another.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tracing::{debug, info, warn};

use crate::aggregate::{Aggregator, Settings};
use crate::aws::{BackupApi, Overrides};
use crate::config::{Config, Target};
use crate::http::Source;
use crate::job::JobType;
use crate::metrics::jobs::SeriesCap;
use crate::metrics::{Exposition, Format, JobMetrics, SelfMetrics, TargetSnapshot};

/// Restore jobs re-read per refresh at most, so a burst of restore tests cannot stall a refresh.
const MAX_VALIDATION_REREADS: usize = 200;

/// How often a long read logs its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Seconds since the epoch, the only clock the collector reads.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// State shared by every target's loop and the HTTP server.
#[derive(Debug)]
pub struct Shared {
    config: Config,
    exposition: Exposition,
    snapshots: Mutex<(BTreeMap<String, TargetSnapshot>, SeriesCap)>,
    /// Targets that have not finished their first refresh.
    pending: Mutex<BTreeSet<String>>,
}

impl Shared {
    pub fn new(config: Config, metrics: Arc<SelfMetrics>) -> Arc<Self> {
        let pending = config.targets.iter().map(|t| t.name.clone()).collect();
        let shared = Arc::new(Shared {
            exposition: Exposition::new(metrics),
            snapshots: Mutex::new((BTreeMap::new(), SeriesCap::new(config.resources.max_series))),
            pending: Mutex::new(pending),
            config,
        });
        shared.render(&mut shared.snapshots.lock().unwrap_or_else(|e| e.into_inner()));
        shared
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn self_metrics(&self) -> &Arc<SelfMetrics> {
        self.exposition.self_metrics()
    }

    fn render(&self, state: &mut (BTreeMap<String, TargetSnapshot>, SeriesCap)) {
        let c = &self.config;
        let (snapshots, cap) = state;
        self.exposition.publish(JobMetrics::merge(
            snapshots.values(),
            &c.extra_labels,
            c.lookback.as_secs_f64(),
            c.resources.enabled,
            cap,
        ));
    }

    /// Swaps in a target's new snapshot and re-renders the exposition.
    fn publish(&self, target: &str, snapshot: TargetSnapshot) {
        let mut state = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        state.0.insert(target.to_owned(), snapshot);
        self.render(&mut state);
    }

    fn first_refresh_done(&self, target: &str) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.remove(target) && p.is_empty() {
            info!("every target finished its first refresh: ready");
        }
    }

    /// The exposition in `format`, uncompressed.
    pub fn render_metrics(&self, format: Format) -> Vec<u8> {
        self.exposition.render(format, false)
    }
}

impl Source for Shared {
    fn metrics(&self, format: Format, gzip: bool) -> Vec<Bytes> {
        self.exposition.render_chunks(format, gzip)
    }

    fn readiness(&self) -> Result<(), String> {
        let p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.is_empty() {
            Ok(())
        } else {
            let names: Vec<&str> = p.iter().map(String::as_str).collect();
            Err(format!(
                "first refresh (backfill) still running for targets: {}",
                names.join(", ")
            ))
        }
    }
}

/// One target: its client, its aggregation state, its loop.
pub struct TargetRunner {
    target: Target,
    overrides: Overrides,
    api: Option<BackupApi>,
    aggregator: Aggregator,
    shared: Arc<Shared>,
    first_done: bool,
}

impl TargetRunner {
    pub fn new(target: Target, shared: Arc<Shared>, overrides: Overrides) -> Self {
        let c = shared.config();
        let settings = Settings {
            lookback: c.lookback.as_secs_f64(),
            overlap: c.overlap.as_secs_f64(),
            include_parent_jobs: c.include_parent_jobs,
            extra_labels: c.extra_labels.clone(),
            resources_enabled: c.resources.enabled,
            max_series: c.resources.max_series,
        };
        TargetRunner {
            target,
            overrides,
            api: None,
            aggregator: Aggregator::new(settings),
            shared,
            first_done: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.target.name
    }

    /// Refreshes forever, every `refresh_interval`, starting now.
    pub async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.shared.config().refresh_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            self.refresh().await;
        }
    }

    /// One refresh of every job type; `true` if every read succeeded.
    pub async fn refresh(&mut self) -> bool {
        let started = Instant::now();
        let name = self.target.name.clone();
        let metrics = self.shared.self_metrics().clone();
        let job_types = self.shared.config().job_types.clone();
        if self.api.is_none() {
            match BackupApi::connect(
                &self.target,
                self.shared.config(),
                &self.overrides,
                metrics.clone(),
            )
            .await
            {
                Ok(api) => self.api = Some(api),
                Err(e) => {
                    warn!(target = %name, error = %format!("{e:#}"), "cannot set up the AWS client");
                    for jt in &job_types {
                        metrics.collection_result(&name, jt.as_str(), false, unix_now());
                    }
                    self.finish(started);
                    return false;
                }
            }
        }
        let mut all_ok = true;
        for jt in job_types {
            let mut ok = self.refresh_type(jt).await;
            if jt == JobType::Backup && self.shared.config().resources.enabled {
                ok &= self.refresh_protected_resources().await;
            }
            metrics.collection_result(&name, jt.as_str(), ok, unix_now());
            all_ok &= ok;
        }
        let api = self.api.as_ref().expect("connected above");
        let snapshot = TargetSnapshot {
            region: api.region().to_owned(),
            snapshot: self.aggregator.snapshot(unix_now()),
        };
        self.shared.publish(&name, snapshot);
        self.finish(started);
        all_ok
    }

    fn finish(&mut self, started: Instant) {
        let took = started.elapsed();
        self.shared
            .self_metrics()
            .collection_duration(&self.target.name, took.as_secs_f64());
        if !self.first_done {
            self.first_done = true;
            info!(target = %self.target.name, elapsed = ?took, "first refresh finished");
            self.shared.first_refresh_done(&self.target.name);
        }
    }

    async fn refresh_type(&mut self, jt: JobType) -> bool {
        let api = self.api.as_ref().expect("connected before refreshing");
        let name = &self.target.name;
        let now = unix_now();
        let mut ok = true;

        // 1. Ended jobs since the watermark (the whole lookback the first time), staged page
        //    by page and applied only once every page was read.
        let after = self.aggregator.complete_after(jt, now);
        let backfill = !self.aggregator.is_backfilled(jt);
        let started = Instant::now();
        let mut last_log = Instant::now();
        let mut pages = 0usize;
        let mut read = self.aggregator.begin_read(jt);
        let aggregator = &mut self.aggregator;
        let listed = api
            .list_ended(jt, after, &mut |page| {
                for job in page {
                    aggregator.stage(&mut read, job);
                }
                pages += 1;
                if backfill && last_log.elapsed() >= PROGRESS_EVERY {
                    last_log = Instant::now();
                    info!(target = %name, job_type = %jt, pages, jobs = read.len(), elapsed = ?started.elapsed(), "backfill in progress");
                }
            })
            .await;
        match listed {
            Ok(()) => {
                let out = self.aggregator.commit(read, now);
                if backfill {
                    info!(target = %name, job_type = %jt, pages, listed = out.listed, new = out.new, parents_skipped = out.parents_skipped, elapsed = ?started.elapsed(), "backfill done");
                } else {
                    debug!(target = %name, job_type = %jt, pages, listed = out.listed, new = out.new, duplicates = out.duplicates, parents_skipped = out.parents_skipped, "read ended jobs");
                }
            }
            Err(e) => {
                warn!(target = %name, job_type = %jt, error = %format!("{e:#}"), "reading ended jobs failed; serving the last good data, will retry");
                ok = false;
            }
        }

        // 2. Active jobs now: a full snapshot, replaced only when every state was read.
        let mut active = Vec::new();
        let mut active_ok = true;
        for state in jt.active_states() {
            match api.list_in_state(jt, state).await {
                Ok(jobs) => active.extend(jobs),
                Err(e) => {
                    warn!(target = %name, job_type = %jt, state, error = %format!("{e:#}"), "reading active jobs failed; keeping the last snapshot");
                    active_ok = false;
                    break;
                }
            }
        }
        if active_ok {
            self.aggregator.apply_active(jt, active, unix_now());
        }
        ok &= active_ok;

        // 3. Restore tests whose validation is still settling.
        if jt == JobType::Restore {
            for id in self
                .aggregator
                .pending_validations()
                .into_iter()
                .take(MAX_VALIDATION_REREADS)
            {
                match api.describe_restore_job(&id).await {
                    Ok(job) => self.aggregator.apply_validation(&job, unix_now()),
                    Err(e) => {
                        warn!(target = %name, job_id = %id, error = %format!("{e:#}"), "re-reading a restore test failed");
                        ok = false;
                        break;
                    }
                }
            }
        }
        ok
    }

    async fn refresh_protected_resources(&mut self) -> bool {
        let api = self.api.as_ref().expect("connected before refreshing");
        match api.list_protected_resources().await {
            Ok(resources) => {
                self.aggregator.apply_protected_resources(resources);
                true
            }
            Err(e) => {
                warn!(target = %self.target.name, error = %format!("{e:#}"), "listing protected resources failed");
                false
            }
        }
    }
}
