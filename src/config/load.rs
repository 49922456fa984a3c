//! Reading and validating a configuration file.
//!
//! Every error names the file, the line and the full key path (`config.yaml:7:
//! targets[1].region: …`), because the person reading it is fixing a file by hand. Parse
//! errors get their path from `serde_path_to_error`, validation errors from the resolver,
//! which knows where it is.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde_saphyr::Spanned;

use super::model::{Config, Inventory, RetryMode, Target};
use super::names::{is_account_id, is_region, is_role_arn, resource_arn, role_arn_account};
use super::overlap::{Coverage, find_overlap};
use super::raw::{RawConfig, RawInventory, RawTarget};
use crate::job::{ExtraLabel, JobType};

/// The longest `lookback` accepted: AWS Backup keeps job history for 30 days.
pub const MAX_LOOKBACK: Duration = Duration::from_secs(30 * 24 * 3600);

/// The slowest client-side rate accepted, calls per second.
pub const MIN_REQUESTS_PER_SECOND: f64 = 0.01;

/// The most resources one target may watch: each costs a paginated call per refresh.
pub const MAX_WATCHED: usize = 1000;

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
    let raw: RawConfig = from_yaml(text, file)?;
    Resolver { file }.resolve(raw)
}

/// Deserializes YAML, an empty text giving the default; an error names the file, the line and
/// the key path. Shared with the web configuration's parser.
pub fn from_yaml<T: serde::de::DeserializeOwned + Default>(
    text: &str,
    file: &str,
) -> Result<T, ConfigError> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    let mut path = None;
    serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            path = Some(key_path(e.path()));
            e.into_inner()
        })
    })
    .map_err(|e| {
        let line = e.location().map(|l| l.line()).filter(|&l| l > 0);
        let rendered = e.without_snippet().to_string();
        let message = rendered.lines().next().unwrap_or("invalid YAML");
        ConfigError {
            file: file.into(),
            line,
            key: path.filter(|p| !p.is_empty()),
            message: strip_location(message),
        }
    })
}

/// The key path as the config spells it (`targets[1].region`), without the fields of the
/// `Spanned` wrapper that carries each value's line.
fn key_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } if key == "value" => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Drops a trailing " at line X column Y" that the YAML error already carries: the line is
/// printed in front.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

struct Resolver<'a> {
    file: &'a str,
}

