//! The jobs of one job type: the incremental read of ended jobs, the active-jobs snapshot, and
//! for restores the restore tests whose validation is still settling.

use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

use super::clock::unix_now;
use super::collector::{BoxFuture, Collector, Context};
use crate::aggregate::{Reread, TargetAggregate};
use crate::aws::{AwsError, BackupApi, Cause, Filter};
use crate::job::JobType;

/// Restore tests re-read per refresh at most, so a burst of restore tests cannot stall one.
const MAX_VALIDATION_REREADS: usize = 200;

/// Consecutive failed re-reads after which the rest wait for the next refresh: AWS is failing,
/// not one job.
const MAX_REREAD_FAILURES: usize = 3;

/// How often a long read logs its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

pub struct JobsCollector {
    job_type: JobType,
    interval: Duration,
}

impl JobsCollector {
    pub fn new(job_type: JobType, interval: Duration) -> Self {
        JobsCollector { job_type, interval }
    }
}

impl Collector for JobsCollector {
    fn name(&self) -> &'static str {
        self.job_type.as_str()
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn collect<'a>(&'a mut self, cx: Context<'a>) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(collect(self.job_type, cx))
    }
}

async fn collect(jt: JobType, cx: Context<'_>) -> Result<(), AwsError> {
    let Context { target, api, state } = cx;
    let ended = read_ended(jt, target, api, state).await;
    let active = read_active(jt, target, api, state).await;
    if jt == JobType::Restore {
        reread_validations(target, api, state).await;
    }
    ended.and(active)
}

/// Ended jobs since the watermark (the whole lookback the first time), staged page by page
/// and applied only once every page was read.
async fn read_ended(
    jt: JobType,
    name: &str,
    api: &BackupApi,
    state: &mut TargetAggregate,
) -> Result<(), AwsError> {
    let now = unix_now();
    let after = state.complete_after(jt, now);
    let backfill = !state.is_backfilled(jt);
    let started = Instant::now();
    let mut last_log = Instant::now();
    let mut pages = 0usize;
    let mut read = state.begin_read(jt, now);
    let listed = api
        .list_jobs(jt, Filter::CompleteAfter(after), &mut |page| {
            for job in page {
                state.stage(&mut read, job);
            }
            pages += 1;
            if backfill && last_log.elapsed() >= PROGRESS_EVERY {
                last_log = Instant::now();
                info!(target = %name, job_type = %jt, pages, jobs = read.listed(), elapsed = ?started.elapsed(), "backfill in progress");
            }
        })
        .await;
    match listed {
        Ok(()) => {
            let out = state.commit(read, now);
            if backfill {
                info!(target = %name, job_type = %jt, pages, listed = out.listed, new = out.new, parents_skipped = out.parents_skipped, elapsed = ?started.elapsed(), "backfill done");
            } else {
                debug!(target = %name, job_type = %jt, pages, listed = out.listed, new = out.new, duplicates = out.duplicates, parents_skipped = out.parents_skipped, "read ended jobs");
            }
            Ok(())
        }
        Err(e) => {
            warn!(target = %name, job_type = %jt, error = %e, cause = %e.cause, "reading ended jobs failed; serving the last good data, will retry");
            Err(e)
        }
    }
}

/// Active jobs now: a full snapshot, replaced only when every state was read.
async fn read_active(
    jt: JobType,
    name: &str,
    api: &BackupApi,
    state: &mut TargetAggregate,
) -> Result<(), AwsError> {
    let mut active = Vec::new();
    for s in jt.active_states() {
        match api.list_in_state(jt, s).await {
            Ok(jobs) => active.extend(jobs),
            Err(e) => {
                warn!(target = %name, job_type = %jt, state = s, error = %e, cause = %e.cause, "reading active jobs failed; keeping the last snapshot");
                return Err(e);
            }
        }
    }
    state.apply_active(jt, active, unix_now());
    Ok(())
}

/// Restore tests whose validation is still settling, least recently tried first. One that
/// cannot be described is dropped; transient failures leave it for later, and a run of them
/// (AWS failing) ends this round of re-reads. Not a failure of the collector: the listing
/// will bring the status too, once the test leaves VALIDATING.
async fn reread_validations(name: &str, api: &BackupApi, state: &mut TargetAggregate) {
    let due = state.validations_next_round(MAX_VALIDATION_REREADS);
    let mut failures = 0;
    for id in due {
        let outcome = match api.describe_restore_job(&id).await {
            Ok(job) => {
                failures = 0;
                Reread::Read(Box::new(job))
            }
            Err(e) if e.cause == Cause::AccessDenied || is_not_found(&e) => {
                warn!(target = %name, job_id = %id, error = %e, "a restore test cannot be described; no longer re-read");
                Reread::Gone
            }
            Err(e) => {
                failures += 1;
                warn!(target = %name, job_id = %id, error = %e, cause = %e.cause, "re-reading a restore test failed; will retry");
                Reread::Failed
            }
        };
        state.apply_reread(&id, outcome);
        if failures >= MAX_REREAD_FAILURES {
            break;
        }
    }
}

fn is_not_found(e: &AwsError) -> bool {
    e.message.contains("ResourceNotFoundException")
}
