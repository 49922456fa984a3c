//! OpenMetrics text → Prometheus text format 0.0.4.
//!
//! prometheus-client writes OpenMetrics only; curl users and `promtool check metrics` want the
//! classic format. For the subset we emit (counters, gauges, histograms, no exemplars, no
//! units) the two differ only in the counter family name on HELP/TYPE lines (`x` vs `x_total`)
//! and in the `# EOF` trailer, so a line rewrite is exact.

use std::collections::HashSet;

/// Rewrites OpenMetrics exposition text into text format 0.0.4.
pub fn from_openmetrics(om: &str) -> String {
    let counters: HashSet<&str> = om
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(om.len() + counters.len() * 16);
    for line in om.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = line
            .strip_prefix("# HELP ")
            .map(|r| ("# HELP ", r))
            .or_else(|| line.strip_prefix("# TYPE ").map(|r| ("# TYPE ", r)));
        match meta {
            Some((kind, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                out.push_str(kind);
                out.push_str(name);
                if counters.contains(name) {
                    out.push_str("_total");
                }
                out.push(' ');
                out.push_str(if tail == "unknown" { "untyped" } else { tail });
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_get_their_total_name_and_eof_goes() {
        let om = "# HELP a_finished Jobs.\n# TYPE a_finished counter\na_finished_total{x=\"1\"} 3\n\
                  # HELP g A gauge.\n# TYPE g gauge\ng 1\n# EOF\n";
        assert_eq!(
            from_openmetrics(om),
            "# HELP a_finished_total Jobs.\n# TYPE a_finished_total counter\n\
             a_finished_total{x=\"1\"} 3\n# HELP g A gauge.\n# TYPE g gauge\ng 1\n"
        );
    }

    #[test]
    fn label_values_pass_unchanged() {
        let om = "# TYPE g gauge\ng{n=\"a\\\"b\\\\c\\nd ü\"} 1\n";
        assert_eq!(from_openmetrics(om), om);
    }
}
