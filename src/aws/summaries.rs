//! List{Backup,Restore,Copy}JobSummaries: AWS's own job counts over the last 7 and 14 days,
//! by account, resource type, state and message category. A few calls give an organization a
//! 14-day failure history without reading 14 days of jobs.

use aws_sdk_backup::types::AggregationPeriod;

use super::client::BackupApi;
use super::error::AwsError;
use crate::job::{JobSummary, JobType};

/// The summary APIs accept at most this many results a page.
const MAX_PAGE: i32 = 500;

/// The periods read, with their `period` label.
const PERIODS: [(AggregationPeriod, &str); 2] = [
    (AggregationPeriod::SevenDays, "7d"),
    (AggregationPeriod::FourteenDays, "14d"),
];

/// The job types that have a summary API.
const SUMMARIZED: [JobType; 3] = [JobType::Backup, JobType::Restore, JobType::Copy];

/// One summary row before it is labelled with its type and period.
struct Row {
    account_id: Option<String>,
    resource_type: Option<String>,
    state: String,
    message_category: Option<String>,
    count: i32,
}

/// Every page of one List*JobSummaries call, as rows: the three SDK builders and outputs
/// differ only in their types and names. Restore summaries have no message category.
macro_rules! summary_rows {
    ($self:ident, $call:ident, $field:ident, $op:literal,
     ($account:expr, $aggregation:expr, $n:expr), |$s:ident| $category:expr) => {{
        const OP: &str = $op;
        $self
            .all_pages(OP, |token| {
                let call = $self
                    .client
                    .$call()
                    .set_account_id($account.clone())
                    .aggregation_period($aggregation.clone())
                    .max_results($n)
                    .set_next_token(token);
                async move {
                    let o = call.send().await.map_err(|e| AwsError::from_sdk(OP, &e))?;
                    let rows: Vec<Row> = o
                        .$field
                        .unwrap_or_default()
                        .into_iter()
                        .map(|$s| Row {
                            account_id: $s.account_id,
                            resource_type: $s.resource_type,
                            state: $s.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                            message_category: $category,
                            count: $s.count,
                        })
                        .collect();
                    Ok((rows, o.next_token))
                }
            })
            .await?
    }};
}

impl BackupApi {
    /// Every summary row of backup, restore and copy jobs over 7 and 14 days: for an
    /// organization target every member account (`AccountId=ANY`), else the caller's own
    /// account (or the one `account_id` names).
    pub async fn list_job_summaries(&self) -> Result<Vec<JobSummary>, AwsError> {
        let mut out = Vec::new();
        for job_type in SUMMARIZED {
            for period in &PERIODS {
                out.extend(self.summaries_of(job_type, period).await?);
            }
        }
        Ok(out)
    }

    async fn summaries_of(
        &self,
        job_type: JobType,
        period: &(AggregationPeriod, &'static str),
    ) -> Result<Vec<JobSummary>, AwsError> {
        let account = self.account_filter.as_deref().map(|a| match a {
            "*" => "ANY".to_owned(),
            id => id.to_owned(),
        });
        let (aggregation, label) = period;
        let n = self.page_size.min(MAX_PAGE);
        let rows = match job_type {
            JobType::Scan => Vec::new(),
            JobType::Backup => summary_rows!(
                self,
                list_backup_job_summaries,
                backup_job_summaries,
                "ListBackupJobSummaries",
                (&account, aggregation, n),
                |s| s.message_category
            ),
            JobType::Restore => summary_rows!(
                self,
                list_restore_job_summaries,
                restore_job_summaries,
                "ListRestoreJobSummaries",
                (&account, aggregation, n),
                |_s| None
            ),
            JobType::Copy => summary_rows!(
                self,
                list_copy_job_summaries,
                copy_job_summaries,
                "ListCopyJobSummaries",
                (&account, aggregation, n),
                |s| s.message_category
            ),
        };
        Ok(rows
            .into_iter()
            .map(|r| JobSummary {
                job_type,
                account_id: r.account_id.unwrap_or_default(),
                resource_type: r.resource_type.unwrap_or_default(),
                state: r.state,
                message_category: r.message_category.unwrap_or_default(),
                period: label,
                count: u64::try_from(r.count).unwrap_or(0),
            })
            .collect())
    }
}
