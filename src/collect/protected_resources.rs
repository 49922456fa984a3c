//! ListProtectedResources of the target's own account: every resource's LastBackupTime, the
//! whole history's view of freshness.

use std::time::Duration;

use tracing::warn;

use super::collector::{BoxFuture, Collector, Context};
use crate::aws::AwsError;

pub struct ProtectedResources {
    interval: Duration,
}

impl ProtectedResources {
    pub fn new(interval: Duration) -> Self {
        ProtectedResources { interval }
    }
}

impl Collector for ProtectedResources {
    fn name(&self) -> &'static str {
        "protected_resources"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn collect<'a>(&'a mut self, cx: Context<'a>) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            match cx.api.list_protected_resources().await {
                Ok(resources) => {
                    cx.state.apply_protected_resources(resources);
                    Ok(())
                }
                Err(e) => {
                    warn!(target = %cx.target, error = %e, cause = %e.cause, "listing protected resources failed; keeping the last list");
                    Err(e)
                }
            }
        })
    }
}
