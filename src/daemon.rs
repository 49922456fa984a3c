//! Wires the pieces together and runs them: config, the optional simulator, the targets'
//! loops, the renderer, the HTTP server. [`Exporter`] is the assembled exporter, the one
//! entry point that `main`, the tests and the benchmarks share.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tracing::{error, info};

pub use crate::aws::ClientOptions;
pub use crate::http::WebConfigFile;
pub use crate::metrics::Format;

use crate::aws::{AwsError, identity};
use crate::cli::Cli;
use crate::collect::{Admit, BoxFuture, Gate, Health, Publish, TargetRunner};
use crate::config::{self, Caller, Config, Coverage, Shard, Target, find_overlap};
use crate::http::{self, Source};
use crate::metrics::{MergeSettings, Renderer, SelfMetrics};

/// How long open scrapes may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// The assembled exporter: one loop per target, the renderer they publish to, and what the
/// HTTP server serves.
pub struct Exporter {
    renderer: Arc<Renderer>,
    runners: Vec<TargetRunner>,
}

/// What the HTTP server serves: the renderer's exposition and readiness.
struct Served(Arc<Renderer>);

impl Source for Served {
    fn metrics(&self, format: Format, gzip: bool) -> Vec<Bytes> {
        self.0.exposition().render_chunks(format, gzip)
    }

    fn readiness(&self) -> Result<(), String> {
        self.0.readiness()
    }
}

/// What each target covers, over the whole configuration (every shard's targets), resolved
/// where it could be; decides for the targets that could not be resolved at start-up once
/// they can.
struct Coverages {
    targets: Vec<Target>,
    options: ClientOptions,
    /// Known at start-up and checked then: such a target reads without asking.
    at_start: Vec<bool>,
    known: std::sync::Mutex<Vec<Option<Coverage>>>,
}

impl Coverages {
    async fn resolve(target: &Target, options: &ClientOptions) -> Result<Coverage, AwsError> {
        let id = identity(target, options).await?;
        Ok(Coverage {
            region: Some(id.region),
            caller: Caller::Account(id.account),
            ..Coverage::of(target)
        })
    }

    /// Resolves every target; `Err` names two that overlap.
    async fn start(targets: &[Target], options: &ClientOptions) -> Result<Coverages> {
        // What the configuration already says in full (a region, and an account from the
        // role ARN) is what resolving would find: only the others are resolved.
        let mut known: Vec<Option<Coverage>> = targets
            .iter()
            .map(Coverage::of)
            .map(|c| (c.region.is_some() && c.caller != Caller::Environment).then_some(c))
            .collect();
        // One target cannot overlap another: nothing to ask AWS.
        if targets.len() == 1 {
            known[0] = Some(Coverage::of(&targets[0]));
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (i, t) in targets.iter().enumerate() {
            if known[i].is_some() {
                continue;
            }
            let (t, o) = (t.clone(), options.clone());
            tasks.spawn(async move { (i, Coverages::resolve(&t, &o).await) });
        }
        while let Some(done) = tasks.join_next().await {
            let Ok((i, result)) = done else { continue };
            match result {
                Ok(c) => known[i] = Some(c),
                Err(e) => {
                    tracing::warn!(target = %targets[i].name, error = %e, "cannot resolve the target's account and region yet; the shard that owns it reads it once every target is known and none overlaps it")
                }
            }
        }
        let all: Vec<Coverage> = targets
            .iter()
            .zip(&known)
            .map(|(t, k)| k.clone().unwrap_or_else(|| Coverage::of(t)))
            .collect();
        if let Some((i, j, why)) = find_overlap(&all) {
            bail!(
                "target {:?} overlaps target {:?}: {why}; each job would be counted twice. \
                 Remove one of them, or give them different regions or accounts",
                targets[j].name,
                targets[i].name
            );
        }
        Ok(Coverages {
            targets: targets.to_vec(),
            options: options.clone(),
            at_start: known.iter().map(Option::is_some).collect(),
            known: std::sync::Mutex::new(known),
        })
    }

    fn resolved_at_start(&self, i: usize) -> bool {
        self.at_start[i]
    }
}

impl Gate for Coverages {
    /// A target resolved late reads once every target of the configuration is known (each
    /// shard resolves the others' too) and it overlaps none of them. Two overlapping targets
    /// both resolved late are both refused, in whichever shards they are: no shard can tell
    /// which one another shard let in, so neither is, as a start-up with STS answering would
    /// have refused the configuration.
    fn admit<'a>(&'a self, target: &'a str) -> BoxFuture<'a, Admit> {
        Box::pin(async move {
            let Some(i) = self.targets.iter().position(|t| t.name == target) else {
                return Admit::Yes;
            };
            if self.resolved_at_start(i) {
                return Admit::Yes;
            }
            let unknown: Vec<usize> = {
                let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
                (0..known.len()).filter(|&j| known[j].is_none()).collect()
            };
            // This target first, so its own failure is the one reported.
            let order = unknown.iter().copied().filter(|&j| j == i);
            for j in order.chain(unknown.iter().copied().filter(|&j| j != i)) {
                let c = match Coverages::resolve(&self.targets[j], &self.options).await {
                    Ok(c) => c,
                    Err(e) => return Admit::NotYet(e),
                };
                self.known.lock().unwrap_or_else(|e| e.into_inner())[j] = Some(c);
            }
            let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            let Some(mine) = known[i].as_ref() else {
                return Admit::Yes;
            };
            for (j, other) in known.iter().enumerate() {
                if j != i
                    && let Some(other) = other
                    && let Some(why) = config::overlap(mine, other)
                {
                    return Admit::Refused(format!(
                        "it overlaps target {:?}: {why}",
                        self.targets[j].name
                    ));
                }
            }
            Admit::Yes
        })
    }
}

impl Exporter {
    /// Builds the exporter for `config`, after making sure that no two targets count the same
    /// jobs (asking STS for the accounts the configuration does not name); must be called
    /// inside a tokio runtime (it starts the renderer). Every AWS attempt is counted in the
    /// exporter's own metrics.
    pub async fn start(config: Config, options: ClientOptions) -> Result<Exporter> {
        Exporter::start_shard(config, options, Shard::ALL).await
    }

