//! A deterministic organization and the jobs its schedules produce. Every job is a pure
//! function of (seed, source, occurrence), so a job's fate never depends on when or in which
//! order the simulator materializes it: the same seed and time give the same jobs.
//!
//! `org` and `kind` hold the shape, `build` makes it from the options (`fates` picks the few
//! resources whose story differs), `planned` is a job and its timeline; `backup`, `restore`,
//! `scan` and `brisk` make jobs, `plan` asks them all for a span of time; `vaults` and
//! `plans` are the inventories of vaults and restore testing plans; `bulk` is the benchmark
//! store.

pub(crate) mod backup;
pub(crate) mod brisk;
pub(crate) mod build;
pub(crate) mod bulk;
pub(crate) mod fates;
pub(crate) mod kind;
pub(crate) mod org;
pub(crate) mod plan;
pub(crate) mod planned;
pub(crate) mod plans;
pub(crate) mod restore;
pub(crate) mod scan;
pub(crate) mod vaults;
