//! The binary as users run it: flags, exit codes, config errors, --demo, promtool, SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_aws-backup-exporter");

fn write_config(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("abe-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_config_exits_non_zero_naming_file_line_and_key() {
    let path = write_config("bad", "refresh_interval: 1m\npage_size: 5000\n");
    let out = Command::new(BIN)
        .args(["--config.file", path.to_str().unwrap(), "--check-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:2: page_size: must be between 1 and 1000, got 5000",
            path.display()
        )),
        "{stderr}"
    );
}

#[test]
fn check_config_prints_the_resolved_config() {
    let path = write_config(
        "good",
        "lookback: 48h\ntargets:\n  - name: prod\n    region: eu-west-1\n    account_id: \"*\"\n",
    );
    let out = Command::new(BIN)
        .args(["--config.file", path.to_str().unwrap(), "--check-config"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("lookback: 2days\n"), "{stdout}");
    assert!(stdout.contains("refresh_interval: 5m\n"), "{stdout}");
    assert!(
        stdout.contains("  - name: \"prod\"\n    region: \"eu-west-1\"\n"),
        "{stdout}"
    );
}

#[test]
fn missing_config_file_and_bad_flags_fail() {
    let out = Command::new(BIN)
        .args(["--config.file", "/nonexistent/exporter.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/exporter.yaml: cannot read")
    );
    let out = Command::new(BIN)
        .args(["--log.level", "loud"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["--web.listen-address", "nonsense", "--demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_example_config_is_valid_and_says_the_defaults() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.yaml");
    let out = Command::new(BIN)
        .args(["--config.file", example, "--check-config"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    // Every value the example shows is the default: the same as an empty file resolves to.
    let empty = write_config(
        "empty.yaml",
        "targets: [{ name: prod-use1, region: us-east-1 }]\n",
    );
    let defaults = Command::new(BIN)
        .args(["--config.file", empty.to_str().unwrap(), "--check-config"])
        .output()
        .unwrap();
    assert_eq!(printed, String::from_utf8_lossy(&defaults.stdout));
}

#[test]
fn shard_flags_that_name_no_shard_exit_non_zero_with_a_clear_error() {
    for (args, says) in [
        (
            ["--shard", "2", "--total-shards", "2"],
            "--shard 2 is out of range for --total-shards 2: shards are numbered 0 to 1",
        ),
        (
            ["--shard", "0", "--total-shards", "0"],
            "--total-shards 0: there must be at least one shard",
        ),
    ] {
        let out = Command::new(BIN)
            .args(args)
            .args(["--demo", "--once"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed an exposition");
    }
    // A valid shard of the demo's two targets: its own metrics, whichever targets it owns.
    let out = Command::new(BIN)
        .args(["--demo", "--once", "--shard", "1", "--total-shards", "3"])
        .args(["--log.level", "warn"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("aws_backup_exporter_shard_info{shard=\"1\",total_shards=\"3\"} 1"));
}

fn promtool() -> &'static str {
    for p in ["/usr/bin/promtool", "/usr/local/bin/promtool"] {
        if std::path::Path::new(p).exists() {
            return p;
        }
    }
    panic!("promtool not found: install Debian's prometheus package (scripts/test does)");
}

#[test]
fn demo_once_output_passes_promtool_check_metrics() {
    let out = Command::new(BIN)
        .args(["--demo", "--once", "--log.level", "warn"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for family in [
        "aws_backup_jobs{",
        "aws_backup_active_job_oldest_age_seconds{",
        "# TYPE aws_backup_job_duration_seconds histogram",
        "aws_backup_exporter_collection_success{",
        "aws_backup_exporter_api_requests_total{",
        "aws_backup_exporter_build_info{",
        "process_resident_memory_bytes ",
        "aws_backup_lookback_seconds 86400",
        "aws_backup_jobs{job_type=\"scan\",",
        "aws_backup_scan_results{",
        "aws_backup_job_summary_jobs{job_type=\"backup\",",
        "period=\"14d\"} ",
        "aws_backup_vault_locked{",
        "aws_backup_restore_testing_plan_last_execution_timestamp_seconds{",
        "aws_backup_resource_backup_interval_seconds{",
        "aws_backup_resource_restore_watched{",
        "aws_backup_resource_last_restore_timestamp_seconds{",
    ] {
        assert!(text.contains(family), "{family} missing");
    }
    let mut check = Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let res = check.wait_with_output().unwrap();
    let problems =
        String::from_utf8_lossy(&res.stdout).into_owned() + &String::from_utf8_lossy(&res.stderr);
    // The one lint DESIGN.md's names knowingly break: promtool reads `_summary_` in
    // `aws_backup_job_summary_jobs` as a metric type. Exit 3 is "lint problems only"; a
    // parse error (exit 1) or any other problem fails.
    let unexpected: Vec<&str> = problems
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            *l != "aws_backup_job_summary_jobs metric name should not include type 'summary'"
        })
        .collect();
    assert!(
        matches!(res.status.code(), Some(0 | 3)) && unexpected.is_empty(),
        "promtool check metrics ({:?}):\n{problems}",
        res.status
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    Some((status, out))
}

#[test]
fn demo_serves_until_sigterm_then_exits_cleanly() {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args([
            "--demo",
            "--web.listen-address",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded wait for readiness (the first refresh), not a timing assertion.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some((200, _)) = get(port, "/readyz") {
            break;
        }
        assert!(Instant::now() < deadline, "never became ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, body) = get(port, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("aws_backup_jobs{job_type=\"backup\""));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "exit {status:?}\n{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(stderr.contains("level=info"), "logfmt by default: {stderr}");
}

#[test]
fn json_logs_when_asked() {
    let out = Command::new(BIN)
        .args([
            "--config.file",
            "/nonexistent/exporter.yaml",
            "--log.format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON log line in {stderr}"));
    assert!(line.contains("\"level\":\"ERROR\""), "{line}");
    assert!(line.contains("\"message\":\"exiting\""), "{line}");
    assert!(line.ends_with('}'));
}

/// The keys of one JSON object, in order, duplicates kept: a map would hide them.
fn json_keys(line: &str) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            mut self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                self.0.push(k);
            }
            Ok(self.0)
        }
    }
    let mut de = serde_json::Deserializer::from_str(line);
    serde::Deserializer::deserialize_map(&mut de, Keys(Vec::new())).expect("a JSON object")
}

#[test]
fn json_log_lines_have_no_duplicate_keys_and_one_target() {
    let out = Command::new(BIN)
        .args([
            "--demo",
            "--once",
            "--log.format",
            "json",
            "--log.level",
            "debug",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut with_target = 0;
    for line in stderr.lines().filter(|l| l.starts_with('{')) {
        let keys = json_keys(line);
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "duplicate key in {line}");
        if keys.iter().any(|k| k == "target") {
            with_target += 1;
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["target"].as_str().unwrap().starts_with("demo-"), "{line}");
        }
    }
    assert!(with_target >= 2, "no line names a target:\n{stderr}");
}

#[test]
fn overlapping_targets_are_refused_at_start_up() {
    // Statically: the configuration shows it (an organization and a member in one region).
    let path = write_config(
        "overlap-static",
        "targets:\n  - name: org\n    region: eu-west-1\n    account_id: \"*\"\n  - name: member\n    \
         region: eu-west-1\n    role_arn: arn:aws:iam::210987654321:role/exporter\n",
    );
    let out = Command::new(BIN)
        .args(["--config.file", path.to_str().unwrap(), "--check-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:5: targets[1]: target \"member\" overlaps target \"org\"",
            path.display()
        )),
        "{stderr}"
    );

    // Once STS tells the account: the environment's credentials (the simulator's management
    // account) and an account filter naming that same account.
    let management = aws_backup_sim::Simulator::new(aws_backup_sim::SimOptions::default(), 0)
        .management_account();
    let path = write_config(
        "overlap-dynamic",
        &format!(
            "targets:\n  - name: own\n    region: us-east-1\n  - name: filtered\n    \
             region: us-east-1\n    account_id: \"{management}\"\n"
        ),
    );
    let out = Command::new(BIN)
        .args(["--config.file", path.to_str().unwrap(), "--demo", "--once"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "target \"filtered\" overlaps target \"own\": both read account {management} in us-east-1"
        )),
        "{stderr}"
    );
}