    /// As [`Exporter::start`], serving only the targets of `shard`. The whole configuration is
    /// checked for overlapping targets, so every shard refuses the same configurations; a
    /// shard without targets serves the exporter's own metrics and is ready.
    pub async fn start_shard(
        config: Config,
        options: ClientOptions,
        shard: Shard,
    ) -> Result<Exporter> {
        let coverages = Arc::new(Coverages::start(&config.targets, &options).await?);
        let config = Arc::new(config);
        let self_metrics = Arc::new(SelfMetrics::new());
        self_metrics.set_shard(shard.index(), shard.total());
        let mine = |t: &Target| shard.owns(&t.name);
        let counted = self_metrics.clone();
        let options = options.observe_attempts(Arc::new(move |op, outcome| {
            counted.api_request(op, outcome)
        }));
        let renderer = Renderer::start(
            MergeSettings {
                extra_labels: config.extra_labels.clone(),
                lookback_seconds: config.lookback.as_secs_f64(),
                resources_enabled: config.resources.enabled,
                max_series: config.resources.max_series,
            },
            self_metrics.clone(),
            config
                .targets
                .iter()
                .filter(|t| mine(t))
                .map(|t| t.name.clone()),
        );
        let health: Arc<dyn Health> = self_metrics;
        let publish: Arc<dyn Publish> = renderer.clone();
        let runners = config
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| mine(t))
            .map(|(i, t)| {
                let gate: Option<Arc<dyn Gate>> =
                    (!coverages.resolved_at_start(i)).then(|| coverages.clone() as Arc<dyn Gate>);
                TargetRunner::new(
                    t.clone(),
                    config.clone(),
                    options.clone(),
                    health.clone(),
                    publish.clone(),
                    gate,
                )
            })
            .collect();
        Ok(Exporter { renderer, runners })
    }

    /// Runs every collector of every target once, target after target; `true` if all
    /// succeeded. The exposition reflects the refresh when it returns.
    pub async fn refresh(&mut self) -> bool {
        let mut ok = true;
        for r in &mut self.runners {
            ok &= r.refresh_all().await;
        }
        ok
    }

    /// Runs every collector of every target once, the targets concurrently (`--once`).
    pub async fn refresh_concurrently(&mut self) -> bool {
        let tasks: Vec<_> = std::mem::take(&mut self.runners)
            .into_iter()
            .map(|mut r| {
                tokio::spawn(async move {
                    let ok = r.refresh_all().await;
                    (r, ok)
                })
            })
            .collect();
        let mut all_ok = true;
        for t in tasks {
            match t.await {
                Ok((r, ok)) => {
                    self.runners.push(r);
                    all_ok &= ok;
                }
                Err(_) => all_ok = false,
            }
        }
        all_ok
    }

    /// The exposition as a scrape would get it.
    pub fn render(&self, format: Format, gzip: bool) -> Vec<u8> {
        self.renderer.exposition().render(format, gzip)
    }

    /// Serves `/metrics` (at `telemetry_path`), `/healthz`, `/readyz` and `/` on `listener`
    /// until `shutdown` resolves, with TLS, basic auth and headers as `web` says.
    pub fn serve(
        &self,
        listener: TcpListener,
        telemetry_path: &str,
        web: Option<Arc<WebConfigFile>>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = std::io::Result<()>> + Send + 'static {
        let source: Arc<dyn Source> = Arc::new(Served(self.renderer.clone()));
        http::serve(
            listener,
            telemetry_path.to_owned(),
            source,
            web,
            shutdown,
            SHUTDOWN_GRACE,
        )
    }

