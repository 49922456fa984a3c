//! HTTP front: routing, caller identity from the SigV4 header, fault injection, and the
//! listing operations. Kept free of hyper types below `serve` so tests can call `respond`
//! directly.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::Simulator;
use super::faults::Fault;
use super::model::{JobId, Sym};
use super::rng::hash;
use super::store::{Accounts, BACKUP, COPY, Index, JobFilter, RESTORE, Store};
use super::sts;
use super::wire::{
    JobWriter, decode_token, encode_token, error_body, json_str, parse_date, parse_query,
};

/// Token operation byte for ListProtectedResources (job listings use their table index).
const RESOURCES_OP: u8 = 3;

/// A response before it becomes an HTTP one.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body,
        }
    }

    pub(crate) fn xml(status: u16, body: String) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "text/xml".into())],
            body: body.into_bytes(),
        }
    }

    /// An AWS JSON error: the code in the body and in `X-Amzn-ErrorType`.
    pub(crate) fn error(status: u16, code: &str, message: &str) -> Reply {
        let mut r = Reply::json(status, error_body(code, message));
        r.headers.push(("x-amzn-errortype", code.to_owned()));
        r
    }

    #[cfg(test)]
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn invalid(message: &str) -> Reply {
    Reply::error(400, "InvalidParameterValueException", message)
}

/// Who is calling, from the SigV4 credential scope.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub account: String,
    pub region: String,
    pub is_management: bool,
}

/// `Credential=AKID/20261122/us-east-1/backup/aws4_request` → (access key id, region).
pub(crate) fn credential_scope(auth: &str) -> Option<(&str, &str)> {
    let start = auth.find("Credential=")? + "Credential=".len();
    let rest = &auth[start..];
    let end = rest.find([',', ' ']).unwrap_or(rest.len());
    let mut parts = rest[..end].split('/');
    let akid = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    Some((akid, region))
}

#[derive(Clone, Debug, PartialEq)]
enum Op {
    ListJobs(usize),
    DescribeRestoreJob(String),
    ListProtectedResources,
    Sts,
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::ListJobs(BACKUP) => "ListBackupJobs",
            Op::ListJobs(RESTORE) => "ListRestoreJobs",
            Op::ListJobs(_) => "ListCopyJobs",
            Op::DescribeRestoreJob(_) => "DescribeRestoreJob",
            Op::ListProtectedResources => "ListProtectedResources",
            Op::Sts => "STS",
        }
    }
}

fn route(method: &str, path: &str) -> Result<Op, Reply> {
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let (op, allowed) = match trimmed {
        "/" => (Op::Sts, "POST"),
        "/backup-jobs" => (Op::ListJobs(BACKUP), "GET"),
        "/restore-jobs" => (Op::ListJobs(RESTORE), "GET"),
        "/copy-jobs" => (Op::ListJobs(COPY), "GET"),
        "/resources" => (Op::ListProtectedResources, "GET"),
        p => match p.strip_prefix("/restore-jobs/") {
            Some(id) if !id.is_empty() && !id.contains('/') => (
                Op::DescribeRestoreJob(super::wire::percent_decode_path(id)),
                "GET",
            ),
            _ => {
                return Err(Reply::error(
                    404,
                    "UnknownOperationException",
                    &format!("No operation at {path}"),
                ));
            }
        },
    };
    let head_ok = method == "HEAD" && allowed == "GET";
    if method != allowed && !head_ok {
        let mut r = Reply::error(
            405,
            "MethodNotAllowedException",
            &format!("{method} is not allowed on {path}"),
        );
        r.headers.push(("allow", allowed.to_owned()));
        return Err(r);
    }
    Ok(op)
}

impl Simulator {
    pub(crate) fn caller(&self, auth: Option<&str>) -> Caller {
        let mgmt = &self.inner.accounts[0];
        let (akid, region) = match auth.and_then(credential_scope) {
            Some((k, r)) => (Some(k), r.to_owned()),
            None => (None, self.inner.regions[0].clone()),
        };
        let issued = akid.and_then(|k| self.inner.keys.lock().expect("keys lock").get(k).cloned());
        let account = issued.unwrap_or_else(|| mgmt.clone());
        Caller {
            is_management: &account == mgmt,
            account,
            region,
        }
    }

