//! Encoding the merged series with prometheus-client's encoder, one function per group of
//! families.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, NoLabelSet};
use prometheus_client::metrics::MetricType;

use super::merge::Merged;
use super::names;
use crate::aggregate::{Histogram, JobKey, ResourceKey};

pub(super) type Labels<'a> = Vec<(&'static str, &'a str)>;
pub(super) type Result = std::result::Result<(), std::fmt::Error>;

pub(super) fn gauges<'a, V: EncodeGaugeValue + 'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl Iterator<Item = (Labels<'a>, V)>,
) -> Result {
    let mut fam = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, v) in rows {
        fam.encode_family(&labels)?.encode_gauge(&v)?;
    }
    Ok(())
}

fn counters<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl Iterator<Item = (Labels<'a>, u64)>,
) -> Result {
    let mut fam = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, v) in rows {
        fam.encode_family(&labels)?
            .encode_counter::<NoLabelSet, _, u64>(&v, None)?;
    }
    Ok(())
}

fn histograms<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl Iterator<Item = (Labels<'a>, &'a Histogram)>,
) -> Result {
    let mut fam = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
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

impl Merged {
    fn job_labels<'a>(&'a self, region: &'a str, k: &'a JobKey) -> Labels<'a> {
        let mut l = vec![
            ("job_type", k.job_type.as_str()),
            ("region", region),
            ("account_id", k.account_id.as_str()),
            ("resource_type", k.resource_type.as_str()),
            ("state", k.state.as_str()),
            ("message_category", k.message_category.as_str()),
        ];
        l.extend(self.extra(&k.extra));
        l
    }

    fn extra<'a>(&'a self, values: &'a [String]) -> impl Iterator<Item = (&'static str, &'a str)> {
        self.extra_labels
            .iter()
            .zip(values)
            .map(|(e, v)| (e.name(), v.as_str()))
    }

    fn encode_jobs(&self, encoder: &mut DescriptorEncoder) -> Result {
        gauges(
            encoder,
            names::JOBS,
            "Jobs by state: terminal states count jobs that ended within the lookback, active states (CREATED, PENDING, RUNNING, ABORTING) count jobs in that state now.",
            self.jobs
                .iter()
                .map(|((r, k), v)| (self.job_labels(r, k), *v)),
        )?;
        counters(
            encoder,
            names::JOBS_FINISHED,
            "Terminal jobs first seen after start-up (the start-up backfill fills the gauges, never this counter).",
            self.finished
                .iter()
                .map(|((r, k), v)| (self.job_labels(r, k), *v)),
        )?;
        histograms(
            encoder,
            names::JOB_DURATION,
            "CompletionDate minus CreationDate of the jobs counted by aws_backup_jobs_finished_total.",
            self.duration.iter().map(|(k, h)| {
                let l = vec![
                    ("job_type", k.job_type.as_str()),
                    ("resource_type", k.resource_type.as_str()),
                    ("state", k.state.as_str()),
                ];
                (l, h)
            }),
        )?;
        histograms(
            encoder,
            names::JOB_SIZE,
            "BackupSizeInBytes of COMPLETED jobs counted by aws_backup_jobs_finished_total.",
            self.size.iter().map(|(k, h)| {
                let l = vec![
                    ("job_type", k.job_type.as_str()),
                    ("resource_type", k.resource_type.as_str()),
                ];
                (l, h)
            }),
        )?;
        gauges(
            encoder,
            names::ACTIVE_OLDEST_AGE,
            "Age of the oldest job in each active state.",
            self.oldest_active.iter().map(|((r, k), v)| {
                let l = vec![
                    ("job_type", k.job_type.as_str()),
                    ("region", r.as_str()),
                    ("account_id", k.account_id.as_str()),
                    ("state", k.state.as_str()),
                ];
                (l, *v)
            }),
        )
    }

    fn encode_validations(&self, encoder: &mut DescriptorEncoder) -> Result {
        gauges(
            encoder,
            names::RESTORE_VALIDATIONS,
            "Restore-test jobs that ended within the lookback, by ValidationStatus.",
            self.validations.iter().map(|((r, k), v)| {
                let mut l = vec![
                    ("region", r.as_str()),
                    ("account_id", k.account_id.as_str()),
                    ("resource_type", k.resource_type.as_str()),
                    ("validation_status", k.validation_status.as_str()),
                ];
                l.extend(self.extra(&k.extra));
                (l, *v)
            }),
        )
    }

    fn encode_scans(&self, encoder: &mut DescriptorEncoder) -> Result {
        gauges(
            encoder,
            names::SCAN_RESULTS,
            "Scan jobs that ended within the lookback with a result, by ScanResultStatus.",
            self.scan_results.iter().map(|((r, k), v)| {
                let l = vec![
                    ("region", r.as_str()),
                    ("account_id", k.account_id.as_str()),
                    ("resource_type", k.resource_type.as_str()),
                    ("malware_scanner", k.malware_scanner.as_str()),
                    ("scan_result_status", k.scan_result_status.as_str()),
                ];
                (l, *v)
            }),
        )
    }

    fn encode_resources(&self, encoder: &mut DescriptorEncoder) -> Result {
        gauges(
            encoder,
            names::RESOURCE_LAST_JOB_TS,
            "CompletionDate of the newest ended job of the resource.",
            self.resource_last_job
                .iter()
                .map(|((r, k), v)| (resource_labels(r, k), v.completion)),
        )?;
        gauges(
            encoder,
            names::RESOURCE_LAST_JOB_SUCCESS,
            "1 if the newest ended job of the resource is COMPLETED, else 0.",
            self.resource_last_job
                .iter()
                .map(|((r, k), v)| (resource_labels(r, k), i64::from(v.success))),
        )?;
        gauges(
            encoder,
            names::RESOURCE_LAST_SUCCESS_TS,
            "CompletionDate of the newest COMPLETED job of the resource within the lookback.",
            self.resource_last_job
                .iter()
                .filter_map(|((r, k), v)| Some((resource_labels(r, k), v.last_success?))),
        )?;
        gauges(
            encoder,
            names::RESOURCE_BACKUP_INTERVAL,
            "The gap expected between the resource's backups: the longest gap between runs of its backup rule's schedule over the next 14 days (source=schedule), else the median gap between its completed backups within the lookback (source=history, at least 3).",
            self.resource_last_job.iter().filter_map(|((r, k), v)| {
                let i = v.interval?;
                let l = vec![
                    ("region", r.as_str()),
                    ("account_id", k.account_id.as_str()),
                    ("resource_type", k.resource_type.as_str()),
                    ("resource_arn", k.resource_arn.as_str()),
                    ("source", i.source.as_str()),
                ];
                Some((l, i.seconds))
            }),
        )?;
        gauges(
            encoder,
            names::RESOURCE_LAST_SCAN_THREATS,
            "1 if the newest completed scan of the resource within the lookback reported THREATS_FOUND, else 0.",
            self.resource_last_job.iter().filter_map(|((r, k), v)| {
                let threats = v.threats_found?;
                let l = vec![
                    ("region", r.as_str()),
                    ("account_id", k.account_id.as_str()),
                    ("resource_type", k.resource_type.as_str()),
                    ("resource_arn", k.resource_arn.as_str()),
                ];
                Some((l, i64::from(threats)))
            }),
        )?;
        gauges(
            encoder,
            names::RESOURCE_LAST_BACKUP_TS,
            "LastBackupTime of the resource, from ListProtectedResources.",
            self.protected.iter().filter_map(|((r, _), p)| {
                let t = p.last_backup_time?;
                let l = vec![
                    ("region", r.as_str()),
                    ("account_id", p.account_id.as_str()),
                    ("resource_type", p.resource_type.as_str()),
                    ("resource_arn", p.resource_arn.as_str()),
                    ("resource_name", p.resource_name.as_str()),
                ];
                Some((l, t))
            }),
        )
    }

    fn encode_exporter(&self, encoder: &mut DescriptorEncoder) -> Result {
        counters(
            encoder,
            names::SERIES_DROPPED,
            "Per-resource series refused because the family reached resources.max_series.",
            names::PER_RESOURCE.iter().map(|&name| {
                let n = if name == names::RESOURCE_LAST_BACKUP_TS {
                    self.dropped_protected
                } else {
                    self.dropped_last_job
                };
                (vec![("metric", name)], n)
            }),
        )?;
        encoder
            .encode_descriptor(
                names::LOOKBACK,
                "The configured lookback: terminal jobs that ended within it are counted in aws_backup_jobs.",
                None,
                MetricType::Gauge,
            )?
            .encode_gauge(&self.lookback_seconds)
    }
}

fn resource_labels<'a>(region: &'a str, k: &'a ResourceKey) -> Labels<'a> {
    vec![
        ("job_type", k.job_type.as_str()),
        ("region", region),
        ("account_id", k.account_id.as_str()),
        ("resource_type", k.resource_type.as_str()),
        ("resource_arn", k.resource_arn.as_str()),
    ]
}

impl Collector for Merged {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result {
        self.encode_jobs(&mut encoder)?;
        self.encode_validations(&mut encoder)?;
        self.encode_scans(&mut encoder)?;
        if self.resources_enabled {
            self.encode_resources(&mut encoder)?;
        }
        self.encode_inventory(&mut encoder)?;
        self.encode_exporter(&mut encoder)
    }
}
