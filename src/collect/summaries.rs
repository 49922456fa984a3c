//! List{Backup,Restore,Copy}JobSummaries over 7 and 14 days: AWS's own counts, replaced whole
//! by each complete reading.

use std::time::Duration;

use tracing::warn;

use super::collector::{BoxFuture, Collector, Context};
use crate::aws::AwsError;

pub struct Summaries {
    interval: Duration,
}

impl Summaries {
    pub fn new(interval: Duration) -> Self {
        Summaries { interval }
    }
}

impl Collector for Summaries {
    fn name(&self) -> &'static str {
        "summaries"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn collect<'a>(&'a mut self, cx: Context<'a>) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            match cx.api.list_job_summaries().await {
                Ok(rows) => {
                    cx.state.apply_job_summaries(rows);
                    Ok(())
                }
                Err(e) => {
                    warn!(target = %cx.target, error = %e, cause = %e.cause, "reading job summaries failed; keeping the last reading");
                    Err(e)
                }
            }
        })
    }
}