    /// Answers one request. `query` is the raw query string, `auth` the Authorization header.
    pub(crate) fn respond(
        &self,
        method: &str,
        path: &str,
        query: &str,
        auth: Option<&str>,
        body: &[u8],
    ) -> Reply {
        let n = self.inner.req_seq.fetch_add(1, Ordering::Relaxed);
        let request_id = super::model::JobId::from_hash(hash(&[0x7E9, n]), n).to_string();
        let mut reply = self.respond_inner(method, path, query, auth, body, &request_id);
        reply.headers.push(("x-amzn-requestid", request_id));
        if method == "HEAD" {
            reply.body.clear();
        }
        reply
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
            let reply = sts::handle(self, &caller, body, request_id);
            self.record(&sts::action(body), false);
            return reply;
        }
        let fault = self.inner.faults.lock().expect("faults lock").next();
        let mut reply = match fault {
            Some(Fault::Throttle) => Reply::error(400, "ThrottlingException", "Rate exceeded"),
            Some(Fault::Unavailable) => Reply::error(
                503,
                "ServiceUnavailableException",
                "The service is temporarily unavailable. Try again later.",
            ),
            _ => {
                self.sync();
                self.api(&op, query, &caller)
            }
        };
        let mut faulted = fault.is_some();
        if fault == Some(Fault::Malformed) {
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

    fn record(&self, op: &str, faulted: bool) {
        self.inner
            .counts
            .lock()
            .expect("counts lock")
            .record(op, faulted);
    }

    fn api(&self, op: &Op, query: &str, caller: &Caller) -> Reply {
        match op {
            Op::ListJobs(ty) => self.list_jobs(*ty, query, caller),
            Op::DescribeRestoreJob(id) => self.describe_restore_job(id, caller),
            Op::ListProtectedResources => self.list_resources(query, caller),
            Op::Sts => Reply::error(500, "InternalFailure", "unreachable"),
        }
    }

    fn list_jobs(&self, ty: usize, query: &str, caller: &Caller) -> Reply {
        let params = parse_query(query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let max = match max_results(get("maxResults")) {
            Ok(m) => m,
            Err(r) => return r,
        };
        let created = match date_range(get("createdAfter"), get("createdBefore")) {
            Ok(r) => r.unwrap_or((i64::MIN, i64::MAX)),
            Err(r) => return r,
        };
        let completed = match date_range(get("completeAfter"), get("completeBefore")) {
            Ok(r) => r,
            Err(r) => return r,
        };
        let account = match get("accountId") {
            None => Some(caller.account.as_str()),
            Some("*") => None,
            Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => Some(a),
            Some(a) => return invalid(&format!("Invalid accountId {a:?}")),
        };
        let token = match get("nextToken") {
            None => None,
            Some(t) => match decode_token(t) {
                Some((op, idx, key)) if usize::from(op) == ty => Some((idx, key)),
                _ => return invalid("The next token is not valid."),
            },
        };
        let key = |backup: &'static str, restore: &'static str, copy: &'static str| match ty {
            BACKUP => backup,
            RESTORE => restore,
            _ => copy,
        };
        // Parameters each operation's SDK input has; others are ignored, as AWS does.
        let p = |name: &str, applies: bool| if applies { get(name) } else { None };
        let is_backup = ty == BACKUP;
        let is_restore = ty == RESTORE;
        let is_copy = ty == COPY;
        let strings = [
            p(key("state", "status", "state"), true),
            p("resourceArn", !is_restore),
            p("resourceType", true),
            p("backupVaultName", is_backup),
            p("parentJobId", true),
            p("messageCategory", !is_restore),
            p("restoreTestingPlanArn", is_restore),
        ];
        let dest = p("destinationVaultArn", is_copy);
        let source = p("sourceRecoveryPointArn", is_copy);
        let list_key = key("BackupJobs", "RestoreJobs", "CopyJobs");

        let st = self.inner.state.read().expect("state lock");
        let store = &st.store;
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"{\"");
        out.extend_from_slice(list_key.as_bytes());
        out.extend_from_slice(b"\":[");
        let Some(filter) = resolve(
            store, caller, account, &strings, created, completed, dest, source,
        ) else {
            // A value no job has: nothing can match.
            out.extend_from_slice(b"]}");
            return Reply::json(200, out);
        };
        let idx = store.index_for(&filter);
        let after = match token {
            Some((i, k)) if i == idx => Some(k),
            Some(_) => return invalid("The next token does not belong to this query."),
            None => None,
        };
        let (slots, next) = store.list(ty, &filter, idx, after, max);
        out.reserve(slots.len() * 1024);
        let mut w = JobWriter::new(store, st.live.cursor);
        for (i, &slot) in slots.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            w.write(&mut out, ty, slot);
        }
        out.push(b']');
        if let Some(k) = next {
            out.extend_from_slice(b",\"NextToken\":");
            json_str(&mut out, &encode_token(ty as u8, idx, k));
        }
        out.push(b'}');
        Reply::json(200, out)
    }

    fn describe_restore_job(&self, id: &str, caller: &Caller) -> Reply {
        let st = self.inner.state.read().expect("state lock");
        let store = &st.store;
        let t = &store.tables[RESTORE];
        let visible = t.slot(&JobId::parse(id)).filter(|&slot| {
            let r = &t.recs[slot as usize];
            store.strs.str(r.region) == caller.region
                && (caller.is_management || store.strs.str(r.account) == caller.account)
        });
        match visible {
            Some(slot) => {
                let mut out = Vec::with_capacity(1024);
                JobWriter::new(store, st.live.cursor).write(&mut out, RESTORE, slot);
                Reply::json(200, out)
            }
            None => Reply::error(
                404,
                "ResourceNotFoundException",
                &format!("Restore job {id} was not found."),
            ),
        }
    }

    fn list_resources(&self, query: &str, caller: &Caller) -> Reply {
        let params = parse_query(query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let max = match max_results(get("maxResults")) {
            Ok(m) => m,
            Err(r) => return r,
        };
        let after = match get("nextToken") {
            None => None,
            Some(t) => match decode_token(t) {
                Some((RESOURCES_OP, Index::Resources, (_, i))) => Some(i),
                _ => return invalid("The next token is not valid."),
            },
        };
        let st = self.inner.state.read().expect("state lock");
        let store = &st.store;
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"{\"Results\":[");
        let (Some(account), Some(region)) = (
            store.strs.get(&caller.account),
            store.strs.get(&caller.region),
        ) else {
            out.extend_from_slice(b"]}");
            return Reply::json(200, out);
        };
        let (items, next) = store.list_resources(account, region, after, max);
        let mut w = JobWriter::new(store, st.live.cursor);
        for (i, &r) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            w.resource(&mut out, r);
        }
        out.push(b']');
        if let Some(i) = next {
            out.extend_from_slice(b",\"NextToken\":");
            json_str(
                &mut out,
                &encode_token(RESOURCES_OP, Index::Resources, (0, i)),
            );
        }
        out.push(b'}');
        Reply::json(200, out)
    }
}