impl Resolver<'_> {
    fn err<T>(
        &self,
        at: &Spanned<T>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.file.into(),
            line: Some(at.referenced.line()).filter(|&l| l > 0),
            key: Some(key.into()),
            message: message.into(),
        }
    }

    fn duration(
        &self,
        d: Spanned<super::raw::HumanDuration>,
        key: &str,
        min: Duration,
        max: Duration,
    ) -> Result<Duration, ConfigError> {
        let v = d.value.0;
        let show = |d: Duration| humantime::format_duration(d).to_string();
        if v < min {
            return Err(self.err(&d, key, format!("must be at least {}", show(min))));
        }
        if v > max {
            return Err(self.err(&d, key, format!("must be at most {}", show(max))));
        }
        Ok(v)
    }

    fn resolve(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let day = Duration::from_secs(86_400);
        if let Some(d) = raw.refresh_interval {
            c.refresh_interval =
                self.duration(d, "refresh_interval", Duration::from_secs(1), day)?;
        }
        if let Some(d) = raw.lookback {
            if d.value.0 > MAX_LOOKBACK {
                return Err(self.err(
                    &d,
                    "lookback",
                    "must be at most 30 days (720h): AWS Backup keeps 30 days of job history",
                ));
            }
            c.lookback = self.duration(d, "lookback", Duration::from_secs(60), MAX_LOOKBACK)?;
        }
        if let Some(d) = raw.overlap {
            if d.value.0 >= c.lookback {
                return Err(self.err(&d, "overlap", "must be shorter than lookback"));
            }
            c.overlap = d.value.0;
        }
        if let Some(types) = raw.job_types {
            let mut seen = HashSet::new();
            c.job_types = Vec::new();
            for (i, t) in types.value.iter().enumerate() {
                let key = format!("job_types[{i}]");
                let jt: JobType = t.value.parse().map_err(|m: String| self.err(t, &key, m))?;
                if !seen.insert(jt) {
                    return Err(self.err(t, key, format!("{jt} is listed twice")));
                }
                c.job_types.push(jt);
            }
            if c.job_types.is_empty() {
                return Err(self.err(
                    &types,
                    "job_types",
                    "must list at least one of backup, restore, copy, scan",
                ));
            }
        }
        if let Some(p) = raw.page_size {
            if !(1..=1000).contains(&p.value) {
                return Err(self.err(
                    &p,
                    "page_size",
                    format!("must be between 1 and 1000, got {}", p.value),
                ));
            }
            c.page_size = p.value as i32;
        }
        if let Some(b) = raw.include_parent_jobs {
            c.include_parent_jobs = b;
        }
        if let Some(labels) = raw.extra_labels {
            for (i, l) in labels.iter().enumerate() {
                let key = format!("extra_labels[{i}]");
                let label: ExtraLabel =
                    l.value.parse().map_err(|m: String| self.err(l, &key, m))?;
                if c.extra_labels.contains(&label) {
                    return Err(self.err(l, key, format!("{} is listed twice", label.name())));
                }
                c.extra_labels.push(label);
            }
        }
        if let Some(r) = raw.resources {
            if let Some(e) = r.enabled {
                c.resources.enabled = e;
            }
            if let Some(m) = r.max_series {
                if !(1..=10_000_000).contains(&m.value) {
                    return Err(self.err(
                        &m,
                        "resources.max_series",
                        format!("must be between 1 and 10000000, got {}", m.value),
                    ));
                }
                c.resources.max_series = m.value as usize;
            }
        }
        if let Some(a) = raw.aws {
            if let Some(m) = a.max_attempts {
                if !(1..=20).contains(&m.value) {
                    return Err(self.err(
                        &m,
                        "aws.max_attempts",
                        format!("must be between 1 and 20, got {}", m.value),
                    ));
                }
                c.aws.max_attempts = m.value as u32;
            }
            if let Some(r) = a.requests_per_second {
                let ok = r.value.is_finite()
                    && (MIN_REQUESTS_PER_SECOND..=1_000_000.0).contains(&r.value);
                if !ok {
                    return Err(self.err(
                        &r,
                        "aws.requests_per_second",
                        format!(
                            "must be between {MIN_REQUESTS_PER_SECOND} and 1000000, got {}",
                            r.value
                        ),
                    ));
                }
                c.aws.requests_per_second = r.value;
            }
            if let Some(t) = a.timeout {
                c.aws.timeout = self.duration(
                    t,
                    "aws.timeout",
                    Duration::from_millis(100),
                    Duration::from_secs(600),
                )?;
            }
            if let Some(m) = a.retry_mode {
                c.aws.retry_mode = match m.value.as_str() {
                    "standard" => RetryMode::Standard,
                    "adaptive" => RetryMode::Adaptive,
                    other => {
                        return Err(self.err(
                            &m,
                            "aws.retry_mode",
                            format!("unknown retry mode {other:?}, expected standard or adaptive"),
                        ));
                    }
                };
            }
        }
        if let Some(v) = raw.vaults {
            self.inventory(v, "vaults", &mut c.vaults)?;
        }
        if let Some(s) = raw.schedules
            && let Some(e) = s.enabled
        {
            c.schedules.enabled = e;
        }
        if let Some(p) = raw.restore_testing_plans {
            self.inventory(p, "restore_testing_plans", &mut c.restore_testing_plans)?;
        }
        if let Some(s) = raw.summaries {
            self.inventory(s, "summaries", &mut c.summaries)?;
        }
        if let Some(targets) = raw.targets {
            c.targets = self.targets(targets, c.resources.enabled)?;
        }
        Ok(c)
    }

    fn inventory(
        &self,
        raw: RawInventory,
        key: &str,
        into: &mut Inventory,
    ) -> Result<(), ConfigError> {
        if let Some(e) = raw.enabled {
            into.enabled = e;
        }
        if let Some(d) = raw.refresh_interval {
            into.refresh_interval = self.duration(
                d,
                &format!("{key}.refresh_interval"),
                Duration::from_secs(1),
                Duration::from_secs(7 * 86_400),
            )?;
        }
        Ok(())
    }

    /// `targets[i].watch_resources`: resource ARNs, in the target's region and (where the
    /// configuration tells it) the caller's account, each once.
    fn watch_resources(
        &self,
        raw: Vec<Spanned<String>>,
        i: usize,
        t: &RawTarget,
        resources_enabled: bool,
    ) -> Result<Vec<String>, ConfigError> {
        let caller = t.role_arn.as_ref().and_then(|r| role_arn_account(&r.value));
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(raw.len());
        for (j, arn) in raw.into_iter().enumerate() {
            let key = format!("targets[{i}].watch_resources[{j}]");
            if !resources_enabled {
                return Err(self.err(
                    &arn,
                    key,
                    "needs resources.enabled: true (watched resources are per-resource series)",
                ));
            }
            if j >= MAX_WATCHED {
                return Err(self.err(
                    &arn,
                    key,
                    format!("at most {MAX_WATCHED} resources per target can be watched"),
                ));
            }
            let Some(parsed) = resource_arn(&arn.value) else {
                return Err(self.err(
                    &arn,
                    key,
                    format!(
                        "{:?} is not a resource ARN (arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE)",
                        arn.value
                    ),
                ));
            };
            if let Some(region) = &t.region
                && !parsed.region.is_empty()
                && parsed.region != region.value
            {
                return Err(self.err(
                    &arn,
                    key,
                    format!(
                        "is in region {}, not in the target's region {}: its restores are listed there",
                        parsed.region, region.value
                    ),
                ));
            }
            if let Some(account) = caller
                && !parsed.account.is_empty()
                && parsed.account != account
            {
                return Err(self.err(
                    &arn,
                    key,
                    format!(
                        "is in account {}, not in the account of role_arn ({account}): ListRestoreJobsByProtectedResource reads the caller's own account only",
                        parsed.account
                    ),
                ));
            }
            if !seen.insert(arn.value.clone()) {
                return Err(self.err(&arn, key, "is listed twice"));
            }
            out.push(arn.value);
        }
        Ok(out)
    }

    fn targets(
        &self,
        raw: Spanned<Vec<RawTarget>>,
        resources_enabled: bool,
    ) -> Result<Vec<Target>, ConfigError> {
        if raw.value.is_empty() {
            return Err(self.err(
                &raw,
                "targets",
                "must list at least one target (or leave the key out)",
            ));
        }
        let mut names = HashSet::new();
        let mut out = Vec::with_capacity(raw.value.len());
        let mut lines = Vec::with_capacity(raw.value.len());
        for (i, t) in raw.value.into_iter().enumerate() {
            let key = |field: &str| format!("targets[{i}].{field}");
            let name = t.name.value.trim();
            if name.is_empty() {
                return Err(self.err(&t.name, key("name"), "must not be empty"));
            }
            if !names.insert(name.to_owned()) {
                return Err(self.err(
                    &t.name,
                    key("name"),
                    format!("duplicate target name {name:?}"),
                ));
            }
            if let Some(r) = &t.region
                && !is_region(&r.value)
            {
                return Err(self.err(
                    r,
                    key("region"),
                    format!("{:?} is not an AWS region (like us-east-1)", r.value),
                ));
            }
            if let Some(arn) = &t.role_arn
                && !is_role_arn(&arn.value)
            {
                return Err(self.err(
                    arn,
                    key("role_arn"),
                    "must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                ));
            }
            if let Some(acct) = &t.account_id
                && acct.value != "*"
                && !is_account_id(&acct.value)
            {
                return Err(self.err(
                    acct,
                    key("account_id"),
                    "must be a 12-digit account id or \"*\"",
                ));
            }
            if let Some(url) = &t.endpoint_url
                && !(url.value.starts_with("http://") || url.value.starts_with("https://"))
            {
                return Err(self.err(
                    url,
                    key("endpoint_url"),
                    "must be an http:// or https:// URL",
                ));
            }
            let watch = match t.watch_resources.clone() {
                Some(w) => self.watch_resources(w, i, &t, resources_enabled)?,
                None => Vec::new(),
            };
            lines.push(t.name.referenced.line());
            out.push(Target {
                watch_resources: watch,
                name: name.to_owned(),
                region: t.region.map(|s| s.value),
                role_arn: t.role_arn.map(|s| s.value),
                external_id: t.external_id,
                account_id: t.account_id.map(|s| s.value),
                endpoint_url: t.endpoint_url.map(|s| s.value),
            });
        }
        let coverages: Vec<Coverage> = out.iter().map(Coverage::of).collect();
        if let Some((i, j, why)) = find_overlap(&coverages) {
            return Err(ConfigError {
                file: self.file.into(),
                line: Some(lines[j]).filter(|&l| l > 0),
                key: Some(format!("targets[{j}]")),
                message: format!(
                    "target {:?} overlaps target {:?} (targets[{i}]): {why}; each job would be counted twice",
                    out[j].name, out[i].name
                ),
            });
        }
        Ok(out)
    }
}
