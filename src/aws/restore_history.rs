//! ListRestoreJobsByProtectedResource: one resource's whole restore history, beyond any
//! lookback, for the resources a target watches.
//!
//! Read whole each time rather than from a date: the API's only date filter is on the
//! recovery point's creation, so reading "after the last read" would miss a restore of an
//! older recovery point, which is what a recovery drill often restores.

use aws_sdk_backup::types::RestoreJobStatus;

use super::client::BackupApi;
use super::error::AwsError;
use crate::job::{Job, WatchedRestore, arn_account};

impl BackupApi {
    /// The newest COMPLETED restore job of `resource_arn`, from its whole history.
    pub async fn watched_restore(&self, resource_arn: &str) -> Result<WatchedRestore, AwsError> {
        const OP: &str = "ListRestoreJobsByProtectedResource";
        let listed = self
            .all_pages(OP, |token| {
                let call = self
                    .client
                    .list_restore_jobs_by_protected_resource()
                    .resource_arn(resource_arn)
                    .by_status(RestoreJobStatus::Completed)
                    .max_results(self.page_size)
                    .set_next_token(token);
                async move {
                    let page = call.send().await.map_err(|e| AwsError::from_sdk(OP, &e))?;
                    Ok((page.restore_jobs.unwrap_or_default(), page.next_token))
                }
            })
            .await?;
        let mut newest: Option<Job> = None;
        for job in listed.into_iter().map(Job::from) {
            let Some(c) = job.completion else { continue };
            if job.is_completed() && newest.as_ref().is_none_or(|n| n.completion < Some(c)) {
                newest = Some(job);
            }
        }
        let account = match arn_account(resource_arn) {
            "" => self.caller_account().await?,
            a => a.to_owned(),
        };
        Ok(WatchedRestore {
            account_id: account,
            resource_arn: resource_arn.to_owned(),
            resource_type: newest
                .as_ref()
                .map(|j| j.resource_type.clone())
                .unwrap_or_default(),
            last_completed: newest.and_then(|j| {
                let c = j.completion?;
                Some((c, j.creation.map(|s| (c - s).max(0.0))))
            }),
        })
    }
}
