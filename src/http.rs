//! The HTTP side: /metrics, /healthz, /readyz and a landing page, on hyper 1.
//!
//! Knows nothing of AWS: it serves whatever a [`Source`] renders. A scrape never waits on AWS.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::metrics::Format;

/// What the server serves.
pub trait Source: Send + Sync + 'static {
    /// The exposition in `format`, gzip-compressed if `gzip`, as chunks sent in order.
    fn metrics(&self, format: Format, gzip: bool) -> Vec<Bytes>;
    /// `Err` names what is not ready yet (targets still in their first refresh).
    fn readiness(&self) -> Result<(), String>;
}

const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const CLASSIC_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The quality a comma-separated header gives to the first entry `matches` accepts (0 if none).
fn quality(header: &str, matches: impl Fn(&str) -> bool) -> f32 {
    let mut best: Option<f32> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';').map(str::trim);
        let value = parts.next().unwrap_or_default().to_ascii_lowercase();
        if !matches(&value) {
            continue;
        }
        let q = parts
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        best = Some(best.map_or(q, |b: f32| b.max(q)));
    }
    best.unwrap_or(0.0)
}

/// OpenMetrics when the client prefers it (Prometheus does), else text format 0.0.4, as
/// client_golang's promhttp negotiates.
pub fn negotiate_format(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Classic;
    };
    let om = quality(accept, |v| v == "application/openmetrics-text");
    let classic = quality(accept, |v| v == "text/plain" || v == "text/*" || v == "*/*");
    if om > 0.0 && om >= classic {
        Format::OpenMetrics
    } else {
        Format::Classic
    }
}

/// Whether `Accept-Encoding` allows gzip.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.is_some_and(|h| quality(h, |v| v == "gzip" || v == "*") > 0.0)
}

/// A response body of a few ready chunks: lets a scrape send the shared, pre-rendered job
/// metrics without copying them into a fresh buffer.
#[derive(Debug, Default)]
pub struct Chunks(VecDeque<Bytes>);

