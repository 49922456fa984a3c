//! Starts the pieces and stops them: config, optional simulator, target loops, HTTP server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::net::TcpListener;
use tracing::{error, info};

use crate::aws::Overrides;
use crate::cli::{Cli, Command, SimulateArgs};
use crate::collect::{Shared, TargetRunner, unix_now};
use crate::config::{self, Config, Target};
use crate::metrics::{Format, SelfMetrics};
use aws_backup_sim::{self as sim, SimOptions, Simulator};

/// How long open scrapes may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// `:9942` means every interface, as in every Prometheus exporter.
pub fn parse_listen_address(addr: &str) -> Result<String> {
    let full = if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_owned()
    };
    let (host, port) = full
        .rsplit_once(':')
        .with_context(|| format!("--web.listen-address {addr:?}: expected HOST:PORT or :PORT"))?;
    if port.parse::<u16>().is_err() || host.is_empty() {
        bail!("--web.listen-address {addr:?}: expected HOST:PORT or :PORT");
    }
    Ok(full)
}

fn check_telemetry_path(path: &str) -> Result<()> {
    if !path.starts_with('/') || matches!(path, "/" | "/healthz" | "/readyz") {
        bail!("--web.telemetry-path {path:?}: must start with / and not be /, /healthz or /readyz");
    }
    Ok(())
}

/// The demo's configuration: the user's if given, pointed at the simulator, else two regions
/// of a whole simulated organization, refreshed every 15 s so that changes show quickly.
fn demo_config(mut config: Config, from_file: bool, endpoint: &str) -> Config {
    if !from_file {
        config.refresh_interval = Duration::from_secs(15);
        config.targets = ["us-east-1", "eu-west-1"]
            .into_iter()
            .map(|region| Target {
                name: format!("demo-{region}"),
                region: Some(region.into()),
                account_id: Some("*".into()),
                ..Target::default()
            })
            .collect();
    }
    for t in &mut config.targets {
        t.endpoint_url = Some(endpoint.to_owned());
        t.region.get_or_insert_with(|| "us-east-1".into());
    }
    config
}

/// Fixed credentials the simulator accepts; never real ones.
pub fn simulator_overrides() -> Overrides {
    Overrides::static_credentials("AKIDSIMULATOR", "simulator-secret")
}

fn sim_options(a: &SimulateArgs) -> SimOptions {
    SimOptions {
        seed: a.seed,
        accounts: a.accounts,
        regions: a.regions.clone(),
        resources_per_account: a.resources_per_account,
        history: a.history,
        live: !a.frozen,
        bulk_backup_jobs: a.bulk_backup_jobs,
        brisk: a.brisk,
        ..SimOptions::default()
    }
}

/// Runs the command line; the exit code follows exporter conventions (0 ok, 1 failure).
pub async fn run(cli: Cli) -> ExitCode {
    match run_inner(cli).await {
        Ok(code) => code,
        Err(e) => {
            error!(error = %format!("{e:#}"), "exiting");
            eprintln!("aws-backup-exporter: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_inner(cli: Cli) -> Result<ExitCode> {
    if let Some(Command::Simulate(args)) = &cli.command {
        let addr: SocketAddr = args
            .listen
            .parse()
            .with_context(|| format!("--listen {:?}: expected IP:PORT", args.listen))?;
        sim::run_standalone(sim_options(args), addr, shutdown_signal()).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(p) = &cli.web_config_file {
        bail!(
            "--web.config.file {}: TLS and basic auth are not supported by this version yet; \
             put the exporter behind a TLS-terminating proxy meanwhile",
            p.display()
        );
    }
    let listen = parse_listen_address(&cli.listen_address)?;
    check_telemetry_path(&cli.telemetry_path)?;
    let mut config = match &cli.config_file {
        Some(path) => config::load(path)?,
        None => Config::default(),
    };
    if cli.check_config {
        print!("{}", config.to_yaml());
        return Ok(ExitCode::SUCCESS);
    }

    let mut overrides = Overrides::default();
    let mut _simulator = None;
    if cli.demo {
        let sim = Simulator::new(
            SimOptions {
                live: true,
                brisk: true,
                ..SimOptions::default()
            },
            unix_now() as i64,
        );
        let server = sim
            .start(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .context("starting the simulator")?;
        info!(endpoint = %server.endpoint_url(), "demo: serving the simulated AWS Backup API");
        config = demo_config(config, cli.config_file.is_some(), &server.endpoint_url());
        overrides = simulator_overrides();
        _simulator = Some((sim, server));
    }

    let metrics = Arc::new(SelfMetrics::new());
    let shared = Shared::new(config.clone(), metrics);
    let runners: Vec<TargetRunner> = config
        .targets
        .iter()
        .map(|t| TargetRunner::new(t.clone(), shared.clone(), overrides.clone()))
        .collect();

    if cli.once {
        let refreshes: Vec<_> = runners
            .into_iter()
            .map(|mut r| tokio::spawn(async move { r.refresh().await }))
            .collect();
        let mut all_ok = true;
        for r in refreshes {
            all_ok &= r.await.unwrap_or(false);
        }
        let body = shared.render_metrics(Format::Classic);
        use std::io::Write;
        std::io::stdout()
            .write_all(&body)
            .context("writing the exposition to stdout")?;
        return Ok(if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }

    let listener = TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    info!(
        address = %listener.local_addr().map(|a| a.to_string()).unwrap_or(listen.clone()),
        telemetry_path = %cli.telemetry_path,
        targets = config.targets.len(),
        version = env!("CARGO_PKG_VERSION"),
        "listening"
    );
    let tasks: Vec<_> = runners.into_iter().map(|r| tokio::spawn(r.run())).collect();
    crate::http::serve(
        listener,
        cli.telemetry_path.clone(),
        shared,
        shutdown_signal(),
        SHUTDOWN_GRACE,
    )
    .await
    .context("serving HTTP")?;
    for t in tasks {
        t.abort();
    }
    info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => info!("SIGINT received, shutting down"),
        () = term => info!("SIGTERM received, shutting down"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen_address(":9942").unwrap(), "0.0.0.0:9942");
        assert_eq!(
            parse_listen_address("127.0.0.1:80").unwrap(),
            "127.0.0.1:80"
        );
        assert!(parse_listen_address("9942").is_err());
        assert!(parse_listen_address(":http").is_err());
    }

    #[test]
    fn telemetry_paths() {
        assert!(check_telemetry_path("/metrics").is_ok());
        assert!(check_telemetry_path("metrics").is_err());
        assert!(check_telemetry_path("/healthz").is_err());
    }
}
