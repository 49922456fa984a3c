//! `--web.config.file`: the Prometheus exporter-toolkit web configuration, so that a file
//! written for node_exporter works here unchanged. Parsed and checked whole (certificates
//! loaded, hashes parsed) before it is used: a bad file is refused as one, never half applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper::header::{HeaderName, HeaderValue};
use serde::Deserialize;

use super::tls::{ClientAuth, TlsSpec};
use crate::config::{ConfigError, from_yaml};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebConfig {
    tls_server_config: Option<RawTls>,
    http_server_config: Option<RawHttp>,
    basic_auth_users: Option<BTreeMap<String, String>>,
    rate_limit: Option<RawRateLimit>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: Option<String>,
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    client_allowed_sans: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Vec<String>>,
    /// Accepted for compatibility: rustls always prefers the server's order.
    #[allow(dead_code)]
    prefer_server_cipher_suites: Option<bool>,
    curve_preferences: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    #[serde(default, with = "humantime_serde")]
    interval: Option<Duration>,
    burst: Option<u32>,
}

/// A checked web configuration.
#[derive(Debug)]
pub struct WebConfig {
    pub tls: Option<TlsSpec>,
    pub http2: bool,
    /// Added to every response.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// User → bcrypt hash; empty: no authentication.
    pub users: BTreeMap<String, String>,
    /// At most `burst` requests at once, one more every `interval`.
    pub rate_limit: Option<(Duration, u32)>,
    /// The files it was read from (itself, certificates, keys, CAs): a change to any is a
    /// reason to read it again.
    pub files: Vec<PathBuf>,
}

/// The headers the toolkit allows, with the values it accepts (`None`: any).
const HEADERS: [(&str, Option<&[&str]>); 5] = [
    ("Content-Security-Policy", None),
    ("X-Frame-Options", Some(&["deny", "sameorigin"])),
    ("X-Content-Type-Options", Some(&["nosniff"])),
    ("X-XSS-Protection", None),
    ("Strict-Transport-Security", None),
];

struct Loader<'a> {
    file: &'a str,
    dir: PathBuf,
}

