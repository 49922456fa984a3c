//! The truth, from the simulator's own data, and the comparison with what the exporter serves:
//! `aws_backup_jobs` (terminal jobs that ended within the lookback, active ones now), the
//! per-resource series and the restore-test validations, label set by label set.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use aws_backup_sim::{SimJob, SimJobType, Simulator};

use super::exposition::{Exposition, http_get};
use super::{LOOKBACK, REFRESH, unix_now};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

fn job_type(t: SimJobType) -> &'static str {
    match t {
        SimJobType::Backup => "backup",
        SimJobType::Restore => "restore",
        SimJobType::Copy => "copy",
        SimJobType::Scan => "scan",
    }
}

fn active(t: SimJobType, state: &str) -> bool {
    match t {
        SimJobType::Backup => matches!(state, "CREATED" | "PENDING" | "RUNNING" | "ABORTING"),
        SimJobType::Restore => matches!(state, "PENDING" | "RUNNING"),
        SimJobType::Copy | SimJobType::Scan => matches!(state, "CREATED" | "RUNNING"),
    }
}

/// The message category the exporter sees: ListScanJobs has none.
fn category(j: &SimJob) -> &str {
    match j.job_type {
        SimJobType::Scan => "",
        _ => j.message_category.as_deref().unwrap_or(""),
    }
}

/// Where the lookback starts at `now`: rounded down to the minute, as the exporter does.
fn window_start(now: f64) -> f64 {
    ((now - LOOKBACK.as_secs_f64()) / 60.0).floor() * 60.0
}

/// Series keyed by name and labels (`name{k=v,…}`), with values.
type Series = BTreeMap<String, f64>;

/// `name{k="v",…}` with the labels in name order, whoever wrote them.
fn key(name: &str, labels: &[(&str, &str)]) -> String {
    let mut l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    l.sort();
    format!("{name}{{{}}}", l.join(","))
}

/// What the exporter must serve now, and the per-resource series whose newest job is a tie
/// between a success and a failure (either is right).
fn expected(sim: &Simulator, now: f64) -> (Series, BTreeSet<String>) {
    let start = window_start(now);
    let mut out = Series::new();
    let mut newest: BTreeMap<String, (i64, BTreeSet<bool>)> = BTreeMap::new();
    let jobs: Vec<SimJob> = sim.jobs();
    for j in jobs
        .iter()
        .filter(|j| !j.is_parent && REGIONS.contains(&j.region.as_str()))
    {
        let jt = job_type(j.job_type);
        let in_window = j.completion_date.is_some_and(|c| c as f64 >= start);
        let counted = match j.completion_date {
            Some(_) => in_window,
            None => active(j.job_type, &j.state),
        };
        if counted {
            let k = key(
                "aws_backup_jobs",
                &[
                    ("job_type", jt),
                    ("region", &j.region),
                    ("account_id", &j.account_id),
                    ("resource_type", &j.resource_type),
                    ("state", &j.state),
                    ("message_category", category(j)),
                ],
            );
            *out.entry(k).or_default() += 1.0;
        }
        if !in_window {
            continue;
        }
        let completion = j.completion_date.unwrap_or_default();
        if !j.resource_arn.is_empty() {
            let k = key(
                "resource",
                &[
                    ("job_type", jt),
                    ("region", &j.region),
                    ("account_id", &j.account_id),
                    ("resource_type", &j.resource_type),
                    ("resource_arn", &j.resource_arn),
                ],
            );
            let e = newest.entry(k).or_insert((completion, BTreeSet::new()));
            if completion > e.0 {
                *e = (completion, BTreeSet::new());
            }
            if completion == e.0 {
                e.1.insert(j.state == "COMPLETED");
            }
        }
        let test = j.job_type == SimJobType::Restore
            && (j.restore_testing_plan_arn.is_some() || j.validation_status.is_some());
        if let (true, Some(status)) = (test, &j.validation_status) {
            let k = key(
                "aws_backup_restore_validations",
                &[
                    ("region", &j.region),
                    ("account_id", &j.account_id),
                    ("resource_type", &j.resource_type),
                    ("validation_status", status),
                ],
            );
            *out.entry(k).or_default() += 1.0;
        }
    }
    let mut ties = BTreeSet::new();
    for (k, (completion, successes)) in newest {
        let labels = k.strip_prefix("resource").unwrap_or(&k).to_owned();
        out.insert(
            format!("aws_backup_resource_last_job_timestamp_seconds{labels}"),
            completion as f64,
        );
        let success = format!("aws_backup_resource_last_job_success{labels}");
        if successes.len() > 1 {
            ties.insert(success.clone());
        }
        out.insert(success, if successes.contains(&true) { 1.0 } else { 0.0 });
    }
    // ListProtectedResources lists the caller's own account: the management account here.
    let management = sim.management_account();
    for r in sim.resources() {
        if !REGIONS.contains(&r.region.as_str()) || r.account_id != management {
            continue;
        }
        let Some(t) = r.last_backup_time else {
            continue;
        };
        let k = key(
            "aws_backup_resource_last_backup_timestamp_seconds",
            &[
                ("region", &r.region),
                ("account_id", &r.account_id),
                ("resource_type", &r.resource_type),
                ("resource_arn", &r.resource_arn),
                ("resource_name", r.resource_name.as_deref().unwrap_or("")),
            ],
        );
        out.insert(k, t as f64);
    }
    (out, ties)
}