fn max_results(v: Option<&str>) -> Result<usize, Reply> {
    match v {
        None => Ok(1000),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(n as usize),
            _ => Err(invalid(&format!(
                "maxResults must be between 1 and 1000, got {v:?}"
            ))),
        },
    }
}

/// `after`/`before` dates as an inclusive range of whole seconds; both bounds are strict, as
/// the words say ("created after", "completed before").
fn date_range(after: Option<&str>, before: Option<&str>) -> Result<Option<(i64, i64)>, Reply> {
    if after.is_none() && before.is_none() {
        return Ok(None);
    }
    let parse = |s: &str| parse_date(s).ok_or_else(|| invalid(&format!("Invalid date {s:?}")));
    let lo = match after {
        Some(s) => parse(s)?.0.saturating_add(1),
        None => i64::MIN,
    };
    let hi = match before {
        Some(s) => {
            let (secs, nanos) = parse(s)?;
            if nanos > 0 {
                secs
            } else {
                secs.saturating_sub(1)
            }
        }
        None => i64::MAX,
    };
    Ok(Some((lo, hi)))
}

#[allow(clippy::too_many_arguments)]
fn resolve<'a>(
    store: &Store,
    caller: &Caller,
    account: Option<&str>,
    strings: &[Option<&str>; 7],
    created: (i64, i64),
    completed: Option<(i64, i64)>,
    dest: Option<&'a str>,
    source: Option<&'a str>,
) -> Option<JobFilter<'a>> {
    let sym = |v: Option<&str>| -> Option<Option<Sym>> {
        match v {
            None => Some(None),
            Some(s) => store.strs.get(s).map(Some),
        }
    };
    let accounts = match account {
        None => Accounts::All,
        Some(a) => Accounts::One(store.strs.get(a)?),
    };
    Some(JobFilter {
        region: store.strs.get(&caller.region)?,
        accounts,
        state: sym(strings[0])?,
        resource_arn: sym(strings[1])?,
        resource_type: sym(strings[2])?,
        vault: sym(strings[3])?,
        parent: sym(strings[4])?,
        category: sym(strings[5])?,
        plan: sym(strings[6])?,
        created,
        completed,
        dest_vault_arn: dest,
        source_rp_arn: source,
    })
}

/// Accepts connections until `stop` fires or is dropped; connections die with this task.
pub(crate) async fn serve(listener: TcpListener, sim: Simulator, mut stop: oneshot::Receiver<()>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let sim = sim.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req| {
                        let sim = sim.clone();
                        async move { Ok::<_, Infallible>(handle(sim, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

async fn handle(sim: Simulator, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let latency = sim.inner.faults.lock().expect("faults lock").faults.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let auth = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let reply = sim.respond(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        auth,
        &body,
    );
    let mut resp = Response::new(Full::new(Bytes::from(reply.body)));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    for (k, v) in reply.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

/// `http://IP:PORT` for a bound address; a wildcard bind is reached over loopback.
pub(crate) fn endpoint_url(addr: SocketAddr) -> String {
    let ip = addr.ip();
    match ip {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => {
            format!("http://127.0.0.1:{}", addr.port())
        }
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => format!("http://[::1]:{}", addr.port()),
        std::net::IpAddr::V6(v6) => format!("http://[{v6}]:{}", addr.port()),
        std::net::IpAddr::V4(v4) => format!("http://{v4}:{}", addr.port()),
    }
}
