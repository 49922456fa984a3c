//! ListRestoreTestingPlans of the target's own account: when each plan last ran, and how often
//! its schedule says it should.

use std::time::Duration;

use tracing::warn;

use super::collector::{BoxFuture, Collector, Context};
use crate::aws::AwsError;

pub struct RestoreTestingPlans {
    interval: Duration,
}

impl RestoreTestingPlans {
    pub fn new(interval: Duration) -> Self {
        RestoreTestingPlans { interval }
    }
}

impl Collector for RestoreTestingPlans {
    fn name(&self) -> &'static str {
        "restore_testing_plans"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn collect<'a>(&'a mut self, cx: Context<'a>) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            match cx.api.list_restore_testing_plans().await {
                Ok(plans) => {
                    cx.state.apply_restore_testing_plans(plans);
                    Ok(())
                }
                Err(e) => {
                    warn!(target = %cx.target, error = %e, cause = %e.cause, "listing restore testing plans failed; keeping the last list");
                    Err(e)
                }
            }
        })
    }
}
