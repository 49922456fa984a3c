//! The job metrics: every target's aggregate snapshot merged into one set of families.
//!
//! Targets are merged because some families carry no region or account (the histograms), and
//! because two targets may overlap; summing keeps the exposition free of duplicate series.

use std::collections::{BTreeMap, HashSet};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use crate::aggregate::histogram::Histogram;
use crate::aggregate::{
    ActiveAgeKey, DurationKey, JobKey, LastJob, ProtectedResource, RESOURCE_LAST_BACKUP_TS,
    RESOURCE_LAST_JOB_SUCCESS, RESOURCE_LAST_JOB_TS, ResourceKey, SizeKey, Snapshot, ValidationKey,
    series_hash,
};
use crate::job::ExtraLabel;

/// One target's snapshot with the region its series carry.
#[derive(Clone, Debug)]
pub struct TargetSnapshot {
    pub region: String,
    pub snapshot: Snapshot,
}

/// `resources.max_series` across targets: each target's aggregator caps its own series, and
/// this caps their union, first come first kept, so that a family never exceeds the cap and a
/// kept series is not pushed out later by another target's.
#[derive(Debug)]
pub struct SeriesCap {
    max: usize,
    admitted: [HashSet<u64>; 2],
    refused: [HashSet<u64>; 2],
}

impl SeriesCap {
    pub fn new(max: usize) -> Self {
        SeriesCap {
            max,
            admitted: Default::default(),
            refused: Default::default(),
        }
    }

    /// Whether series `hash` of family `i` (0: job-based, 1: protected resources) may be shown.
    fn admit(&mut self, i: usize, hash: u64) -> bool {
        if self.admitted[i].contains(&hash) {
            return true;
        }
        if self.admitted[i].len() < self.max {
            self.admitted[i].insert(hash);
            return true;
        }
        self.refused[i].insert(hash);
        false
    }
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
    /// Merges the targets' snapshots; `cap` holds each per-resource family to
    /// `resources.max_series` across targets, remembering what it refused.
    pub fn merge<'a>(
        targets: impl IntoIterator<Item = &'a TargetSnapshot>,
        extra_labels: &[ExtraLabel],
        lookback_seconds: f64,
        resources_enabled: bool,
        cap: &mut SeriesCap,
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
                if !cap.admit(0, series_hash(&key)) {
                    continue;
                }
                let e = m.resource_last_job.entry(key).or_insert(*v);
                if e.completion < v.completion {
                    *e = *v;
                }
            }
            for p in &s.protected_resources {
                let key = (r.clone(), p.resource_arn.clone());
                if cap.admit(1, series_hash(&key)) {
                    m.protected.insert(key, p.clone());
                }
            }
            for (name, n) in &s.series_dropped {
                *m.dropped.entry(name).or_default() += n;
            }
        }
        for (i, names) in [
            &[RESOURCE_LAST_JOB_TS, RESOURCE_LAST_JOB_SUCCESS][..],
            &[RESOURCE_LAST_BACKUP_TS][..],
        ]
        .into_iter()
        .enumerate()
        {
            for name in names {
                *m.dropped.entry(name).or_default() += cap.refused[i].len() as u64;
            }
        }
        m
    }
}

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