    /// Starts every target's loop.
    pub fn spawn(&mut self) -> Vec<JoinHandle<()>> {
        std::mem::take(&mut self.runners)
            .into_iter()
            .map(|r| tokio::spawn(r.run()))
            .collect()
    }
}

/// Fixed credentials the simulator accepts; never real ones.
pub fn simulator_credentials() -> ClientOptions {
    ClientOptions::default().static_credentials("AKIDSIMULATOR", "simulator-secret")
}

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
    if let Some(crate::cli::Command::Simulate(args)) = &cli.command {
        #[cfg(feature = "demo")]
        demo::simulate(args, shutdown_signal()).await?;
        #[cfg(not(feature = "demo"))]
        bail!("simulate {args:?}: this build has no simulator (built without the `demo` feature)");
        #[cfg(feature = "demo")]
        return Ok(ExitCode::SUCCESS);
    }
    let web = match &cli.web_config_file {
        Some(path) => Some(Arc::new(WebConfigFile::load(path)?)),
        None => None,
    };
    let shard = Shard::new(cli.shard, cli.total_shards)?;
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

    let mut options = ClientOptions::default();
    #[cfg(feature = "demo")]
    let _simulator = if cli.demo {
        let (sim, endpoint) = demo::start().await?;
        config = demo::config(config, cli.config_file.is_some(), &sim.0, &endpoint);
        options = simulator_credentials();
        Some(sim)
    } else {
        None
    };
    #[cfg(not(feature = "demo"))]
    if cli.demo {
        bail!("--demo: this build has no simulator (built without the `demo` feature)");
    }

    let mut exporter = Exporter::start_shard(config.clone(), options, shard).await?;
    if cli.once {
        let ok = exporter.refresh_concurrently().await;
        use std::io::Write;
        std::io::stdout()
            .write_all(&exporter.render(Format::Classic, false))
            .context("writing the exposition to stdout")?;
        return Ok(if ok {
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
        tls = web.as_ref().is_some_and(|w| w.tls()),
        targets = config.targets.iter().filter(|t| shard.owns(&t.name)).count(),
        shard = %shard,
        version = env!("CARGO_PKG_VERSION"),
        "listening"
    );
    let tasks = exporter.spawn();
    exporter
        .serve(listener, &cli.telemetry_path, web, shutdown_signal())
        .await
        .context("serving HTTP")?;
    for t in tasks {
        t.abort();
    }
    info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
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

/// `--demo` and `simulate`: the built-in simulator.
#[cfg(feature = "demo")]
mod demo {
    use super::*;
    use aws_backup_sim::{SimOptions, SimServer, Simulator, run_standalone};

    use crate::cli::SimulateArgs;
    use crate::collect::unix_now;
    use crate::job::JobType;

    /// The demo's configuration: the user's if given, pointed at the simulator, else two
    /// regions of a whole simulated organization with every job type (scans too), the job
    /// summaries, and two watched resources per region (one restored 20 days ago, one that
    /// never restores successfully), refreshed every 15 s so that changes show quickly.
    pub fn config(mut config: Config, from_file: bool, sim: &Simulator, endpoint: &str) -> Config {
        if !from_file {
            config.refresh_interval = Duration::from_secs(15);
            config.job_types = JobType::ALL.to_vec();
            config.summaries.enabled = true;
            let account = sim.management_account();
            config.targets = ["us-east-1", "eu-west-1"]
                .into_iter()
                .map(|region| {
                    let (restored, never) = sim.restore_examples(&account, region);
                    Target {
                        name: format!("demo-{region}"),
                        region: Some(region.into()),
                        account_id: Some("*".into()),
                        watch_resources: restored.into_iter().chain(never).collect(),
                        ..Target::default()
                    }
                })
                .collect();
        }
        for t in &mut config.targets {
            t.endpoint_url = Some(endpoint.to_owned());
            t.region.get_or_insert_with(|| "us-east-1".into());
        }
        config
    }

    /// Starts a live simulator at demo pace on a free loopback port.
    pub async fn start() -> Result<((Simulator, SimServer), String)> {
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
        let endpoint = server.endpoint_url();
        info!(endpoint = %endpoint, "demo: serving the simulated AWS Backup API");
        Ok(((sim, server), endpoint))
    }

    pub async fn simulate(args: &SimulateArgs, shutdown: impl Future<Output = ()>) -> Result<()> {
        let addr: SocketAddr = args
            .listen
            .parse()
            .with_context(|| format!("--listen {:?}: expected IP:PORT", args.listen))?;
        let opts = SimOptions {
            seed: args.seed,
            accounts: args.accounts,
            regions: args.regions.clone(),
            resources_per_account: args.resources_per_account,
            history: args.history,
            live: !args.frozen,
            bulk_backup_jobs: args.bulk_backup_jobs,
            brisk: args.brisk,
            ..SimOptions::default()
        };
        run_standalone(opts, addr, shutdown).await
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
