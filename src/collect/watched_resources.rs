//! The whole restore history of each watched resource (`targets[].watch_resources`): when it
//! was last restored successfully, and how long that took. One resource failing to read keeps
//! what was read of it before and fails the collector; the others are still read.
//!
//! The configuration refuses ARNs of another region, and of another account than its
//! `role_arn`'s; with the environment's credentials the caller's account is known only here,
//! so an ARN of another account is refused here (never read, the collector failing), since
//! ListRestoreJobsByProtectedResource would only ever answer "no restores" for it.

use std::time::Duration;

use tracing::warn;

use super::collector::{BoxFuture, Collector, Context};
use crate::aws::{AwsError, Cause};
use crate::job::arn_account;

pub struct WatchedResources {
    interval: Duration,
    arns: Vec<String>,
}

impl WatchedResources {
    pub fn new(interval: Duration, arns: Vec<String>) -> Self {
        WatchedResources { interval, arns }
    }
}

impl Collector for WatchedResources {
    fn name(&self) -> &'static str {
        "watched_resources"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn collect<'a>(&'a mut self, cx: Context<'a>) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            let mut read = Vec::with_capacity(self.arns.len());
            let mut first_error = None;
            let caller = cx.api.caller_account().await?;
            for (j, arn) in self.arns.iter().enumerate() {
                let account = arn_account(arn);
                if !account.is_empty() && account != caller {
                    tracing::error!(target = %cx.target, resource_arn = %arn, entry = j, caller_account = %caller, "watch_resources[{j}] is in account {account}, not in the caller's: its restores are not visible from here; not read");
                    first_error.get_or_insert(AwsError::new(
                        "ListRestoreJobsByProtectedResource",
                        Cause::Other,
                        format!(
                            "watch_resources[{j}] {arn} is not in the caller's account {caller}"
                        ),
                    ));
                    continue;
                }
                match cx.api.watched_restore(arn).await {
                    Ok(w) => read.push(w),
                    Err(e) => {
                        warn!(target = %cx.target, resource_arn = %arn, error = %e, cause = %e.cause, "reading a watched resource's restore history failed; keeping what was read before");
                        first_error.get_or_insert(e);
                    }
                }
            }
            cx.state.apply_watched(read);
            first_error.map_or(Ok(()), Err)
        })
    }
}
