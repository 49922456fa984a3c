//! Command-line flags, named as Prometheus exporters name them.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "aws-backup-exporter",
    version,
    about = "Prometheus exporter for AWS Backup: backup, restore and copy jobs as metrics",
    after_help = "Without --config.file, one target is read from the standard AWS environment \
                  (AWS_REGION, AWS_PROFILE, ...). Try --demo to run against the built-in simulator."
)]
pub struct Cli {
    /// YAML configuration file (see config.example.yaml).
    #[arg(long = "config.file", value_name = "PATH")]
    pub config_file: Option<PathBuf>,

    /// Address to serve /metrics on.
    #[arg(
        long = "web.listen-address",
        value_name = "ADDR",
        default_value = ":9942"
    )]
    pub listen_address: String,

    /// Path under which to expose metrics.
    #[arg(
        long = "web.telemetry-path",
        value_name = "PATH",
        default_value = "/metrics"
    )]
    pub telemetry_path: String,

    /// TLS and basic-auth configuration, in the exporter-toolkit web-config format.
    #[arg(long = "web.config.file", value_name = "PATH")]
    pub web_config_file: Option<PathBuf>,

    /// Only log messages of this level or above.
    #[arg(long = "log.level", default_value = "info", value_parser = ["debug", "info", "warn", "error"])]
    pub log_level: String,

    /// Log format.
    #[arg(long = "log.format", default_value = "logfmt", value_parser = ["logfmt", "json"])]
    pub log_format: String,

    /// Run against the built-in AWS Backup simulator: no AWS account needed.
    #[arg(long)]
    pub demo: bool,

    /// Collect once, print the exposition on stdout and exit (non-zero if a read failed).
    #[arg(long)]
    pub once: bool,

    /// Validate the configuration, print what it resolved to, and exit.
    #[arg(long = "check-config")]
    pub check_config: bool,

    /// Serve only the targets of this shard (kube-state-metrics' flag): target t belongs to
    /// shard fnv1a64(t.name) mod --total-shards.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub shard: u64,

    /// How many shards the targets are split over; every shard validates the whole
    /// configuration.
    #[arg(long = "total-shards", value_name = "M", default_value_t = 1)]
    pub total_shards: u64,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the simulated AWS Backup API on its own (point AWS_ENDPOINT_URL at it).
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Address to serve the simulated API on.
    #[arg(long, default_value = "127.0.0.1:9943")]
    pub listen: String,
    /// Seed of the generated organization: the same seed gives the same jobs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Accounts in the organization.
    #[arg(long, default_value_t = 3)]
    pub accounts: usize,
    /// Regions, comma-separated.
    #[arg(long, default_value = "us-east-1,eu-west-1", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Protected resources per account and region.
    #[arg(long, default_value_t = 40)]
    pub resources_per_account: usize,
    /// How far back ended jobs go.
    #[arg(long, default_value = "26h", value_parser = humantime::parse_duration)]
    pub history: Duration,
    /// Instead of the organization: exactly N completed backup jobs spread over --history.
    #[arg(long)]
    pub bulk_backup_jobs: Option<usize>,
    /// Freeze the data instead of letting jobs arrive with the clock.
    #[arg(long)]
    pub frozen: bool,
    /// Demo pace: short backup, copy and restore jobs start every 20 s and end within a minute.
    #[arg(long)]
    pub brisk: bool,
}
