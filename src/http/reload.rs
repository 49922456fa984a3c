//! The web configuration as it is now: the file and the certificates, keys and CAs it names
//! are looked at (a `stat` each) on every connection and request, and read again when one
//! changed, so a new password or a cert-manager rotation applies without a restart. A file
//! that became invalid fails closed until it is fixed, logged once per change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::auth::Users;
use super::webconfig::WebConfig;
use crate::config::ConfigError;

/// What one loaded configuration serves with.
#[derive(Debug)]
pub struct Active {
    pub config: WebConfig,
    pub users: Users,
    limiter: Option<Limiter>,
}

impl Active {
    fn new(config: WebConfig) -> Active {
        Active {
            users: Users::new(config.users.clone()),
            limiter: config.rate_limit.map(|(every, burst)| Limiter {
                every,
                burst: f64::from(burst),
                state: Mutex::new((f64::from(burst), Instant::now())),
            }),
            config,
        }
    }

    /// Takes a token of the rate limit, if there is one; `false` when none is left.
    pub fn admit(&self) -> bool {
        self.limiter.as_ref().is_none_or(Limiter::take)
    }
}

/// `rate_limit`: a token bucket of `burst` requests, one more every `every`.
#[derive(Debug)]
struct Limiter {
    every: Duration,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl Limiter {
    fn take(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() / self.every.as_secs_f64();
        s.0 = (s.0 + refill).min(self.burst);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A file as `stat` sees it. The inode changes with every atomic replacement (a rename, a
/// Kubernetes Secret's symlink swap), so a change is seen even within the clock tick that
/// modification times are kept to.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: m.modified().ok(),
        len: m.len(),
        inode: m.ino(),
    })
}

/// A digest of the files' contents: a change of mtime alone (a `touch`) reloads nothing.
fn contents_hash(files: &[PathBuf]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_default();
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    h.finalize().into()
}

#[derive(Debug)]
struct State {
    stamps: Vec<(PathBuf, Option<Stamp>)>,
    hash: [u8; 32],
    current: Result<Arc<Active>, Arc<str>>,
}

/// The web configuration file and what it currently gives.
#[derive(Debug)]
pub struct WebConfigFile {
    path: PathBuf,
    /// Whether the server was started with TLS: a reload cannot switch it.
    tls: bool,
    state: Mutex<State>,
}

impl WebConfigFile {
    /// Reads `path` at start-up: an invalid file is an error (the exporter exits 1).
    pub fn load(path: &Path) -> Result<WebConfigFile, ConfigError> {
        let config = WebConfig::load(path)?;
        let files = config.files.clone();
        let tls = config.tls.is_some();
        Ok(WebConfigFile {
            path: path.to_owned(),
            tls,
            state: Mutex::new(State {
                stamps: files.iter().map(|f| (f.clone(), stamp(f))).collect(),
                hash: contents_hash(&files),
                current: Ok(Arc::new(Active::new(config))),
            }),
        })
    }

    /// Whether connections are served over TLS.
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// The configuration to serve with now, reading the files again if one changed.
    pub fn current(&self) -> Result<Arc<Active>, Arc<str>> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let changed = s.stamps.iter().any(|(p, st)| stamp(p) != *st);
        if changed {
            let files: Vec<PathBuf> = s.stamps.iter().map(|(p, _)| p.clone()).collect();
            let hash = contents_hash(&files);
            s.stamps = files.iter().map(|f| (f.clone(), stamp(f))).collect();
            if hash != s.hash || s.current.is_err() {
                s.hash = hash;
                self.reload(&mut s);
            }
        }
        s.current.clone()
    }

    fn reload(&self, s: &mut State) {
        match WebConfig::load(&self.path) {
            Ok(config) if config.tls.is_some() != self.tls => {
                let why = format!(
                    "{}: tls_server_config was {} at start-up; switching between HTTP and HTTPS \
                     needs a restart",
                    self.path.display(),
                    if self.tls { "set" } else { "absent" }
                );
                tracing::error!(error = %why, "web configuration refused; failing closed");
                s.current = Err(why.into());
            }
            Ok(config) => {
                s.stamps = config.files.iter().map(|f| (f.clone(), stamp(f))).collect();
                s.hash = contents_hash(&config.files);
                tracing::info!(file = %self.path.display(), "web configuration reloaded");
                s.current = Ok(Arc::new(Active::new(config)));
            }
            Err(e) => {
                tracing::error!(error = %e, "web configuration is invalid; failing closed until it is fixed");
                s.current = Err(e.to_string().into());
            }
        }
    }
}
