//! Metric families and rendering.
//!
//! Job metrics change only when a refresh ends, so they are rendered then, in both formats,
//! and swapped in whole ([`Exposition::publish`]); a scrape copies those bytes and adds the few
//! live families (the exporter's own and `process_*`).

pub mod classic;
pub mod gzip;
pub mod jobs;
pub mod process;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode_registry;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use jobs::{JobMetrics, TargetSnapshot};

/// How an AWS API attempt ended (`outcome` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiOutcome {
    Success,
    Throttled,
    Error,
}

impl ApiOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiOutcome::Success => "success",
            ApiOutcome::Throttled => "throttled",
            ApiOutcome::Error => "error",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetJobType {
    target: String,
    job_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetLabel {
    target: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ApiLabels {
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    revision: String,
    rustc_version: String,
}

/// Refresh durations: 100 ms to 10 min.
const COLLECTION_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

fn collection_histogram() -> Histogram {
    Histogram::new(COLLECTION_BUCKETS.iter().copied())
}

/// The exporter's own metrics, updated as things happen and read live on every scrape.
#[derive(Debug)]
pub struct SelfMetrics {
    registry: Registry,
    collection_success: Family<TargetJobType, Gauge>,
    last_success: Family<TargetJobType, Gauge<f64, AtomicU64>>,
    collection_duration: Family<TargetLabel, Histogram, fn() -> Histogram>,
    api_requests: Family<ApiLabels, Counter>,
}

impl Default for SelfMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl SelfMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let collection_success = Family::<TargetJobType, Gauge>::default();
        let last_success = Family::<TargetJobType, Gauge<f64, AtomicU64>>::default();
        let collection_duration =
            Family::<TargetLabel, Histogram, fn() -> Histogram>::new_with_constructor(
                collection_histogram,
            );
        let api_requests = Family::<ApiLabels, Counter>::default();
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").into(),
                revision: env!("ABE_GIT_REVISION").into(),
                rustc_version: env!("ABE_RUSTC_VERSION").into(),
            })
            .set(1);
        registry.register(
            "aws_backup_exporter_collection_success",
            "1 if the last refresh of this target and job type succeeded, else 0.",
            collection_success.clone(),
        );
        registry.register(
            "aws_backup_exporter_last_success_timestamp_seconds",
            "When the refresh of this target and job type last succeeded.",
            last_success.clone(),
        );
        registry.register(
            "aws_backup_exporter_collection_duration_seconds",
            "Duration of one whole refresh of a target.",
            collection_duration.clone(),
        );
        registry.register(
            "aws_backup_exporter_api_requests",
            "AWS API HTTP attempts, retries included, by operation and outcome.",
            api_requests.clone(),
        );
        registry.register(
            "aws_backup_exporter_build_info",
            "Always 1, labelled with the exporter's version, git revision and rustc version.",
            build_info,
        );
        registry.register_collector(Box::new(process::ProcessCollector));
        SelfMetrics {
            registry,
            collection_success,
            last_success,
            collection_duration,
            api_requests,
        }
    }

    /// Counts one AWS API attempt.
    pub fn api_request(&self, operation: &str, outcome: ApiOutcome) {
        self.api_requests
            .get_or_create(&ApiLabels {
                operation: operation.to_owned(),
                outcome: outcome.as_str().to_owned(),
            })
            .inc();
    }

    /// Records how the refresh of one target and job type went.
    pub fn collection_result(&self, target: &str, job_type: &str, ok: bool, now: f64) {
        let l = TargetJobType {
            target: target.to_owned(),
            job_type: job_type.to_owned(),
        };
        self.collection_success.get_or_create(&l).set(i64::from(ok));
        if ok {
            self.last_success.get_or_create(&l).set(now);
        }
    }

    pub fn collection_duration(&self, target: &str, seconds: f64) {
        self.collection_duration
            .get_or_create(&TargetLabel {
                target: target.to_owned(),
            })
            .observe(seconds);
    }

    /// Appends the live families in OpenMetrics text (no `# EOF`).
    fn encode(&self, out: &mut String) {
        encode_registry(out, &self.registry).expect("writing to a String cannot fail");
    }
}

/// The exposition format a scraper asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0 text.
    OpenMetrics,
    /// Prometheus text format 0.0.4.
    Classic,
}

/// The job metrics, rendered once per refresh in both formats, plain and compressed.
#[derive(Debug, Default)]
struct Rendered {
    openmetrics: Bytes,
    classic: Bytes,
    openmetrics_gz: gzip::GzipPrefix,
    classic_gz: gzip::GzipPrefix,
}

/// What /metrics serves: the latest published job metrics plus the live families.
#[derive(Debug)]
pub struct Exposition {
    self_metrics: Arc<SelfMetrics>,
    jobs: RwLock<Arc<Rendered>>,
}

impl Exposition {
    pub fn new(self_metrics: Arc<SelfMetrics>) -> Self {
        Exposition {
            self_metrics,
            jobs: RwLock::new(Arc::new(Rendered::default())),
        }
    }

    pub fn self_metrics(&self) -> &Arc<SelfMetrics> {
        &self.self_metrics
    }

    /// Renders merged job metrics and swaps them in atomically.
    pub fn publish(&self, metrics: JobMetrics) {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(metrics));
        let mut openmetrics = String::new();
        encode_registry(&mut openmetrics, &registry).expect("writing to a String cannot fail");
        let classic = classic::from_openmetrics(&openmetrics);
        let rendered = Arc::new(Rendered {
            openmetrics_gz: gzip::GzipPrefix::new(openmetrics.as_bytes()),
            classic_gz: gzip::GzipPrefix::new(classic.as_bytes()),
            openmetrics: Bytes::from(openmetrics),
            classic: Bytes::from(classic),
        });
        *self.jobs.write().unwrap_or_else(|e| e.into_inner()) = rendered;
    }

    /// The whole exposition in `format`, gzip-compressed if `gzip`, as chunks to send in
    /// order: the pre-rendered job metrics are shared, not copied, into each response.
    pub fn render_chunks(&self, format: Format, gzip: bool) -> Vec<Bytes> {
        let jobs = self.jobs.read().unwrap_or_else(|e| e.into_inner()).clone();
        let mut live = String::with_capacity(4096);
        self.self_metrics.encode(&mut live);
        let (prefix, prefix_gz, tail) = match format {
            Format::OpenMetrics => {
                live.push_str("# EOF\n");
                (&jobs.openmetrics, &jobs.openmetrics_gz, live)
            }
            Format::Classic => (
                &jobs.classic,
                &jobs.classic_gz,
                classic::from_openmetrics(&live),
            ),
        };
        if gzip {
            return vec![Bytes::from(prefix_gz.finish(tail.as_bytes()))];
        }
        vec![prefix.clone(), Bytes::from(tail)]
    }

    /// The whole exposition in `format`, gzip-compressed if `gzip`, in one buffer.
    pub fn render(&self, format: Format, gzip: bool) -> Vec<u8> {
        self.render_chunks(format, gzip).concat()
    }
}
