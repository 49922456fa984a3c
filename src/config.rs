//! The YAML configuration: parsing, defaults, validation.
//!
//! Every error names the file, the line and the key (`config.yaml:7: page_size: …`), because
//! the person reading it is fixing a file by hand.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::job::{ExtraLabel, JobType};

/// The longest `lookback` accepted: AWS Backup keeps job history for 30 days.
pub const MAX_LOOKBACK: Duration = Duration::from_secs(30 * 24 * 3600);

/// The resolved configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub refresh_interval: Duration,
    pub lookback: Duration,
    pub overlap: Duration,
    pub job_types: Vec<JobType>,
    pub page_size: i32,
    pub include_parent_jobs: bool,
    pub extra_labels: Vec<ExtraLabel>,
    pub resources: Resources,
    pub aws: Aws,
    /// Never empty: without `targets:` there is one target from the AWS environment.
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resources {
    pub enabled: bool,
    pub max_series: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Aws {
    pub max_attempts: u32,
    pub requests_per_second: f64,
    pub timeout: Duration,
}

/// One AWS account and region to watch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    pub name: String,
    /// `None`: the region of the AWS environment (AWS_REGION, profile).
    pub region: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// `ByAccountId`; `*` lists the whole organization from its management account.
    pub account_id: Option<String>,
    pub endpoint_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            refresh_interval: Duration::from_secs(300),
            lookback: Duration::from_secs(24 * 3600),
            overlap: Duration::from_secs(15 * 60),
            job_types: JobType::ALL.to_vec(),
            page_size: 1000,
            include_parent_jobs: false,
            extra_labels: Vec::new(),
            resources: Resources {
                enabled: true,
                max_series: 10_000,
            },
            aws: Aws {
                max_attempts: 5,
                requests_per_second: 10.0,
                timeout: Duration::from_secs(30),
            },
            targets: vec![Target {
                name: "default".into(),
                ..Target::default()
            }],
        }
    }
}

/// A configuration error with where it is.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<u64>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A duration in humantime form (`90s`, `5m`, `24h`).
#[derive(Debug, Deserialize)]
struct HumanDuration(#[serde(with = "humantime_serde")] Duration);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    refresh_interval: Option<Spanned<HumanDuration>>,
    lookback: Option<Spanned<HumanDuration>>,
    overlap: Option<Spanned<HumanDuration>>,
    job_types: Option<Vec<Spanned<String>>>,
    page_size: Option<Spanned<i64>>,
    include_parent_jobs: Option<bool>,
    extra_labels: Option<Vec<Spanned<String>>>,
    resources: Option<RawResources>,
    aws: Option<RawAws>,
    targets: Option<Vec<RawTarget>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResources {
    enabled: Option<bool>,
    max_series: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAws {
    max_attempts: Option<Spanned<i64>>,
    requests_per_second: Option<Spanned<f64>>,
    timeout: Option<Spanned<HumanDuration>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Spanned<String>,
    region: Option<String>,
    role_arn: Option<Spanned<String>>,
    external_id: Option<String>,
    account_id: Option<Spanned<String>>,
    endpoint_url: Option<Spanned<String>>,
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        key: None,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, &file)
}

/// Parses and validates configuration text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = if text.trim().is_empty() {
        RawConfig::default()
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line()).filter(|&l| l > 0);
            let rendered = e.without_snippet().to_string();
            let message = rendered.lines().next().unwrap_or("invalid YAML").to_owned();
            ConfigError {
                file: file.into(),
                line,
                key: line.and_then(|l| key_path(text, l as usize)),
                message: strip_location(&message),
            }
        })?
    };
    Resolver { text, file }.resolve(raw)
}

/// Drops a trailing " at line X column Y" that the YAML error already carries: we print the
/// line ourselves, in front.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

struct Resolver<'a> {
    text: &'a str,
    file: &'a str,
}

