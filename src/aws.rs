//! The only module that knows the AWS SDK: clients per target, paging, rate limiting, retries,
//! counting attempts, and turning SDK shapes into [`Job`]s.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_backup::Client;
use aws_sdk_backup::config::Region;
use aws_sdk_backup::error::DisplayErrorContext;
use aws_sdk_backup::types::{BackupJobState, CopyJobState, RestoreJobStatus};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::DateTime;
use aws_smithy_types::config_bag::ConfigBag;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::aggregate::ProtectedResource;
use crate::config::{self, Target};
use crate::job::{Job, JobType, restore_testing_plan_name};
use crate::metrics::{ApiOutcome, SelfMetrics};

/// Settings that are not user configuration: fixed credentials for the simulator (`--demo`,
/// tests, benchmarks, which must never reach the real credential chain or IMDS), and for tests
/// a shorter backoff and the standard retry mode (adaptive mode slows a client under sustained
/// throttling down to half a request per second, which is right against AWS and makes a test
/// that throttles every third call take minutes).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    credentials: Option<SharedCredentialsProvider>,
    initial_backoff: Option<Duration>,
    standard_retry: bool,
}

impl Overrides {
    /// Fixed credentials instead of the environment's chain.
    pub fn static_credentials(access_key: &str, secret: &str) -> Self {
        Overrides {
            credentials: Some(SharedCredentialsProvider::new(Credentials::new(
                access_key,
                secret,
                None,
                None,
                "aws-backup-exporter",
            ))),
            initial_backoff: None,
            standard_retry: false,
        }
    }

    /// Retry backoff starting at `d` instead of the SDK's 1 s.
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = Some(d);
        self
    }

    /// The SDK's standard retry mode instead of adaptive.
    pub fn with_standard_retry(mut self) -> Self {
        self.standard_retry = true;
        self
    }
}

/// Spaces calls `1 / rate` seconds apart, per target, so that a large backfill never bursts
/// into AWS's account-wide request quota.
#[derive(Debug)]
struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    fn new(per_second: f64) -> Self {
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn acquire(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// Counts every HTTP attempt (retries included) by operation and outcome.
#[derive(Debug)]
struct CountAttempts {
    metrics: Arc<SelfMetrics>,
}

/// AWS error codes that mean "slow down".
fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "SlowDown"
            | "ProvisionedThroughputExceededException"
    )
}

impl Intercept for CountAttempts {
    fn name(&self) -> &'static str {
        "CountAttempts"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let outcome = match context.response() {
            Some(resp) => {
                let code = resp
                    .headers()
                    .get("x-amzn-errortype")
                    .map(|v| v.split(':').next().unwrap_or(v));
                if resp.status().as_u16() == 429 || code.is_some_and(is_throttling_code) {
                    ApiOutcome::Throttled
                } else if matches!(context.output_or_error(), Some(Ok(_))) {
                    ApiOutcome::Success
                } else {
                    ApiOutcome::Error
                }
            }
            None => ApiOutcome::Error,
        };
        self.metrics.api_request(&operation, outcome);
        Ok(())
    }
}

/// A restore job from either SDK shape that carries one (ListRestoreJobs' member,
/// DescribeRestoreJob's output): same field names, different types. Fields are moved out.
macro_rules! restore_job {
    ($j:expr) => {{
        let j = $j;
        Job {
            job_type: JobType::Restore,
            restore_testing_plan: j
                .created_by
                .as_ref()
                .and_then(|c| c.restore_testing_plan_arn())
                .map(|a| restore_testing_plan_name(a).to_owned())
                .unwrap_or_default(),
            backup_vault_name: vault_name(j.backup_vault_arn.as_deref()),
            id: j.restore_job_id.unwrap_or_default(),
            account_id: j.account_id.unwrap_or_default(),
            state: j.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            message_category: String::new(),
            resource_type: j.resource_type.unwrap_or_default(),
            resource_arn: j.source_resource_arn.unwrap_or_default(),
            resource_name: String::new(),
            creation: secs(j.creation_date.as_ref()).unwrap_or_default(),
            completion: secs(j.completion_date.as_ref()),
            size_bytes: j.backup_size_in_bytes,
            is_parent: j.is_parent,
            validation_status: j.validation_status.map(|v| v.as_str().to_owned()),
        }
    }};
}

/// One target's AWS Backup client.
#[derive(Debug)]
pub struct BackupApi {
    client: Client,
    limiter: RateLimiter,
    page_size: i32,
    /// `ByAccountId` for every list call.
    account_filter: Option<String>,
    region: String,
}

fn secs(d: Option<&DateTime>) -> Option<f64> {
    d.map(|d| d.as_secs_f64())
}

fn owned(s: Option<&str>) -> String {
    s.unwrap_or_default().to_owned()
}

