//! The job metrics: every target's aggregate snapshot merged into one set of families.
//!
//! Targets are merged because some families carry no region or account (the histograms), and
//! because two targets may overlap; summing keeps the exposition free of duplicate series.

use std::collections::BTreeMap;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use crate::aggregate::histogram::Histogram;
use crate::aggregate::{
    ActiveAgeKey, DurationKey, JobKey, LastJob, ProtectedResource, ResourceKey, SizeKey, Snapshot,
    ValidationKey,
};
use crate::job::ExtraLabel;

/// One target's snapshot with the region its series carry.
#[derive(Clone, Debug)]
pub struct TargetSnapshot {
    pub region: String,
    pub snapshot: Snapshot,
}

/// All targets' job metrics, merged, ready to encode.
#[derive(Debug, Default)]
pub struct JobMetrics {
    extra_labels: Vec<ExtraLabel>,
    lookback_seconds: f64,
    resources_enabled: bool,
    jobs: BTreeMap<(String, JobKey), u64>,
    finished: BTreeMap<(String, JobKey), u64>,
    duration: BTreeMap<DurationKey, Histogram>,
    size: BTreeMap<SizeKey, Histogram>,
    oldest_active: BTreeMap<(String, ActiveAgeKey), f64>,
    validations: BTreeMap<(String, ValidationKey), u64>,
    resource_last_job: BTreeMap<(String, ResourceKey), LastJob>,
    protected: BTreeMap<(String, String), ProtectedResource>,
    dropped: BTreeMap<&'static str, u64>,
}

impl JobMetrics {
    /// Merges the targets' snapshots; `max_series` caps each per-resource family again across
    /// targets, counting what it refuses.
    pub fn merge<'a>(
        targets: impl IntoIterator<Item = &'a TargetSnapshot>,
        extra_labels: &[ExtraLabel],
        lookback_seconds: f64,
        resources_enabled: bool,
        max_series: usize,
    ) -> Self {
        let mut m = JobMetrics {
            extra_labels: extra_labels.to_vec(),
            lookback_seconds,
            resources_enabled,
            ..JobMetrics::default()
        };
        for t in targets {
            let s = &t.snapshot;
            let r = &t.region;
            for (k, v) in &s.jobs {
                *m.jobs.entry((r.clone(), k.clone())).or_default() += v;
            }
            for (k, v) in &s.finished {
                *m.finished.entry((r.clone(), k.clone())).or_default() += v;
            }
            for (k, h) in &s.duration {
                merge_histogram(&mut m.duration, k, h);
            }
            for (k, h) in &s.size {
                merge_histogram(&mut m.size, k, h);
            }
            for (k, v) in &s.oldest_active_age {
                let e = m.oldest_active.entry((r.clone(), k.clone())).or_insert(*v);
                *e = e.max(*v);
            }
            for (k, v) in &s.validations {
                *m.validations.entry((r.clone(), k.clone())).or_default() += v;
            }
            for (k, v) in &s.resource_last_job {
                let key = (r.clone(), k.clone());
                let len = m.resource_last_job.len();
                match m.resource_last_job.get_mut(&key) {
                    Some(prev) if prev.completion < v.completion => *prev = *v,
                    Some(_) => {}
                    None if len < max_series => {
                        m.resource_last_job.insert(key, *v);
                    }
                    None => {
                        for name in [RESOURCE_LAST_JOB_TS, RESOURCE_LAST_JOB_SUCCESS] {
                            *m.dropped.entry(name).or_default() += 1;
                        }
                    }
                }
            }
            for p in &s.protected_resources {
                let key = (r.clone(), p.resource_arn.clone());
                if m.protected.contains_key(&key) || m.protected.len() < max_series {
                    m.protected.insert(key, p.clone());
                } else {
                    *m.dropped.entry(RESOURCE_LAST_BACKUP_TS).or_default() += 1;
                }
            }
            for (name, n) in &s.series_dropped {
                *m.dropped.entry(name).or_default() += n;
            }
        }
        m
    }
}

