//! The operations, one file per API family. Each answers from the store as of `now`.

pub(crate) mod jobs;
pub(crate) mod params;
pub(crate) mod plans;
pub(crate) mod resources;
pub(crate) mod restores;
pub(crate) mod scans;
pub(crate) mod summaries;
pub(crate) mod vaults;
