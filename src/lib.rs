//! aws-backup-exporter: AWS Backup job history as Prometheus metrics.
//!
//! The modules follow the data: `config` → `aws` (the only SDK user) → `job` (one normalized
//! job type) → `collect` (refresh loop) → `aggregate` (pure counting) → `metrics` (rendering)
//! → `http` (serving). `sim` is a simulated AWS Backup API for `--demo`, tests and benchmarks;
//! `daemon` wires the pieces together for `main`.

pub mod aggregate;
pub mod aws;
pub mod cli;
pub mod collect;
pub mod config;
pub mod daemon;
pub mod http;
pub mod job;
pub mod logging;
pub mod metrics;
