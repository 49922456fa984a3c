//! The exporter's own metrics, updated as things happen and read live on every scrape:
//! collection health by target and collector, errors by cause, refresh durations, AWS API
//! attempts, build info and `process_*`.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode_registry;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::process::ProcessCollector;
use crate::aws::{Cause, Outcome};
use crate::collect::Health;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetCollector {
    target: String,
    collector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetCollectorError {
    target: String,
    collector: String,
    error: String,
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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShardLabels {
    shard: String,
    total_shards: String,
}

/// Refresh durations: 100 ms to 10 min.
const COLLECTION_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

fn collection_histogram() -> Histogram {
    Histogram::new(COLLECTION_BUCKETS.iter().copied())
}

#[derive(Debug)]
pub struct SelfMetrics {
    registry: Registry,
    collection_success: Family<TargetCollector, Gauge>,
    last_success: Family<TargetCollector, Gauge<f64, AtomicU64>>,
    collection_errors: Family<TargetCollectorError, Counter>,
    collection_duration: Family<TargetLabel, Histogram, fn() -> Histogram>,
    api_requests: Family<ApiLabels, Counter>,
    shard_info: Family<ShardLabels, Gauge>,
}

impl Default for SelfMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl SelfMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let collection_success = Family::<TargetCollector, Gauge>::default();
        let last_success = Family::<TargetCollector, Gauge<f64, AtomicU64>>::default();
        let collection_errors = Family::<TargetCollectorError, Counter>::default();
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
            "1 if the last run of this target's collector succeeded, else 0",
            collection_success.clone(),
        );
        registry.register(
            "aws_backup_exporter_last_success_timestamp_seconds",
            "When this target's collector last succeeded",
            last_success.clone(),
        );
        registry.register(
            "aws_backup_exporter_collection_errors",
            "Failed runs of this target's collector, by cause",
            collection_errors.clone(),
        );
        registry.register(
            "aws_backup_exporter_collection_duration_seconds",
            "Duration of one round of a target's due collectors",
            collection_duration.clone(),
        );
        registry.register(
            "aws_backup_exporter_api_requests",
            "AWS API HTTP attempts, retries included, by operation and outcome",
            api_requests.clone(),
        );
        registry.register(
            "aws_backup_exporter_build_info",
            "Always 1, labelled with the exporter's version, git revision and rustc version",
            build_info,
        );
        let shard_info = Family::<ShardLabels, Gauge>::default();
        registry.register(
            "aws_backup_exporter_shard_info",
            "Always 1, labelled with the shard this process serves and the number of shards",
            shard_info.clone(),
        );
        registry.register_collector(Box::new(ProcessCollector));
        SelfMetrics {
            registry,
            collection_success,
            last_success,
            collection_errors,
            collection_duration,
            api_requests,
            shard_info,
        }
    }

    /// Says which shard of how many this process serves (`--shard`, `--total-shards`).
    pub fn set_shard(&self, shard: u64, total_shards: u64) {
        self.shard_info.clear();
        self.shard_info
            .get_or_create(&ShardLabels {
                shard: shard.to_string(),
                total_shards: total_shards.to_string(),
            })
            .set(1);
    }

    /// Counts one AWS API attempt.
    pub fn api_request(&self, operation: &str, outcome: Outcome) {
        self.api_requests
            .get_or_create(&ApiLabels {
                operation: operation.to_owned(),
                outcome: outcome.as_str().to_owned(),
            })
            .inc();
    }

    /// Appends the live families in OpenMetrics text (no `# EOF`).
    pub fn encode(&self, out: &mut String) {
        encode_registry(out, &self.registry).expect("writing to a String cannot fail");
    }
}

impl Health for SelfMetrics {
    fn collected(&self, target: &str, collector: &str, result: Result<(), Cause>, now: f64) {
        let l = TargetCollector {
            target: target.to_owned(),
            collector: collector.to_owned(),
        };
        self.collection_success
            .get_or_create(&l)
            .set(i64::from(result.is_ok()));
        match result {
            Ok(()) => {
                self.last_success.get_or_create(&l).set(now);
            }
            Err(cause) => {
                self.collection_errors
                    .get_or_create(&TargetCollectorError {
                        target: l.target,
                        collector: l.collector,
                        error: cause.metric_label().to_owned(),
                    })
                    .inc();
            }
        }
    }

    fn round_took(&self, target: &str, seconds: f64) {
        self.collection_duration
            .get_or_create(&TargetLabel {
                target: target.to_owned(),
            })
            .observe(seconds);
    }
}
