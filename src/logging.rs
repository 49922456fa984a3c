//! Logs in logfmt (the Prometheus ecosystem's default) or JSON, on stderr, via tracing. Either
//! way a line carries one `target` key: the exporter's target, when the event names one (the
//! tracing target, a module path, is left out).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber. `level` is debug, info, warn or error; `RUST_LOG`
/// overrides it for finer filters.
pub fn init(level: &str, json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "warn,aws_backup_exporter={level},aws_backup_sim={level}"
        ))
    });
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_target(false)
                    .with_writer(std::io::stderr),
            )
            .init();
    } else {
        registry
            .with(
                tracing_logfmt::builder()
                    .with_target(false)
                    .layer()
                    .with_writer(std::io::stderr),
            )
            .init();
    }
}