impl Loader<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_owned(),
            line: None,
            key: Some(key.to_owned()),
            message: message.into(),
        }
    }

    /// A path relative to the web configuration's directory, as the toolkit reads it.
    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.dir.join(p)
        }
    }

    /// PEM text inline (`inline`) or from a file (`file`), exactly one of them.
    fn pem(
        &self,
        inline: Option<&String>,
        file: Option<&String>,
        keys: (&str, &str),
        files: &mut Vec<PathBuf>,
    ) -> Result<Option<Vec<u8>>, ConfigError> {
        match (inline, file) {
            (Some(_), Some(_)) => Err(self.err(
                &format!("tls_server_config.{}", keys.1),
                format!("give either {} or {}, not both", keys.0, keys.1),
            )),
            (Some(text), None) => Ok(Some(text.as_bytes().to_vec())),
            (None, Some(f)) => {
                let path = self.path(f);
                let bytes = std::fs::read(&path).map_err(|e| {
                    self.err(
                        &format!("tls_server_config.{}", keys.1),
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                files.push(path);
                Ok(Some(bytes))
            }
            (None, None) => Ok(None),
        }
    }

    fn tls(
        &self,
        raw: RawTls,
        http2: bool,
        files: &mut Vec<PathBuf>,
    ) -> Result<Option<TlsSpec>, ConfigError> {
        let key_name = "tls_server_config";
        let cert = self.pem(
            raw.cert.as_ref(),
            raw.cert_file.as_ref(),
            ("cert", "cert_file"),
            files,
        )?;
        let key = self.pem(
            raw.key.as_ref(),
            raw.key_file.as_ref(),
            ("key", "key_file"),
            files,
        )?;
        let ca = self.pem(
            raw.client_ca.as_ref(),
            raw.client_ca_file.as_ref(),
            ("client_ca", "client_ca_file"),
            files,
        )?;
        let nothing =
            cert.is_none() && key.is_none() && ca.is_none() && raw.client_auth_type.is_none();
        if nothing {
            return Ok(None);
        }
        let cert = cert.ok_or_else(|| {
            self.err(
                &format!("{key_name}.cert_file"),
                "missing: TLS needs a certificate",
            )
        })?;
        let key = key.ok_or_else(|| {
            self.err(
                &format!("{key_name}.key_file"),
                "missing: TLS needs a private key",
            )
        })?;
        let auth = match raw.client_auth_type.as_deref().unwrap_or("NoClientCert") {
            "NoClientCert" => ClientAuth::None,
            "RequestClientCert" => ClientAuth::Request,
            "RequireAnyClientCert" | "RequireClientCert" => ClientAuth::RequireAny,
            "VerifyClientCertIfGiven" => ClientAuth::VerifyIfGiven,
            "RequireAndVerifyClientCert" => ClientAuth::RequireAndVerify,
            other => {
                return Err(self.err(
                    &format!("{key_name}.client_auth_type"),
                    format!(
                        "unknown {other:?}, expected NoClientCert, RequestClientCert, \
                         RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert"
                    ),
                ));
            }
        };
        if ca.is_some() && auth == ClientAuth::None {
            return Err(self.err(
                &format!("{key_name}.client_ca_file"),
                "a client CA is given but client_auth_type is NoClientCert",
            ));
        }
        if ca.is_none()
            && matches!(
                auth,
                ClientAuth::VerifyIfGiven | ClientAuth::RequireAndVerify
            )
        {
            return Err(self.err(
                &format!("{key_name}.client_ca_file"),
                "missing: verifying client certificates needs a client CA",
            ));
        }
        let sans = raw.client_allowed_sans.unwrap_or_default();
        if !sans.is_empty()
            && !matches!(auth, ClientAuth::RequireAny | ClientAuth::RequireAndVerify)
        {
            return Err(self.err(
                &format!("{key_name}.client_allowed_sans"),
                "needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert: \
                 other types let a client in without a certificate",
            ));
        }
        let version = |v: Option<&String>, key: &str, default: u8| -> Result<u8, ConfigError> {
            match v.map(String::as_str) {
                None => Ok(default),
                Some("TLS12") => Ok(12),
                Some("TLS13") => Ok(13),
                Some(old @ ("TLS10" | "TLS11")) => Err(self.err(
                    &format!("{key_name}.{key}"),
                    format!("{old} is not supported (rustls speaks TLS 1.2 and 1.3 only)"),
                )),
                Some(other) => Err(self.err(
                    &format!("{key_name}.{key}"),
                    format!("unknown TLS version {other:?}, expected TLS12 or TLS13"),
                )),
            }
        };
        let min = version(raw.min_version.as_ref(), "min_version", 12)?;
        let max = version(raw.max_version.as_ref(), "max_version", 13)?;
        if min > max {
            return Err(self.err(&format!("{key_name}.min_version"), "is above max_version"));
        }
        let spec = TlsSpec::new(
            &cert,
            &key,
            ca.as_deref(),
            auth,
            sans,
            (min, max),
            raw.cipher_suites.as_deref(),
            raw.curve_preferences.as_deref(),
            http2,
        )
        .map_err(|(field, message)| self.err(&format!("{key_name}.{field}"), message))?;
        Ok(Some(spec))
    }
}

impl WebConfig {
    /// Reads and checks `path`: its YAML, and every certificate, key and hash it names.
    pub fn load(path: &Path) -> Result<WebConfig, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            key: None,
            message: format!("cannot read: {e}"),
        })?;
        let raw: RawWebConfig = from_yaml(&text, &file)?;
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        let l = Loader { file: &file, dir };
        let mut files = vec![path.to_owned()];
        let http = raw.http_server_config.unwrap_or_default();
        let http2 = http.http2.unwrap_or(true);
        let tls = l.tls(raw.tls_server_config.unwrap_or_default(), http2, &mut files)?;
        let mut headers = Vec::new();
        for (name, value) in http.headers.unwrap_or_default() {
            let key = format!("http_server_config.headers.{name}");
            let Some((canonical, allowed)) =
                HEADERS.iter().find(|(h, _)| h.eq_ignore_ascii_case(&name))
            else {
                let names: Vec<&str> = HEADERS.iter().map(|(h, _)| *h).collect();
                return Err(l.err(
                    &key,
                    format!(
                        "not a header that can be set; expected one of {}",
                        names.join(", ")
                    ),
                ));
            };
            if value.is_empty() {
                continue;
            }
            if let Some(allowed) = allowed
                && !allowed.iter().any(|a| a.eq_ignore_ascii_case(&value))
            {
                return Err(l.err(
                    &key,
                    format!("{value:?} is not one of {}", allowed.join(", ")),
                ));
            }
            let v = HeaderValue::from_str(&value)
                .map_err(|_| l.err(&key, "is not a valid header value"))?;
            headers.push((HeaderName::from_static(lower(canonical)), v));
        }
        let mut users = BTreeMap::new();
        for (user, hash) in raw.basic_auth_users.unwrap_or_default() {
            if !super::auth::is_bcrypt_hash(&hash) {
                return Err(l.err(
                    &format!("basic_auth_users.{user}"),
                    "is not a bcrypt hash ($2a$, $2b$ or $2y$, e.g. from `htpasswd -nBC 10 \"\"`)",
                ));
            }
            users.insert(user, hash);
        }
        let rate_limit = match raw.rate_limit {
            Some(RawRateLimit {
                interval: Some(i),
                burst,
            }) if !i.is_zero() => {
                let burst = burst.unwrap_or(0);
                if burst == 0 {
                    return Err(l.err(
                        "rate_limit.burst",
                        "must be at least 1 when interval is set",
                    ));
                }
                Some((i, burst))
            }
            _ => None,
        };
        Ok(WebConfig {
            tls,
            http2,
            headers,
            users,
            rate_limit,
            files,
        })
    }
}

/// The lowercase form of one of [`HEADERS`]' names (`HeaderName::from_static` wants it).
fn lower(name: &str) -> &'static str {
    match name {
        "Content-Security-Policy" => "content-security-policy",
        "X-Frame-Options" => "x-frame-options",
        "X-Content-Type-Options" => "x-content-type-options",
        "X-XSS-Protection" => "x-xss-protection",
        _ => "strict-transport-security",
    }
}
