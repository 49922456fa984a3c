//! The simulator itself: the organization's state behind a lock, the clock that moves it, the
//! dispatch of each request to its operation, and the test hooks.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[cfg(any(test, feature = "testing"))]
use crate::faults::Faults;
use crate::faults::{Fault, FaultState, RequestCounts};
use crate::generate::build::build_org;
use crate::generate::bulk::bulk;
#[cfg(any(test, feature = "testing"))]
use crate::generate::plans::restore_testing_plans;
use crate::live::Live;
use crate::model::JobId;
#[cfg(any(test, feature = "testing"))]
use crate::model::Rec;
use crate::ops;
use crate::ops::restores::Started;
use crate::options::SimOptions;
use crate::query::Query;
use crate::reply::{Caller, Reply, credential_scope};
use crate::rng::hash;
use crate::routes::{Op, route};
use crate::server::{self, Responder};
use crate::store::{ResRec, Store};
use crate::sts::{self, Sts};
use crate::types::SimJobType;
#[cfg(any(test, feature = "testing"))]
use crate::types::{SimJob, SimResource, SimRestoreTestingPlan, SimVault};

struct State {
    store: Store,
    live: Live,
    started: Started,
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
    sts: Sts,
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
        let org = build_org(&opts, now);
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
                removed: false,
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
        let sts = Sts::new(opts.seed, opts.denied_roles.clone());
        Simulator {
            inner: Arc::new(Inner {
                opts,
                accounts,
                regions,
                now0: now,
                started: Instant::now(),
                state: RwLock::new(State {
                    store,
                    live,
                    started: Started::default(),
                }),
                synced: AtomicI64::new(now),
                faults: Mutex::new(FaultState::default()),
                counts: Mutex::new(RequestCounts::default()),
                sts,
                req_seq: AtomicU64::new(0),
            }),
        }
    }

    /// Binds and serves in a background task until the returned handle is dropped or shut down.
    pub async fn start(&self, addr: SocketAddr) -> std::io::Result<SimServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, Arc::new(self.clone()), rx));
        Ok(SimServer {
            addr: local,
            stop: Some(tx),
            task: Some(task),
        })
    }

    #[cfg(any(test, feature = "testing"))]
    /// Every job the API would list now, over all accounts and regions (unordered).
    pub fn jobs(&self) -> Vec<SimJob> {
        self.sync();
        let st = self.inner.state.read().expect("state lock");
        let mut out = Vec::new();
        for (ty, table) in st.store.tables.iter() {
            out.extend(table.recs.iter().map(|r| r.to_job(ty, &st.store.strs)));
        }
        out
    }

    #[cfg(any(test, feature = "testing"))]
    /// Adds a job, or replaces the one with the same (job type, id); a replaced generated job
    /// stops progressing on its own. Fields the job type's wire shape lacks are dropped (see
    /// [`SimJob`]), so `jobs()` always equals what the API lists.
    pub fn insert(&self, job: SimJob) {
        self.sync();
        let ty = job.job_type;
        let mut st = self.inner.state.write().expect("state lock");
        let st = &mut *st;
        let rec = Rec::from_job(&job, &mut st.store.strs);
        if let Some(slot) = st.store.tables[ty].slot(&rec.id) {
            st.live.forget(ty, slot);
        }
        st.store.put(ty, rec, None);
    }

    #[cfg(any(test, feature = "testing"))]
    /// What ListProtectedResources serves, over all accounts and regions: resources with a
    /// recovery point.
    pub fn resources(&self) -> Vec<SimResource> {
        self.sync();
        let st = self.inner.state.read().expect("state lock");
        let store = &st.store;
        let s = &store.strs;
        let org = &st.live.org;
        let stopped: std::collections::HashSet<(&str, &str, &str)> = org
            .resources
            .iter()
            .filter(|r| r.stopped_at.is_some())
            .map(|r| {
                let (a, g) = (&org.accounts[r.account], &org.regions[r.region]);
                (a.as_str(), g.as_str(), r.arn.as_str())
            })
            .collect();
        store
            .resources
            .iter()
            .filter(|r| !r.removed)
            .filter_map(|r| {
                let last = store.last_backup(r)?;
                Some(SimResource {
                    account_id: s.str(r.account).to_owned(),
                    region: s.str(r.region).to_owned(),
                    resource_arn: s.str(r.arn).to_owned(),
                    resource_type: s.str(r.rtype).to_owned(),
                    resource_name: s.opt(r.name).map(str::to_owned),
                    last_backup_time: Some(last.time),
                    stopped: stopped.contains(&(s.str(r.account), s.str(r.region), s.str(r.arn))),
                })
            })
            .collect()
    }

    /// Two resources of `account` in `region` worth watching, for the demo's
    /// `watch_resources`: one restored successfully 20 days before the start, and the one
    /// that never restores successfully. Either is `None` where the organization has none.
    pub fn restore_examples(
        &self,
        account: &str,
        region: &str,
    ) -> (Option<String>, Option<String>) {
        let st = self.inner.state.read().expect("state lock");
        let org = &st.live.org;
        let here = |r: &&crate::generate::org::ResSpec| {
            org.accounts[r.account] == account && org.regions[r.region] == region
        };
        let pick = |f: fn(&crate::generate::org::ResSpec) -> bool| {
            org.resources
                .iter()
                .filter(here)
                .find(|r| f(r))
                .map(|r| r.arn.clone())
        };
        (pick(|r| r.old_restore), pick(|r| r.restore_fails))
    }

    #[cfg(any(test, feature = "testing"))]
    /// Stops protecting the resources with this ARN: ListProtectedResources no longer lists
    /// them (their jobs stay). Returns how many were removed.
    pub fn remove_protected_resource(&self, arn: &str) -> usize {
        self.sync();
        let mut st = self.inner.state.write().expect("state lock");
        let store = &mut st.store;
        let Some(sym) = store.strs.get(arn) else {
            return 0;
        };
        let mut n = 0;
        for r in store.resources.iter_mut().filter(|r| r.arn == sym) {
            n += usize::from(!r.removed);
            r.removed = true;
        }
        n
    }

    #[cfg(any(test, feature = "testing"))]
    /// Every vault ListBackupVaults would show now, over all accounts, regions and vault
    /// types, its recovery points counted as of now.
    pub fn vaults(&self) -> Vec<SimVault> {
        self.sync();
        let st = self.inner.state.read().expect("state lock");
        ops::vaults::vaults_now(&st.live.org, &st.store)
    }

    #[cfg(any(test, feature = "testing"))]
    /// Every restore testing plan ListRestoreTestingPlans would show now, over all accounts
    /// and regions.
    pub fn restore_testing_plans(&self) -> Vec<SimRestoreTestingPlan> {
        self.sync();
        let st = self.inner.state.read().expect("state lock");
        restore_testing_plans(&st.live.org, st.live.cursor)
    }

    #[cfg(any(test, feature = "testing"))]
    /// Replaces the fault settings and restarts their request count.
    pub fn set_faults(&self, faults: Faults) {
        *self.inner.faults.lock().expect("faults lock") = FaultState::new(faults);
    }

    #[cfg(any(test, feature = "testing"))]
    /// Requests answered so far, per operation, and how many got an injected fault.
    pub fn requests(&self) -> RequestCounts {
        self.inner.counts.lock().expect("counts lock").clone()
    }

    /// Jobs held, over all job types, accounts and regions.
    pub fn job_count(&self) -> usize {
        self.sync();
        let st = self.inner.state.read().expect("state lock");
        st.store.tables.iter().map(|(_, t)| t.recs.len()).sum()
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

    /// Answers one request as the HTTP server would: `query` is the raw query string, `auth`
    /// the Authorization header.
    pub fn respond(
        &self,
        method: &str,
        path: &str,
        query: &str,
        auth: Option<&str>,
        body: &[u8],
    ) -> Reply {
        let n = self.inner.req_seq.fetch_add(1, Ordering::Relaxed);
        let request_id = JobId::from_hash(hash(&[0x7E9, n]), n).to_string();
        let mut reply = self.respond_inner(method, path, query, auth, body, &request_id);
        reply.headers.push(("x-amzn-requestid", request_id));
        if method == "HEAD" {
            reply.body.clear();
        }
        reply
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

impl Simulator {
    pub(crate) fn caller(&self, auth: Option<&str>) -> Caller {
        let mgmt = &self.inner.accounts[0];
        let (akid, region) = match auth.and_then(credential_scope) {
            Some((k, r)) => (Some(k), r.to_owned()),
            None => (None, self.inner.regions[0].clone()),
        };
        let account = akid
            .and_then(|k| self.inner.sts.account_of(k))
            .unwrap_or_else(|| mgmt.clone());
        Caller {
            is_management: &account == mgmt,
            account,
            region,
        }
    }

    fn respond_inner(
        &self,
        method: &str,
        path: &str,
        query: &str,
        auth: Option<&str>,
        body: &[u8],
        request_id: &str,
    ) -> Reply {
        let op = match route(method, path) {
            Ok(op) => op,
            Err(r) => return r,
        };
        let caller = self.caller(auth);
        if op == Op::Sts {
            let reply = self.inner.sts.handle(&caller, body, request_id);
            self.record(&sts::action(body), false);
            return reply;
        }
        let (fault, denied) = {
            let mut f = self.inner.faults.lock().expect("faults lock");
            let fault = f.next();
            (
                fault,
                f.faults.denied_operations.iter().any(|d| d == op.name()),
            )
        };
        let mut reply = match fault {
            _ if denied => Reply::error(
                403,
                "AccessDeniedException",
                &format!(
                    "User: arn:aws:sts::{}:assumed-role/aws-backup-exporter/exporter is not \
                     authorized to perform: backup:{} because no identity-based policy allows it",
                    caller.account,
                    op.name()
                ),
            ),
            Some(Fault::Throttle) => Reply::error(400, "ThrottlingException", "Rate exceeded"),
            Some(Fault::Unavailable) => Reply::error(
                503,
                "ServiceUnavailableException",
                "The service is temporarily unavailable. Try again later.",
            ),
            _ => {
                self.sync();
                self.api(&op, query, body, &caller)
            }
        };
        let mut faulted = fault.is_some() || denied || self.injected(&op);
        if fault == Some(Fault::Malformed) && !denied {
            // Only a successful answer can be broken; an error stays an error.
            faulted = reply.status == 200;
            if faulted {
                let keep = (reply.body.len() / 2).max(1);
                reply.body.truncate(keep);
            }
        }
        self.record(op.name(), faulted);
        reply
    }

    /// Whether a standing fault (a looping token, an undescribable job) shaped this answer.
    fn injected(&self, op: &Op) -> bool {
        let f = &self.inner.faults.lock().expect("faults lock").faults;
        match op {
            Op::DescribeRestoreJob(id) => f.undescribable.contains(id),
            op => op.is_listing() && f.loop_tokens,
        }
    }

    fn record(&self, op: &str, faulted: bool) {
        self.inner
            .counts
            .lock()
            .expect("counts lock")
            .record(op, faulted);
    }

    fn api(&self, op: &Op, query: &str, body: &[u8], caller: &Caller) -> Reply {
        if *op == Op::StartRestoreJob {
            let mut st = self.inner.state.write().expect("state lock");
            let st = &mut *st;
            let seed = self.inner.opts.seed;
            return ops::restores::start_restore_job(
                &mut st.store,
                &mut st.live,
                &mut st.started,
                seed,
                body,
                caller,
            );
        }
        let (looping, undescribable) = {
            let f = self.inner.faults.lock().expect("faults lock");
            let gone = match op {
                Op::DescribeRestoreJob(id) => f.faults.undescribable.contains(id),
                _ => false,
            };
            (f.faults.loop_tokens, gone)
        };
        if undescribable && let Op::DescribeRestoreJob(id) = op {
            return Reply::error(
                404,
                "ResourceNotFoundException",
                &format!("Restore job {id} was not found."),
            );
        }
        if looping && op.is_listing() {
            // Every page is the first page, and its token leads back to it.
            let first: String = query
                .split('&')
                .filter(|p| !p.starts_with("nextToken=") && !p.starts_with("NextToken="))
                .collect::<Vec<_>>()
                .join("&");
            let mut reply = self.answer(op, &first, caller);
            if reply.status == 200 {
                loop_token(&mut reply.body);
            }
            return reply;
        }
        self.answer(op, query, caller)
    }

    fn answer(&self, op: &Op, query: &str, caller: &Caller) -> Reply {
        let st = self.inner.state.read().expect("state lock");
        let (store, now) = (&st.store, st.live.cursor);
        let query = Query::parse(query);
        match op {
            Op::ListJobs(SimJobType::Scan) => {
                ops::scans::list_scan_jobs(store, now, &query, caller)
            }
            Op::ListJobs(ty) => ops::jobs::list_jobs(store, now, *ty, &query, caller),
            Op::DescribeRestoreJob(id) => ops::jobs::describe_restore_job(store, now, id, caller),
            Op::ListProtectedResources => {
                ops::resources::list_resources(store, now, &query, caller)
            }
            Op::ListBackupVaults => {
                ops::vaults::list_backup_vaults(&st.live.org, store, &query, caller)
            }
            Op::ListRestoreJobsByProtectedResource(arn) => {
                ops::restores::list_restore_jobs_by_resource(store, now, arn, &query, caller)
            }
            Op::ListJobSummaries(ty) => {
                ops::summaries::list_job_summaries(store, now, *ty, &query, caller)
            }
            Op::ListRestoreTestingPlans => {
                ops::plans::list_restore_testing_plans(&st.live.org, now, &query, caller)
            }
            Op::Sts | Op::StartRestoreJob => Reply::error(500, "InternalFailure", "unreachable"),
        }
    }
}

/// The token of a looping paginator: always the same one.
const LOOP_TOKEN: &str = "6c6f6f70";

/// Replaces (or adds) a listing's NextToken with [`LOOP_TOKEN`].
fn loop_token(body: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(body).into_owned();
    let base = match text.find(",\"NextToken\":") {
        Some(i) => &text[..i],
        None => text.strip_suffix('}').unwrap_or(&text),
    };
    *body = format!("{base},\"NextToken\":\"{LOOP_TOKEN}\"}}").into_bytes();
}

impl Responder for Simulator {
    fn respond(
        &self,
        method: &str,
        path: &str,
        query: &str,
        auth: Option<&str>,
        body: &[u8],
    ) -> Reply {
        Simulator::respond(self, method, path, query, auth, body)
    }

    fn latency(&self) -> Duration {
        self.inner
            .faults
            .lock()
            .expect("faults lock")
            .faults
            .latency
    }
}