impl Chunks {
    pub fn new(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        Chunks(chunks.into_iter().filter(|c| !c.is_empty()).collect())
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.iter().map(|c| c.len() as u64).sum())
    }
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Chunks> {
    let mut r = Response::new(Chunks::new([body.into()]));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn landing_page(telemetry_path: &str) -> String {
    let path = telemetry_path
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>AWS Backup Exporter</title></head>\n\
         <body>\n<h1>AWS Backup Exporter</h1>\n<p>Version {version}. Prometheus metrics for AWS Backup jobs.</p>\n<ul>\n\
         <li><a href=\"{path}\">Metrics</a></li>\n<li><a href=\"/healthz\">Health</a></li>\n\
         <li><a href=\"/readyz\">Readiness</a></li>\n</ul>\n</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// Answers one request.
pub fn respond<S: Source + ?Sized>(
    source: &S,
    telemetry_path: &str,
    method: &Method,
    path: &str,
    headers: &hyper::HeaderMap,
) -> Response<Chunks> {
    let known = path == telemetry_path || matches!(path, "/" | "/healthz" | "/readyz");
    if !known {
        return text(StatusCode::NOT_FOUND, "404 page not found\n");
    }
    if method != Method::GET && method != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "405 method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    // For HEAD, hyper sends these headers with the body's Content-Length and drops the body.
    if path == telemetry_path {
        let header = |h| headers.get(h).and_then(|v: &HeaderValue| v.to_str().ok());
        let format = negotiate_format(header(header::ACCEPT));
        let gzip = accepts_gzip(header(header::ACCEPT_ENCODING));
        let mut r = Response::new(Chunks::new(source.metrics(format, gzip)));
        if gzip {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        let ct = match format {
            Format::OpenMetrics => OPENMETRICS_TYPE,
            Format::Classic => CLASSIC_TYPE,
        };
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        r.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Encoding"),
        );
        r
    } else if path == "/healthz" {
        text(StatusCode::OK, "OK\n")
    } else if path == "/readyz" {
        match source.readiness() {
            Ok(()) => text(StatusCode::OK, "ready\n"),
            Err(why) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {why}\n"),
            ),
        }
    } else {
        let mut r = text(StatusCode::OK, landing_page(telemetry_path));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    }
}

/// Serves until `shutdown` resolves, then lets open requests finish for up to `grace`.
pub async fn serve(
    listener: TcpListener,
    telemetry_path: String,
    source: Arc<dyn Source>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let telemetry_path: Arc<str> = telemetry_path.into();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer): (_, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses go out as a few writes (headers, shared body, live tail): without
        // TCP_NODELAY the last small one waits on the client's delayed ACK, 40 ms.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
        }
        let source = source.clone();
        let path = telemetry_path.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let resp = respond(
                source.as_ref(),
                &path,
                req.method(),
                req.uri().path(),
                req.headers(),
            );
            async move { Ok::<_, Infallible>(resp) }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(30))
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!("connections still open after the shutdown grace period; closing them");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(bool);

    impl Source for Fixed {
        fn metrics(&self, format: Format, _gzip: bool) -> Vec<Bytes> {
            match format {
                Format::OpenMetrics => vec![Bytes::from_static(b"# TYPE a gauge\na 1\n# EOF\n")],
                Format::Classic => vec![
                    Bytes::from_static(b"# TYPE a gauge\n"),
                    Bytes::from_static(b"a 1\n"),
                ],
            }
        }
        fn readiness(&self) -> Result<(), String> {
            if self.0 {
                Ok(())
            } else {
                Err("backfilling targets: prod".into())
            }
        }
    }

    fn get(
        src: &Fixed,
        method: Method,
        path: &str,
        hdrs: &[(&'static str, &str)],
    ) -> Response<Chunks> {
        let mut h = hyper::HeaderMap::new();
        for (k, v) in hdrs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        respond(src, "/metrics", &method, path, &h)
    }

    #[test]
    fn prometheus_accept_headers_get_openmetrics() {
        let p2 = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        let p3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
        assert_eq!(negotiate_format(Some(p2)), Format::OpenMetrics);
        assert_eq!(negotiate_format(Some(p3)), Format::OpenMetrics);
        assert_eq!(negotiate_format(Some("*/*")), Format::Classic);
        assert_eq!(negotiate_format(None), Format::Classic);
        assert_eq!(
            negotiate_format(Some(
                "text/plain;version=0.0.4,application/openmetrics-text;q=0.5"
            )),
            Format::Classic
        );
        assert_eq!(
            negotiate_format(Some("application/openmetrics-text;q=0")),
            Format::Classic
        );
    }

    #[test]
    fn gzip_negotiation() {
        assert!(accepts_gzip(Some("gzip, deflate")));
        assert!(accepts_gzip(Some("deflate, gzip;q=0.5")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn chunked_metrics_body_reports_its_exact_length() {
        let r = get(&Fixed(true), Method::GET, "/metrics", &[]);
        assert_eq!(r.headers()[header::CONTENT_TYPE], CLASSIC_TYPE);
        assert_eq!(r.body().size_hint().exact(), Some(19));
        assert!(!r.body().is_end_stream());
        assert!(Chunks::new([Bytes::new()]).is_end_stream());
    }

    #[test]
    fn routes_statuses_and_methods() {
        let ready = Fixed(true);
        assert_eq!(
            get(&ready, Method::GET, "/nope", &[]).status(),
            StatusCode::NOT_FOUND
        );
        let r = get(&ready, Method::POST, "/metrics", &[]);
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()[header::ALLOW], "GET, HEAD");
        assert_eq!(
            get(&ready, Method::GET, "/healthz", &[]).status(),
            StatusCode::OK
        );
        assert_eq!(
            get(&ready, Method::GET, "/readyz", &[]).status(),
            StatusCode::OK
        );
        assert_eq!(
            get(&Fixed(false), Method::GET, "/readyz", &[]).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let r = get(&ready, Method::GET, "/", &[]);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
    }
}
