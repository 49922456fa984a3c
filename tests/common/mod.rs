//! Test harness: the simulator on 127.0.0.1:0, the exporter's real pieces (real SDK client,
//! real HTTP server on 127.0.0.1:0), refreshes driven by the test, scrapes over TCP.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_backup_exporter::config::{Config, Target};
use aws_backup_exporter::daemon::{Exporter, simulator_credentials};
use aws_backup_sim::{SimJob, SimJobType, SimOptions, SimServer, Simulator};

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
    pub async fn start(opts: SimOptions, mut config: Config) -> Harness {
        let sim = Simulator::new(opts, unix_now() as i64);
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

    async fn with(sim: Simulator, server: Arc<SimServer>, config: Config) -> Harness {
        let exporter = Exporter::start(config.clone(), simulator_credentials())
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

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }
}

/// A plain HTTP/1.1 request over a fresh TCP connection.
pub fn http_get(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> HttpResponse {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// One sample of an exposition.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed text exposition (either format), strict enough to catch broken escaping.
#[derive(Debug)]
pub struct Exposition {
    pub samples: Vec<Sample>,
}

fn parse_labels(s: &str) -> (BTreeMap<String, String>, &str) {
    let mut labels = BTreeMap::new();
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        if b[i] == b'}' {
            return (labels, &s[i + 1..]);
        }
        let eq = s[i..].find('=').expect("label =") + i;
        let name = s[i..eq].trim_start_matches(',').to_owned();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad label name {name:?}"
        );
        assert_eq!(b[eq + 1], b'"', "label value must be quoted");
        let mut j = eq + 2;
        let mut value = String::new();
        loop {
            match b[j] {
                b'\\' => {
                    match b[j + 1] {
                        b'\\' => value.push('\\'),
                        b'"' => value.push('"'),
                        b'n' => value.push('\n'),
                        other => panic!("bad escape \\{}", other as char),
                    }
                    j += 2;
                }
                b'"' => break,
                b'\n' => panic!("raw newline in a label value"),
                _ => {
                    let c = s[j..].chars().next().unwrap();
                    value.push(c);
                    j += c.len_utf8();
                }
            }
        }
        labels.insert(name, value);
        i = j + 1;
        if b[i] == b',' {
            i += 1;
        }
    }
}

impl Exposition {
    pub fn parse(text: &str) -> Exposition {
        let mut samples = Vec::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, labels, rest) = match line.find(['{', ' ']) {
                Some(i) if line.as_bytes()[i] == b'{' => {
                    let (labels, rest) = parse_labels(&line[i + 1..]);
                    (line[..i].to_owned(), labels, rest)
                }
                Some(i) => (line[..i].to_owned(), BTreeMap::new(), &line[i..]),
                None => panic!("bad sample line {line:?}"),
            };
            let value = rest.split_whitespace().next().expect("value");
            let value = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v
                    .parse()
                    .unwrap_or_else(|_| panic!("bad value in {line:?}")),
            };
            samples.push(Sample {
                name,
                labels,
                value,
            });
        }
        Exposition { samples }
    }

    /// Samples of `name` whose labels include every pair of `matching`.
    pub fn select<'a>(
        &'a self,
        name: &'a str,
        matching: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.name == name
                && matching
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    pub fn sum(&self, name: &str, matching: &[(&str, &str)]) -> f64 {
        self.select(name, matching).map(|s| s.value).sum()
    }

    /// The one sample of `name` with exactly these labels.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == want)
            .map(|s| s.value)
    }

    /// `name`'s non-zero samples keyed by the values of `keys`.
    pub fn by(
        &self,
        name: &str,
        matching: &[(&str, &str)],
        keys: &[&str],
    ) -> BTreeMap<Vec<String>, f64> {
        let mut out = BTreeMap::new();
        for s in self.select(name, matching) {
            if s.value == 0.0 {
                continue;
            }
            let k = keys
                .iter()
                .map(|k| s.labels.get(*k).cloned().unwrap_or_default())
                .collect();
            *out.entry(k).or_insert(0.0) += s.value;
        }
        out
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