impl Resolver<'_> {
    fn err<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> ConfigError {
        let line = at.referenced.line();
        ConfigError {
            file: self.file.into(),
            line: Some(line).filter(|&l| l > 0),
            key: key_path(self.text, line as usize),
            message: message.into(),
        }
    }

    fn resolve(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        if let Some(d) = raw.refresh_interval {
            if d.value.0 < Duration::from_secs(1) {
                return Err(self.err(&d, "must be at least 1s"));
            }
            c.refresh_interval = d.value.0;
        }
        if let Some(d) = raw.lookback {
            if d.value.0 > MAX_LOOKBACK {
                return Err(self.err(
                    &d,
                    "must be at most 30 days (720h): AWS Backup keeps 30 days of job history",
                ));
            }
            if d.value.0 < Duration::from_secs(60) {
                return Err(self.err(&d, "must be at least 1m"));
            }
            c.lookback = d.value.0;
        }
        if let Some(d) = raw.overlap {
            if d.value.0 >= c.lookback {
                return Err(self.err(&d, "must be shorter than lookback"));
            }
            c.overlap = d.value.0;
        }
        if let Some(types) = raw.job_types {
            let mut seen = HashSet::new();
            c.job_types = Vec::new();
            for t in &types {
                let jt: JobType = t.value.parse().map_err(|m: String| self.err(t, m))?;
                if !seen.insert(jt) {
                    return Err(self.err(t, format!("{jt} is listed twice")));
                }
                c.job_types.push(jt);
            }
            if c.job_types.is_empty() {
                return Err(ConfigError {
                    file: self.file.into(),
                    line: None,
                    key: Some("job_types".into()),
                    message: "must list at least one of backup, restore, copy".into(),
                });
            }
        }
        if let Some(p) = raw.page_size {
            if !(1..=1000).contains(&p.value) {
                return Err(self.err(&p, format!("must be between 1 and 1000, got {}", p.value)));
            }
            c.page_size = p.value as i32;
        }
        if let Some(b) = raw.include_parent_jobs {
            c.include_parent_jobs = b;
        }
        if let Some(labels) = raw.extra_labels {
            for l in &labels {
                let label: ExtraLabel = l.value.parse().map_err(|m: String| self.err(l, m))?;
                if c.extra_labels.contains(&label) {
                    return Err(self.err(l, format!("{} is listed twice", label.name())));
                }
                c.extra_labels.push(label);
            }
        }
        if let Some(r) = raw.resources {
            if let Some(e) = r.enabled {
                c.resources.enabled = e;
            }
            if let Some(m) = r.max_series {
                if m.value < 1 {
                    return Err(self.err(&m, "must be at least 1"));
                }
                c.resources.max_series = m.value as usize;
            }
        }
        if let Some(a) = raw.aws {
            if let Some(m) = a.max_attempts {
                if !(1..=20).contains(&m.value) {
                    return Err(self.err(&m, format!("must be between 1 and 20, got {}", m.value)));
                }
                c.aws.max_attempts = m.value as u32;
            }
            if let Some(r) = a.requests_per_second {
                if !(r.value > 0.0 && r.value.is_finite()) {
                    return Err(self.err(&r, "must be a positive number"));
                }
                c.aws.requests_per_second = r.value;
            }
            if let Some(t) = a.timeout {
                if t.value.0 < Duration::from_millis(100) {
                    return Err(self.err(&t, "must be at least 100ms"));
                }
                c.aws.timeout = t.value.0;
            }
        }
        if let Some(targets) = raw.targets {
            c.targets = self.targets(targets)?;
        }
        Ok(c)
    }

    fn targets(&self, raw: Vec<RawTarget>) -> Result<Vec<Target>, ConfigError> {
        let mut names = HashSet::new();
        let mut out = Vec::with_capacity(raw.len());
        for t in raw {
            let name = t.name.value.trim();
            if name.is_empty() {
                return Err(self.err(&t.name, "must not be empty"));
            }
            if !names.insert(name.to_owned()) {
                return Err(self.err(&t.name, format!("duplicate target name {name:?}")));
            }
            if let Some(arn) = &t.role_arn
                && !arn.value.starts_with("arn:")
            {
                return Err(self.err(
                    arn,
                    "must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                ));
            }
            if let Some(acct) = &t.account_id
                && acct.value != "*"
                && !(acct.value.len() == 12 && acct.value.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(self.err(acct, "must be a 12-digit account id or \"*\""));
            }
            if let Some(url) = &t.endpoint_url
                && !(url.value.starts_with("http://") || url.value.starts_with("https://"))
            {
                return Err(self.err(url, "must be an http:// or https:// URL"));
            }
            out.push(Target {
                name: name.to_owned(),
                region: t.region,
                role_arn: t.role_arn.map(|s| s.value),
                external_id: t.external_id,
                account_id: t.account_id.map(|s| s.value),
                endpoint_url: t.endpoint_url.map(|s| s.value),
            });
        }
        if out.is_empty() {
            return Err(ConfigError {
                file: self.file.into(),
                line: None,
                key: Some("targets".into()),
                message: "must list at least one target (or leave the key out)".into(),
            });
        }
        Ok(out)
    }
}

/// One line of block-style YAML, as far as finding a key's path needs.
struct Line<'a> {
    /// Column of the key (after a `- ` item marker).
    key_col: usize,
    /// Column of the `- ` item marker, if the line starts a list item.
    dash_col: Option<usize>,
    key: Option<&'a str>,
}

