//! A simulated AWS Backup API, served over HTTP in the real REST-JSON wire format so the real
//! `aws-sdk-backup` client can be pointed at it: `--demo`, `simulate`, integration tests and
//! benchmarks all run without an AWS account.
//!
//! It holds a deterministic organization (accounts, regions, resources on backup schedules,
//! copies, restore tests) generated from a seed and an explicit `now`; in live mode jobs keep
//! arriving and progressing with the wall clock.

mod faults;
mod generate;
mod live;
mod model;
mod rng;
mod server;
mod store;
mod sts;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Faults, OpCount, RequestCounts};

use faults::FaultState;
use generate::{build_org, bulk};
use live::Live;
use model::Rec;
use store::{BACKUP, COPY, RESTORE, ResRec, Store};

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// Accounts in the organization; the first is the management account.
    pub accounts: usize,
    pub regions: Vec<String>,
    /// Protected resources per account and region.
    pub resources_per_account: usize,
    /// How far back ended jobs go.
    pub history: Duration,
    /// Jobs keep arriving and progressing with the wall clock.
    pub live: bool,
    /// Benchmark store: instead of the organization, exactly N COMPLETED backup jobs spread
    /// evenly over `history`, all in the first account and region.
    pub bulk_backup_jobs: Option<usize>,
    /// Role ARNs whose AssumeRole is refused with AccessDenied.
    pub denied_roles: Vec<String>,
    /// Demo pace: besides the schedules, every 20 seconds a short backup (with a copy when
    /// it succeeds) and a restore (half of them restore tests) start and end within about a
    /// minute, so that a demo or an end-to-end check sees every counter move at once.
    pub brisk: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            accounts: 3,
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            resources_per_account: 40,
            history: Duration::from_secs(26 * 3600),
            live: false,
            bulk_backup_jobs: None,
            denied_roles: Vec::new(),
            brisk: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SimJobType {
    Backup,
    Restore,
    Copy,
}

impl SimJobType {
    fn table(&self) -> usize {
        match self {
            SimJobType::Backup => BACKUP,
            SimJobType::Restore => RESTORE,
            SimJobType::Copy => COPY,
        }
    }

    fn from_table(t: usize) -> SimJobType {
        match t {
            BACKUP => SimJobType::Backup,
            RESTORE => SimJobType::Restore,
            _ => SimJobType::Copy,
        }
    }
}

/// One job as the API lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimJob {
    pub job_type: SimJobType,
    pub job_id: String,
    pub account_id: String,
    pub region: String,
    /// AWS spelling: COMPLETED, FAILED, RUNNING… (`Status` for restore jobs).
    pub state: String,
    pub status_message: Option<String>,
    /// Always `None` for restore jobs: AWS gives none.
    pub message_category: Option<String>,
    /// SourceResourceArn for restore jobs.
    pub resource_arn: String,
    pub resource_type: String,
    /// Always `None` for restore jobs: the restore wire shape has no ResourceName.
    pub resource_name: Option<String>,
    /// For copy jobs, the source vault.
    pub backup_vault_name: Option<String>,
    pub creation_date: i64,
    pub completion_date: Option<i64>,
    pub backup_size_bytes: Option<i64>,
    pub is_parent: bool,
    pub parent_job_id: Option<String>,
    /// Restore jobs started by a restore testing plan only.
    pub restore_testing_plan_arn: Option<String>,
    /// Restore jobs started by a restore testing plan only.
    pub validation_status: Option<String>,
}

/// One entry of ListProtectedResources.
#[derive(Clone, Debug, PartialEq)]
pub struct SimResource {
    pub account_id: String,
    pub region: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub resource_name: Option<String>,
    /// Creation date of the newest COMPLETED backup job of the resource, or of a recovery point
    /// from before the simulated history.
    pub last_backup_time: Option<i64>,
}

struct State {
    store: Store,
    live: Live,
}

struct Inner {
    opts: SimOptions,
    accounts: Vec<String>,
    regions: Vec<String>,
    now0: i64,
    started: Instant,
    state: RwLock<State>,
    /// Last time a live simulator was advanced to, so most requests skip the write lock.
    synced: AtomicI64,
    faults: Mutex<FaultState>,
    counts: Mutex<RequestCounts>,
    /// Access keys issued by AssumeRole → the role's account.
    keys: Mutex<HashMap<String, String>>,
    key_seq: AtomicU64,
    req_seq: AtomicU64,
}

