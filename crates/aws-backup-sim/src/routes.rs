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
    Sts,
}

impl Op {
    /// The AWS operation name, for request counts.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::ListJobs(SimJobType::Backup) => "ListBackupJobs",
            Op::ListJobs(SimJobType::Restore) => "ListRestoreJobs",
            Op::ListJobs(SimJobType::Copy) => "ListCopyJobs",
            Op::ListJobs(SimJobType::Scan) => "ListScanJobs",
            Op::DescribeRestoreJob(_) => "DescribeRestoreJob",
            Op::ListProtectedResources => "ListProtectedResources",
            Op::Sts => "STS",
        }
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
    let (op, allowed) = match trimmed {
        "/" => (Op::Sts, "POST"),
        "/backup-jobs" => (Op::ListJobs(SimJobType::Backup), "GET"),
        "/restore-jobs" => (Op::ListJobs(SimJobType::Restore), "GET"),
        "/copy-jobs" => (Op::ListJobs(SimJobType::Copy), "GET"),
        "/scan/jobs" => (Op::ListJobs(SimJobType::Scan), "GET"),
        "/resources" => (Op::ListProtectedResources, "GET"),
        p => match p.strip_prefix("/restore-jobs/") {
            Some(id) if !id.is_empty() && !id.contains('/') => {
                (Op::DescribeRestoreJob(percent_decode_path(id)), "GET")
            }
            _ => {
                return Err(Reply::error(
                    404,
                    "UnknownOperationException",
                    &format!("No operation at {path}"),
                ));
            }
        },
    };
    let head_ok = method == "HEAD" && allowed == "GET";
    if method != allowed && !head_ok {
        let mut r = Reply::error(
            405,
            "MethodNotAllowedException",
            &format!("{method} is not allowed on {path}"),
        );
        r.headers.push(("allow", allowed.to_owned()));
        return Err(r);
    }
    Ok(op)
}
