//! The soak: the exporter under chaos for a long time, then compared with the truth.
//!
//!   cargo run --example soak -- --duration 10m [--seed 1]
//!
//! The simulator runs here, with a workload that never stops changing (jobs of every type
//! starting, progressing and ending in every state, some listed late within the overlap,
//! restore tests settling later) and a schedule of chaos episodes (throttling storms, 5xx
//! bursts, stalls longer than `aws.timeout`, malformed bodies, a looping NextToken, calm
//! stretches). The exporter runs as a separate process (this binary, re-run with
//! `--exporter`: the same code as `aws-backup-exporter`), SIGKILLed and restarted every one to
//! three minutes, while a prober scrapes /metrics every half second. At the end the chaos and
//! the workload stop, the exporter catches up, and `aws_backup_jobs`, the per-resource series
//! and the validations are compared with the simulator's own data, label set by label set.
//! Prints one figure line; exits 1 on any difference or scrape failure.

#[path = "../../tests/common/exposition.rs"]
mod exposition;

mod chaos;
mod child;
mod probe;
mod truth;
mod workload;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_backup_sim::{Faults, SimOptions, Simulator};

use chaos::Chaos;
use child::Exporter;
use probe::Prober;
use workload::Workload;

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// The soak's own small seeded generator (SplitMix64): a run is repeatable from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5eed_5eed_5eed_5eed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }
}

struct Args {
    duration: Duration,
    seed: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        duration: Duration::from_secs(600),
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--duration" => {
                a.duration = humantime::parse_duration(&value()?).map_err(|e| e.to_string())?
            }
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--help" | "-h" => {
                return Err("usage: soak [--duration 10m] [--seed N]".into());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--exporter") {
        return child::run_exporter();
    }
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(soak(args))
}

/// The exporter's refresh interval, and the windows derived from it.
pub const REFRESH: Duration = Duration::from_secs(5);
pub const LOOKBACK: Duration = Duration::from_secs(2 * 3600);
pub const OVERLAP: Duration = Duration::from_secs(15 * 60);

async fn soak(args: Args) -> ExitCode {
    let started = Instant::now();
    let sim = Simulator::new(
        SimOptions {
            seed: args.seed,
            brisk: true,
            live: false,
            ..SimOptions::default()
        },
        unix_now() as i64,
    );
    let server = sim
        .start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the simulator starts");
    let dir = std::env::temp_dir().join(format!("abe-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let mut exporter = Exporter::start(&dir, &server.endpoint_url()).expect("the exporter starts");
    let addr = exporter.addr();

    let running = Arc::new(AtomicBool::new(true));
    let prober = Prober::start(addr, exporter.pid_handle(), running.clone());
    let mut rng = Rng::new(args.seed);
    let mut workload = Workload::new(sim.clone(), Rng::new(args.seed.wrapping_add(1)));
    // A short soak (CI's 90 s) compresses the schedule, so that it still sees restarts and
    // several kinds of episode: restarts every 1-3 minutes, episodes of 10-40 s, else a
    // quarter of that.
    let compressed = args.duration < Duration::from_secs(300);
    let scale = if compressed { 4 } else { 1 };
    let mut chaos = Chaos::new(Rng::new(args.seed.wrapping_add(2)), scale);
    let restart_every = |rng: &mut Rng| Duration::from_secs(rng.range(60, 180) / scale);
    let mut next_restart = Instant::now() + restart_every(&mut rng);
    let jobs_at_start = sim.job_count();
    let end = Instant::now() + args.duration;
    let mut restarts = 0;
    eprintln!(
        "soak: {} of chaos against {} (seed {}), exporter at {addr}",
        humantime::format_duration(args.duration),
        server.endpoint_url(),
        args.seed
    );
    while Instant::now() < end {
        sim.advance_to(unix_now() as i64);
        workload.step(unix_now() as i64);
        if let Some(faults) = chaos.step() {
            sim.set_faults(faults);
        }
        if Instant::now() >= next_restart {
            exporter.kill_and_restart();
            restarts += 1;
            next_restart = Instant::now() + restart_every(&mut rng);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // The chaos and the workload stop; the exporter catches up.
    sim.set_faults(Faults::default());
    sim.advance_to(unix_now() as i64);
    let frozen_at = unix_now();
    eprintln!(
        "soak: chaos over after {:?}; waiting for the exporter to catch up",
        started.elapsed()
    );
    let verdict = truth::converge(&sim, addr, frozen_at).await;
    running.store(false, Ordering::Relaxed);
    let scrapes = prober.finish();
    exporter.stop();
    let _ = std::fs::remove_dir_all(&dir);

    let (lost, doubled, resources, validations) = match &verdict {
        Ok(c) | Err(c) => (c.lost, c.doubled, c.wrong_resources, c.wrong_validations),
    };
    println!(
        "soak seed={} duration={} jobs_generated={} late_listed={} episodes={} restarts={} \
         lost={lost} double_counted={doubled} wrong_resource_series={resources} \
         wrong_validations={validations} scrapes={} scrape_p50_ms={:.2} scrape_p99_ms={:.2} \
         scrape_max_ms={:.2} scrape_failures_while_up={} peak_rss_mib={:.1}",
        args.seed,
        humantime::format_duration(args.duration),
        sim.job_count() - jobs_at_start,
        workload.late_listed(),
        chaos.summary(),
        restarts,
        scrapes.count,
        scrapes.p50_ms,
        scrapes.p99_ms,
        scrapes.max_ms,
        scrapes.failures_while_up,
        scrapes.peak_rss_mib,
    );
    match verdict {
        Ok(_) if scrapes.failures_while_up == 0 => ExitCode::SUCCESS,
        Ok(_) => {
            eprintln!("soak: FAILED: scrapes failed while the exporter was up");
            ExitCode::FAILURE
        }
        Err(c) => {
            for line in c.differences.iter().take(40) {
                eprintln!("soak: difference: {line}");
            }
            eprintln!("soak: FAILED: the exporter disagrees with the simulator");
            ExitCode::FAILURE
        }
    }
}
