//! What a collector is: one concern of one target (a job type, the protected resources, the
//! vaults…), with its own cadence and its own health (`collector` label).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::aggregate::{Snapshot, TargetAggregate};
use crate::aws::{AwsError, BackupApi, Cause};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a collector works with on one run.
pub struct Context<'a> {
    pub target: &'a str,
    pub api: &'a BackupApi,
    pub state: &'a mut TargetAggregate,
}

pub trait Collector: Send {
    /// The `collector` label: a job type, or the inventory it reads.
    fn name(&self) -> &'static str;
    /// How often it reads AWS.
    fn interval(&self) -> Duration;
    /// One read: applies what AWS answered to the target's state, or fails and changes
    /// nothing that a later read could not repair.
    fn collect<'a>(&'a mut self, cx: Context<'a>) -> BoxFuture<'a, Result<(), AwsError>>;
}

/// Where collectors report how they fare (the exporter's self-metrics, wired by `daemon`).
pub trait Health: Send + Sync {
    /// One run of `collector` for `target` ended at `now`: `Ok` or the cause of its failure.
    fn collected(&self, target: &str, collector: &str, result: Result<(), Cause>, now: f64);
    /// One round of a target's due collectors took `seconds`.
    fn round_took(&self, target: &str, seconds: f64);
}

/// Whether a target may read at all: refused when it would count jobs another target counts.
pub enum Admit {
    Yes,
    /// Not known yet (its identity could not be resolved): no read this round.
    NotYet(AwsError),
    /// It overlaps another target: it never reads.
    Refused(String),
}

/// Decides, before a target's first read, whether it overlaps another (wired by `daemon`).
pub trait Gate: Send + Sync {
    fn admit<'a>(&'a self, target: &'a str) -> BoxFuture<'a, Admit>;
}

/// Where a target's snapshots go (the renderer, wired by `daemon`).
pub trait Publish: Send + Sync {
    /// Hands over the target's new snapshot; resolves once it is being served.
    fn publish(&self, target: &str, snapshot: Snapshot) -> BoxFuture<'_, ()>;
    /// The target finished its first round (successfully or not): `/readyz` stops waiting.
    fn first_round_done(&self, target: &str);
}
