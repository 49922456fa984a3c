//! `process_*` metrics, as every official exporter has them, read from /proc on each scrape.

use std::fs;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

/// Clock ticks per second of /proc/*/stat times: USER_HZ, 100 on every Linux ABI.
const USER_HZ: f64 = 100.0;

#[derive(Debug, Default)]
pub struct ProcessCollector;

#[derive(Debug, Default, PartialEq)]
struct ProcessStats {
    cpu_seconds: f64,
    start_time_seconds: f64,
    virtual_memory_bytes: f64,
    resident_memory_bytes: f64,
    open_fds: f64,
    max_fds: f64,
}

/// Parses the fields of /proc/self/stat after the command name.
fn parse_stat(stat: &str, boot_time: f64) -> Option<(f64, f64, f64)> {
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Field numbers of proc(5) minus 3: state is field 3.
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    let start: f64 = f.get(19)?.parse().ok()?;
    let vsize: f64 = f.get(20)?.parse().ok()?;
    Some((
        (utime + stime) / USER_HZ,
        boot_time + start / USER_HZ,
        vsize,
    ))
}

fn read_stats() -> Option<ProcessStats> {
    let boot_time = fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse::<f64>()
        .ok()?;
    let (cpu_seconds, start_time_seconds, virtual_memory_bytes) =
        parse_stat(&fs::read_to_string("/proc/self/stat").ok()?, boot_time)?;
    let resident_memory_bytes = fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb * 1024.0)?;
    let open_fds = fs::read_dir("/proc/self/fd").ok()?.count() as f64;
    let max_fds = fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0.0);
    Some(ProcessStats {
        cpu_seconds,
        start_time_seconds,
        virtual_memory_bytes,
        resident_memory_bytes,
        open_fds,
        max_fds,
    })
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(s) = read_stats() else {
            return Ok(());
        };
        let m = encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds.",
            None,
            MetricType::Counter,
        )?;
        let mut m = m;
        m.encode_counter::<NoLabelSet, _, f64>(&s.cpu_seconds, None)?;
        for (name, help, v) in [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                s.resident_memory_bytes,
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                s.virtual_memory_bytes,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                s.start_time_seconds,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors.",
                s.open_fds,
            ),
            (
                "process_max_fds",
                "Maximum number of open file descriptors.",
                s.max_fds,
            ),
        ] {
            encoder
                .encode_descriptor(name, help, None, MetricType::Gauge)?
                .encode_gauge(&v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_line_with_spaces_in_the_command_name() {
        let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 \
                    1000 123456789 2000 18446744073709551615";
        let (cpu, start, vsize) = parse_stat(stat, 1_700_000_000.0).unwrap();
        assert_eq!(cpu, 3.0);
        assert_eq!(start, 1_700_000_010.0);
        assert_eq!(vsize, 123456789.0);
    }

    #[test]
    fn reads_this_process() {
        let s = read_stats().expect("/proc is readable on Linux");
        assert!(s.resident_memory_bytes > 0.0);
        assert!(s.open_fds >= 3.0);
    }
}