/// The simulator: cheap to clone, shared by the server and the test driving it.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("opts", &self.inner.opts)
            .field("accounts", &self.inner.accounts)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Generates the organization as of `now` (epoch seconds).
    pub fn new(opts: SimOptions, now: i64) -> Simulator {
        let org = build_org(&opts);
        let history = i64::try_from(opts.history.as_secs()).unwrap_or(i64::MAX / 4);
        let mut store = Store::new();
        for r in &org.resources {
            let s = &mut store.strs;
            let res = ResRec {
                account: s.intern(&org.accounts[r.account]),
                region: s.intern(&org.regions[r.region]),
                arn: s.intern(&r.arn),
                rtype: s.intern(r.kind.name()),
                name: Some(s.intern(&r.name)),
                vault: Some(s.intern(r.vault)),
                last_job: None,
                before: Some(now - history - r.prior_age),
            };
            store.add_resource(res);
        }
        let accounts = org.accounts.clone();
        let regions = org.regions.clone();
        let mut live = Live::new(org, history);
        match opts.bulk_backup_jobs {
            Some(n) => {
                bulk(&live.org, &mut store, n, now, history);
                live.cursor = now;
            }
            None => live.start(&mut store, now),
        }
        Simulator {
            inner: Arc::new(Inner {
                opts,
                accounts,
                regions,
                now0: now,
                started: Instant::now(),
                state: RwLock::new(State { store, live }),
                synced: AtomicI64::new(now),
                faults: Mutex::new(FaultState::default()),
                counts: Mutex::new(RequestCounts::default()),
                keys: Mutex::new(HashMap::new()),
                key_seq: AtomicU64::new(0),
                req_seq: AtomicU64::new(0),
            }),
        }
    }

    /// Binds and serves in a background task until the returned handle is dropped or shut down.
    pub async fn start(&self, addr: SocketAddr) -> std::io::Result<SimServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, self.clone(), rx));
        Ok(SimServer {
            addr: local,
            stop: Some(tx),
            task: Some(task),
        })
    }

    /// Every job the API would list now, over all accounts and regions (unordered).
    pub fn jobs(&self) -> Vec<SimJob> {
        self.sync();
        let st = self.inner.state.read().expect("state lock");
        let mut out = Vec::new();
        for (t, table) in st.store.tables.iter().enumerate() {
            let ty = SimJobType::from_table(t);
            out.extend(
                table
                    .recs
                    .iter()
                    .map(|r| r.to_job(ty.clone(), &st.store.strs)),
            );
        }
        out
    }

    /// Adds a job, or replaces the one with the same (job type, id); a replaced generated job
    /// stops progressing on its own. Fields the job type's wire shape lacks are dropped (see
    /// [`SimJob`]), so `jobs()` always equals what the API lists.
    pub fn insert(&self, job: SimJob) {
        self.sync();
        let ty = job.job_type.table();
        let mut st = self.inner.state.write().expect("state lock");
        let st = &mut *st;
        let rec = Rec::from_job(&job, &mut st.store.strs);
        if let Some(slot) = st.store.tables[ty].slot(&rec.id) {
            st.live.forget(ty, slot);
        }
        st.store.put(ty, rec, None);
    }

    /// What ListProtectedResources serves, over all accounts and regions: resources with a
    /// recovery point.
    pub fn resources(&self) -> Vec<SimResource> {
        self.sync();
        let st = self.inner.state.read().expect("state lock");
        let store = &st.store;
        let s = &store.strs;
        store
            .resources
            .iter()
            .filter_map(|r| {
                let last = store.last_backup(r)?;
                Some(SimResource {
                    account_id: s.str(r.account).to_owned(),
                    region: s.str(r.region).to_owned(),
                    resource_arn: s.str(r.arn).to_owned(),
                    resource_type: s.str(r.rtype).to_owned(),
                    resource_name: s.opt(r.name).map(str::to_owned),
                    last_backup_time: Some(last.time),
                })
            })
            .collect()
    }

    /// Replaces the fault settings and restarts their request count.
    pub fn set_faults(&self, faults: Faults) {
        *self.inner.faults.lock().expect("faults lock") = FaultState::new(faults);
    }

    /// Requests answered so far, per operation, and how many got an injected fault.
    pub fn requests(&self) -> RequestCounts {
        self.inner.counts.lock().expect("counts lock").clone()
    }

    pub fn management_account(&self) -> String {
        self.inner.accounts[0].clone()
    }

    /// The organization's account ids; the first is the management account.
    pub fn accounts(&self) -> Vec<String> {
        self.inner.accounts.clone()
    }

    pub fn regions(&self) -> Vec<String> {
        self.inner.regions.clone()
    }

    /// The time the data reflects (epoch seconds).
    pub fn now(&self) -> i64 {
        self.sync();
        self.inner.state.read().expect("state lock").live.cursor
    }

    /// Moves the data forward to `now`: schedules fire, jobs progress and settle. Lets tests
    /// script time without a wall clock; times before the current one are ignored.
    pub fn advance_to(&self, now: i64) {
        let mut st = self.inner.state.write().expect("state lock");
        let st = &mut *st;
        st.live.advance(&mut st.store, now);
        self.inner.synced.fetch_max(now, Ordering::Relaxed);
    }

    /// A live simulator follows the wall clock: catch up before answering.
    fn sync(&self) {
        if !self.inner.opts.live {
            return;
        }
        let t = self.inner.now0 + self.inner.started.elapsed().as_secs() as i64;
        if t > self.inner.synced.load(Ordering::Relaxed) {
            self.advance_to(t);
        }
    }
}

/// A running server; dropping it stops serving.
#[derive(Debug)]
pub struct SimServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for the SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        server::endpoint_url(self.addr)
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// For the `simulate` subcommand: serves until Ctrl-C or SIGTERM.
pub async fn run_standalone(opts: SimOptions, listen: SocketAddr) -> anyhow::Result<()> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("system clock before 1970")?
        .as_secs() as i64;
    let started = Instant::now();
    let sim = Simulator::new(opts, now);
    let server = sim
        .start(listen)
        .await
        .with_context(|| format!("binding the simulator to {listen}"))?;
    let url = server.endpoint_url();
    let region = sim.inner.regions[0].clone();
    tracing::info!(
        endpoint = %url,
        management_account = %sim.management_account(),
        accounts = sim.inner.accounts.len(),
        regions = %sim.inner.regions.join(","),
        jobs = sim.jobs().len(),
        generated_in_ms = started.elapsed().as_millis() as u64,
        "simulated AWS Backup API listening"
    );
    tracing::info!(
        "try: AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim aws backup list-backup-jobs \
         --region {region} --endpoint-url {url}, or point the exporter at it with \
         AWS_ENDPOINT_URL={url}"
    );
    shutdown_signal().await;
    tracing::info!("simulator shutting down");
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
