//! Scrapes /metrics every half second, as a fast Prometheus would, and keeps the figures: latency,
//! failures while the exporter is up (from its first answer after a start until it is killed),
//! and the peak resident memory of each exporter process.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Scrapes {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub failures_while_up: usize,
    pub peak_rss_mib: f64,
}

pub struct Prober {
    handle: JoinHandle<Scrapes>,
}

/// One GET of /metrics with gzip, read to the end; the status code.
fn scrape(addr: SocketAddr) -> std::io::Result<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(
        b"GET /metrics HTTP/1.1\r\nHost: soak\r\nAccept-Encoding: gzip\r\n\
          Accept: application/openmetrics-text;version=1.0.0\r\nConnection: close\r\n\r\n",
    )?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let head = String::from_utf8_lossy(&out[..out.len().min(16)]).into_owned();
    head.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head:?}")))
}

fn vm_hwm_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

impl Prober {
    pub fn start(addr: SocketAddr, pid: Arc<AtomicU32>, running: Arc<AtomicBool>) -> Prober {
        let handle = std::thread::spawn(move || {
            let mut lat = Vec::new();
            let mut s = Scrapes::default();
            // The process that answered last: failures count only against a process that has.
            let mut serving: Option<u32> = None;
            while running.load(Ordering::Relaxed) {
                let t = Instant::now();
                let p = pid.load(Ordering::Relaxed);
                if p != 0 {
                    if let Some(mib) = vm_hwm_mib(p) {
                        s.peak_rss_mib = s.peak_rss_mib.max(mib);
                    }
                    match scrape(addr) {
                        Ok(200) => {
                            lat.push(t.elapsed().as_secs_f64() * 1000.0);
                            serving = Some(p);
                        }
                        result => {
                            // Killed meanwhile, or not listening yet: not a failure of it.
                            if serving == Some(p) && pid.load(Ordering::Relaxed) == p {
                                s.failures_while_up += 1;
                                eprintln!(
                                    "soak: scrape failed while the exporter was up: {result:?}"
                                );
                            }
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(500).saturating_sub(t.elapsed()));
            }
            lat.sort_by(f64::total_cmp);
            let at = |q: f64| {
                lat.get(((lat.len() as f64 - 1.0) * q).round() as usize)
                    .copied()
            };
            s.count = lat.len();
            s.p50_ms = at(0.5).unwrap_or(0.0);
            s.p99_ms = at(0.99).unwrap_or(0.0);
            s.max_ms = lat.last().copied().unwrap_or(0.0);
            s
        });
        Prober { handle }
    }

    pub fn finish(self) -> Scrapes {
        self.handle.join().unwrap_or_default()
    }
}