/// The name at the end of a vault ARN (`arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME`).
fn vault_name(arn: Option<&str>) -> String {
    arn.and_then(|a| a.rsplit_once(":backup-vault:").map(|(_, n)| n))
        .unwrap_or_default()
        .to_owned()
}

/// The account of an ARN (its fifth field); empty for ARNs without one (S3 buckets).
pub fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

fn err_text(e: &impl std::error::Error) -> String {
    DisplayErrorContext(e).to_string()
}

impl BackupApi {
    /// Builds the client of one target: region, endpoint, credentials (assuming `role_arn`
    /// through STS when set, with cached, refreshed credentials), retries and timeouts.
    pub async fn connect(
        target: &Target,
        cfg: &config::Config,
        overrides: &Overrides,
        metrics: Arc<SelfMetrics>,
    ) -> Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &target.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &target.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(creds) = &overrides.credentials {
            loader = loader.credentials_provider(creds.clone());
        }
        let base = loader.load().await;
        let region = base
            .region()
            .map(|r| r.to_string())
            .context("no AWS region: set `region` on the target, or AWS_REGION")?;

        let mut retry = if overrides.standard_retry {
            RetryConfig::standard()
        } else {
            RetryConfig::adaptive()
        }
        .with_max_attempts(cfg.aws.max_attempts);
        if let Some(b) = overrides.initial_backoff {
            retry = retry.with_initial_backoff(b);
        }
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(cfg.aws.timeout)
            .connect_timeout(cfg.aws.timeout.min(Duration::from_secs(10)))
            .build();
        let mut builder = aws_sdk_backup::config::Builder::from(&base)
            .retry_config(retry)
            .timeout_config(timeouts)
            .interceptor(CountAttempts { metrics });
        if let Some(role_arn) = &target.role_arn {
            let mut assume = AssumeRoleProvider::builder(role_arn)
                .session_name("aws-backup-exporter")
                .region(Region::new(region.clone()))
                .configure(&base);
            if let Some(ext) = &target.external_id {
                assume = assume.external_id(ext);
            }
            builder = builder.credentials_provider(assume.build().await);
        }
        Ok(BackupApi {
            client: Client::from_conf(builder.build()),
            limiter: RateLimiter::new(cfg.aws.requests_per_second),
            page_size: cfg.page_size,
            account_filter: target.account_id.clone(),
            region,
        })
    }

    /// The region the client talks to (the `region` label).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Every job of `job_type` that completed after `after` (epoch seconds), handed to
    /// `on_page` page by page, so that a large backfill is never held whole.
    pub async fn list_ended(
        &self,
        job_type: JobType,
        after: f64,
        on_page: &mut (dyn FnMut(Vec<Job>) + Send),
    ) -> Result<()> {
        self.list(job_type, Filter::CompleteAfter(after), on_page)
            .await
    }

    /// Every job of `job_type` in `state` now, all pages.
    pub async fn list_in_state(&self, job_type: JobType, state: &str) -> Result<Vec<Job>> {
        let mut jobs = Vec::new();
        self.list(job_type, Filter::State(state), &mut |page| {
            jobs.extend(page)
        })
        .await?;
        Ok(jobs)
    }

    async fn list(
        &self,
        job_type: JobType,
        filter: Filter<'_>,
        on_page: &mut (dyn FnMut(Vec<Job>) + Send),
    ) -> Result<()> {
        let mut token: Option<String> = None;
        loop {
            self.limiter.acquire().await;
            let mut page = Vec::with_capacity(self.page_size as usize);
            let next = match job_type {
                JobType::Backup => self.backup_page(&filter, token.take(), &mut page).await?,
                JobType::Restore => self.restore_page(&filter, token.take(), &mut page).await?,
                JobType::Copy => self.copy_page(&filter, token.take(), &mut page).await?,
            };
            on_page(page);
            match next {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(()),
            }
        }
    }

    async fn backup_page(
        &self,
        filter: &Filter<'_>,
        token: Option<String>,
        out: &mut Vec<Job>,
    ) -> Result<Option<String>> {
        let mut req = self
            .client
            .list_backup_jobs()
            .max_results(self.page_size)
            .set_next_token(token)
            .set_by_account_id(self.account_filter.clone());
        req = match filter {
            Filter::CompleteAfter(t) => req.by_complete_after(DateTime::from_secs_f64(*t)),
            Filter::State(s) => req.by_state(BackupJobState::from(*s)),
        };
        let page = req
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("ListBackupJobs: {}", err_text(&e)))?;
        // Fields are moved out of the SDK's shapes, not copied: a backfill converts millions.
        let next = page.next_token;
        out.extend(
            page.backup_jobs
                .unwrap_or_default()
                .into_iter()
                .map(|j| Job {
                    job_type: JobType::Backup,
                    id: j.backup_job_id.unwrap_or_default(),
                    account_id: j.account_id.unwrap_or_default(),
                    state: j.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    message_category: j.message_category.unwrap_or_default(),
                    resource_type: j.resource_type.unwrap_or_default(),
                    resource_arn: j.resource_arn.unwrap_or_default(),
                    resource_name: j.resource_name.unwrap_or_default(),
                    creation: secs(j.creation_date.as_ref()).unwrap_or_default(),
                    completion: secs(j.completion_date.as_ref()),
                    size_bytes: j.backup_size_in_bytes,
                    is_parent: j.is_parent,
                    backup_vault_name: j.backup_vault_name.unwrap_or_default(),
                    restore_testing_plan: String::new(),
                    validation_status: None,
                }),
        );
        Ok(next)
    }

    async fn restore_page(
        &self,
        filter: &Filter<'_>,
        token: Option<String>,
        out: &mut Vec<Job>,
    ) -> Result<Option<String>> {
        let mut req = self
            .client
            .list_restore_jobs()
            .max_results(self.page_size)
            .set_next_token(token)
            .set_by_account_id(self.account_filter.clone());
        req = match filter {
            Filter::CompleteAfter(t) => req.by_complete_after(DateTime::from_secs_f64(*t)),
            Filter::State(s) => req.by_status(RestoreJobStatus::from(*s)),
        };
        let page = req
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("ListRestoreJobs: {}", err_text(&e)))?;
        let next = page.next_token;
        out.extend(
            page.restore_jobs
                .unwrap_or_default()
                .into_iter()
                .map(|j| restore_job!(j)),
        );
        Ok(next)
    }

    async fn copy_page(
        &self,
        filter: &Filter<'_>,
        token: Option<String>,
        out: &mut Vec<Job>,
    ) -> Result<Option<String>> {
        let mut req = self
            .client
            .list_copy_jobs()
            .max_results(self.page_size)
            .set_next_token(token)
            .set_by_account_id(self.account_filter.clone());
        req = match filter {
            Filter::CompleteAfter(t) => req.by_complete_after(DateTime::from_secs_f64(*t)),
            Filter::State(s) => req.by_state(CopyJobState::from(*s)),
        };
        let page = req
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("ListCopyJobs: {}", err_text(&e)))?;
        let next = page.next_token;
        out.extend(page.copy_jobs.unwrap_or_default().into_iter().map(|j| Job {
            job_type: JobType::Copy,
            backup_vault_name: vault_name(j.source_backup_vault_arn.as_deref()),
            id: j.copy_job_id.unwrap_or_default(),
            account_id: j.account_id.unwrap_or_default(),
            state: j.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            message_category: j.message_category.unwrap_or_default(),
            resource_type: j.resource_type.unwrap_or_default(),
            resource_arn: j.resource_arn.unwrap_or_default(),
            resource_name: j.resource_name.unwrap_or_default(),
            creation: secs(j.creation_date.as_ref()).unwrap_or_default(),
            completion: secs(j.completion_date.as_ref()),
            size_bytes: j.backup_size_in_bytes,
            is_parent: j.is_parent,
            restore_testing_plan: String::new(),
            validation_status: None,
        }));
        Ok(next)
    }

    /// Re-reads one restore job (DescribeRestoreJob), for a validation still settling.
    pub async fn describe_restore_job(&self, id: &str) -> Result<Job> {
        self.limiter.acquire().await;
        let j = self
            .client
            .describe_restore_job()
            .restore_job_id(id)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("DescribeRestoreJob {id}: {}", err_text(&e)))?;
        Ok(restore_job!(j))
    }

    /// Every protected resource of the caller's account in this region (ListProtectedResources).
    pub async fn list_protected_resources(&self) -> Result<Vec<ProtectedResource>> {
        let mut out = Vec::new();
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
                .map_err(|e| anyhow::anyhow!("ListProtectedResources: {}", err_text(&e)))?;
            out.extend(page.results().iter().map(|r| {
                let arn = owned(r.resource_arn());
                ProtectedResource {
                    account_id: arn_account(&arn).to_owned(),
                    resource_type: owned(r.resource_type()),
                    resource_name: owned(r.resource_name()),
                    last_backup_time: secs(r.last_backup_time()),
                    resource_arn: arn,
                }
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }
}

/// The one `By*` filter a list call uses.
enum Filter<'a> {
    CompleteAfter(f64),
    State(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_arns() {
        assert_eq!(
            vault_name(Some(
                "arn:aws:backup:us-east-1:111122223333:backup-vault:Default"
            )),
            "Default"
        );
        assert_eq!(vault_name(None), "");
        assert_eq!(
            arn_account("arn:aws:rds:us-east-1:111122223333:db:x"),
            "111122223333"
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket"), "");
    }

    #[test]
    fn throttling_codes() {
        assert!(is_throttling_code("ThrottlingException"));
        assert!(!is_throttling_code("AccessDeniedException"));
    }
}
