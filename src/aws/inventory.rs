//! Inventory reads: what AWS Backup knows besides jobs.

use aws_sdk_backup::types::VaultType;

use super::client::BackupApi;
use super::error::AwsError;
use crate::job::{ProtectedResource, RestoreTestingPlan, Vault};

/// The vault types listed, one ListBackupVaults each: `ByVaultType` unset lists standard
/// vaults, and the other types only show up when asked for.
const VAULT_TYPES: [Option<VaultType>; 3] = [
    None,
    Some(VaultType::LogicallyAirGappedBackupVault),
    Some(VaultType::RestoreAccessBackupVault),
];

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
        let listed = self
            .all_pages(OP, |token| {
                let call = self
                    .client
                    .list_protected_resources()
                    .max_results(self.page_size)
                    .set_next_token(token);
                async move {
                    let page = call.send().await.map_err(|e| AwsError::from_sdk(OP, &e))?;
                    Ok((page.results.unwrap_or_default(), page.next_token))
                }
            })
            .await?;
        Ok(listed.into_iter().map(ProtectedResource::from).collect())
    }

    /// Every vault the caller's account owns in this region, of every type, each once.
    pub async fn list_backup_vaults(&self) -> Result<Vec<Vault>, AwsError> {
        const OP: &str = "ListBackupVaults";
        let mut out: Vec<Vault> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for vault_type in VAULT_TYPES {
            let listed = self
                .all_pages(OP, |token| {
                    let call = self
                        .client
                        .list_backup_vaults()
                        .set_by_vault_type(vault_type.clone())
                        .max_results(self.page_size)
                        .set_next_token(token);
                    async move {
                        let page = call.send().await.map_err(|e| AwsError::from_sdk(OP, &e))?;
                        Ok((page.backup_vault_list.unwrap_or_default(), page.next_token))
                    }
                })
                .await?;
            for v in listed.into_iter().map(Vault::from) {
                if seen.insert(v.arn.clone()) {
                    out.push(v);
                }
            }
        }
        Ok(out)
    }

    /// Every restore testing plan of the caller's account in this region.
    pub async fn list_restore_testing_plans(&self) -> Result<Vec<RestoreTestingPlan>, AwsError> {
        const OP: &str = "ListRestoreTestingPlans";
        let listed = self
            .all_pages(OP, |token| {
                let call = self
                    .client
                    .list_restore_testing_plans()
                    .max_results(self.page_size)
                    .set_next_token(token);
                async move {
                    let page = call.send().await.map_err(|e| AwsError::from_sdk(OP, &e))?;
                    Ok((page.restore_testing_plans, page.next_token))
                }
            })
            .await?;
        Ok(listed.into_iter().map(RestoreTestingPlan::from).collect())
    }
}