const RESOURCE_LAST_JOB_TS: &str = "aws_backup_resource_last_job_timestamp_seconds";
const RESOURCE_LAST_JOB_SUCCESS: &str = "aws_backup_resource_last_job_success";
const RESOURCE_LAST_BACKUP_TS: &str = "aws_backup_resource_last_backup_timestamp_seconds";

/// The per-resource family names, for `series_dropped_total{metric}`.
pub const PER_RESOURCE_METRICS: [&str; 3] = [
    RESOURCE_LAST_JOB_TS,
    RESOURCE_LAST_JOB_SUCCESS,
    RESOURCE_LAST_BACKUP_TS,
];

fn merge_histogram<K: Ord + Clone>(into: &mut BTreeMap<K, Histogram>, k: &K, h: &Histogram) {
    match into.get_mut(k) {
        Some(existing) => existing.merge(h),
        None => {
            into.insert(k.clone(), h.clone());
        }
    }
}

type Labels<'a> = Vec<(&'static str, &'a str)>;

impl JobMetrics {
    fn job_labels<'a>(&'a self, region: &'a str, k: &'a JobKey) -> Labels<'a> {
        let mut l = vec![
            ("job_type", k.job_type.as_str()),
            ("region", region),
            ("account_id", k.account_id.as_str()),
            ("resource_type", k.resource_type.as_str()),
            ("state", k.state.as_str()),
            ("message_category", k.message_category.as_str()),
        ];
        l.extend(
            self.extra_labels
                .iter()
                .zip(&k.extra)
                .map(|(e, v)| (e.name(), v.as_str())),
        );
        l
    }
}

fn gauge_family<'a, V: prometheus_client::encoding::EncodeGaugeValue + 'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl Iterator<Item = (Labels<'a>, V)>,
) -> Result<(), std::fmt::Error> {
    let mut fam = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, v) in rows {
        fam.encode_family(&labels)?.encode_gauge(&v)?;
    }
    Ok(())
}

fn histogram_family<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl Iterator<Item = (Labels<'a>, &'a Histogram)>,
) -> Result<(), std::fmt::Error> {
    let mut fam: MetricEncoder =
        encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
    for (labels, h) in rows {
        fam.encode_family(&labels)?.encode_histogram::<NoLabelSet>(
            h.sum,
            h.count,
            &h.cumulative(),
            None,
        )?;
    }
    Ok(())
}

