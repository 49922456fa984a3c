//! `targets`: one process with 1,000 assumed-role targets (one per account of a 1,000-account
//! organization), then the same configuration split over 4 shards (`--shard i
//! --total-shards 4`, one process each). The exporters run as their own processes, so their
//! RSS and CPU are theirs alone; the simulator runs in this one.

use super::*;

const ACCOUNTS: usize = 1000;
const SHARDS: u64 = 4;
/// Long enough that the backfill round is over before the steady rounds are measured.
const REFRESH: Duration = Duration::from_secs(60);
const STEADY_ROUNDS: u32 = 2;
const SCRAPES: usize = 100;

/// CPU seconds (user + system) the process has used so far.
fn process_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let close = stat.rfind(')').unwrap();
    let f: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}

/// GETs `/metrics` `n` times on fresh connections: (latencies in ms, body size in bytes).
fn scrape_times(port: u16, n: usize) -> (Vec<f64>, usize) {
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let t0 = Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = Vec::new();
        let (status, body) = read_response(&mut s, &mut buf);
        assert_eq!(status, 200);
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        size = body.len();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (times, size)
}

struct Measured {
    ready_s: f64,
    peak_mib: f64,
    steady_mib: f64,
    cpu_per_refresh_s: f64,
    metrics_bytes: usize,
    p50_ms: f64,
    p99_ms: f64,
}

/// Starts one exporter per shard of `shards`, waits until every one is ready, and measures.
fn run(config: &std::path::Path, shards: u64) -> Vec<Measured> {
    let t0 = Instant::now();
    let procs: Vec<(Killed, u16)> = (0..shards)
        .map(|i| {
            let port = free_port();
            let child = Command::new(BIN)
                .args(["--config.file", config.to_str().unwrap()])
                .args(["--log.level", "warn"])
                .args(["--web.listen-address", &format!("127.0.0.1:{port}")])
                .args(["--shard", &i.to_string()])
                .args(["--total-shards", &shards.to_string()])
                .env("AWS_ACCESS_KEY_ID", "AKIDSIMULATOR")
                .env("AWS_SECRET_ACCESS_KEY", "simulator-secret")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            (Killed(child), port)
        })
        .collect();
    let mut ready = Vec::new();
    for (_, port) in &procs {
        wait_ready(*port, Duration::from_secs(600));
        ready.push(t0.elapsed().as_secs_f64());
    }
    // The backfill round is done; measure whole steady rounds from here.
    let cpu0: Vec<f64> = procs.iter().map(|(p, _)| process_cpu(p.0.id())).collect();
    std::thread::sleep(REFRESH * STEADY_ROUNDS);
    procs
        .iter()
        .zip(ready)
        .zip(cpu0)
        .map(|(((p, port), ready_s), cpu0)| {
            let pid = p.0.id();
            let cpu = process_cpu(pid) - cpu0;
            let (times, metrics_bytes) = scrape_times(*port, SCRAPES);
            Measured {
                ready_s,
                peak_mib: proc_kib(pid, "VmHWM:") / 1024.0,
                steady_mib: proc_kib(pid, "VmRSS:") / 1024.0,
                cpu_per_refresh_s: cpu / f64::from(STEADY_ROUNDS),
                metrics_bytes,
                p50_ms: percentile(&times, 0.50),
                p99_ms: percentile(&times, 0.99),
            }
        })
        .collect()
}

pub fn targets() {
    println!(
        "\n## {ACCOUNTS} assumed-role targets: one process, then {SHARDS} shards (refresh {}s)\n",
        REFRESH.as_secs()
    );
    let sim = SimSide::start(SimOptions {
        accounts: ACCOUNTS,
        regions: vec!["us-east-1".into()],
        resources_per_account: 4,
        history: Duration::from_secs(26 * 3600),
        live: false,
        ..SimOptions::default()
    });
    let accounts = sim.sim.accounts();
    let dir = std::env::temp_dir().join(format!("abe-bench-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("targets.yaml");
    let mut yaml = format!(
        "refresh_interval: {}s\naws: {{ requests_per_second: 100000 }}\ntargets:\n",
        REFRESH.as_secs()
    );
    for a in &accounts {
        yaml += &format!(
            "  - name: acct-{a}\n    region: us-east-1\n    role_arn: arn:aws:iam::{a}:role/aws-backup-exporter\n    endpoint_url: {}\n",
            sim.url()
        );
    }
    std::fs::write(&config, yaml).unwrap();
    println!(
        "{} jobs in the simulator; every target reads backup, restore and copy jobs, protected \
         resources, vaults and restore testing plans of its account.\n",
        sim.sim.job_count()
    );
    println!(
        "| layout | time to ready | RSS peak / steady | CPU per steady refresh | /metrics size | scrape p50 / p99 |"
    );
    println!("|---|---|---|---|---|---|");
    for shards in [1, SHARDS] {
        let m = run(&config, shards);
        let max = |f: fn(&Measured) -> f64| m.iter().map(f).fold(0.0, f64::max);
        let sum = |f: fn(&Measured) -> f64| m.iter().map(f).sum::<f64>();
        let layout = if shards == 1 {
            "1 process, 1,000 targets".to_owned()
        } else {
            format!("{shards} shards (max of each; sum)")
        };
        let both = |f: fn(&Measured) -> f64, unit: &str| {
            if shards == 1 {
                format!("{:.1} {unit}", max(f))
            } else {
                format!("{:.1} {unit}; {:.1} {unit}", max(f), sum(f))
            }
        };
        println!(
            "| {layout} | {:.1} s | {} / {} | {} | {:.0} KiB | {:.1} / {:.1} ms |",
            max(|x| x.ready_s),
            both(|x| x.peak_mib, "MiB"),
            both(|x| x.steady_mib, "MiB"),
            both(|x| x.cpu_per_refresh_s, "s"),
            max(|x| x.metrics_bytes as f64) / 1024.0,
            max(|x| x.p50_ms),
            max(|x| x.p99_ms),
        );
    }
}
