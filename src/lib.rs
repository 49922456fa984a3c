//! aws-backup-exporter: AWS Backup job history as Prometheus metrics.
//!
//! The modules follow the data, and each imports only modules before it in this order:
//! `job` (the vocabulary every layer speaks) → `config` → `aws` (the only SDK user) →
//! `aggregate` (pure counting, no I/O, no clock) → `collect` (the refresh loops) → `metrics`
//! (merging, rendering) → `http` (serving bytes, nothing of AWS) → `daemon` (wiring, the
//! [`daemon::Exporter`] that `main`, the tests and the benchmarks share). `cli` and `logging`
//! serve `main`. The simulator is the `aws-backup-sim` crate.

mod aggregate;
mod aws;
pub mod cli;
mod collect;
pub mod config;
pub mod daemon;
mod http;
pub mod job;
pub mod logging;
mod metrics;
