//! Benchmarks of the real exporter against the simulator over loopback (see BENCHMARKS.md).
//!
//!   cargo bench --bench exporter                 # every section
//!   cargo bench --bench exporter -- scrape       # one section: backfill, memory, scrape, api,
//!                                                # cpu, throttling, tls, targets
//!
//! Each figure is the median of several runs with the spread (min–max). The simulator runs on
//! its own runtime threads (named `sim`), the exporter on others (named `exporter`), so CPU is
//! attributed per side from /proc/self/task.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::time::{SystemTime, UNIX_EPOCH};

use aws_backup_exporter::config::{Config, Target};
use aws_backup_exporter::daemon::{Exporter, Format, simulator_credentials};
use aws_backup_exporter::job::JobType;
use aws_backup_sim::{SimJob, SimJobType, SimOptions, SimServer, Simulator};

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[path = "exporter/targets.rs"]
mod targets;

const BIN: &str = env!("CARGO_BIN_EXE_aws-backup-exporter");
const RUNS: usize = 5;

fn runtime(name: &'static str, threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        .enable_all()
        .build()
        .unwrap()
}

/// Median and spread of a sample.
fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn fmt_stats(v: Vec<f64>, unit: &str) -> String {
    let (med, lo, hi) = stats(v);
    format!("{med:.1} {unit} (min {lo:.1}, max {hi:.1})")
}

/// CPU seconds used so far by this process's threads whose name starts with `prefix`.
fn thread_cpu(prefix: &str) -> f64 {
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        let f: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
        total += ticks / 100.0;
    }
    total
}

struct SimSide {
    rt: tokio::runtime::Runtime,
    sim: Simulator,
    server: Option<SimServer>,
}

impl SimSide {
    fn start(opts: SimOptions) -> SimSide {
        let rt = runtime("sim", 1);
        let sim = Simulator::new(opts, unix_now() as i64);
        let server = rt
            .block_on(sim.start(SocketAddr::from(([127, 0, 0, 1], 0))))
            .unwrap();
        SimSide {
            rt,
            sim,
            server: Some(server),
        }
    }

    fn url(&self) -> String {
        self.server.as_ref().unwrap().endpoint_url()
    }

    fn addr(&self) -> SocketAddr {
        self.server.as_ref().unwrap().local_addr()
    }
}

impl Drop for SimSide {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

fn bench_config(endpoint: &str, job_types: Vec<JobType>) -> Config {
    let defaults = Config::default();
    Config {
        job_types,
        aws: aws_backup_exporter::config::Aws {
            requests_per_second: 1_000_000.0,
            ..defaults.aws.clone()
        },
        targets: vec![Target {
            name: "bench".into(),
            region: Some("us-east-1".into()),
            account_id: Some("*".into()),
            endpoint_url: Some(endpoint.into()),
            ..Target::default()
        }],
        ..defaults
    }
}

struct ExporterSide {
    rt: tokio::runtime::Runtime,
    exporter: Option<Exporter>,
}

impl ExporterSide {
    /// The exporter on `workers` runtime threads (the daemon uses one per core).
    fn new(config: Config, workers: usize) -> ExporterSide {
        let rt = runtime("exporter", workers);
        let exporter = rt
            .block_on(Exporter::start(config, simulator_credentials()))
            .unwrap();
        ExporterSide {
            rt,
            exporter: Some(exporter),
        }
    }

    /// One refresh, rendering included; returns (wall seconds, exporter CPU seconds).
    fn refresh(&mut self) -> (f64, f64) {
        let mut exporter = self.exporter.take().unwrap();
        let cpu0 = thread_cpu("exporter");
        let t0 = Instant::now();
        let (exporter, ok) = self.rt.block_on(async move {
            let ok = exporter.refresh().await;
            (exporter, ok)
        });
        let wall = t0.elapsed().as_secs_f64();
        assert!(ok, "refresh failed");
        self.exporter = Some(exporter);
        (wall, thread_cpu("exporter") - cpu0)
    }

    fn serve(&self) -> SocketAddr {
        self.serve_with(None)
    }

