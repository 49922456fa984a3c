//! Content negotiation as client_golang's promhttp does it: OpenMetrics for clients that prefer
//! it (Prometheus), text format 0.0.4 for the rest, gzip where `Accept-Encoding` allows.

use crate::metrics::Format;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
