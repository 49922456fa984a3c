//! A simulated AWS Backup API, served over HTTP in the real REST-JSON wire format so the real
//! `aws-sdk-backup` client can be pointed at it: the exporter's `--demo`, `simulate`,
//! integration tests and benchmarks all run without an AWS account.
//!
//! It holds a deterministic organization (accounts, regions, resources on backup rules,
//! copies, malware scans, restore tests, vaults, restore testing plans) generated from a seed
//! and an explicit `now`; in live mode jobs keep arriving and progressing with the wall
//! clock. With the `testing` feature it also lets a test insert jobs, inject faults and read
//! back the ground truth.
//!
//! Layout: `simulator` (state, clock, dispatch) → `routes` → `ops/*` (one file per API family:
//! jobs, scans, resources, restores, vaults, plans, summaries) → `store` (indexes) and
//! `wire`/`json` (rendering); `server` is the hyper front, `sts` a minimal STS, `generate/*`
//! and `live` the organization and its clock, `schedule` the schedules and their crons.

mod faults;
mod generate;
mod json;
mod live;
mod model;
mod ops;
mod options;
mod query;
mod reply;
mod rng;
mod routes;
mod schedule;
mod server;
mod simulator;
mod standalone;
mod store;
mod sts;
mod token;
mod types;
mod wire;

#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "testing"))]
pub use faults::{Faults, OpCount, RequestCounts};
pub use options::SimOptions;
pub use reply::Reply;
pub use simulator::{SimServer, Simulator};
pub use standalone::run_standalone;
pub use types::{SimCreatedBy, SimJob, SimJobType, SimResource, SimRestoreTestingPlan, SimVault};
