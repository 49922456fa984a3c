//! Answers one request: /metrics, /healthz, /readyz, the landing page, 404 and 405.

use bytes::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};

use super::body::Chunks;
use super::negotiate::{accepts_gzip, negotiate_format};
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

pub(super) fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Chunks> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::body::Body;

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
