//! Which operation a method and path name, as the SDK's REST bindings spell them.

use crate::query::percent_decode_path;
use crate::reply::Reply;
use crate::types::SimJobType;

/// An operation the simulator answers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Op {
    ListJobs(SimJobType),
    DescribeRestoreJob(String),
    ListProtectedResources,
    ListBackupVaults,
    ListRestoreTestingPlans,
    ListJobSummaries(SimJobType),
    /// The resource's ARN, decoded.
    ListRestoreJobsByProtectedResource(String),
    StartRestoreJob,
    Sts,
}

impl Op {
    /// The AWS operation name, for request counts and `Faults::denied_operations`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::ListJobs(SimJobType::Backup) => "ListBackupJobs",
            Op::ListJobs(SimJobType::Restore) => "ListRestoreJobs",
            Op::ListJobs(SimJobType::Copy) => "ListCopyJobs",
            Op::ListJobs(SimJobType::Scan) => "ListScanJobs",
            Op::DescribeRestoreJob(_) => "DescribeRestoreJob",
            Op::ListProtectedResources => "ListProtectedResources",
            Op::ListBackupVaults => "ListBackupVaults",
            Op::ListRestoreTestingPlans => "ListRestoreTestingPlans",
            Op::ListJobSummaries(SimJobType::Backup) => "ListBackupJobSummaries",
            Op::ListJobSummaries(SimJobType::Restore) => "ListRestoreJobSummaries",
            Op::ListJobSummaries(SimJobType::Copy) => "ListCopyJobSummaries",
            Op::ListJobSummaries(SimJobType::Scan) => "ListScanJobSummaries",
            Op::ListRestoreJobsByProtectedResource(_) => "ListRestoreJobsByProtectedResource",
            Op::StartRestoreJob => "StartRestoreJob",
            Op::Sts => "STS",
        }
    }

    /// Whether it answers pages with a NextToken.
    pub(crate) fn is_listing(&self) -> bool {
        !matches!(
            self,
            Op::DescribeRestoreJob(_) | Op::StartRestoreJob | Op::Sts
        )
    }
}

/// The operation at `path`, or the error AWS gives: 404 for no operation, 405 (with `Allow`)
/// for a wrong method. `HEAD` is accepted wherever `GET` is.
pub(crate) fn route(method: &str, path: &str) -> Result<Op, Reply> {
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let get = |op| vec![("GET", op)];
    let ops = match trimmed {
        "/" => vec![("POST", Op::Sts)],
        "/backup-jobs" => get(Op::ListJobs(SimJobType::Backup)),
        "/restore-jobs" => vec![
            ("GET", Op::ListJobs(SimJobType::Restore)),
            ("PUT", Op::StartRestoreJob),
        ],
        "/copy-jobs" => get(Op::ListJobs(SimJobType::Copy)),
        "/scan/jobs" => get(Op::ListJobs(SimJobType::Scan)),
        "/resources" => get(Op::ListProtectedResources),
        "/backup-vaults" => get(Op::ListBackupVaults),
        "/restore-testing/plans" => get(Op::ListRestoreTestingPlans),
        "/audit/backup-job-summaries" => get(Op::ListJobSummaries(SimJobType::Backup)),
        "/audit/restore-job-summaries" => get(Op::ListJobSummaries(SimJobType::Restore)),
        "/audit/copy-job-summaries" => get(Op::ListJobSummaries(SimJobType::Copy)),
        p => {
            let id = p.strip_prefix("/restore-jobs/");
            // The ARN is one percent-encoded label; accept it unencoded too.
            let arn = p
                .strip_prefix("/resources/")
                .and_then(|r| r.strip_suffix("/restore-jobs"));
            match (id, arn) {
                (Some(id), _) if !id.is_empty() && !id.contains('/') => {
                    get(Op::DescribeRestoreJob(percent_decode_path(id)))
                }
                (_, Some(arn)) if !arn.is_empty() => get(Op::ListRestoreJobsByProtectedResource(
                    percent_decode_path(arn),
                )),
                _ => {
                    return Err(Reply::error(
                        404,
                        "UnknownOperationException",
                        &format!("No operation at {path}"),
                    ));
                }
            }
        }
    };
    let wanted = if method == "HEAD" { "GET" } else { method };
    let allow: Vec<&str> = ops.iter().map(|(m, _)| *m).collect();
    match ops.into_iter().find(|(m, _)| *m == wanted) {
        Some((_, op)) => Ok(op),
        None => {
            let mut r = Reply::error(
                405,
                "MethodNotAllowedException",
                &format!("{method} is not allowed on {path}"),
            );
            r.headers.push(("allow", allow.join(", ")));
            Err(r)
        }
    }
}
