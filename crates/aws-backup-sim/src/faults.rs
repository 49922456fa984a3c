//! Injected failures and per-operation request counts, so tests can prove the exporter
//! retries, keeps its last good data and never double-counts.

use std::collections::BTreeMap;
use std::time::Duration;

/// What to break. Counting starts at the `set_faults` call: the Nth AWS Backup API request
/// after it is request N. STS requests are never faulted and do not advance the count.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Every Nth request → HTTP 400 ThrottlingException.
    pub throttle_every: Option<u32>,
    /// Every Nth request → HTTP 503 ServiceUnavailableException.
    pub unavailable_every: Option<u32>,
    /// Every request → HTTP 503 ServiceUnavailableException.
    pub fail_all: bool,
    /// Every Nth request → HTTP 200 with a truncated JSON body.
    pub malformed_every: Option<u32>,
    /// Added to every response.
    pub latency: Duration,
    /// Every listing answers with a NextToken that leads back to its first page, for ever: a
    /// paginator that loops.
    pub loop_tokens: bool,
    /// Restore job ids DescribeRestoreJob answers with ResourceNotFoundException, though the
    /// listings show them.
    pub undescribable: Vec<String>,
    /// Operations (`"ListBackupVaults"`, as `RequestCounts` names them) refused with HTTP 403
    /// AccessDeniedException, as when the role's policy lacks the permission. Counted as
    /// faulted; takes precedence over the `every` faults, whose count still advances.
    pub denied_operations: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Throttle,
    Unavailable,
    Malformed,
}

#[derive(Default)]
pub(crate) struct FaultState {
    pub faults: Faults,
    n: u64,
}

impl FaultState {
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn new(faults: Faults) -> FaultState {
        FaultState { faults, n: 0 }
    }

    /// Counts one API request and says which fault, if any, it gets. When several `every`
    /// settings hit the same request, throttling wins over 503 over a malformed body.
    pub(crate) fn next(&mut self) -> Option<Fault> {
        self.n += 1;
        let n = self.n;
        let hits =
            |every: Option<u32>| every.is_some_and(|k| k > 0 && n.is_multiple_of(u64::from(k)));
        let f = &self.faults;
        if f.fail_all {
            Some(Fault::Unavailable)
        } else if hits(f.throttle_every) {
            Some(Fault::Throttle)
        } else if hits(f.unavailable_every) {
            Some(Fault::Unavailable)
        } else if hits(f.malformed_every) {
            Some(Fault::Malformed)
        } else {
            None
        }
    }
}

/// Requests answered per operation (`"ListBackupJobs"`, `"AssumeRole"`…), and how many of them
/// got an injected fault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    ops: BTreeMap<String, OpCount>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCount {
    pub total: u64,
    pub faulted: u64,
}

impl RequestCounts {
    pub(crate) fn record(&mut self, op: &str, faulted: bool) {
        let c = self.ops.entry(op.to_owned()).or_default();
        c.total += 1;
        c.faulted += u64::from(faulted);
    }
}

#[cfg(any(test, feature = "testing"))]
impl RequestCounts {
    /// Requests of `op` answered, faulted or not.
    pub fn total(&self, op: &str) -> u64 {
        self.ops.get(op).map_or(0, |c| c.total)
    }

    /// Requests of `op` that got an injected fault.
    pub fn faulted(&self, op: &str) -> u64 {
        self.ops.get(op).map_or(0, |c| c.faulted)
    }

    /// Requests answered over all operations.
    pub fn sum(&self) -> u64 {
        self.ops.values().map(|c| c.total).sum()
    }

    pub fn operations(&self) -> impl Iterator<Item = (&str, OpCount)> {
        self.ops.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_request_is_faulted_with_precedence() {
        let mut s = FaultState::new(Faults {
            throttle_every: Some(2),
            unavailable_every: Some(3),
            malformed_every: Some(5),
            ..Faults::default()
        });
        let got: Vec<_> = (0..10).map(|_| s.next()).collect();
        use Fault::*;
        assert_eq!(
            got,
            vec![
                None,
                Some(Throttle),
                Some(Unavailable),
                Some(Throttle),
                Some(Malformed),
                Some(Throttle),
                None,
                Some(Throttle),
                Some(Unavailable),
                Some(Throttle),
            ]
        );
        let mut all = FaultState::new(Faults {
            fail_all: true,
            ..Faults::default()
        });
        assert_eq!(all.next(), Some(Unavailable));
        let mut none = FaultState::new(Faults {
            throttle_every: Some(0),
            ..Faults::default()
        });
        assert_eq!(none.next(), None);
    }

    #[test]
    fn counts_per_operation() {
        let mut c = RequestCounts::default();
        c.record("ListBackupJobs", false);
        c.record("ListBackupJobs", true);
        c.record("AssumeRole", false);
        assert_eq!(c.total("ListBackupJobs"), 2);
        assert_eq!(c.faulted("ListBackupJobs"), 1);
        assert_eq!(c.total("ListCopyJobs"), 0);
        assert_eq!(c.sum(), 3);
        assert_eq!(c.operations().count(), 2);
    }
}
