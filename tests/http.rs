//! The HTTP surface over real TCP: negotiation, gzip, HEAD, readiness, status codes.

mod common;

use std::io::Read;

use common::*;

const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_first_refresh() {
    let mut h = Harness::start(sim_options(21), test_config()).await;
    let r = h.request("GET", "/readyz", &[]).await;
    assert_eq!(r.status, 503);
    assert!(r.text().contains("sim"), "{}", r.text());
    assert_eq!(h.request("GET", "/healthz", &[]).await.status, 200);
    // Before the first refresh /metrics already answers, with the exporter's own metrics.
    let m = h.scrape().await;
    assert_eq!(m.sum("aws_backup_exporter_build_info", &[]), 1.0);
    assert!(h.refresh().await);
    assert_eq!(h.request("GET", "/readyz", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openmetrics_for_prometheus_classic_for_everyone_else() {
    let mut h = Harness::start(sim_options(22), test_config()).await;
    assert!(h.refresh().await);
    let om = h
        .request("GET", "/metrics", &[("Accept", PROMETHEUS_ACCEPT)])
        .await;
    assert_eq!(om.status, 200);
    assert_eq!(
        om.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let om_text = om.text();
    assert!(om_text.ends_with("# EOF\n"));
    assert!(om_text.contains("# TYPE aws_backup_jobs_finished counter\n"));

    let plain = h.request("GET", "/metrics", &[]).await;
    assert_eq!(
        plain.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = plain.text();
    assert!(!text.contains("# EOF"));
    assert!(text.contains("# TYPE aws_backup_jobs_finished_total counter\n"));
    // Same samples either way (the live process metrics aside).
    let strip = |e: Exposition| {
        e.samples
            .into_iter()
            .filter(|s| s.name.starts_with("aws_backup_") && !s.name.contains("api_requests"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(Exposition::parse(&om_text)),
        strip(Exposition::parse(&text))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_when_asked_and_head_without_body() {
    let mut h = Harness::start(sim_options(23), test_config()).await;
    assert!(h.refresh().await);
    let z = h
        .request("GET", "/metrics", &[("Accept-Encoding", "gzip")])
        .await;
    assert_eq!(z.header("content-encoding"), Some("gzip"));
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&z.body[..])
        .read_to_string(&mut plain)
        .unwrap();
    let unzipped = Exposition::parse(&plain);
    assert!(unzipped.sum("aws_backup_jobs", &[]) > 0.0);

    let head = h.request("HEAD", "/metrics", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    assert!(len > 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_404_other_methods_405_landing_page_links() {
    let h = Harness::start(sim_options(24), test_config()).await;
    assert_eq!(h.request("GET", "/nope", &[]).await.status, 404);
    let r = h.request("POST", "/metrics", &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    assert_eq!(h.request("DELETE", "/healthz", &[]).await.status, 405);
    let landing = h.request("GET", "/", &[]).await;
    assert_eq!(landing.status, 200);
    let html = landing.text();
    for link in ["href=\"/metrics\"", "href=\"/healthz\"", "href=\"/readyz\""] {
        assert!(html.contains(link), "{link} missing");
    }
}