/// What the exporter serves, in the same families.
fn served(m: &Exposition) -> Series {
    const FAMILIES: [&str; 5] = [
        "aws_backup_jobs",
        "aws_backup_restore_validations",
        "aws_backup_resource_last_job_timestamp_seconds",
        "aws_backup_resource_last_job_success",
        "aws_backup_resource_last_backup_timestamp_seconds",
    ];
    let mut out = Series::new();
    for s in m
        .samples
        .iter()
        .filter(|s| FAMILIES.contains(&s.name.as_str()))
    {
        let labels: Vec<(&str, &str)> = s
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        out.insert(key(&s.name, &labels), s.value);
    }
    out
}

/// The outcome of a comparison.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Jobs the truth has and the exporter does not, over all label sets.
    pub lost: u64,
    /// Jobs the exporter counts more than the truth has.
    pub doubled: u64,
    pub wrong_resources: u64,
    pub wrong_validations: u64,
    pub differences: Vec<String>,
}

fn compare(want: &Series, got: &Series, ties: &BTreeSet<String>) -> Comparison {
    let mut c = Comparison::default();
    let names: BTreeSet<&String> = want.keys().chain(got.keys()).collect();
    for k in names {
        let w = want.get(k).copied().unwrap_or(0.0);
        let g = got.get(k).copied().unwrap_or(0.0);
        let present = (want.contains_key(k), got.contains_key(k));
        let same = if ties.contains(k) {
            present.1
        } else {
            w == g && (present.0 == present.1 || w == 0.0)
        };
        if same {
            continue;
        }
        c.differences.push(format!("{k} want {w} got {g}"));
        if k.starts_with("aws_backup_jobs{") {
            if g < w {
                c.lost += (w - g) as u64;
            } else {
                c.doubled += (g - w) as u64;
            }
        } else if k.starts_with("aws_backup_restore_validations{") {
            c.wrong_validations += 1;
        } else {
            c.wrong_resources += 1;
        }
    }
    c
}

/// Whether every collector of every target has succeeded since `since`.
fn caught_up(m: &Exposition, since: f64) -> bool {
    let ok: Vec<_> = m
        .select("aws_backup_exporter_collection_success", &[])
        .collect();
    let stamps: Vec<_> = m
        .select("aws_backup_exporter_last_success_timestamp_seconds", &[])
        .collect();
    !ok.is_empty()
        && ok.iter().all(|s| s.value == 1.0)
        && stamps.len() == ok.len()
        && stamps.iter().all(|s| s.value > since)
}

/// Waits until the exporter has refreshed everything after `frozen_at` and agrees with the
/// truth; `Err` with the last comparison if it does not within three minutes (restore tests
/// in their re-read backoff may take 16 refreshes to be asked again).
pub async fn converge(
    sim: &Simulator,
    addr: SocketAddr,
    frozen_at: f64,
) -> Result<Comparison, Comparison> {
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut last = Comparison::default();
    loop {
        tokio::time::sleep(REFRESH).await;
        let text = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(|| http_get(addr, "GET", "/metrics", &[]).text()).ok()
        })
        .await
        .ok()
        .flatten();
        if let Some(text) = text {
            let m = Exposition::parse(&text);
            if caught_up(&m, frozen_at + REFRESH.as_secs_f64()) {
                let (want, ties) = expected(sim, unix_now());
                last = compare(&want, &served(&m), &ties);
                if last.differences.is_empty() {
                    return Ok(last);
                }
            }
        }
        if Instant::now() > deadline {
            if last.differences.is_empty() {
                last.differences.push("the exporter never caught up".into());
            }
            return Err(last);
        }
    }
}
