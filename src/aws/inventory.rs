//! Inventory reads: what AWS Backup knows besides jobs.

use super::client::BackupApi;
use super::error::AwsError;
use super::jobs::Pages;
use crate::job::ProtectedResource;

impl BackupApi {
    /// Every protected resource of the caller's account in this region (ListProtectedResources).
    /// Resources whose ARN names no account (S3 buckets) are the caller's.
    pub async fn list_protected_resources(&self) -> Result<Vec<ProtectedResource>, AwsError> {
        let mut out = self.list_protected_resources_as_listed().await?;
        if out.iter().any(|r| r.account_id.is_empty()) {
            let account = self.caller_account().await?;
            for r in out.iter_mut().filter(|r| r.account_id.is_empty()) {
                r.account_id = account.clone();
            }
        }
        Ok(out)
    }

    async fn list_protected_resources_as_listed(&self) -> Result<Vec<ProtectedResource>, AwsError> {
        const OP: &str = "ListProtectedResources";
        let mut out = Vec::new();
        let mut pages = Pages::default();
        let mut token: Option<String> = None;
        loop {
            self.limiter.acquire().await;
            let page = self
                .client
                .list_protected_resources()
                .max_results(self.page_size)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(OP, &e))?;
            out.extend(
                page.results
                    .unwrap_or_default()
                    .into_iter()
                    .map(ProtectedResource::from),
            );
            match pages.next(OP, page.next_token)? {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }
}
