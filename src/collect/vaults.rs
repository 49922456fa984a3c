//! ListBackupVaults of the target's own account: every vault, its lock and retention, and how
//! many recovery points it holds.

use std::time::Duration;

use tracing::warn;

use super::collector::{BoxFuture, Collector, Context};
use crate::aws::AwsError;

pub struct Vaults {
    interval: Duration,
}

impl Vaults {
    pub fn new(interval: Duration) -> Self {
        Vaults { interval }
    }
}

impl Collector for Vaults {
    fn name(&self) -> &'static str {
        "vaults"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn collect<'a>(&'a mut self, cx: Context<'a>) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            match cx.api.list_backup_vaults().await {
                Ok(vaults) => {
                    cx.state.apply_vaults(vaults);
                    Ok(())
                }
                Err(e) => {
                    warn!(target = %cx.target, error = %e, cause = %e.cause, "listing backup vaults failed; keeping the last list");
                    Err(e)
                }
            }
        })
    }
}