    fn serve_with(
        &self,
        web: Option<std::sync::Arc<aws_backup_exporter::daemon::WebConfigFile>>,
    ) -> SocketAddr {
        let listener = self
            .rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let server = self.exporter.as_ref().unwrap().serve(
            listener,
            "/metrics",
            web,
            std::future::pending(),
        );
        self.rt.spawn(server);
        addr
    }

    fn render(&self) -> Vec<u8> {
        self.exporter
            .as_ref()
            .unwrap()
            .render(Format::Classic, false)
    }
}

/// Reads one HTTP/1.1 response with a Content-Length body from a keep-alive connection.
fn read_response(s: &mut impl Read, buf: &mut Vec<u8>) -> (u16, Vec<u8>) {
    buf.clear();
    let mut chunk = [0u8; 65536];
    let header_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status: u16 = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
    }
    (status, buf[header_end..header_end + len].to_vec())
}

/// The floor: every page of the backfill fetched with a plain HTTP client that parses nothing
/// but the NextToken.
fn floor_fetch(addr: SocketAddr, complete_after: &str) -> usize {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    let mut buf = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path =
            format!("/backup-jobs?completeAfter={complete_after}&maxResults=1000&accountId=%2A");
        if let Some(t) = &token {
            path.push_str("&nextToken=");
            path.push_str(&urlencode(t));
        }
        // One write per request: split writes meet Nagle and delayed ACKs (40 ms stalls).
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: AWS4-HMAC-SHA256 \
             Credential=AKIDSIMULATOR/20260101/us-east-1/backup/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n"
        );
        s.write_all(req.as_bytes()).unwrap();
        let (status, body) = read_response(&mut s, &mut buf);
        assert_eq!(status, 200);
        pages += 1;
        let text = String::from_utf8_lossy(&body);
        token = text.find("\"NextToken\":\"").map(|i| {
            let rest = &text[i + 13..];
            rest[..rest.find('"').unwrap()].to_owned()
        });
        if token.is_none() {
            return pages;
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn iso8601(epoch: i64) -> String {
    aws_smithy_types::DateTime::from_secs(epoch)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap()
}

fn backfill() {
    println!("\n## Backfill throughput (ended backup jobs, page size 1000)\n");
    println!(
        "| jobs | exporter: start to ready | jobs/s | floor (plain HTTP, no parsing) | exporter / floor |"
    );
    println!("|---|---|---|---|---|");
    for n in [100_000usize, 1_000_000] {
        let sim = SimSide::start(SimOptions {
            bulk_backup_jobs: Some(n),
            history: Duration::from_secs(20 * 3600),
            live: false,
            ..SimOptions::default()
        });
        let (mut walls, mut rates, mut floors, mut ratios) = (vec![], vec![], vec![], vec![]);
        for _ in 0..RUNS {
            let mut exp = ExporterSide::new(bench_config(&sim.url(), vec![JobType::Backup]), 1);
            let (wall, _) = exp.refresh();
            let after = iso8601(unix_now() as i64 - 24 * 3600);
            let t0 = Instant::now();
            let pages = floor_fetch(sim.addr(), &after);
            let floor = t0.elapsed().as_secs_f64();
            assert_eq!(pages, n.div_ceil(1000));
            walls.push(wall);
            rates.push(n as f64 / wall);
            floors.push(floor);
            ratios.push(wall / floor);
        }
        println!(
            "| {n} | {} | {} | {} | {} |",
            fmt_stats(walls, "s"),
            fmt_stats(rates, ""),
            fmt_stats(floors, "s"),
            fmt_stats(ratios, "×")
        );
    }
}

fn wait_ready(port: u16, deadline: Duration) {
    let t0 = Instant::now();
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = write!(
                s,
                "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            );
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if out.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(t0.elapsed() < deadline, "not ready in time");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn proc_kib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .map(|v| {
            v.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .unwrap()
        })
        .unwrap()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn memory() {
    println!("\n## Resident memory of the exporter process after the backfill\n");
    println!("| jobs | peak RSS (VmHWM) | steady RSS (5 s after ready) |");
    println!("|---|---|---|");
    let dir = std::env::temp_dir().join(format!("abe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for n in [10_000usize, 100_000, 1_000_000] {
        let (mut peaks, mut steadies) = (vec![], vec![]);
        let sim_port = free_port();
        let _sim = Killed(
            Command::new(BIN)
                .args([
                    "--log.level",
                    "warn",
                    "simulate",
                    "--frozen",
                    "--history",
                    "20h",
                ])
                .args(["--listen", &format!("127.0.0.1:{sim_port}")])
                .args(["--bulk-backup-jobs", &n.to_string()])
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        // The simulator is up when it accepts connections.
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", sim_port)).is_err() {
            assert!(t0.elapsed() < Duration::from_secs(120));
            std::thread::sleep(Duration::from_millis(50));
        }
        let cfg = dir.join(format!("mem-{n}.yaml"));
        std::fs::write(
            &cfg,
            format!(
                "refresh_interval: 1h\njob_types: [backup]\naws: {{ requests_per_second: 100000 }}\n\
                 targets:\n  - name: bench\n    region: us-east-1\n    account_id: \"*\"\n    \
                 endpoint_url: http://127.0.0.1:{sim_port}\n"
            ),
        )
        .unwrap();
        for _ in 0..3 {
            let port = free_port();
            let exp = Killed(
                Command::new(BIN)
                    .args([
                        "--config.file",
                        cfg.to_str().unwrap(),
                        "--log.level",
                        "warn",
                    ])
                    .args(["--web.listen-address", &format!("127.0.0.1:{port}")])
                    .env("AWS_ACCESS_KEY_ID", "AKIDSIMULATOR")
                    .env("AWS_SECRET_ACCESS_KEY", "simulator-secret")
                    .env("AWS_EC2_METADATA_DISABLED", "true")
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap(),
            );
            wait_ready(port, Duration::from_secs(300));
            std::thread::sleep(Duration::from_secs(5));
            peaks.push(proc_kib(exp.0.id(), "VmHWM:") / 1024.0);
            steadies.push(proc_kib(exp.0.id(), "VmRSS:") / 1024.0);
        }
        println!(
            "| {n} | {} | {} |",
            fmt_stats(peaks, "MiB"),
            fmt_stats(steadies, "MiB")
        );
    }
}

/// A keep-alive connection, plain or TLS.
trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

fn connect(addr: SocketAddr, tls: Option<&std::sync::Arc<rustls::ClientConfig>>) -> Box<dyn Conn> {
    let s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    match tls {
        None => Box::new(s),
        Some(cfg) => {
            let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
            let conn = rustls::ClientConnection::new(cfg.clone(), name).unwrap();
            Box::new(rustls::StreamOwned::new(conn, s))
        }
    }
}

/// `clients` connections scraping for `per_client` requests each; latencies in ms and rps.
fn scrape_load(
    addr: SocketAddr,
    clients: usize,
    per_client: usize,
    headers: &'static str,
) -> (Vec<f64>, f64) {
    scrape_load_over(addr, None, clients, per_client, headers.to_owned())
}

fn scrape_load_over(
    addr: SocketAddr,
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    clients: usize,
    per_client: usize,
    headers: String,
) -> (Vec<f64>, f64) {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (tls, headers) = (tls.clone(), headers.clone());
            std::thread::spawn(move || {
                let mut s = connect(addr, tls.as_ref());
                let mut buf = Vec::new();
                let mut lat = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    s.write_all(
                        format!("GET /metrics HTTP/1.1\r\nHost: bench\r\n{headers}\r\n").as_bytes(),
                    )
                    .unwrap();
                    let (status, body) = read_response(&mut s, &mut buf);
                    assert_eq!(status, 200);
                    assert!(!body.is_empty());
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().unwrap());
    }
    let rps = all.len() as f64 / t0.elapsed().as_secs_f64();
    (all, rps)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn scrape() {
    // About 10,000 series: an organization with many resources and per-resource series on.
    let sim = SimSide::start(SimOptions {
        accounts: 4,
        regions: vec!["us-east-1".into()],
        resources_per_account: 900,
        history: Duration::from_secs(20 * 3600),
        live: false,
        ..SimOptions::default()
    });
    let mut exp = ExporterSide::new(bench_config(&sim.url(), JobType::DEFAULT.to_vec()), 2);
    exp.refresh();
    let addr = exp.serve();
    let text = String::from_utf8(exp.render()).unwrap();
    let series = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count();
    println!(
        "\n## /metrics latency, {series} series ({} KiB as text 0.0.4)\n",
        text.len() / 1024
    );
    println!("| format | clients | p50 | p99 | requests/s |");
    println!("|---|---|---|---|---|");
    for (name, headers) in [
        ("text 0.0.4", ""),
        (
            "OpenMetrics",
            "Accept: application/openmetrics-text;version=1.0.0\r\n",
        ),
        ("text 0.0.4 + gzip", "Accept-Encoding: gzip\r\n"),
        (
            "OpenMetrics + gzip",
            "Accept: application/openmetrics-text;version=1.0.0\r\nAccept-Encoding: gzip\r\n",
        ),
    ] {
        for clients in [1usize, 8, 64] {
            let per_client = (2000 / clients).max(20);
            let (mut p50s, mut p99s, mut rpss) = (vec![], vec![], vec![]);
            for _ in 0..RUNS {
                let (mut lat, rps) = scrape_load(addr, clients, per_client, headers);
                lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
                p50s.push(percentile(&lat, 0.5));
                p99s.push(percentile(&lat, 0.99));
                rpss.push(rps);
            }
            let (p50, _, _) = stats(p50s);
            let (p99, p99lo, p99hi) = stats(p99s);
            let (rps, _, _) = stats(rpss);
            println!(
                "| {name} | {clients} | {p50:.2} ms | {p99:.2} ms ({p99lo:.2}–{p99hi:.2}) | {rps:.0} |"
            );
        }
    }
}

/// TLS and basic auth beside plain HTTP, gzip, on keep-alive connections: the runs alternate
/// so that both see the same machine.
fn tls() {
    use base64::Engine;
    use std::sync::Arc;
    let sim = SimSide::start(SimOptions {
        accounts: 4,
        regions: vec!["us-east-1".into()],
        resources_per_account: 900,
        history: Duration::from_secs(20 * 3600),
        live: false,
        ..SimOptions::default()
    });
    let mut exp = ExporterSide::new(bench_config(&sim.url(), JobType::DEFAULT.to_vec()), 2);
    exp.refresh();
    let plain = exp.serve();
    // A server certificate for 127.0.0.1 and a bcrypt user (cost 10, the usual one).
    let dir = std::env::temp_dir().join(format!("abe-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    let hash = bcrypt::hash("bench-password", 10).unwrap();
    std::fs::write(
        dir.join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n\
             basic_auth_users:\n  prometheus: '{hash}'\n"
        ),
    )
    .unwrap();
    let web =
        Arc::new(aws_backup_exporter::daemon::WebConfigFile::load(&dir.join("web.yml")).unwrap());
    let secured = exp.serve_with(Some(web));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der().clone()).unwrap();
    let client = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let auth = format!(
        "Authorization: Basic {}\r\n",
        base64::engine::general_purpose::STANDARD.encode("prometheus:bench-password")
    );
    println!("\n## /metrics over TLS with basic auth, beside plain HTTP (gzip, keep-alive)\n");
    println!("| clients | plain p50 | plain p99 | TLS + auth p50 | TLS + auth p99 | p99 ratio |");
    println!("|---|---|---|---|---|---|");
    for clients in [1usize, 8, 64] {
        let per_client = (2000 / clients).max(20);
        let (mut plain_p50, mut plain_p99, mut tls_p50, mut tls_p99) =
            (vec![], vec![], vec![], vec![]);
        for _ in 0..RUNS {
            for secure in [false, true] {
                let (addr, cfg, headers) = if secure {
                    (
                        secured,
                        Some(client.clone()),
                        format!("Accept-Encoding: gzip\r\n{auth}"),
                    )
                } else {
                    (plain, None, "Accept-Encoding: gzip\r\n".to_owned())
                };
                let (mut lat, _) = scrape_load_over(addr, cfg, clients, per_client, headers);
                lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
                if secure {
                    tls_p50.push(p50);
                    tls_p99.push(p99);
                } else {
                    plain_p50.push(p50);
                    plain_p99.push(p99);
                }
            }
        }
        let (a50, a99, b50, b99) = (
            stats(plain_p50).0,
            stats(plain_p99).0,
            stats(tls_p50).0,
            stats(tls_p99).0,
        );
        println!(
            "| {clients} | {a50:.2} ms | {a99:.2} ms | {b50:.2} ms | {b99:.2} ms | {:.2}× |",
            b99 / a99
        );
    }
}

fn new_job(template: &SimJob, i: usize, completion: i64) -> SimJob {
    SimJob {
        job_id: format!("bench-{completion}-{i}"),
        state: "COMPLETED".into(),
        completion_date: Some(completion),
        creation_date: Some(completion - 900),
        is_parent: false,
        parent_job_id: None,
        ..template.clone()
    }
}

fn api_and_cpu(section: &str) {
    // 10,000 resources backed up hourly: 4 accounts × 2,500 resources in one region.
    let sim = SimSide::start(SimOptions {
        accounts: 4,
        regions: vec!["us-east-1".into()],
        resources_per_account: 2500,
        history: Duration::from_secs(20 * 3600),
        live: false,
        ..SimOptions::default()
    });
    let mut exp = ExporterSide::new(bench_config(&sim.url(), JobType::DEFAULT.to_vec()), 1);
    let (wall, cpu) = exp.refresh();
    let template = sim
        .sim
        .jobs()
        .into_iter()
        .find(|j| {
            j.job_type == SimJobType::Backup
                && j.region == "us-east-1"
                && j.completion_date.is_some()
        })
        .unwrap();
    let ops = [
        "ListBackupJobs",
        "ListRestoreJobs",
        "ListCopyJobs",
        "DescribeRestoreJob",
        "ListProtectedResources",
    ];
    let resources = sim
        .sim
        .resources()
        .iter()
        .filter(|r| r.region == "us-east-1")
        .count();
    if section == "api" {
        println!(
            "\n## AWS API requests per steady-state refresh (page size 1000, {resources} protected resources)\n"
        );
        println!(
            "backfill of {} jobs: {wall:.2} s wall, {cpu:.2} s exporter CPU\n",
            sim.sim.jobs().len()
        );
        println!(
            "N new backup jobs end just before each refresh; M backup jobs ended inside the \
             15-minute overlap before it, which every refresh reads again.\n"
        );
        println!(
            "| N | M | ListBackupJobs | ListRestoreJobs | ListCopyJobs | DescribeRestoreJob | ListProtectedResources | total | ⌈(N+M)/1000⌉ + constant |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
    } else {
        println!(
            "\n## CPU per steady-state refresh (10,000 resources backed up hourly: 833 new backup jobs per 5-minute refresh)\n"
        );
    }
    let mut cpus = vec![];
    let mut constant = None;
    let recent = |sim: &Simulator| {
        let now = unix_now() as i64;
        sim.jobs()
            .iter()
            .filter(|j| {
                j.job_type == SimJobType::Backup
                    && j.region == "us-east-1"
                    && j.completion_date.is_some_and(|c| c > now - 15 * 60 - 60)
            })
            .count()
    };
    let mut overlap_jobs = recent(&sim.sim);
    let sizes: &[usize] = if section == "api" {
        &[0, 10, 1000, 2500, 5000]
    } else {
        &[833; RUNS]
    };
    for (round, &n) in sizes.iter().enumerate() {
        let t = unix_now() as i64 - 2;
        for i in 0..n {
            sim.sim.insert(new_job(&template, i + round * 100_000, t));
        }
        let before: Vec<u64> = ops.iter().map(|op| sim.sim.requests().total(op)).collect();
        let (_, cpu) = exp.refresh();
        cpus.push(cpu);
        let d: Vec<u64> = ops
            .iter()
            .zip(&before)
            .map(|(op, b)| sim.sim.requests().total(op) - b)
            .collect();
        let total: u64 = d.iter().sum();
        let pages = |jobs: usize| jobs.div_ceil(1000).max(1) as u64;
        let c = *constant.get_or_insert(total - pages(overlap_jobs));
        if section == "api" {
            println!(
                "| {n} | {overlap_jobs} | {} | {} | {} | {} | {} | {total} | {} |",
                d[0],
                d[1],
                d[2],
                d[3],
                d[4],
                pages(n + overlap_jobs) + c
            );
        }
        // Jobs inside the overlap of the next refresh: the simulator's recent ones and ours.
        overlap_jobs = recent(&sim.sim);
    }
    if section == "cpu" {
        let (med, lo, hi) = stats(cpus);
        println!(
            "exporter CPU per refresh: {:.1} ms (min {:.1}, max {:.1}); at one refresh per 5 minutes: {:.4} % of one core\n",
            med * 1000.0,
            lo * 1000.0,
            hi * 1000.0,
            med / 300.0 * 100.0
        );
    }
}

/// Time to ready (the first refresh) of a 3,000-job backfill at page size 100 and the default
/// 10 requests/s, with a share of all API calls throttled, in each retry mode.
fn throttling() {
    use aws_backup_exporter::config::RetryMode;
    use aws_backup_sim::Faults;
    println!("\n## Throttling: time to ready, 3,000 backup jobs, page size 100, 10 requests/s\n");
    println!(
        "| throttled calls | retry mode | time to ready | × unthrottled | requests (throttled) |"
    );
    println!("|---|---|---|---|---|");
    let sim = SimSide::start(SimOptions {
        bulk_backup_jobs: Some(3000),
        history: Duration::from_secs(20 * 3600),
        live: false,
        ..SimOptions::default()
    });
    let mut base = None;
    for (share, every) in [
        ("0 %", None),
        ("10 %", Some(10)),
        ("33 %", Some(3)),
        ("50 %", Some(2)),
    ] {
        for mode in [RetryMode::Standard, RetryMode::Adaptive] {
            if mode == RetryMode::Adaptive && every != Some(3) {
                continue;
            }
            let runs = if mode == RetryMode::Adaptive { 1 } else { RUNS };
            let (mut walls, mut reqs, mut throttled) = (vec![], vec![], vec![]);
            for _ in 0..runs {
                let mut cfg = bench_config(&sim.url(), vec![JobType::Backup]);
                cfg.page_size = 100;
                cfg.aws = aws_backup_exporter::config::Aws {
                    retry_mode: mode,
                    ..Config::default().aws
                };
                let before = sim.sim.requests();
                sim.sim.set_faults(Faults {
                    throttle_every: every,
                    ..Faults::default()
                });
                let mut exp = ExporterSide::new(cfg, 1);
                let (wall, _) = exp.refresh();
                let after = sim.sim.requests();
                let ops = ["ListBackupJobs", "ListProtectedResources"];
                reqs.push(
                    ops.iter()
                        .map(|o| after.total(o) - before.total(o))
                        .sum::<u64>() as f64,
                );
                throttled.push(
                    ops.iter()
                        .map(|o| after.faulted(o) - before.faulted(o))
                        .sum::<u64>() as f64,
                );
                walls.push(wall);
            }
            let (med, lo, hi) = stats(walls);
            let b = *base.get_or_insert(med);
            println!(
                "| {share} | {} | {med:.1} s ({lo:.1}–{hi:.1}) | {:.2}× | {:.0} ({:.0}) |",
                mode.as_str(),
                med / b,
                stats(reqs).0,
                stats(throttled).0
            );
        }
    }
    sim.sim.set_faults(Faults::default());
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |s: &str| filter.is_empty() || filter.iter().any(|f| s.contains(f.as_str()));
    println!(
        "# aws-backup-exporter benchmarks ({} cores, {})",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        env!("CARGO_PKG_VERSION")
    );
    if want("backfill") {
        backfill();
    }
    if want("memory") {
        memory();
    }
    if want("scrape") {
        scrape();
    }
    if want("api") {
        api_and_cpu("api");
    }
    if want("cpu") {
        api_and_cpu("cpu");
    }
    if want("throttling") {
        throttling();
    }
    if want("tls") {
        tls();
    }
    if want("targets") {
        targets::targets();
    }
}
