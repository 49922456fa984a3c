//! Logs in logfmt (the Prometheus ecosystem's default) or JSON, on stderr, via tracing. Either
//! way a line carries one `target` key: the exporter's target, when the event or its span
//! names one (tracing's own target, a module path, is left out).

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The formatting layer: logfmt with span fields, or flat JSON.
fn layer<S, W>(json: bool, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    if json {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_target(false)
            .with_writer(writer)
            .boxed()
    } else {
        tracing_logfmt::builder()
            .with_target(false)
            .with_span_name(false)
            .with_span_path(false)
            .layer()
            .with_writer(writer)
            .boxed()
    }
}

/// Installs the global subscriber. `level` is debug, info, warn or error; `RUST_LOG`
/// overrides it for finer filters.
pub fn init(level: &str, json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "warn,aws_backup_exporter={level},aws_backup_sim={level}"
        ))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(layer(json, std::io::stderr))
        .init();
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    fn log(json: bool) -> String {
        let buf = Buffer::default();
        let subscriber = tracing_subscriber::registry().with(layer(json, buf.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("refresh", round = 7);
            let _in = span.enter();
            tracing::info!(target = "prod-use1", pages = 3, "backfill \"done\"");
        });
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn logfmt_lines_keep_span_fields_and_carry_one_target() {
        let line = log(false);
        assert!(line.contains("level=info"), "{line}");
        assert!(line.contains(r#"message="backfill \"done\"""#), "{line}");
        assert!(line.contains("pages=3"), "{line}");
        assert!(line.contains("round=7"), "span field missing: {line}");
        assert_eq!(line.matches("target=").count(), 1, "{line}");
        assert!(line.contains("target=prod-use1"), "{line}");
    }

    #[test]
    fn json_lines_carry_one_target() {
        let line = log(true);
        assert_eq!(line.matches("\"target\"").count(), 1, "{line}");
        let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(v["target"], "prod-use1");
        assert_eq!(v["pages"], 3);
    }
}
