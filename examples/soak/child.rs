//! The exporter under test, as a process of its own: this binary re-run with `--exporter`
//! runs exactly what `aws-backup-exporter` runs. SIGKILLed and started again on the same port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use clap::Parser;

/// Child mode: the exporter itself, from the arguments after `--exporter`.
pub fn run_exporter() -> ExitCode {
    let args = std::iter::once("aws-backup-exporter".to_owned()).chain(std::env::args().skip(2));
    let cli = aws_backup_exporter::cli::Cli::parse_from(args);
    aws_backup_exporter::logging::init(&cli.log_level, cli.log_format == "json");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let code = runtime.block_on(aws_backup_exporter::daemon::run(cli));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

pub struct Exporter {
    /// The copy of this binary that every start runs.
    exe: PathBuf,
    config: PathBuf,
    log: PathBuf,
    addr: SocketAddr,
    child: Option<Child>,
    pid: Arc<AtomicU32>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Exporter {
    /// Writes the exporter's configuration and starts it.
    pub fn start(dir: &Path, endpoint: &str) -> std::io::Result<Exporter> {
        let config = dir.join("exporter.yaml");
        std::fs::write(
            &config,
            format!(
                "refresh_interval: {refresh}s\nlookback: {lookback}s\noverlap: {overlap}s\n\
                 page_size: 100\njob_types: [backup, restore, copy, scan]\n\
                 resources: {{ enabled: true, max_series: 1000000 }}\n\
                 aws: {{ max_attempts: 3, requests_per_second: 500, timeout: 2s }}\n\
                 vaults: {{ refresh_interval: {refresh}s }}\n\
                 restore_testing_plans: {{ refresh_interval: {refresh}s }}\n\
                 summaries: {{ enabled: true, refresh_interval: {refresh}s }}\n\
                 targets:\n\
                 \x20 - name: org-us-east-1\n    region: us-east-1\n    account_id: \"*\"\n    endpoint_url: {endpoint}\n\
                 \x20 - name: org-eu-west-1\n    region: eu-west-1\n    account_id: \"*\"\n    endpoint_url: {endpoint}\n",
                refresh = super::REFRESH.as_secs(),
                lookback = super::LOOKBACK.as_secs(),
                overlap = super::OVERLAP.as_secs(),
            ),
        )?;
        // Every restart runs this very code: a copy of this binary, so that a rebuild of the
        // tree during a long soak (cargo replaces the file) cannot break or change it.
        let exe = dir.join("exporter");
        std::fs::copy(std::env::current_exe()?, &exe)?;
        let mut e = Exporter {
            exe,
            config,
            log: dir.join("exporter.log"),
            addr: SocketAddr::from(([127, 0, 0, 1], free_port())),
            child: None,
            pid: Arc::new(AtomicU32::new(0)),
        };
        e.spawn()?;
        Ok(e)
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.exe)
            .arg("--exporter")
            .args(["--config.file", &self.config.display().to_string()])
            .args(["--web.listen-address", &self.addr.to_string()])
            .args(["--log.level", "warn"])
            .env("AWS_ACCESS_KEY_ID", "AKIDSOAK")
            .env("AWS_SECRET_ACCESS_KEY", "soak-secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        self.pid.store(child.id(), Ordering::Relaxed);
        self.child = Some(child);
        Ok(())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The running process's id (0 while there is none), for the prober.
    pub fn pid_handle(&self) -> Arc<AtomicU32> {
        self.pid.clone()
    }

    /// SIGKILL, as an OOM kill or a node loss would, then a fresh start.
    pub fn kill_and_restart(&mut self) {
        self.stop();
        if let Err(e) = self.spawn() {
            eprintln!("soak: cannot restart the exporter: {e}");
        }
    }

    pub fn stop(&mut self) {
        self.pid.store(0, Ordering::Relaxed);
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop();
    }
}
