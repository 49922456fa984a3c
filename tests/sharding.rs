//! Sharding (`--shard N --total-shards M`): every target is read by exactly one shard, the
//! shards' numbers add up to the unsharded exporter's, a shard without targets is ready, and
//! every shard refuses a configuration whose targets overlap.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use aws_backup_exporter::config::{Config, Shard, Target};
use aws_backup_exporter::daemon::{Exporter, Format, simulator_credentials};
use common::*;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// FNV-1a 64 as DESIGN.md §3e defines it, written out again so the test does not trust the
/// exporter's own.
fn fnv(name: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Six assumed-role targets: every account of the organization in two regions.
fn six_targets(accounts: &[String]) -> Config {
    let mut cfg = test_config();
    cfg.targets = accounts
        .iter()
        .flat_map(|a| {
            REGIONS.iter().map(move |r| Target {
                name: format!("acct-{a}-{r}"),
                region: Some((*r).into()),
                role_arn: Some(format!("arn:aws:iam::{a}:role/aws-backup-exporter")),
                ..Target::default()
            })
        })
        .collect();
    assert_eq!(cfg.targets.len(), 6);
    cfg
}

/// Targets that report a collection, whatever its outcome.
fn targets_served(m: &Exposition) -> BTreeSet<String> {
    m.select(
        "aws_backup_exporter_collection_success",
        &[("collector", "backup")],
    )
    .map(|s| s.labels["target"].clone())
    .collect()
}

const KEYS: [&str; 6] = [
    "job_type",
    "region",
    "account_id",
    "resource_type",
    "state",
    "message_category",
];

fn jobs(m: &Exposition) -> BTreeMap<Vec<String>, f64> {
    m.by("aws_backup_jobs", &[], &KEYS)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_over_six_targets_are_disjoint_complete_and_add_up() {
    let base = Harness::start(sim_options(61), test_config()).await;
    let cfg = six_targets(&base.sim.accounts());
    let names: BTreeSet<String> = cfg.targets.iter().map(|t| t.name.clone()).collect();

    let mut whole = base.with_config(cfg.clone(), Shard::ALL).await;
    assert!(whole.refresh().await);
    let all = whole.scrape().await;
    assert_eq!(targets_served(&all), names);
    assert!(!jobs(&all).is_empty());

    let mut served = Vec::new();
    let mut summed: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for index in 0..2 {
        let mut h = base
            .with_config(cfg.clone(), Shard::new(index, 2).unwrap())
            .await;
        assert!(h.refresh().await);
        let m = h.scrape().await;
        let want: BTreeSet<String> = names
            .iter()
            .filter(|n| fnv(n) % 2 == index)
            .cloned()
            .collect();
        assert!(
            !want.is_empty(),
            "shard {index} of 2 has no target: pick other names"
        );
        assert_eq!(targets_served(&m), want, "shard {index}");
        assert_eq!(
            m.get(
                "aws_backup_exporter_shard_info",
                &[("shard", &index.to_string()), ("total_shards", "2")]
            ),
            Some(1.0)
        );
        for (k, v) in jobs(&m) {
            *summed.entry(k).or_default() += v;
        }
        served.push(want);
    }
    assert!(served[0].is_disjoint(&served[1]));
    assert_eq!(&served[0] | &served[1], names);
    // Each target on one shard: per label set, the shards' counts add up exactly.
    assert_eq!(summed, jobs(&all));
    assert_eq!(
        all.get(
            "aws_backup_exporter_shard_info",
            &[("shard", "0"), ("total_shards", "1")]
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_without_targets_serves_its_own_metrics_and_is_ready() {
    let base = Harness::start(sim_options(62), test_config()).await;
    let cfg = six_targets(&base.sim.accounts());
    let total = 16;
    let empty = (0..total)
        .find(|i| cfg.targets.iter().all(|t| fnv(&t.name) % total != *i))
        .expect("six targets leave some of 16 shards empty");
    let mut h = base
        .with_config(cfg, Shard::new(empty, total).unwrap())
        .await;
    assert_eq!(h.request("GET", "/readyz", &[]).await.status, 200);
    assert!(h.refresh().await);
    let m = h.scrape().await;
    assert!(targets_served(&m).is_empty());
    assert_eq!(m.select("aws_backup_jobs", &[]).count(), 0);
    assert_eq!(
        m.get(
            "aws_backup_exporter_shard_info",
            &[("shard", &empty.to_string()), ("total_shards", "16")]
        ),
        Some(1.0)
    );
    assert_eq!(m.select("aws_backup_exporter_build_info", &[]).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_shard_is_not_ready_before_its_own_targets_are_read() {
    let base = Harness::start(sim_options(63), test_config()).await;
    let cfg = six_targets(&base.sim.accounts());
    let index = fnv(&cfg.targets[0].name) % 2;
    let mut h = base
        .with_config(cfg.clone(), Shard::new(index, 2).unwrap())
        .await;
    let before = h.request("GET", "/readyz", &[]).await;
    assert_eq!(before.status, 503);
    // It names only its own targets.
    let text = before.text();
    for t in &cfg.targets {
        assert_eq!(
            text.contains(&t.name),
            fnv(&t.name) % 2 == index,
            "{}: {text}",
            t.name
        );
    }
    assert!(h.refresh().await);
    assert_eq!(h.request("GET", "/readyz", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shard_refuses_overlapping_targets_even_when_they_land_on_another_shard() {
    let base = Harness::start(sim_options(64), test_config()).await;
    let mut cfg = six_targets(&base.sim.accounts());
    // The same account and region again, under another name: counted twice if both ran.
    let twin = Target {
        name: "twin".into(),
        ..cfg.targets[0].clone()
    };
    cfg.targets.push(twin);
    for t in &mut cfg.targets {
        t.endpoint_url = Some(base.server.endpoint_url());
    }
    for index in 0..3 {
        let shard = Shard::new(index, 3).unwrap();
        let err = Exporter::start_shard(cfg.clone(), simulator_credentials(), shard)
            .await
            .err()
            .unwrap_or_else(|| panic!("shard {shard} accepted overlapping targets"));
        let msg = format!("{err:#}");
        assert!(
            msg.contains("\"twin\"") && msg.contains(&format!("{:?}", cfg.targets[0].name)),
            "shard {shard}: {msg}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_resolved_late_that_overlap_are_refused_in_both_shards() {
    // STS is unreachable at start-up: nothing listens on the endpoint yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let sim = aws_backup_sim::Simulator::new(sim_options(65), unix_now() as i64);
    let management = sim.management_account();
    // On the environment's credentials (the management account): "own" reads the caller's
    // account, "filtered" names that same account. Only STS can tell that they overlap.
    let mut cfg = test_config();
    let (own, filtered) = ("own-2", "filtered-0");
    assert_ne!(
        fnv(own) % 2,
        fnv(filtered) % 2,
        "pick names on different shards"
    );
    cfg.targets = vec![
        Target {
            name: own.into(),
            region: Some("us-east-1".into()),
            endpoint_url: Some(endpoint.clone()),
            ..Target::default()
        },
        Target {
            name: filtered.into(),
            region: Some("us-east-1".into()),
            account_id: Some(management.clone()),
            endpoint_url: Some(endpoint.clone()),
            ..Target::default()
        },
    ];
    let mut shards = Vec::new();
    for index in 0..2 {
        let shard = Shard::new(index, 2).unwrap();
        let exporter = Exporter::start_shard(cfg.clone(), simulator_credentials(), shard)
            .await
            .expect("nothing is known to overlap yet");
        shards.push(exporter);
    }
    // Now AWS answers: each shard resolves both targets and refuses its own.
    let _server = sim
        .start(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    for exporter in &mut shards {
        assert!(!exporter.refresh().await, "an overlapping target read");
        let m =
            Exposition::parse(&String::from_utf8(exporter.render(Format::Classic, false)).unwrap());
        assert_eq!(m.select("aws_backup_jobs", &[]).count(), 0);
        let served = targets_served(&m);
        assert_eq!(served.len(), 1, "{served:?}");
        let t = served.iter().next().unwrap().clone();
        assert_eq!(
            m.get(
                "aws_backup_exporter_collection_success",
                &[("target", &t), ("collector", "backup")]
            ),
            Some(0.0)
        );
    }
}
