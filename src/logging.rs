//! Logs in logfmt (the Prometheus ecosystem's default) or JSON, via tracing.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Writes `value` as a logfmt value: bare when it can be, quoted and escaped otherwise.
fn write_value(w: &mut impl fmt::Write, value: &str) -> fmt::Result {
    let bare = !value.is_empty()
        && !value
            .chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || c == '\\' || c.is_control());
    if bare {
        return w.write_str(value);
    }
    w.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' => w.write_str("\\\"")?,
            '\\' => w.write_str("\\\\")?,
            '\n' => w.write_str("\\n")?,
            '\r' => w.write_str("\\r")?,
            '\t' => w.write_str("\\t")?,
            c => w.write_char(c)?,
        }
    }
    w.write_char('"')
}

/// Collects an event's fields as `key=value` pairs, the message first.
#[derive(Default)]
struct Fields {
    message: String,
    rest: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.rest.push((field.name(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.rest.push((field.name(), format!("{value:?}")));
        }
    }
}

/// `ts=… level=info msg="…" key=value …`
struct Logfmt;

impl<S, N> FormatEvent<S, N> for Logfmt
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        w.write_str("ts=")?;
        SystemTime.format_time(&mut w)?;
        write!(
            w,
            " level={}",
            event.metadata().level().as_str().to_ascii_lowercase()
        )?;
        w.write_str(" msg=")?;
        write_value(&mut w, &fields.message)?;
        for (k, v) in &fields.rest {
            write!(w, " {k}=")?;
            write_value(&mut w, v)?;
        }
        writeln!(w)
    }
}

/// Installs the global subscriber, logging to stderr. `level` is debug, info, warn or error;
/// `RUST_LOG` overrides it for finer filters.
pub fn init(level: &str, json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("warn,aws_backup_exporter={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.event_format(Logfmt).init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_values_are_quoted_only_when_needed() {
        let mut s = String::new();
        write_value(&mut s, "plain").unwrap();
        s.push(' ');
        write_value(&mut s, "two words").unwrap();
        s.push(' ');
        write_value(&mut s, "a\"b\\c\nd").unwrap();
        s.push(' ');
        write_value(&mut s, "").unwrap();
        assert_eq!(s, r#"plain "two words" "a\"b\\c\nd" """#);
    }
}
