//! Why a read failed, in the few causes an operator acts on differently. Each cause names its
//! own label of `aws_backup_exporter_collection_errors_total{error}`.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_backup::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// The cause of a failed read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// AWS asked us to slow down, and the retries ran out.
    Throttled,
    /// Credentials missing, expired or not allowed (IAM, STS AssumeRole).
    AccessDenied,
    /// An attempt or a connection took longer than `aws.timeout`.
    Timeout,
    /// An answer that cannot be read: bad JSON, a repeated page token.
    Malformed,
    /// AWS answered 5xx.
    Server,
    /// No answer: connection refused or reset, DNS.
    Network,
    Other,
}

impl Cause {
    #[cfg(test)]
    pub const ALL: [Cause; 7] = [
        Cause::Throttled,
        Cause::AccessDenied,
        Cause::Timeout,
        Cause::Malformed,
        Cause::Server,
        Cause::Network,
        Cause::Other,
    ];

    /// The `error` label value.
    pub fn metric_label(self) -> &'static str {
        match self {
            Cause::Throttled => "throttled",
            Cause::AccessDenied => "access_denied",
            Cause::Timeout => "timeout",
            Cause::Malformed => "malformed",
            Cause::Server => "server",
            Cause::Network => "network",
            Cause::Other => "other",
        }
    }
}

/// A failed AWS read: the operation, its cause and AWS's own words.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: {message}")]
pub struct AwsError {
    pub operation: &'static str,
    pub cause: Cause,
    pub message: String,
}

impl AwsError {
    pub fn new(operation: &'static str, cause: Cause, message: impl Into<String>) -> Self {
        AwsError {
            operation,
            cause,
            message: message.into(),
        }
    }

    /// Classifies an SDK error.
    pub fn from_sdk<E>(operation: &'static str, e: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        AwsError::new(operation, classify(e), DisplayErrorContext(e).to_string())
    }

    /// The SDK's client could not be built (no region, bad endpoint).
    pub fn setup(message: impl Into<String>) -> Self {
        AwsError::new("setup", Cause::Other, message)
    }
}

/// AWS error codes that mean "slow down".
pub fn is_throttling_code(code: &str) -> bool {
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

fn is_denied_code(code: &str) -> bool {
    matches!(
        code,
        "AccessDeniedException"
            | "AccessDenied"
            | "UnauthorizedOperation"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "MissingAuthenticationToken"
    )
}

fn classify<E>(e: &SdkError<E, HttpResponse>) -> Cause
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    match e {
        SdkError::TimeoutError(_) => Cause::Timeout,
        SdkError::ResponseError(_) => Cause::Malformed,
        SdkError::DispatchFailure(d) => {
            if d.is_timeout() {
                Cause::Timeout
            } else if d.is_io() {
                Cause::Network
            } else {
                credentials_or(e, Cause::Other)
            }
        }
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or_default();
            let status = s.raw().status().as_u16();
            if is_throttling_code(code) || status == 429 {
                Cause::Throttled
            } else if is_denied_code(code) || status == 401 || status == 403 {
                Cause::AccessDenied
            } else if status >= 500 {
                Cause::Server
            } else if code == "SerializationException" {
                Cause::Malformed
            } else {
                Cause::Other
            }
        }
        _ => credentials_or(e, Cause::Other),
    }
}

/// Credential failures (an AssumeRole refused, no credentials at all) arrive as a failure to
/// build or dispatch the request, with the reason in the source chain.
fn credentials_or(e: &(dyn StdError + 'static), fallback: Cause) -> Cause {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if text.contains("AccessDenied")
            || text.contains("not authorized")
            || text.contains("no credentials")
            || text.contains("credentials provider")
        {
            return Cause::AccessDenied;
        }
        cur = err.source();
    }
    fallback
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.metric_label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels() {
        assert!(is_throttling_code("ThrottlingException"));
        assert!(!is_throttling_code("AccessDeniedException"));
        assert!(is_denied_code("ExpiredToken"));
        let labels: Vec<_> = Cause::ALL.iter().map(|c| c.metric_label()).collect();
        assert_eq!(
            labels,
            [
                "throttled",
                "access_denied",
                "timeout",
                "malformed",
                "server",
                "network",
                "other"
            ]
        );
    }
}