fn scan(line: &str) -> Option<Line<'_>> {
    let indent = line.len() - line.trim_start().len();
    let mut rest = line.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        return None;
    }
    let mut key_col = indent;
    let mut dash_col = None;
    if let Some(r) = rest
        .strip_prefix("- ")
        .or_else(|| (rest == "-").then_some(""))
    {
        dash_col = Some(indent);
        let inner = r.len() - r.trim_start().len();
        key_col = indent + 2 + inner;
        rest = r.trim_start();
    }
    let key = rest.split_once(':').map(|(k, _)| k.trim()).filter(|k| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    });
    Some(Line {
        key_col,
        dash_col,
        key,
    })
}

/// The dotted path of the key on `line` (1-based), e.g. `targets[1].region`, read off the
/// indentation of block-style YAML. `None` when the line holds no key.
pub fn key_path(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let idx = line.checked_sub(1)?;
    let here = scan(lines.get(idx)?)?;
    let mut segments: Vec<String> = Vec::new();
    let mut col = here.key_col;
    if let Some(k) = here.key {
        segments.push(k.to_owned());
    }
    let mut item_col = here.dash_col;
    let mut item_line = idx;
    let mut i = idx;
    loop {
        if let Some(d) = item_col.take() {
            // Count the items at this column between the list's key and this one.
            let n = lines[..item_line]
                .iter()
                .rev()
                .filter_map(|l| scan(l))
                .take_while(|l| l.key_col >= d)
                .filter(|l| l.dash_col == Some(d))
                .count();
            segments.push(format!("[{n}]"));
            col = d;
        }
        if i == 0 {
            break;
        }
        i -= 1;
        let Some(l) = scan(lines[i]) else { continue };
        if let Some(d) = l.dash_col
            && d < col
        {
            item_col = Some(d);
            item_line = i;
            continue;
        }
        if l.dash_col.is_none() && l.key_col < col {
            if let Some(k) = l.key {
                segments.push(k.to_owned());
            }
            col = l.key_col;
        }
    }
    segments.reverse();
    let mut path = String::new();
    for s in segments {
        if !path.is_empty() && !s.starts_with('[') {
            path.push('.');
        }
        path.push_str(&s);
    }
    (!path.is_empty()).then_some(path)
}

#[cfg(test)]
mod tests;

impl Config {
    /// The resolved configuration as YAML, for `--check-config`.
    pub fn to_yaml(&self) -> String {
        let d = |d: Duration| humantime::format_duration(d).to_string();
        let list = |v: Vec<&str>| format!("[{}]", v.join(", "));
        let mut out = String::new();
        out += &format!("refresh_interval: {}\n", d(self.refresh_interval));
        out += &format!("lookback: {}\n", d(self.lookback));
        out += &format!("overlap: {}\n", d(self.overlap));
        out += &format!(
            "job_types: {}\n",
            list(self.job_types.iter().map(|t| t.as_str()).collect())
        );
        out += &format!("page_size: {}\n", self.page_size);
        out += &format!("include_parent_jobs: {}\n", self.include_parent_jobs);
        out += &format!(
            "extra_labels: {}\n",
            list(self.extra_labels.iter().map(|l| l.name()).collect())
        );
        out += &format!(
            "resources: {{ enabled: {}, max_series: {} }}\n",
            self.resources.enabled, self.resources.max_series
        );
        out += &format!(
            "aws: {{ max_attempts: {}, requests_per_second: {}, timeout: {} }}\n",
            self.aws.max_attempts,
            self.aws.requests_per_second,
            d(self.aws.timeout)
        );
        out += "targets:\n";
        for t in &self.targets {
            out += &format!("  - name: {:?}\n", t.name);
            let opt = |k: &str, v: &Option<String>, default: &str| match v {
                Some(v) => format!("    {k}: {v:?}\n"),
                None => format!("    {k}: null  # {default}\n"),
            };
            out += &opt("region", &t.region, "from the AWS environment");
            out += &opt("role_arn", &t.role_arn, "no role assumed");
            out += &opt("external_id", &t.external_id, "none");
            out += &opt("account_id", &t.account_id, "the caller's account");
            out += &opt("endpoint_url", &t.endpoint_url, "AWS's endpoint");
        }
        out
    }
}
