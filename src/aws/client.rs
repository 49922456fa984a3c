//! One target's AWS Backup client: region, endpoint, credentials (assuming `role_arn` through
//! STS), retries, timeouts, and the rate limiter every call passes.

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_backup::Client;
use aws_sdk_backup::config::retry::RetryPartition;
use aws_sdk_backup::config::{Region, SharedHttpClient};

use super::attempts::{AttemptObserver, CountAttempts};
use super::error::AwsError;
use super::limiter::RateLimiter;
use crate::config::{self, RetryMode, Target};

/// The first retry waits a random time up to this, doubling on every further retry (to 20 s).
/// Shorter than the SDK's 1 s because the rate limiter already halves the request rate on
/// every throttle: the backoff only has to spread the retries, not to slow the client down.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);

/// How clients are built beyond the configuration: fixed credentials for the simulator
/// (`--demo`, which must never reach the real credential chain or IMDS), and who hears of each
/// attempt.
#[derive(Clone)]
pub struct ClientOptions {
    credentials: Option<SharedCredentialsProvider>,
    observer: Option<AttemptObserver>,
    /// One HTTPS client (connection pools, TLS configuration) for every target: built per SDK
    /// client, three a target, it cost about half a MiB per target with a thousand targets.
    http: SharedHttpClient,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            credentials: None,
            observer: None,
            http: https_client(),
        }
    }
}

/// The HTTPS client the SDK would build for each client (hyper 1, rustls with aws-lc, the
/// environment's proxy settings), built once; it keeps one connector per distinct set of
/// timeouts.
fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut c = ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
        c.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            c.set_sleep_impl(components.sleep_impl());
        }
        c.set_proxy_config(Some(ProxyConfig::from_env()));
        c.build()
    })
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("static_credentials", &self.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// Fixed credentials instead of the environment's chain.
    pub fn static_credentials(mut self, access_key: &str, secret: &str) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(Credentials::new(
            access_key,
            secret,
            None,
            None,
            "aws-backup-exporter",
        )));
        self
    }

    /// The SDK configuration loader for `target`: its region and endpoint, these options'
    /// credentials if any, and the shared HTTPS client.
    pub(super) fn loader(&self, target: &Target) -> aws_config::ConfigLoader {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).http_client(self.http.clone());
        if let Some(region) = &target.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &target.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(creds) = &self.credentials {
            loader = loader.credentials_provider(creds.clone());
        }
        loader
    }

    /// Reports every HTTP attempt to `observer`.
    pub fn observe_attempts(mut self, observer: AttemptObserver) -> Self {
        self.observer = Some(observer);
        self
    }
}

/// One target's AWS Backup client.
#[derive(Debug)]
pub struct BackupApi {
    pub(super) client: Client,
    /// STS with the target's credentials: who the caller is, for the resources that AWS lists
    /// as the caller's own without naming the account (S3 buckets' ARNs carry none).
    sts: aws_sdk_sts::Client,
    account: tokio::sync::OnceCell<String>,
    pub(super) limiter: Arc<RateLimiter>,
    pub(super) page_size: i32,
    /// `ByAccountId` for every job listing.
    pub(super) account_filter: Option<String>,
    region: String,
}

impl BackupApi {
    /// Builds the client of one target. Credentials are resolved lazily, on the first call,
    /// and cached and refreshed by the SDK.
    pub async fn connect(
        target: &Target,
        aws: &config::Aws,
        page_size: i32,
        options: &ClientOptions,
    ) -> Result<Self, AwsError> {
        let base = options.loader(target).load().await;
        let region = base.region().map(|r| r.to_string()).ok_or_else(|| {
            AwsError::setup("no AWS region: set `region` on the target, or AWS_REGION")
        })?;

        let retry = match aws.retry_mode {
            RetryMode::Standard => RetryConfig::standard(),
            RetryMode::Adaptive => RetryConfig::adaptive(),
        }
        .with_max_attempts(aws.max_attempts)
        .with_initial_backoff(INITIAL_BACKOFF);
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(aws.timeout)
            .connect_timeout(aws.timeout.min(Duration::from_secs(10)))
            .build();
        let limiter = Arc::new(RateLimiter::new(aws.requests_per_second));
        let mut builder = aws_sdk_backup::config::Builder::from(&base)
            .retry_config(retry)
            // A retry quota of its own: one target's outage never exhausts another's retries.
            .retry_partition(RetryPartition::new(format!(
                "aws-backup-exporter/{}",
                target.name
            )))
            .timeout_config(timeouts)
            .interceptor(CountAttempts {
                limiter: limiter.clone(),
                observer: options.observer.clone(),
            });
        let account = tokio::sync::OnceCell::new();
        if let Some(role_arn) = &target.role_arn {
            let mut assume = AssumeRoleProvider::builder(role_arn)
                .session_name("aws-backup-exporter")
                .region(Region::new(region.clone()))
                .configure(&base);
            if let Some(ext) = &target.external_id {
                assume = assume.external_id(ext);
            }
            builder = builder.credentials_provider(assume.build().await);
            if let Some(a) = crate::config::role_arn_account(role_arn) {
                let _ = account.set(a.to_owned());
            }
        }
        Ok(BackupApi {
            sts: aws_sdk_sts::Client::new(&base),
            account,
            client: Client::from_conf(builder.build()),
            limiter,
            page_size,
            account_filter: target.account_id.clone(),
            region,
        })
    }

    /// The region the client talks to (the `region` label).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account the target reads as: its role's, or the environment credentials' (asked of
    /// STS once, then remembered).
    pub async fn caller_account(&self) -> Result<String, AwsError> {
        self.account
            .get_or_try_init(|| async {
                self.limiter.acquire().await;
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("GetCallerIdentity", &e))?;
                Ok(out.account.unwrap_or_default())
            })
            .await
            .cloned()
    }
}
