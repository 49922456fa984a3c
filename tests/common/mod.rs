//! Test harness: the simulator on 127.0.0.1:0, the exporter's real pieces (real SDK client,
//! real HTTP server on 127.0.0.1:0), refreshes driven by the test, scrapes over TCP.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_backup_exporter::config::{Config, Shard, Target};
use aws_backup_exporter::daemon::{Exporter, simulator_credentials};
use aws_backup_sim::{SimJob, SimJobType, SimOptions, SimServer, Simulator};

mod exposition;
pub use exposition::*;

pub struct Harness {
    pub sim: Simulator,
    pub server: Arc<SimServer>,
    pub exporter: Exporter,
    pub http: SocketAddr,
    pub config: Config,
}

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A frozen simulator whose jobs all ended inside a 24 h lookback (history 20 h).
pub fn sim_options(seed: u64) -> SimOptions {
    SimOptions {
        seed,
        history: Duration::from_secs(20 * 3600),
        live: false,
        ..SimOptions::default()
    }
}

/// Defaults for tests: small pages so every read spans several, 24 h lookback.
pub fn test_config() -> Config {
    let defaults = Config::default();
    Config {
        job_types: aws_backup_exporter::job::JobType::ALL.to_vec(),
        page_size: 50,
        aws: aws_backup_exporter::config::Aws {
            requests_per_second: 10_000.0,
            ..defaults.aws.clone()
        },
        targets: vec![Target {
            name: "sim".into(),
            region: Some("us-east-1".into()),
            account_id: Some("*".into()),
            ..Target::default()
        }],
        ..defaults
    }
}

impl Harness {
    pub async fn start(opts: SimOptions, config: Config) -> Harness {
        Harness::start_at(opts, config, unix_now() as i64).await
    }

    /// As [`Harness::start`], with the simulator's data as of `sim_now` (epoch seconds): a
    /// simulator started in the past can be moved forward (`advance_to`) without any of its
    /// dates passing the wall clock the exporter reads.
    pub async fn start_at(opts: SimOptions, mut config: Config, sim_now: i64) -> Harness {
        let sim = Simulator::new(opts, sim_now);
        let server = sim
            .start(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("simulator starts");
        for t in &mut config.targets {
            t.endpoint_url = Some(server.endpoint_url());
        }
        Harness::with(sim, Arc::new(server), config).await
    }

    /// The exporter as a process restarted on the same AWS would be: nothing kept but the
    /// configuration.
    pub async fn restart(&self) -> Harness {
        Harness::with(self.sim.clone(), self.server.clone(), self.config.clone()).await
    }

    /// Another exporter process on the same AWS, with `config` (pointed at the simulator)
    /// and serving `shard`.
    pub async fn with_config(&self, mut config: Config, shard: Shard) -> Harness {
        for t in &mut config.targets {
            t.endpoint_url = Some(self.server.endpoint_url());
        }
        Harness::sharded(self.sim.clone(), self.server.clone(), config, shard).await
    }

    async fn with(sim: Simulator, server: Arc<SimServer>, config: Config) -> Harness {
        Harness::sharded(sim, server, config, Shard::ALL).await
    }

    async fn sharded(
        sim: Simulator,
        server: Arc<SimServer>,
        config: Config,
        shard: Shard,
    ) -> Harness {
        let exporter = Exporter::start_shard(config.clone(), simulator_credentials(), shard)
            .await
            .expect("the configuration has no overlapping targets");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http = listener.local_addr().unwrap();
        tokio::spawn(exporter.serve(listener, "/metrics", None, std::future::pending()));
        Harness {
            sim,
            server,
            exporter,
            http,
            config,
        }
    }

    /// One refresh of every target, in order; `true` if all succeeded.
    pub async fn refresh(&mut self) -> bool {
        self.exporter.refresh().await
    }

    /// GET /metrics in text format 0.0.4, parsed.
    pub async fn scrape(&self) -> Exposition {
        let addr = self.http;
        let resp = tokio::task::spawn_blocking(move || http_get(addr, "GET", "/metrics", &[]))
            .await
            .unwrap();
        assert_eq!(resp.status, 200);
        Exposition::parse(&resp.text())
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> HttpResponse {
        let addr = self.http;
        let method = method.to_owned();
        let path = path.to_owned();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let h: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            http_get(addr, &method, &path, &h)
        })
        .await
        .unwrap()
    }
}

pub fn job_type_name(t: &SimJobType) -> &'static str {
    match t {
        SimJobType::Backup => "backup",
        SimJobType::Restore => "restore",
        SimJobType::Copy => "copy",
        SimJobType::Scan => "scan",
    }
}

pub fn is_active(t: &SimJobType, state: &str) -> bool {
    match t {
        SimJobType::Backup => matches!(state, "CREATED" | "PENDING" | "RUNNING" | "ABORTING"),
        SimJobType::Restore => matches!(state, "PENDING" | "RUNNING"),
        SimJobType::Copy | SimJobType::Scan => matches!(state, "CREATED" | "RUNNING"),
    }
}

/// What `aws_backup_jobs` must say for `region`, computed from the simulator's own data:
/// non-parent jobs, terminal ones that ended within the lookback, active ones now. Keyed by
/// (job_type, account_id, resource_type, state, message_category).
pub fn expected_jobs(
    jobs: &[SimJob],
    region: &str,
    lookback_start: f64,
) -> BTreeMap<Vec<String>, f64> {
    let mut out = BTreeMap::new();
    for j in jobs.iter().filter(|j| j.region == region && !j.is_parent) {
        let counted = match j.completion_date {
            Some(c) => (c as f64) > lookback_start,
            None => is_active(&j.job_type, &j.state),
        };
        if !counted {
            continue;
        }
        let key = vec![
            job_type_name(&j.job_type).to_owned(),
            j.account_id.clone(),
            j.resource_type.clone(),
            j.state.clone(),
            j.message_category.clone().unwrap_or_default(),
        ];
        *out.entry(key).or_insert(0.0) += 1.0;
    }
    out
}

pub const JOB_KEYS: [&str; 5] = [
    "job_type",
    "account_id",
    "resource_type",
    "state",
    "message_category",
];

/// A new ended backup job for `account`, like the simulator's own.
pub fn new_backup_job(template: &SimJob, id: &str, state: &str, completion: i64) -> SimJob {
    SimJob {
        job_type: SimJobType::Backup,
        job_id: id.to_owned(),
        state: state.to_owned(),
        message_category: Some(
            if state == "COMPLETED" {
                "SUCCESS"
            } else {
                "ACCESS_DENIED"
            }
            .to_owned(),
        ),
        status_message: None,
        creation_date: Some(completion - 600),
        completion_date: Some(completion),
        is_parent: false,
        parent_job_id: None,
        ..template.clone()
    }
}

pub fn now() -> f64 {
    unix_now()
}
