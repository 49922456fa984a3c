//! Query strings and form bodies as the SDK sends them: percent-encoded pairs, ISO-8601 dates.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// Decoded `name=value` pairs, in order. Invalid UTF-8 is replaced rather than rejected: a
/// lookup then simply finds nothing.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(q: &str) -> Query {
        Query(
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes a path segment, where `+` is itself.
pub(crate) fn percent_decode_path(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// An ISO-8601 date from the query as (seconds, nanoseconds).
pub(crate) fn parse_date(s: &str) -> Option<(i64, u32)> {
    let dt = DateTime::from_str(s, Format::DateTime).ok()?;
    Some((dt.secs(), dt.subsec_nanos()))
}

/// ISO-8601 with a `Z`, as STS writes Expiration.
pub(crate) fn format_date(secs: i64) -> String {
    DateTime::from_secs(secs)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded() {
        let q = Query::parse(
            "completeAfter=2026-11-22T10%3A00%3A00Z&resourceArn=a%20b%2Bc&x&y=1+2&bad=%zz%4&u=%C3%BC",
        );
        assert_eq!(q.get("completeAfter"), Some("2026-11-22T10:00:00Z"));
        assert_eq!(q.get("resourceArn"), Some("a b+c"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(q.get("y"), Some("1 2"));
        assert_eq!(q.get("bad"), Some("%zz%4"));
        assert_eq!(q.get("u"), Some("ü"));
        assert_eq!(q.get("missing"), None);
        assert_eq!(percent_decode_path("a+b%2Fc"), "a+b/c");
    }

    #[test]
    fn dates_parse_with_and_without_fractions() {
        assert_eq!(parse_date("2026-11-22T10:00:00Z"), Some((1_795_341_600, 0)));
        assert_eq!(
            parse_date("2026-11-22T10:00:00.25Z"),
            Some((1_795_341_600, 250_000_000))
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(format_date(1_795_341_600), "2026-11-22T10:00:00Z");
    }
}
