//! `aws-backup-exporter`: parse flags, start logging, hand over to the daemon.

use std::process::ExitCode;

use clap::Parser;

use aws_backup_exporter::{cli::Cli, daemon, logging};

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(&cli.log_level, cli.log_format == "json");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("aws-backup-exporter")
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("aws-backup-exporter: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(daemon::run(cli));
    // Do not wait for blocking tasks (credential refreshes and the like) on the way out.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}