impl Collector for JobMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        gauge_family(
            &mut encoder,
            "aws_backup_jobs",
            "Jobs by state: terminal states count jobs that ended within the lookback, active states (CREATED, PENDING, RUNNING, ABORTING) count jobs in that state now.",
            self.jobs
                .iter()
                .map(|((r, k), v)| (self.job_labels(r, k), *v)),
        )?;
        {
            let mut fam = encoder.encode_descriptor(
                "aws_backup_jobs_finished",
                "Terminal jobs first seen after start-up (the start-up backfill fills the gauges, never this counter).",
                None,
                MetricType::Counter,
            )?;
            for ((r, k), v) in &self.finished {
                fam.encode_family(&self.job_labels(r, k))?
                    .encode_counter::<NoLabelSet, _, u64>(v, None)?;
            }
        }
        histogram_family(
            &mut encoder,
            "aws_backup_job_duration_seconds",
            "CompletionDate minus CreationDate of the jobs counted by aws_backup_jobs_finished_total.",
            self.duration.iter().map(|(k, h)| {
                (
                    vec![
                        ("job_type", k.job_type.as_str()),
                        ("resource_type", k.resource_type.as_str()),
                        ("state", k.state.as_str()),
                    ],
                    h,
                )
            }),
        )?;
        histogram_family(
            &mut encoder,
            "aws_backup_job_size_bytes",
            "BackupSizeInBytes of COMPLETED jobs counted by aws_backup_jobs_finished_total.",
            self.size.iter().map(|(k, h)| {
                (
                    vec![
                        ("job_type", k.job_type.as_str()),
                        ("resource_type", k.resource_type.as_str()),
                    ],
                    h,
                )
            }),
        )?;
        gauge_family(
            &mut encoder,
            "aws_backup_active_job_oldest_age_seconds",
            "Age of the oldest job in each active state.",
            self.oldest_active.iter().map(|((r, k), v)| {
                (
                    vec![
                        ("job_type", k.job_type.as_str()),
                        ("region", r.as_str()),
                        ("account_id", k.account_id.as_str()),
                        ("state", k.state.as_str()),
                    ],
                    *v,
                )
            }),
        )?;
        gauge_family(
            &mut encoder,
            "aws_backup_restore_validations",
            "Restore-test jobs that ended within the lookback, by ValidationStatus.",
            self.validations.iter().map(|((r, k), v)| {
                let mut l = vec![
                    ("region", r.as_str()),
                    ("account_id", k.account_id.as_str()),
                    ("resource_type", k.resource_type.as_str()),
                    ("validation_status", k.validation_status.as_str()),
                ];
                l.extend(
                    self.extra_labels
                        .iter()
                        .zip(&k.extra)
                        .map(|(e, v)| (e.name(), v.as_str())),
                );
                (l, *v)
            }),
        )?;
        if self.resources_enabled {
            let resource_labels = |r: &'_ str, k: &'_ ResourceKey| -> Vec<(&'static str, String)> {
                vec![
                    ("job_type", k.job_type.as_str().to_owned()),
                    ("region", r.to_owned()),
                    ("account_id", k.account_id.clone()),
                    ("resource_type", k.resource_type.clone()),
                    ("resource_arn", k.resource_arn.clone()),
                ]
            };
            {
                let mut fam = encoder.encode_descriptor(
                    RESOURCE_LAST_JOB_TS,
                    "CompletionDate of the newest ended job of the resource.",
                    None,
                    MetricType::Gauge,
                )?;
                for ((r, k), v) in &self.resource_last_job {
                    fam.encode_family(&resource_labels(r, k))?
                        .encode_gauge(&v.completion)?;
                }
            }
            {
                let mut fam = encoder.encode_descriptor(
                    RESOURCE_LAST_JOB_SUCCESS,
                    "1 if the newest ended job of the resource is COMPLETED, else 0.",
                    None,
                    MetricType::Gauge,
                )?;
                for ((r, k), v) in &self.resource_last_job {
                    fam.encode_family(&resource_labels(r, k))?
                        .encode_gauge(&i64::from(v.success))?;
                }
            }
            gauge_family(
                &mut encoder,
                RESOURCE_LAST_BACKUP_TS,
                "LastBackupTime of the resource, from ListProtectedResources.",
                self.protected.iter().filter_map(|((r, _), p)| {
                    p.last_backup_time.map(|t| {
                        (
                            vec![
                                ("region", r.as_str()),
                                ("account_id", p.account_id.as_str()),
                                ("resource_type", p.resource_type.as_str()),
                                ("resource_arn", p.resource_arn.as_str()),
                                ("resource_name", p.resource_name.as_str()),
                            ],
                            t,
                        )
                    })
                }),
            )?;
        }
        {
            let mut fam = encoder.encode_descriptor(
                "aws_backup_exporter_series_dropped",
                "Per-resource series refused because the family reached resources.max_series.",
                None,
                MetricType::Counter,
            )?;
            for name in PER_RESOURCE_METRICS {
                let v = self.dropped.get(name).copied().unwrap_or(0);
                fam.encode_family(&vec![("metric", name)])?
                    .encode_counter::<NoLabelSet, _, u64>(&v, None)?;
            }
        }
        encoder
            .encode_descriptor(
                "aws_backup_lookback_seconds",
                "The configured lookback: terminal jobs that ended within it are counted in aws_backup_jobs.",
                None,
                MetricType::Gauge,
            )?
            .encode_gauge(&self.lookback_seconds)?;
        Ok(())
    }
}
