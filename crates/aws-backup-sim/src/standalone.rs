//! The simulator as a process of its own (the exporter's `simulate` subcommand).

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;

use crate::options::SimOptions;
use crate::simulator::Simulator;

/// Generates the organization, serves it on `listen` and stops when `shutdown` resolves.
pub async fn run_standalone(
    opts: SimOptions,
    listen: SocketAddr,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("system clock before 1970")?
        .as_secs() as i64;
    let started = Instant::now();
    let sim = Simulator::new(opts, now);
    let server = sim
        .start(listen)
        .await
        .with_context(|| format!("binding the simulator to {listen}"))?;
    let url = server.endpoint_url();
    let regions = sim.regions();
    tracing::info!(
        endpoint = %url,
        management_account = %sim.management_account(),
        accounts = sim.accounts().len(),
        regions = %regions.join(","),
        jobs = sim.job_count(),
        generated_in_ms = started.elapsed().as_millis() as u64,
        "simulated AWS Backup API listening"
    );
    tracing::info!(
        "try: AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim aws backup list-backup-jobs \
         --region {} --endpoint-url {url}, or point the exporter at it with \
         AWS_ENDPOINT_URL={url}",
        regions[0]
    );
    shutdown.await;
    tracing::info!("simulator shutting down");
    server.shutdown().await;
    Ok(())
}
