//! Sees every HTTP attempt the SDK makes, retries included: tells the target's rate limiter
//! whether AWS throttled it, and reports it to whoever counts attempts (the self-metrics,
//! wired by `daemon`), without this module knowing who that is.

use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use super::error::is_throttling_code;
use super::limiter::RateLimiter;

/// How an AWS API attempt ended (`outcome` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Throttled,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Throttled => "throttled",
            Outcome::Error => "error",
        }
    }
}

/// Receives every attempt: the operation's name and how it ended.
pub type AttemptObserver = Arc<dyn Fn(&str, Outcome) + Send + Sync>;

#[derive(Clone)]
pub(super) struct CountAttempts {
    pub limiter: Arc<RateLimiter>,
    pub observer: Option<AttemptObserver>,
}

impl std::fmt::Debug for CountAttempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountAttempts").finish_non_exhaustive()
    }
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
        let outcome = match context.response() {
            Some(resp) => {
                let code = resp
                    .headers()
                    .get("x-amzn-errortype")
                    .map(|v| v.split(':').next().unwrap_or(v));
                if resp.status().as_u16() == 429 || code.is_some_and(is_throttling_code) {
                    Outcome::Throttled
                } else if matches!(context.output_or_error(), Some(Ok(_))) {
                    Outcome::Success
                } else {
                    Outcome::Error
                }
            }
            None => Outcome::Error,
        };
        if outcome == Outcome::Throttled {
            self.limiter.throttled();
        } else {
            self.limiter.not_throttled();
        }
        if let Some(observe) = &self.observer {
            let operation = cfg.load::<Metadata>().map_or("unknown", |m| m.name());
            observe(operation, outcome);
        }
        Ok(())
    }
}
