//! Listing jobs: every page of ListBackupJobs, ListRestoreJobs, ListCopyJobs and ListScanJobs, handed on
//! page by page, and DescribeRestoreJob.

use std::collections::HashSet;

use aws_sdk_backup::types::{BackupJobState, CopyJobState, RestoreJobStatus, ScanState};
use aws_smithy_types::DateTime;

use super::client::BackupApi;
use super::error::{AwsError, Cause};
use crate::job::{Job, JobType};

/// The one `By*` filter a listing uses.
#[derive(Clone, Copy, Debug)]
pub enum Filter<'a> {
    /// `ByCompleteAfter`, epoch seconds.
    CompleteAfter(f64),
    /// `ByState` (`ByStatus` for restores).
    State(&'a str),
}

/// Follows `NextToken`s and refuses one already seen in the same read: a paginator that loops
/// would otherwise read for ever.
#[derive(Debug, Default)]
pub(super) struct Pages {
    seen: HashSet<String>,
}

impl Pages {
    /// The token of the next page, `None` at the end, or an error for a token seen before.
    pub(super) fn next(
        &mut self,
        operation: &'static str,
        token: Option<String>,
    ) -> Result<Option<String>, AwsError> {
        match token {
            Some(t) if !t.is_empty() => {
                if !self.seen.insert(t.clone()) {
                    return Err(AwsError::new(
                        operation,
                        Cause::Malformed,
                        format!(
                            "NextToken {t:?} came back after {} pages: the listing loops",
                            self.seen.len()
                        ),
                    ));
                }
                Ok(Some(t))
            }
            _ => Ok(None),
        }
    }
}

impl BackupApi {
    /// Every item of a paginated listing: `send` makes one call for a `NextToken` (none for
    /// the first page) and returns its items and the next token. Each call waits for the rate
    /// limiter, and a token seen before ends the read as malformed.
    pub(super) async fn all_pages<T, Fut>(
        &self,
        operation: &'static str,
        mut send: impl FnMut(Option<String>) -> Fut,
    ) -> Result<Vec<T>, AwsError>
    where
        Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
    {
        let mut out = Vec::new();
        let mut pages = Pages::default();
        let mut token: Option<String> = None;
        loop {
            self.limiter.acquire().await;
            let (items, next) = send(token.take()).await?;
            out.extend(items);
            match pages.next(operation, next)? {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }

    /// Every job of `job_type` matching `filter`, handed to `on_page` page by page, so that a
    /// large backfill is never held whole. Pages already handed on stay handed on when a later
    /// one fails: the caller applies nothing of a read that did not finish.
    pub async fn list_jobs(
        &self,
        job_type: JobType,
        filter: Filter<'_>,
        on_page: &mut (dyn FnMut(Vec<Job>) + Send),
    ) -> Result<(), AwsError> {
        let mut pages = Pages::default();
        let mut token: Option<String> = None;
        loop {
            self.limiter.acquire().await;
            let (jobs, next) = self.page(job_type, filter, token.take()).await?;
            on_page(jobs);
            match pages.next(operation(job_type), next)? {
                Some(t) => token = Some(t),
                None => return Ok(()),
            }
        }
    }

    /// Every job of `job_type` in `state` now, all pages.
    pub async fn list_in_state(
        &self,
        job_type: JobType,
        state: &str,
    ) -> Result<Vec<Job>, AwsError> {
        let mut jobs = Vec::new();
        self.list_jobs(job_type, Filter::State(state), &mut |page| {
            jobs.extend(page)
        })
        .await?;
        Ok(jobs)
    }

    async fn page(
        &self,
        job_type: JobType,
        filter: Filter<'_>,
        token: Option<String>,
    ) -> Result<(Vec<Job>, Option<String>), AwsError> {
        let op = operation(job_type);
        let (n, account) = (self.page_size, self.account_filter.clone());
        let after = |t: f64| DateTime::from_secs_f64(t);
        Ok(match job_type {
            JobType::Backup => {
                let mut req = self.client.list_backup_jobs().max_results(n);
                req = req.set_next_token(token).set_by_account_id(account);
                req = match filter {
                    Filter::CompleteAfter(t) => req.by_complete_after(after(t)),
                    Filter::State(s) => req.by_state(BackupJobState::from(s)),
                };
                let out = req.send().await.map_err(|e| AwsError::from_sdk(op, &e))?;
                let jobs = out.backup_jobs.unwrap_or_default();
                (jobs.into_iter().map(Job::from).collect(), out.next_token)
            }
            JobType::Restore => {
                let mut req = self.client.list_restore_jobs().max_results(n);
                req = req.set_next_token(token).set_by_account_id(account);
                req = match filter {
                    Filter::CompleteAfter(t) => req.by_complete_after(after(t)),
                    Filter::State(s) => req.by_status(RestoreJobStatus::from(s)),
                };
                let out = req.send().await.map_err(|e| AwsError::from_sdk(op, &e))?;
                let jobs = out.restore_jobs.unwrap_or_default();
                (jobs.into_iter().map(Job::from).collect(), out.next_token)
            }
            JobType::Copy => {
                let mut req = self.client.list_copy_jobs().max_results(n);
                req = req.set_next_token(token).set_by_account_id(account);
                req = match filter {
                    Filter::CompleteAfter(t) => req.by_complete_after(after(t)),
                    Filter::State(s) => req.by_state(CopyJobState::from(s)),
                };
                let out = req.send().await.map_err(|e| AwsError::from_sdk(op, &e))?;
                let jobs = out.copy_jobs.unwrap_or_default();
                (jobs.into_iter().map(Job::from).collect(), out.next_token)
            }
            JobType::Scan => {
                let mut req = self.client.list_scan_jobs().max_results(n);
                req = req.set_next_token(token).set_by_account_id(account);
                req = match filter {
                    Filter::CompleteAfter(t) => req.by_complete_after(after(t)),
                    Filter::State(s) => req.by_state(ScanState::from(s)),
                };
                let out = req.send().await.map_err(|e| AwsError::from_sdk(op, &e))?;
                (
                    out.scan_jobs.into_iter().map(Job::from).collect(),
                    out.next_token,
                )
            }
        })
    }

    /// Re-reads one restore job (DescribeRestoreJob), for a validation still settling.
    pub async fn describe_restore_job(&self, id: &str) -> Result<Job, AwsError> {
        self.limiter.acquire().await;
        let out = self
            .client
            .describe_restore_job()
            .restore_job_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeRestoreJob", &e))?;
        Ok(Job::from(out))
    }
}

/// The operation that lists `job_type`, for error messages.
fn operation(job_type: JobType) -> &'static str {
    match job_type {
        JobType::Backup => "ListBackupJobs",
        JobType::Restore => "ListRestoreJobs",
        JobType::Copy => "ListCopyJobs",
        JobType::Scan => "ListScanJobs",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_seen_before_ends_the_read_as_malformed() {
        let mut p = Pages::default();
        assert_eq!(p.next("Op", Some("a".into())).unwrap(), Some("a".into()));
        assert_eq!(p.next("Op", Some("b".into())).unwrap(), Some("b".into()));
        let e = p.next("Op", Some("a".into())).unwrap_err();
        assert_eq!(e.cause, Cause::Malformed);
        assert!(e.to_string().contains("loops"), "{e}");
        assert_eq!(p.next("Op", Some(String::new())).unwrap(), None);
        assert_eq!(p.next("Op", None).unwrap(), None);
    }
}
