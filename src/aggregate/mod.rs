//! The aggregation core: jobs in, metric values out.
//!
//! Pure and synchronous: no I/O and no clock (every call is given `now`), so it is tested on
//! its own. A [`TargetAggregate`] holds one target's state, split along its concerns: per job
//! type the ended jobs (`ended`: watermark, overlap dedupe, windows, counters, histograms,
//! active snapshot), the restore-test validations still settling (`validations`), and the
//! newest job per resource (`resources`); `target` runs a read through them and takes the
//! [`Snapshot`] the metrics layer renders.

mod ended;
mod hash;
mod histogram;
mod interner;
mod intervals;
mod inventory;
mod keys;
mod resources;
mod scans;
mod schedule;
mod settings;
mod snapshot;
mod target;
mod validations;
mod window;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use hash::{FastSet, hash_of};
pub use histogram::Histogram;
pub use keys::{
    ActiveAgeKey, DurationKey, JobKey, ResourceKey, ScanResultKey, SizeKey, ValidationKey,
};
pub use settings::Settings;
pub use snapshot::{LastJob, PlanSeries, Snapshot};
pub use target::TargetAggregate;
pub use validations::Reread;
