//! Behaviour of the simulated API as a client sees it: exact sets, exact statuses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::generate::org::HOSTILE_NAME;
use super::query::{format_date, parse_date};
use super::reply::credential_scope;
use super::*;

/// 2026-11-22T10:00:00Z
const NOW: i64 = 1_795_341_600;
const ACTIVE: [&str; 4] = ["CREATED", "PENDING", "RUNNING", "ABORTING"];

fn sim() -> Simulator {
    Simulator::new(SimOptions::default(), NOW)
}

fn auth(akid: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={akid}/20261122/{region}/backup/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0123abcd"
    )
}

fn mgmt_auth(region: &str) -> String {
    auth("AKIDSIM", region)
}

fn get(sim: &Simulator, path_query: &str, auth: &str) -> Reply {
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    sim.respond("GET", path, query, Some(auth), b"")
}

fn json(r: &Reply) -> Value {
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&r.body)))
}

/// Percent-encodes as the SDK does: everything but unreserved characters.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn date(secs: i64) -> String {
    enc(&format_date(secs))
}

/// Every page of a listing; returns the items and the number of pages.
fn list_all(
    sim: &Simulator,
    path: &str,
    query: &str,
    auth: &str,
    key: &str,
) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = query.to_owned();
        if let Some(t) = &token {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&format!("{}={}", token_param(path), enc(t)));
        }
        let r = get(sim, &format!("{path}?{q}"), auth);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v = json(&r);
        pages += 1;
        items.extend(v[key].as_array().expect("list").iter().cloned());
        match v.get("NextToken") {
            Some(t) => token = Some(t.as_str().expect("token").to_owned()),
            None => break,
        }
        assert!(pages < 100_000, "pagination does not end");
    }
    (items, pages)
}

/// The page token's query name: PascalCase for the newer operations.
fn token_param(path: &str) -> &'static str {
    let pascal = ["/scan/", "/audit/", "/restore-testing/"];
    if pascal.iter().any(|p| path.starts_with(p)) {
        "NextToken"
    } else {
        "nextToken"
    }
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn n(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

fn vault_name(arn: Option<String>) -> Option<String> {
    arn.map(|a| a.rsplit("backup-vault:").next().unwrap().to_owned())
}

/// A listed job as a [`SimJob`], to compare with `jobs()`.
fn from_wire(ty: SimJobType, region: &str, v: &Value) -> SimJob {
    let (id, state, arn, vault, category, name) = match ty {
        SimJobType::Backup => (
            "BackupJobId",
            "State",
            "ResourceArn",
            s(v, "BackupVaultName"),
            s(v, "MessageCategory"),
            s(v, "ResourceName"),
        ),
        SimJobType::Restore => (
            "RestoreJobId",
            "Status",
            "SourceResourceArn",
            vault_name(s(v, "BackupVaultArn")),
            None,
            None,
        ),
        SimJobType::Copy => (
            "CopyJobId",
            "State",
            "ResourceArn",
            vault_name(s(v, "SourceBackupVaultArn")),
            s(v, "MessageCategory"),
            s(v, "ResourceName"),
        ),
        SimJobType::Scan => (
            "ScanJobId",
            "State",
            "ResourceArn",
            s(v, "BackupVaultName"),
            None,
            s(v, "ResourceName"),
        ),
    };
    let scan = ty == SimJobType::Scan;
    SimJob {
        job_type: ty,
        job_id: s(v, id).unwrap(),
        account_id: s(v, "AccountId").unwrap(),
        region: region.to_owned(),
        state: s(v, state).unwrap(),
        status_message: s(v, "StatusMessage"),
        message_category: category,
        resource_arn: s(v, arn).unwrap(),
        resource_type: s(v, "ResourceType").unwrap(),
        resource_name: name,
        backup_vault_name: vault,
        creation_date: n(v, "CreationDate"),
        completion_date: n(v, "CompletionDate"),
        backup_size_bytes: n(v, "BackupSizeInBytes"),
        is_parent: v["IsParent"].as_bool().unwrap_or_else(|| {
            assert!(scan, "{v}");
            false
        }),
        parent_job_id: s(v, "ParentJobId"),
        restore_testing_plan_arn: v
            .get("CreatedBy")
            .and_then(|c| s(c, "RestoreTestingPlanArn")),
        validation_status: s(v, "ValidationStatus"),
        created_by: v
            .get("CreatedBy")
            .filter(|c| c.get("BackupRuleCron").is_some())
            .map(|c| SimCreatedBy {
                plan_name: s(c, "BackupPlanName").unwrap(),
                rule_name: s(c, "BackupRuleName").unwrap(),
                cron: s(c, "BackupRuleCron").unwrap(),
                timezone: s(c, "BackupRuleTimezone").unwrap(),
            }),
        malware_scanner: s(v, "MalwareScanner"),
        scan_result_status: v.get("ScanResult").and_then(|r| s(r, "ScanResultStatus")),
    }
}

fn path_of(ty: &SimJobType) -> (&'static str, &'static str) {
    match ty {
        SimJobType::Backup => ("/backup-jobs", "BackupJobs"),
        SimJobType::Restore => ("/restore-jobs", "RestoreJobs"),
        SimJobType::Copy => ("/copy-jobs", "CopyJobs"),
        SimJobType::Scan => ("/scan/jobs", "ScanJobs"),
    }
}

fn sorted(mut jobs: Vec<SimJob>) -> Vec<SimJob> {
    jobs.sort_by(|a, b| a.job_id.cmp(&b.job_id));
    jobs
}

fn listed(sim: &Simulator, ty: SimJobType, region: &str, query: &str) -> Vec<SimJob> {
    let (path, key) = path_of(&ty);
    let (items, _) = list_all(sim, path, query, &mgmt_auth(region), key);
    sorted(items.iter().map(|v| from_wire(ty, region, v)).collect())
}

fn expected(
    sim: &Simulator,
    ty: SimJobType,
    region: &str,
    pred: impl Fn(&SimJob) -> bool,
) -> Vec<SimJob> {
    sorted(
        sim.jobs()
            .into_iter()
            .filter(|j| j.job_type == ty && j.region == region && pred(j))
            .map(wire_view)
            .collect(),
    )
}

/// What [`from_wire`] can read back of a job: a scan's CreatedBy shows only the ids its rule
/// derives, not the rule.
fn wire_view(mut j: SimJob) -> SimJob {
    if j.job_type == SimJobType::Scan {
        j.created_by = None;
    }
    j
}

/// The real SDK client against a served simulator, signing as `akid` (`AKIDSIM`: the
/// management account; keys from [`assume`]: that role's account), without retries.
fn sdk_client(url: &str, akid: &str, region: &str) -> aws_sdk_backup::Client {
    use aws_credential_types::Credentials;
    use aws_sdk_backup::config::{BehaviorVersion, Region, retry::RetryConfig};
    let conf = aws_sdk_backup::config::Builder::new()
        .region(Region::new(region.to_owned()))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(akid, "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .behavior_version(BehaviorVersion::latest())
        .build();
    aws_sdk_backup::Client::from_conf(conf)
}

fn error_code(r: &Reply) -> String {
    s(&json(r), "__type").unwrap()
}

#[test]
fn same_seed_and_time_give_the_same_jobs() {
    let a = sim().jobs();
    let b = sim().jobs();
    assert!(a.len() > 500, "only {} jobs", a.len());
    assert_eq!(a, b);
    assert_eq!(sim().resources(), sim().resources());
    let other = Simulator::new(
        SimOptions {
            seed: 2,
            ..SimOptions::default()
        },
        NOW,
    )
    .jobs();
    assert_ne!(sorted(a), sorted(other));
}

#[test]
fn the_organization_looks_like_a_real_one() {
    let sim = sim();
    let jobs = sim.jobs();
    let accounts = sim.accounts();
    assert_eq!(accounts.len(), 3);
    assert_eq!(accounts[0], sim.management_account());
    assert_eq!(accounts.iter().collect::<BTreeSet<_>>().len(), 3);
    for a in &accounts {
        assert!(
            a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()),
            "{a}"
        );
    }
    let count = |f: &dyn Fn(&SimJob) -> bool| jobs.iter().filter(|j| f(j)).count();
    let backups = count(&|j| j.job_type == SimJobType::Backup);
    let failed = count(&|j| j.job_type == SimJobType::Backup && j.state == "FAILED");
    let pct = failed as f64 * 100.0 / backups as f64;
    assert!((3.0..=8.0).contains(&pct), "{pct:.1} % failed");
    for state in [
        "COMPLETED",
        "FAILED",
        "EXPIRED",
        "ABORTED",
        "PARTIAL",
        "RUNNING",
    ] {
        assert!(
            count(&|j| j.job_type == SimJobType::Backup && j.state == state) > 0,
            "no {state} backup job"
        );
    }
    for ty in [SimJobType::Restore, SimJobType::Copy] {
        assert!(count(&|j| j.job_type == ty && j.state == "COMPLETED") > 10);
        assert!(count(&|j| j.job_type == ty && j.state == "FAILED") > 0);
    }
    let types: BTreeSet<&str> = jobs.iter().map(|j| j.resource_type.as_str()).collect();
    for t in ["EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3"] {
        assert!(types.contains(t), "no {t} jobs");
    }
    // Every account and region has jobs; every job lies in the history window.
    for a in &accounts {
        for r in ["us-east-1", "eu-west-1"] {
            assert!(count(&|j| &j.account_id == a && j.region == r) > 50);
        }
    }
    for j in &jobs {
        assert!(j.creation_date.unwrap() <= NOW);
        match j.completion_date {
            // The restore history goes further back (see tests::restores).
            Some(c) if j.job_type == SimJobType::Restore && c < NOW - 8 * 86_400 => {}
            Some(c) => {
                assert!(!ACTIVE.contains(&j.state.as_str()), "{j:?}");
                assert!(
                    (NOW - 26 * 3600..=NOW).contains(&c) && c > j.creation_date.unwrap(),
                    "{j:?}"
                );
            }
            None => assert!(ACTIVE.contains(&j.state.as_str()), "{j:?}"),
        }
        match j.job_type {
            SimJobType::Restore => {
                assert_eq!(j.message_category, None);
                assert_eq!(j.resource_name, None);
            }
            SimJobType::Scan => {
                assert_eq!(j.message_category, None);
                assert_eq!(j.malware_scanner.as_deref(), Some("GUARDDUTY"));
                assert!(matches!(j.resource_type.as_str(), "EBS" | "EC2" | "S3"));
            }
            _ => {
                assert_eq!(
                    j.message_category.is_some(),
                    j.completion_date.is_some(),
                    "{j:?}"
                );
                assert_eq!(j.restore_testing_plan_arn, None);
                assert_eq!(j.validation_status, None);
            }
        }
        if j.state == "FAILED" && j.job_type != SimJobType::Restore {
            assert!(j.status_message.is_some());
            assert_ne!(j.message_category.as_deref(), Some("SUCCESS"));
        }
    }
    // Composite jobs: children name an existing parent of the same resource type.
    let parents: BTreeMap<&str, &SimJob> = jobs
        .iter()
        .filter(|j| j.is_parent)
        .map(|j| (j.job_id.as_str(), j))
        .collect();
    assert!(!parents.is_empty());
    let children: Vec<&SimJob> = jobs.iter().filter(|j| j.parent_job_id.is_some()).collect();
    assert!(children.len() >= 2 * parents.len() - 2);
    for c in children {
        if let Some(p) = parents.get(c.parent_job_id.as_deref().unwrap()) {
            assert_eq!(p.resource_type, c.resource_type);
        }
    }
    // Restore tests carry their plan and a validation status once completed.
    let tests: Vec<&SimJob> = jobs
        .iter()
        .filter(|j| j.restore_testing_plan_arn.is_some())
        .collect();
    assert!(tests.len() > 10);
    for t in &tests {
        let arn = t.restore_testing_plan_arn.as_deref().unwrap();
        let prefix = format!(
            "arn:aws:backup:{}:{}:restore-testing-plan:",
            t.region, t.account_id
        );
        assert!(arn.starts_with(&prefix), "{arn}");
        assert_eq!(
            t.validation_status.is_some(),
            t.state == "COMPLETED",
            "{t:?}"
        );
    }
    assert!(
        jobs.iter()
            .any(|j| j.job_type == SimJobType::Restore && j.restore_testing_plan_arn.is_none())
    );
}

#[test]
fn one_resource_carries_hostile_label_characters() {
    let sim = sim();
    let mgmt = sim.management_account();
    let res: Vec<SimResource> = sim
        .resources()
        .into_iter()
        .filter(|r| r.resource_name.as_deref() == Some(HOSTILE_NAME))
        .collect();
    assert_eq!(res.len(), 1);
    let arn = format!("arn:aws:dynamodb:us-east-1:{mgmt}:table/{HOSTILE_NAME}");
    assert_eq!(res[0].resource_arn, arn);
    assert!(arn.contains('"') && arn.contains('\\') && arn.contains('\n') && !arn.is_ascii());
    // The API hands it out intact, and filters on it.
    let q = format!("resourceArn={}", enc(&arn));
    let got = listed(&sim, SimJobType::Backup, "us-east-1", &q);
    assert!(got.len() >= 20, "{} jobs", got.len());
    assert_eq!(
        got,
        expected(&sim, SimJobType::Backup, "us-east-1", |j| j.account_id
            == mgmt
            && j.resource_arn == arn)
    );
    assert!(
        got.iter()
            .all(|j| j.resource_name.as_deref() == Some(HOSTILE_NAME))
    );
}

#[test]
fn listings_round_trip_every_job() {
    let sim = sim();
    let mut all = Vec::new();
    for ty in SimJobType::ALL {
        let all_accounts = match ty {
            SimJobType::Scan => "ByAccountId=*",
            _ => "accountId=*",
        };
        for region in sim.regions() {
            let got = listed(&sim, ty, &region, all_accounts);
            assert_eq!(got, expected(&sim, ty, &region, |_| true));
            all.extend(got);
        }
    }
    assert_eq!(
        sorted(all),
        sorted(sim.jobs().into_iter().map(wire_view).collect())
    );
}

#[test]
fn every_filter_selects_exactly_the_matching_jobs() {
    let sim = sim();
    let jobs = sim.jobs();
    let r = "us-east-1";
    let parent = jobs
        .iter()
        .find(|j| j.is_parent && j.region == r)
        .expect("a parent job")
        .job_id
        .clone();
    let ec2 = jobs
        .iter()
        .find(|j| j.resource_type == "EC2" && j.region == r)
        .expect("an EC2 job")
        .resource_arn
        .clone();
    type Pred = Box<dyn Fn(&SimJob) -> bool>;
    let cases: Vec<(String, Pred)> = vec![
        (
            "state=FAILED".into(),
            Box::new(|j: &SimJob| j.state == "FAILED"),
        ),
        (
            "state=RUNNING".into(),
            Box::new(|j: &SimJob| j.state == "RUNNING"),
        ),
        (
            "state=CREATED".into(),
            Box::new(|j: &SimJob| j.state == "CREATED"),
        ),
        (
            "resourceType=EC2".into(),
            Box::new(|j: &SimJob| j.resource_type == "EC2"),
        ),
        (format!("resourceArn={}", enc(&ec2)), {
            let ec2 = ec2.clone();
            Box::new(move |j: &SimJob| j.resource_arn == ec2)
        }),
        (
            "backupVaultName=prod-hourly".into(),
            Box::new(|j: &SimJob| j.backup_vault_name.as_deref() == Some("prod-hourly")),
        ),
        (format!("parentJobId={parent}"), {
            let p = parent.clone();
            Box::new(move |j: &SimJob| j.parent_job_id.as_deref() == Some(&p))
        }),
        (
            "messageCategory=AccessDenied".into(),
            Box::new(|j: &SimJob| j.message_category.as_deref() == Some("AccessDenied")),
        ),
        (
            format!("createdAfter={}", date(NOW - 6 * 3600)),
            Box::new(|j: &SimJob| j.creation_date.unwrap() > NOW - 6 * 3600),
        ),
        (
            format!("createdBefore={}", date(NOW - 20 * 3600)),
            Box::new(|j: &SimJob| j.creation_date.unwrap() < NOW - 20 * 3600),
        ),
        (
            format!("completeAfter={}", date(NOW - 2 * 3600)),
            Box::new(|j: &SimJob| j.completion_date.is_some_and(|c| c > NOW - 2 * 3600)),
        ),
        (
            format!("completeBefore={}", date(NOW - 10 * 3600)),
            Box::new(|j: &SimJob| j.completion_date.is_some_and(|c| c < NOW - 10 * 3600)),
        ),
        (
            // Fractional seconds: "after 08:00:00.5" excludes 08:00:00 and includes 08:00:01.
            format!("completeAfter={}", enc("2026-11-22T08:00:00.5Z")),
            Box::new(|j: &SimJob| j.completion_date.is_some_and(|c| c >= NOW - 7199)),
        ),
        (
            format!(
                "state=COMPLETED&resourceType=EBS&completeAfter={}&completeBefore={}",
                date(NOW - 12 * 3600),
                date(NOW - 3600)
            ),
            Box::new(|j: &SimJob| {
                j.state == "COMPLETED"
                    && j.resource_type == "EBS"
                    && j.completion_date
                        .is_some_and(|c| c > NOW - 12 * 3600 && c < NOW - 3600)
            }),
        ),
        ("state=NOPE".into(), Box::new(|_: &SimJob| false)),
    ];
    for (q, pred) in &cases {
        let want = expected(&sim, SimJobType::Backup, r, |j| pred(j));
        let got = listed(&sim, SimJobType::Backup, r, &format!("accountId=*&{q}"));
        assert_eq!(got, want, "{q}");
        if !q.contains("NOPE") && !q.contains("CREATED") {
            assert!(!want.is_empty(), "{q} matches nothing");
        }
    }

    // Restore-only filters.
    let plan = jobs
        .iter()
        .find(|j| j.restore_testing_plan_arn.is_some() && j.region == r)
        .and_then(|j| j.restore_testing_plan_arn.clone())
        .unwrap();
    let p2 = plan.clone();
    let restore_cases: Vec<(String, Pred)> = vec![
        (
            "status=COMPLETED".into(),
            Box::new(|j: &SimJob| j.state == "COMPLETED"),
        ),
        (format!("restoreTestingPlanArn={}", enc(&plan)), {
            Box::new(move |j: &SimJob| j.restore_testing_plan_arn.as_deref() == Some(&p2))
        }),
        (
            format!("completeAfter={}", date(NOW - 5 * 3600)),
            Box::new(|j: &SimJob| j.completion_date.is_some_and(|c| c > NOW - 5 * 3600)),
        ),
        // A backup-only parameter is ignored, as AWS ignores unknown query parameters.
        ("backupVaultName=zzz".into(), Box::new(|_: &SimJob| true)),
    ];
    for (q, pred) in &restore_cases {
        let want = expected(&sim, SimJobType::Restore, r, |j| pred(j));
        assert!(!want.is_empty(), "{q}");
        assert_eq!(
            listed(&sim, SimJobType::Restore, r, &format!("accountId=*&{q}")),
            want,
            "{q}"
        );
    }

    // Copy-only filters, on values taken from the wire.
    let (copies, _) = list_all(&sim, "/copy-jobs", "accountId=*", &mgmt_auth(r), "CopyJobs");
    let dest = s(&copies[0], "DestinationBackupVaultArn").unwrap();
    let src = s(&copies[0], "SourceRecoveryPointArn").unwrap();
    let src_job = s(&copies[0], "CreatedByBackupJobId").unwrap();
    let with = |k: &str, v: &str| -> BTreeSet<String> {
        copies
            .iter()
            .filter(|c| s(c, k).as_deref() == Some(v))
            .map(|c| s(c, "CopyJobId").unwrap())
            .collect()
    };
    for (param, field, value) in [
        ("destinationVaultArn", "DestinationBackupVaultArn", &dest),
        ("sourceRecoveryPointArn", "SourceRecoveryPointArn", &src),
    ] {
        let q = format!("accountId=*&{param}={}", enc(value));
        let got: BTreeSet<String> = listed(&sim, SimJobType::Copy, r, &q)
            .into_iter()
            .map(|j| j.job_id)
            .collect();
        assert_eq!(got, with(field, value), "{param}");
        assert!(!got.is_empty());
    }
    // A copy reads the recovery point its source backup job created.
    let (backups, _) = list_all(
        &sim,
        "/backup-jobs",
        "accountId=*",
        &mgmt_auth(r),
        "BackupJobs",
    );
    let b = backups
        .iter()
        .find(|b| s(b, "BackupJobId").as_deref() == Some(&src_job))
        .expect("the source backup job is listed");
    assert_eq!(s(b, "RecoveryPointArn").as_deref(), Some(src.as_str()));
}

#[test]
fn pages_join_to_exactly_the_filtered_set() {
    let sim = sim();
    let want = expected(&sim, SimJobType::Backup, "us-east-1", |_| true);
    for max in [1, 7, 100, 1000] {
        let (items, pages) = list_all(
            &sim,
            "/backup-jobs",
            &format!("accountId=*&maxResults={max}"),
            &mgmt_auth("us-east-1"),
            "BackupJobs",
        );
        assert_eq!(pages, want.len().div_ceil(max), "maxResults={max}");
        let ids: Vec<String> = items.iter().map(|v| s(v, "BackupJobId").unwrap()).collect();
        assert_eq!(
            ids.iter().collect::<BTreeSet<_>>().len(),
            ids.len(),
            "duplicates"
        );
        let got = sorted(
            items
                .iter()
                .map(|v| from_wire(SimJobType::Backup, "us-east-1", v))
                .collect(),
        );
        assert_eq!(got, want);
    }
    // A listing that ends exactly at a page boundary has no token on its last page.
    let n = want.len();
    let r = json(&get(
        &sim,
        &format!("/backup-jobs?accountId=*&maxResults={}", n.min(1000)),
        &mgmt_auth("us-east-1"),
    ));
    if n <= 1000 {
        assert!(r.get("NextToken").is_none());
    }
    let empty = json(&get(
        &sim,
        "/copy-jobs?state=EXPIRED",
        &mgmt_auth("us-east-1"),
    ));
    assert_eq!(empty, serde_json::json!({"CopyJobs": []}));
}

fn new_job(id: &str, creation: i64, completion: Option<i64>, state: &str, account: &str) -> SimJob {
    SimJob {
        job_type: SimJobType::Backup,
        job_id: id.to_owned(),
        account_id: account.to_owned(),
        region: "us-east-1".into(),
        state: state.into(),
        status_message: None,
        message_category: completion.map(|_| "SUCCESS".to_owned()),
        resource_arn: format!("arn:aws:ec2:us-east-1:{account}:volume/vol-0123456789abcdef0"),
        resource_type: "EBS".into(),
        resource_name: Some("late-volume".into()),
        backup_vault_name: Some("Default".into()),
        creation_date: Some(creation),
        completion_date: completion,
        backup_size_bytes: completion.map(|_| 8 << 30),
        is_parent: false,
        parent_job_id: None,
        restore_testing_plan_arn: None,
        validation_status: None,
        created_by: None,
        malware_scanner: None,
        scan_result_status: None,
    }
}

#[test]
fn tokens_stay_valid_when_jobs_arrive_between_pages() {
    let sim = sim();
    let mgmt = sim.management_account();
    let a = mgmt_auth("us-east-1");
    for query in [
        "accountId=*&maxResults=50".to_owned(),
        format!(
            "accountId=*&maxResults=50&completeAfter={}",
            date(NOW - 24 * 3600)
        ),
    ] {
        let before: BTreeSet<String> = listed(&sim, SimJobType::Backup, "us-east-1", &query)
            .into_iter()
            .map(|j| j.job_id)
            .collect();
        let first = json(&get(&sim, &format!("/backup-jobs?{query}"), &a));
        let mut ids: Vec<String> = first["BackupJobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| s(v, "BackupJobId").unwrap())
            .collect();
        let mut token = s(&first, "NextToken").unwrap();
        // One job that ends after everything listed, one created and ended before the cursor.
        let tag = if query.contains("complete") { "C" } else { "A" };
        sim.insert(new_job(
            &format!("late-{tag}"),
            NOW + 10,
            Some(NOW + 20),
            "COMPLETED",
            &mgmt,
        ));
        sim.insert(new_job(
            &format!("old-{tag}"),
            NOW - 40 * 3600,
            Some(NOW - 40 * 3600 + 60),
            "COMPLETED",
            &mgmt,
        ));
        loop {
            let r = get(
                &sim,
                &format!("/backup-jobs?{query}&nextToken={}", enc(&token)),
                &a,
            );
            assert_eq!(r.status, 200);
            let v = json(&r);
            ids.extend(
                v["BackupJobs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| s(v, "BackupJobId").unwrap()),
            );
            match s(&v, "NextToken") {
                Some(t) => token = t,
                None => break,
            }
        }
        let got: BTreeSet<String> = ids.iter().cloned().collect();
        assert_eq!(got.len(), ids.len(), "a job was listed twice");
        let mut want = before.clone();
        want.insert(format!("late-{tag}"));
        assert_eq!(got, want, "{query}");
    }
}

#[test]
fn max_results_outside_1_to_1000_is_rejected() {
    let sim = sim();
    let a = mgmt_auth("us-east-1");
    for bad in ["0", "1001", "-5", "ten", ""] {
        for path in ["/backup-jobs", "/restore-jobs", "/copy-jobs", "/resources"] {
            let r = get(&sim, &format!("{path}?maxResults={bad}"), &a);
            assert_eq!(r.status, 400, "{path} maxResults={bad}");
            assert_eq!(error_code(&r), "InvalidParameterValueException");
            assert_eq!(
                r.header("x-amzn-errortype"),
                Some("InvalidParameterValueException")
            );
        }
    }
    let one = json(&get(&sim, "/backup-jobs?maxResults=1&accountId=*", &a));
    assert_eq!(one["BackupJobs"].as_array().unwrap().len(), 1);
    assert!(one.get("NextToken").is_some());
    let all = json(&get(&sim, "/backup-jobs?maxResults=1000", &a));
    let n = expected(&sim, SimJobType::Backup, "us-east-1", |j| {
        j.account_id == sim.management_account()
    })
    .len();
    assert_eq!(all["BackupJobs"].as_array().unwrap().len(), n.min(1000));
    // Default page size is 1000.
    let dflt = json(&get(&sim, "/backup-jobs", &a));
    assert_eq!(dflt["BackupJobs"].as_array().unwrap().len(), n.min(1000));
}

#[test]
fn bad_tokens_and_dates_are_rejected() {
    let sim = sim();
    let a = mgmt_auth("us-east-1");
    let first = json(&get(&sim, "/backup-jobs?accountId=*&maxResults=5", &a));
    let token = s(&first, "NextToken").unwrap();
    let first_restore = json(&get(&sim, "/restore-jobs?accountId=*&maxResults=1", &a));
    let restore_token = s(&first_restore, "NextToken").unwrap();
    let bad = [
        "/backup-jobs?nextToken=garbage".to_owned(),
        format!("/backup-jobs?nextToken={}", "0".repeat(40)),
        format!("/backup-jobs?accountId=*&nextToken={}x", &token[..39]),
        // A restore listing's token in a backup listing.
        format!("/backup-jobs?accountId=*&nextToken={restore_token}"),
        // A token from a creation-ordered listing in a completion-ordered one.
        format!(
            "/backup-jobs?accountId=*&nextToken={token}&completeAfter={}",
            date(NOW - 3600)
        ),
        "/backup-jobs?completeAfter=yesterday".to_owned(),
        "/backup-jobs?createdBefore=2026-13-45T00:00:00Z".to_owned(),
        "/backup-jobs?accountId=12345".to_owned(),
        format!("/resources?nextToken={token}"),
    ];
    for path in &bad {
        let r = get(&sim, path, &a);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(error_code(&r), "InvalidParameterValueException", "{path}");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let ok = get(
        &sim,
        &format!("/backup-jobs?accountId=*&maxResults=5&nextToken={token}"),
        &a,
    );
    assert_eq!(ok.status, 200);
}

#[test]
fn injected_faults_hit_every_nth_request_and_are_counted() {
    let sim = sim();
    let a = mgmt_auth("us-east-1");
    sim.set_faults(Faults {
        throttle_every: Some(3),
        unavailable_every: Some(4),
        malformed_every: Some(5),
        ..Faults::default()
    });
    let mut statuses = Vec::new();
    for i in 1..=12 {
        let r = get(&sim, "/backup-jobs?maxResults=3", &a);
        statuses.push(r.status);
        match i {
            3 | 6 | 9 | 12 => {
                assert_eq!(error_code(&r), "ThrottlingException");
                assert_eq!(r.header("x-amzn-errortype"), Some("ThrottlingException"));
                assert_eq!(s(&json(&r), "message").as_deref(), Some("Rate exceeded"));
            }
            4 | 8 => {
                assert_eq!(error_code(&r), "ServiceUnavailableException");
                assert_eq!(
                    r.header("x-amzn-errortype"),
                    Some("ServiceUnavailableException")
                );
            }
            5 | 10 => {
                assert!(serde_json::from_slice::<Value>(&r.body).is_err());
                assert!(!r.body.is_empty());
            }
            _ => {
                json(&r);
            }
        }
    }
    assert_eq!(
        statuses,
        vec![200, 200, 400, 503, 200, 400, 200, 503, 400, 200, 200, 400]
    );
    let c = sim.requests();
    assert_eq!(c.total("ListBackupJobs"), 12);
    assert_eq!(c.faulted("ListBackupJobs"), 8);
    assert_eq!(c.total("ListCopyJobs"), 0);

    sim.set_faults(Faults {
        fail_all: true,
        ..Faults::default()
    });
    for path in ["/restore-jobs", "/copy-jobs", "/resources"] {
        assert_eq!(get(&sim, path, &a).status, 503);
    }
    sim.set_faults(Faults::default());
    assert_eq!(get(&sim, "/copy-jobs", &a).status, 200);
    let c = sim.requests();
    assert_eq!((c.total("ListCopyJobs"), c.faulted("ListCopyJobs")), (2, 1));
    assert_eq!(
        (
            c.total("ListProtectedResources"),
            c.faulted("ListProtectedResources")
        ),
        (1, 1)
    );
    assert_eq!(c.sum(), 16);
}

#[test]
fn region_and_account_come_from_the_signature() {
    let sim = sim();
    let accounts = sim.accounts();
    let (mgmt, member) = (&accounts[0], &accounts[1]);
    assert_eq!(
        credential_scope(&auth("AKIDSIM", "eu-west-1")),
        Some(("AKIDSIM", "eu-west-1"))
    );
    // Own account by default, in the signed region only.
    let eu = listed(&sim, SimJobType::Backup, "eu-west-1", "");
    assert_eq!(
        eu,
        expected(&sim, SimJobType::Backup, "eu-west-1", |j| &j.account_id
            == mgmt)
    );
    assert!(!eu.is_empty());
    let (items, _) = list_all(
        &sim,
        "/backup-jobs",
        "",
        &mgmt_auth("eu-west-1"),
        "BackupJobs",
    );
    assert!(
        items
            .iter()
            .all(|v| s(v, "BackupVaultArn").unwrap().contains(":eu-west-1:"))
    );
    // One named account, or all of them.
    let m = listed(
        &sim,
        SimJobType::Copy,
        "us-east-1",
        &format!("accountId={member}"),
    );
    assert_eq!(
        m,
        expected(&sim, SimJobType::Copy, "us-east-1", |j| &j.account_id
            == member)
    );
    assert!(!m.is_empty());
    let unknown = listed(
        &sim,
        SimJobType::Copy,
        "us-east-1",
        "accountId=000000000000",
    );
    assert!(unknown.is_empty());
    // A region the organization does not use is empty, not an error.
    let r = get(&sim, "/backup-jobs?accountId=*", &mgmt_auth("ap-south-1"));
    assert_eq!(json(&r), serde_json::json!({"BackupJobs": []}));
    // Without a signature: the management account in the first region.
    let r = sim.respond("GET", "/backup-jobs", "", None, b"");
    let (got, _) = (json(&r), ());
    let ids: BTreeSet<String> = got["BackupJobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| from_wire(SimJobType::Backup, "us-east-1", v).job_id)
        .collect();
    let want: BTreeSet<String> = expected(&sim, SimJobType::Backup, "us-east-1", |j| {
        &j.account_id == mgmt
    })
    .into_iter()
    .map(|j| j.job_id)
    .collect();
    assert_eq!(ids, want);

    // Keys issued by AssumeRole act in the role's account.
    let key = assume(
        &sim,
        &format!("arn:aws:iam::{member}:role/aws-backup-exporter"),
    );
    let (items, _) = list_all(
        &sim,
        "/backup-jobs",
        "",
        &auth(&key, "us-east-1"),
        "BackupJobs",
    );
    let got = sorted(
        items
            .iter()
            .map(|v| from_wire(SimJobType::Backup, "us-east-1", v))
            .collect(),
    );
    assert_eq!(
        got,
        expected(&sim, SimJobType::Backup, "us-east-1", |j| &j.account_id
            == member)
    );
    let (res, _) = list_all(&sim, "/resources", "", &auth(&key, "us-east-1"), "Results");
    let want = sim
        .resources()
        .into_iter()
        .filter(|r| &r.account_id == member && r.region == "us-east-1")
        .count();
    assert_eq!(res.len(), want);
    assert!(
        res.iter()
            .all(|r| !s(r, "ResourceArn").unwrap().contains(mgmt.as_str()))
    );
}

fn assume(sim: &Simulator, role: &str) -> String {
    let body = format!(
        "Action=AssumeRole&RoleArn={}&RoleSessionName=exporter&ExternalId=xyz&Version=2011-06-15",
        enc(role)
    );
    let r = sim.respond(
        "POST",
        "/",
        "",
        Some(&auth("AKIDSIM", "us-east-1")),
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let xml = String::from_utf8(r.body).unwrap();
    xml_field(&xml, "AccessKeyId")
}

fn xml_field(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no {tag} in {xml}"))
        + open.len();
    let end = xml[start..].find(&format!("</{tag}>")).unwrap() + start;
    xml[start..end].to_owned()
}

#[test]
fn sts_answers_assume_role_in_its_xml() {
    let opts = SimOptions {
        denied_roles: vec!["arn:aws:iam::111122223333:role/denied".into()],
        ..SimOptions::default()
    };
    let sim = Simulator::new(opts, NOW);
    let member = sim.accounts()[2].clone();
    let role = format!("arn:aws:iam::{member}:role/ops/aws-backup-exporter");
    let body = format!(
        "Action=AssumeRole&RoleArn={}&RoleSessionName=a%3Cb&DurationSeconds=900&Version=2011-06-15",
        enc(&role)
    );
    let r = sim.respond(
        "POST",
        "/",
        "",
        Some(&mgmt_auth("us-east-1")),
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/xml"));
    let xml = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        xml.starts_with("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">")
    );
    let key = xml_field(&xml, "AccessKeyId");
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_eq!(xml_field(&xml, "SecretAccessKey").len(), 40);
    assert!(!xml_field(&xml, "SessionToken").is_empty());
    assert_eq!(
        xml_field(&xml, "Arn"),
        format!("arn:aws:sts::{member}:assumed-role/aws-backup-exporter/a&lt;b")
    );
    assert!(xml_field(&xml, "AssumedRoleId").starts_with("AROA"));
    let exp = parse_date(&xml_field(&xml, "Expiration")).unwrap().0;
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((wall + 890..=wall + 910).contains(&exp), "{exp} vs {wall}");
    assert_eq!(
        xml_field(&xml, "RequestId"),
        r.header("x-amzn-requestid").unwrap()
    );
    assert_eq!(sim.caller(Some(&auth(&key, "eu-west-1"))).account, member);
    assert_eq!(
        sim.caller(Some(&auth("AKIDOTHER", "eu-west-1"))).account,
        sim.management_account()
    );

    let post = |body: &str| {
        sim.respond(
            "POST",
            "/",
            "",
            Some(&mgmt_auth("us-east-1")),
            body.as_bytes(),
        )
    };
    let denied = post(
        "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fdenied&RoleSessionName=x",
    );
    assert_eq!(denied.status, 403);
    let xml = String::from_utf8(denied.body).unwrap();
    assert!(xml.starts_with("<ErrorResponse"));
    assert_eq!(xml_field(&xml, "Code"), "AccessDenied");
    assert!(xml_field(&xml, "Message").contains("sts:AssumeRole"));
    for (body, code) in [
        (
            "Action=AssumeRole&RoleArn=not-an-arn&RoleSessionName=x",
            "ValidationError",
        ),
        (
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fx",
            "ValidationError",
        ),
        (
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fx&RoleSessionName=x&DurationSeconds=60",
            "ValidationError",
        ),
        ("Action=DecodeAuthorizationMessage", "InvalidAction"),
    ] {
        let r = post(body);
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(
            xml_field(&String::from_utf8(r.body).unwrap(), "Code"),
            code,
            "{body}"
        );
    }
    let who = post("Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(
        xml_field(&String::from_utf8(who.body).unwrap(), "Account"),
        sim.management_account()
    );
    let c = sim.requests();
    assert_eq!(c.total("AssumeRole"), 5);
    assert_eq!(c.faulted("AssumeRole"), 0);
    assert_eq!(c.total("GetCallerIdentity"), 1);
}

#[test]
fn describe_restore_job_finds_visible_jobs_only() {
    let sim = sim();
    let accounts = sim.accounts();
    let jobs = sim.jobs();
    let job = jobs
        .iter()
        .find(|j| {
            j.job_type == SimJobType::Restore
                && j.region == "eu-west-1"
                && j.account_id == accounts[1]
        })
        .unwrap();
    let path = format!("/restore-jobs/{}", job.job_id);
    let r = get(&sim, &path, &mgmt_auth("eu-west-1"));
    assert_eq!(r.status, 200);
    assert_eq!(&from_wire(SimJobType::Restore, "eu-west-1", &json(&r)), job);
    // Wrong region, unknown id, or another member's job: not found.
    let key = assume(&sim, &format!("arn:aws:iam::{}:role/r", accounts[2]));
    for (p, a) in [
        (path.clone(), mgmt_auth("us-east-1")),
        (
            "/restore-jobs/00000000-0000-0000-0000-000000000000".to_owned(),
            mgmt_auth("eu-west-1"),
        ),
        (path.clone(), auth(&key, "eu-west-1")),
    ] {
        let r = get(&sim, &p, &a);
        assert_eq!(r.status, 404, "{p}");
        assert_eq!(error_code(&r), "ResourceNotFoundException");
        assert_eq!(
            r.header("x-amzn-errortype"),
            Some("ResourceNotFoundException")
        );
    }
    let own = assume(&sim, &format!("arn:aws:iam::{}:role/r", accounts[1]));
    assert_eq!(get(&sim, &path, &auth(&own, "eu-west-1")).status, 200);
    assert_eq!(sim.requests().total("DescribeRestoreJob"), 5);
}

#[test]
fn protected_resources_page_through_the_callers_resources() {
    let sim = sim();
    let mgmt = sim.management_account();
    let (items, pages) = list_all(
        &sim,
        "/resources",
        "maxResults=7",
        &mgmt_auth("us-east-1"),
        "Results",
    );
    let want: Vec<SimResource> = sim
        .resources()
        .into_iter()
        .filter(|r| r.account_id == mgmt && r.region == "us-east-1")
        .collect();
    assert_eq!(want.len(), 40);
    assert_eq!(pages, 6);
    // Whether a schedule stopped is ground truth only: the wire does not say.
    let stopped: BTreeSet<&str> = want
        .iter()
        .filter(|r| r.stopped)
        .map(|r| r.resource_arn.as_str())
        .collect();
    let got: Vec<SimResource> = items
        .iter()
        .map(|v| SimResource {
            account_id: mgmt.clone(),
            region: "us-east-1".into(),
            resource_arn: s(v, "ResourceArn").unwrap(),
            resource_type: s(v, "ResourceType").unwrap(),
            resource_name: s(v, "ResourceName"),
            last_backup_time: n(v, "LastBackupTime"),
            stopped: stopped.contains(s(v, "ResourceArn").unwrap().as_str()),
        })
        .collect();
    assert_eq!(got, want);
    for v in &items {
        assert!(
            s(v, "LastBackupVaultArn")
                .unwrap()
                .starts_with(&format!("arn:aws:backup:us-east-1:{mgmt}:backup-vault:"))
        );
        assert!(
            s(v, "LastRecoveryPointArn")
                .unwrap()
                .starts_with("arn:aws:")
        );
    }
    // LastBackupTime is the newest completed backup's creation, when there is one in history.
    let jobs = sim.jobs();
    for r in &want {
        let newest = jobs
            .iter()
            .filter(|j| {
                j.job_type == SimJobType::Backup
                    && j.state == "COMPLETED"
                    && j.resource_arn == r.resource_arn
            })
            .map(|j| j.creation_date.unwrap())
            .max();
        match newest {
            Some(t) => assert_eq!(r.last_backup_time, Some(t)),
            None => assert!(r.last_backup_time.unwrap() < NOW - 26 * 3600),
        }
    }
}

#[test]
fn inserted_and_replaced_jobs_are_listed_as_given() {
    let sim = sim();
    let accounts = sim.accounts();
    let mut job = new_job("MANUAL-1", NOW - 600, None, "RUNNING", &accounts[1]);
    job.region = "eu-west-1".into();
    sim.insert(job.clone());
    let running = listed(
        &sim,
        SimJobType::Backup,
        "eu-west-1",
        &format!("accountId={}&state=RUNNING", accounts[1]),
    );
    assert!(running.contains(&job));
    // The same id replaces it.
    job.state = "COMPLETED".into();
    job.completion_date = Some(NOW - 60);
    job.message_category = Some("SUCCESS".into());
    job.backup_size_bytes = Some(123);
    sim.insert(job.clone());
    assert_eq!(
        sim.jobs().iter().filter(|j| j.job_id == "MANUAL-1").count(),
        1
    );
    let got = listed(
        &sim,
        SimJobType::Backup,
        "eu-west-1",
        &format!(
            "accountId={}&completeAfter={}",
            accounts[1],
            date(NOW - 120)
        ),
    );
    assert!(got.contains(&job));
    assert!(
        !listed(
            &sim,
            SimJobType::Backup,
            "eu-west-1",
            &format!("accountId={}&state=RUNNING", accounts[1])
        )
        .contains(&job)
    );
    // Its resource is now protected, backed up at the job's creation.
    let res = sim
        .resources()
        .into_iter()
        .find(|r| r.resource_arn == job.resource_arn)
        .unwrap();
    assert_eq!(res.last_backup_time, Some(NOW - 600));
    assert_eq!(res.resource_name.as_deref(), Some("late-volume"));

    // Replacing a generated active job freezes it; fields a restore lacks on the wire drop.
    let active = sim
        .jobs()
        .into_iter()
        .find(|j| j.job_type == SimJobType::Backup && j.state == "RUNNING")
        .unwrap();
    let mut failed = active.clone();
    failed.state = "FAILED".into();
    failed.completion_date = Some(NOW);
    failed.message_category = Some("AccessDenied".into());
    sim.insert(failed.clone());
    sim.advance_to(NOW + 6 * 3600);
    assert!(sim.jobs().contains(&failed));
    let mut restore = new_job("R-1", NOW, None, "PENDING", &accounts[0]);
    restore.job_type = SimJobType::Restore;
    restore.validation_status = Some("VALIDATING".into());
    sim.insert(restore.clone());
    let stored = sim.jobs().into_iter().find(|j| j.job_id == "R-1").unwrap();
    assert_eq!(stored.resource_name, None);
    assert_eq!(stored.message_category, None);
    assert_eq!(stored.validation_status.as_deref(), Some("VALIDATING"));
}

#[test]
fn time_moves_jobs_through_their_states() {
    let sim = sim();
    let order = |ty: &SimJobType, s: &str| -> usize {
        match (ty, s) {
            (SimJobType::Restore, "PENDING") => 0,
            (_, "CREATED") => 0,
            (_, "PENDING") => 1,
            (_, "RUNNING") => 2,
            (_, "ABORTING") => 3,
            _ => 4,
        }
    };
    let mut last: BTreeMap<String, (usize, Option<i64>, Option<String>)> = BTreeMap::new();
    let mut settled_validations = 0;
    let step = 60;
    let mut ended_in_window = 0;
    for i in 0..=(8 * 3600 / step) {
        let t = NOW + i * step;
        sim.advance_to(t);
        assert_eq!(sim.now(), t);
        let jobs = sim.jobs();
        let active = jobs
            .iter()
            .filter(|j| ACTIVE.contains(&j.state.as_str()))
            .count();
        assert!(active >= 1, "nothing active at {t}");
        ended_in_window += jobs
            .iter()
            .filter(|j| j.completion_date.is_some_and(|c| c > t - step && c <= t))
            .count();
        if i > 0 && i % 10 == 0 {
            assert!(
                ended_in_window > 0,
                "no job ended in the 10 minutes before {t}"
            );
            ended_in_window = 0;
        }
        for j in &jobs {
            assert!(j.creation_date.unwrap() <= t);
            let o = order(&j.job_type, &j.state);
            let key = format!("{:?}/{}", j.job_type, j.job_id);
            if let Some((prev, completion, validation)) = last.get(&key) {
                assert!(o >= *prev, "{key} went back to {}", j.state);
                if completion.is_some() {
                    assert_eq!(&j.completion_date, completion, "{key}");
                }
                if validation.as_deref() == Some("VALIDATING")
                    && j.validation_status.as_deref() != Some("VALIDATING")
                {
                    assert!(matches!(
                        j.validation_status.as_deref(),
                        Some("SUCCESSFUL" | "FAILED" | "TIMED_OUT")
                    ));
                    settled_validations += 1;
                }
            }
            last.insert(key, (o, j.completion_date, j.validation_status.clone()));
        }
    }
    assert!(
        settled_validations >= 3,
        "{settled_validations} validations settled"
    );
}

#[test]
fn advancing_gives_what_generating_later_gives() {
    let t = NOW + 5 * 3600 + 17;
    let a = sim();
    a.advance_to(NOW + 3600);
    a.advance_to(t);
    let b = Simulator::new(SimOptions::default(), t);
    let history = 26 * 3600;
    // Schedules that stopped before the start stopped at different times in each.
    let stopped: BTreeSet<String> = b
        .resources()
        .into_iter()
        .filter(|r| r.stopped)
        .map(|r| r.resource_arn)
        .collect();
    assert!(!stopped.is_empty());
    let running = |j: &SimJob| !stopped.contains(&j.resource_arn);
    let recent = |j: &SimJob| j.completion_date.is_none_or(|c| c >= t - history);
    let from_a: Vec<SimJob> = a
        .jobs()
        .into_iter()
        .filter(recent)
        .filter(running)
        .collect();
    let from_b: Vec<SimJob> = b
        .jobs()
        .into_iter()
        .filter(recent)
        .filter(running)
        .collect();
    assert_eq!(sorted(from_a), sorted(from_b));
    // Jobs created after the first `now` are new, listed ones.
    assert!(
        b.jobs()
            .iter()
            .filter(|j| j.creation_date.unwrap() > NOW)
            .count()
            > 100
    );
}

#[test]
fn bulk_store_has_exactly_n_completed_jobs() {
    let n = 20_000;
    let sim = Simulator::new(
        SimOptions {
            bulk_backup_jobs: Some(n),
            ..SimOptions::default()
        },
        NOW,
    );
    let jobs = sim.jobs();
    let mgmt = sim.management_account();
    assert_eq!(jobs.len(), n);
    let ids: BTreeSet<&str> = jobs.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids.len(), n);
    let arns: BTreeSet<&str> = jobs.iter().map(|j| j.resource_arn.as_str()).collect();
    assert_eq!(arns.len(), 40);
    for j in &jobs {
        assert_eq!(
            (&j.job_type, j.state.as_str(), j.region.as_str()),
            (&SimJobType::Backup, "COMPLETED", "us-east-1")
        );
        assert_eq!(j.account_id, mgmt);
        let c = j.completion_date.unwrap();
        assert!(c > NOW - 26 * 3600 && c <= NOW && j.creation_date.unwrap() < c);
    }
    assert_eq!(
        jobs.iter().filter_map(|j| j.completion_date).max(),
        Some(NOW)
    );
    // Evenly spread: each of the 26 hours holds n/26 jobs, give or take one.
    for h in 0..26 {
        let lo = NOW - (h + 1) * 3600;
        let k = jobs
            .iter()
            .filter(|j| j.completion_date.is_some_and(|c| c > lo && c <= lo + 3600))
            .count();
        assert!((n / 26..=n / 26 + 1).contains(&k), "hour {h}: {k}");
    }
    let q = format!("completeAfter={}", date(NOW - 3600));
    let (items, pages) = list_all(
        &sim,
        "/backup-jobs",
        &q,
        &mgmt_auth("us-east-1"),
        "BackupJobs",
    );
    let want = jobs
        .iter()
        .filter(|j| j.completion_date.unwrap() > NOW - 3600)
        .count();
    assert_eq!(items.len(), want);
    assert_eq!(pages, want.div_ceil(1000));
    assert!(sim.resources().len() == 40);
    // No schedule runs: time passing changes nothing.
    sim.advance_to(NOW + 3600);
    assert_eq!(sim.jobs().len(), n);
}

/// One raw HTTP/1.1 exchange over TCP.
async fn raw(addr: SocketAddr, request: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text[9..12].parse().unwrap();
    (status, text)
}

#[tokio::test]
async fn http_server_routes_and_stops() {
    let sim = sim();
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = server.local_addr();
    assert_eq!(
        server.endpoint_url(),
        format!("http://127.0.0.1:{}", addr.port())
    );
    let req = |m: &str, p: &str| {
        format!(
            "{m} {p} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            mgmt_auth("us-east-1")
        )
    };
    let (st, text) = raw(addr, &req("GET", "/backup-jobs?maxResults=2")).await;
    assert_eq!(st, 200);
    let lower = text.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/json"));
    assert!(lower.contains("x-amzn-requestid: "));
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["BackupJobs"].as_array().unwrap().len(), 2);
    let (st, text) = raw(addr, &req("GET", "/nope")).await;
    assert_eq!(st, 404);
    assert!(
        text.to_ascii_lowercase()
            .contains("x-amzn-errortype: unknownoperationexception")
    );
    let (st, text) = raw(addr, &req("DELETE", "/backup-jobs")).await;
    assert_eq!(st, 405);
    assert!(text.to_ascii_lowercase().contains("allow: get"));
    assert_eq!(raw(addr, &req("GET", "/")).await.0, 405);
    assert_eq!(raw(addr, &req("GET", "/backup-jobs/")).await.0, 200);
    // Latency is added to every response.
    sim.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    });
    let t = Instant::now();
    assert_eq!(raw(addr, &req("GET", "/copy-jobs")).await.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn the_real_sdk_reads_what_jobs_returns() {
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_sdk_backup::config::{BehaviorVersion, Region};
    use aws_sdk_backup::error::ProvideErrorMetadata;
    use aws_sdk_backup::primitives::DateTime;

    let opts = SimOptions {
        denied_roles: vec!["arn:aws:iam::111122223333:role/denied".into()],
        ..SimOptions::default()
    };
    let sim = Simulator::new(opts, NOW);
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let creds = Credentials::new("AKIDSIM", "secret", None, None, "test");
    let client_with = |provider: SharedCredentialsProvider,
                       retry: aws_sdk_backup::config::retry::RetryConfig| {
        let conf = aws_sdk_backup::config::Builder::new()
            .region(Region::new("us-east-1"))
            .endpoint_url(server.endpoint_url())
            .credentials_provider(provider)
            .retry_config(retry)
            .behavior_version(BehaviorVersion::latest())
            .build();
        aws_sdk_backup::Client::from_conf(conf)
    };
    let fast_retry = aws_sdk_backup::config::retry::RetryConfig::standard()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_attempts(3);
    let client = client_with(
        SharedCredentialsProvider::new(creds.clone()),
        fast_retry.clone(),
    );

    let to_sim = |j: &aws_sdk_backup::types::BackupJob| SimJob {
        job_type: SimJobType::Backup,
        job_id: j.backup_job_id().unwrap().to_owned(),
        account_id: j.account_id().unwrap().to_owned(),
        region: "us-east-1".into(),
        state: j.state().unwrap().as_str().to_owned(),
        status_message: j.status_message().map(str::to_owned),
        message_category: j.message_category().map(str::to_owned),
        resource_arn: j.resource_arn().unwrap().to_owned(),
        resource_type: j.resource_type().unwrap().to_owned(),
        resource_name: j.resource_name().map(str::to_owned),
        backup_vault_name: j.backup_vault_name().map(str::to_owned),
        creation_date: j.creation_date().map(|d| d.secs()),
        completion_date: j.completion_date().map(|d| d.secs()),
        backup_size_bytes: j.backup_size_in_bytes(),
        is_parent: j.is_parent(),
        parent_job_id: j.parent_job_id().map(str::to_owned),
        restore_testing_plan_arn: None,
        validation_status: None,
        created_by: j.created_by().and_then(|c| {
            Some(SimCreatedBy {
                plan_name: c.backup_plan_name()?.to_owned(),
                rule_name: c.backup_rule_name()?.to_owned(),
                cron: c.backup_rule_cron()?.to_owned(),
                timezone: c.backup_rule_timezone()?.to_owned(),
            })
        }),
        malware_scanner: None,
        scan_result_status: None,
    };
    // Every backup job of the region, in pages of 100, with throttling on the way.
    sim.set_faults(Faults {
        throttle_every: Some(4),
        ..Faults::default()
    });
    let mut pages = client
        .list_backup_jobs()
        .by_account_id("*")
        .max_results(100)
        .into_paginator()
        .send();
    let mut got = Vec::new();
    while let Some(page) = pages.next().await {
        got.extend(page.unwrap().backup_jobs().iter().map(to_sim));
    }
    let want = expected(&sim, SimJobType::Backup, "us-east-1", |_| true);
    assert!(want.len() > 300);
    assert_eq!(sorted(got), want);
    assert!(sim.requests().faulted("ListBackupJobs") > 0);
    sim.set_faults(Faults::default());

    // The incremental read: ended after a date.
    let after = NOW - 3 * 3600;
    let page = client
        .list_backup_jobs()
        .by_account_id("*")
        .by_complete_after(DateTime::from_secs(after))
        .send()
        .await
        .unwrap();
    let got = sorted(page.backup_jobs().iter().map(to_sim).collect());
    assert_eq!(
        got,
        expected(&sim, SimJobType::Backup, "us-east-1", |j| j
            .completion_date
            .is_some_and(|c| c > after))
    );
    assert!(page.next_token().is_none());

    // Restores, their validation, and DescribeRestoreJob.
    let restores = client
        .list_restore_jobs()
        .by_account_id("*")
        .send()
        .await
        .unwrap();
    let want = expected(&sim, SimJobType::Restore, "us-east-1", |_| true);
    assert_eq!(restores.restore_jobs().len(), want.len());
    for r in restores.restore_jobs() {
        let w = want
            .iter()
            .find(|j| Some(j.job_id.as_str()) == r.restore_job_id())
            .unwrap();
        assert_eq!(r.status().map(|s| s.as_str()), Some(w.state.as_str()));
        assert_eq!(
            r.validation_status().map(|v| v.as_str()),
            w.validation_status.as_deref()
        );
        assert_eq!(
            r.created_by().and_then(|c| c.restore_testing_plan_arn()),
            w.restore_testing_plan_arn.as_deref()
        );
        assert_eq!(r.completion_date().map(|d| d.secs()), w.completion_date);
    }
    let one = &want[0];
    let d = client
        .describe_restore_job()
        .restore_job_id(&one.job_id)
        .send()
        .await
        .unwrap();
    assert_eq!(d.restore_job_id(), Some(one.job_id.as_str()));
    assert_eq!(d.status().map(|s| s.as_str()), Some(one.state.as_str()));
    let missing = client
        .describe_restore_job()
        .restore_job_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFoundException"));

    // Copies and protected resources.
    let copies = client
        .list_copy_jobs()
        .by_account_id("*")
        .by_state(aws_sdk_backup::types::CopyJobState::Completed)
        .send()
        .await
        .unwrap();
    assert_eq!(
        copies.copy_jobs().len(),
        expected(&sim, SimJobType::Copy, "us-east-1", |j| j.state
            == "COMPLETED")
        .len()
    );
    let mut res = client
        .list_protected_resources()
        .max_results(9)
        .into_paginator()
        .items()
        .send();
    let mut n = 0;
    while let Some(r) = res.next().await {
        let r = r.unwrap();
        assert!(r.last_backup_time().is_some());
        n += 1;
    }
    assert_eq!(n, 40);

    // Errors map to the SDK's modeled errors.
    let no_retry = client_with(
        SharedCredentialsProvider::new(creds.clone()),
        aws_sdk_backup::config::retry::RetryConfig::disabled(),
    );
    let bad = no_retry
        .list_backup_jobs()
        .max_results(5000)
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some("InvalidParameterValueException"));
    sim.set_faults(Faults {
        fail_all: true,
        ..Faults::default()
    });
    let down = no_retry.list_backup_jobs().send().await.unwrap_err();
    assert_eq!(down.code(), Some("ServiceUnavailableException"));
    assert!(
        down.as_service_error()
            .unwrap()
            .is_service_unavailable_exception()
    );
    sim.set_faults(Faults {
        throttle_every: Some(1),
        ..Faults::default()
    });
    let throttled = no_retry.list_copy_jobs().send().await.unwrap_err();
    assert_eq!(throttled.code(), Some("ThrottlingException"));
    sim.set_faults(Faults::default());

    // aws-config's AssumeRoleProvider against the same endpoint: a member account's view.
    let member = sim.accounts()[1].clone();
    let base = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(creds.clone())
        .load()
        .await;
    let provider = aws_config::sts::AssumeRoleProvider::builder(format!(
        "arn:aws:iam::{member}:role/aws-backup-exporter"
    ))
    .session_name("exporter")
    .external_id("xyz")
    .configure(&base)
    .build()
    .await;
    let member_client = client_with(SharedCredentialsProvider::new(provider), fast_retry.clone());
    let mut pages = member_client.list_backup_jobs().into_paginator().send();
    let mut got = Vec::new();
    while let Some(page) = pages.next().await {
        got.extend(page.unwrap().backup_jobs().iter().map(to_sim));
    }
    assert_eq!(
        sorted(got),
        expected(&sim, SimJobType::Backup, "us-east-1", |j| j.account_id
            == member)
    );
    assert_eq!(sim.requests().total("AssumeRole"), 1);

    let denied =
        aws_config::sts::AssumeRoleProvider::builder("arn:aws:iam::111122223333:role/denied")
            .session_name("exporter")
            .configure(&base)
            .build()
            .await;
    let denied_client = client_with(
        SharedCredentialsProvider::new(denied),
        aws_sdk_backup::config::retry::RetryConfig::disabled(),
    );
    let before = sim.requests().total("ListBackupJobs");
    assert!(denied_client.list_backup_jobs().send().await.is_err());
    assert_eq!(
        sim.requests().total("ListBackupJobs"),
        before,
        "sent without credentials"
    );

    server.shutdown().await;
}

/// Throughput of a backfill through the real SDK; a measurement, not a timed assertion.
/// `cargo test --release --lib sim::tests::million -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run in release"]
async fn million_jobs_through_the_sdk() {
    use aws_credential_types::Credentials;
    use aws_sdk_backup::config::{BehaviorVersion, Region};
    use aws_sdk_backup::primitives::DateTime;

    let n = 1_000_000;
    let t = Instant::now();
    let sim = Simulator::new(
        SimOptions {
            bulk_backup_jobs: Some(n),
            ..SimOptions::default()
        },
        NOW,
    );
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .map(str::to_owned)
        });
    println!("generated {n} jobs in {:?}; {rss:?}", t.elapsed());
    // The server's share: every page rendered, without HTTP or parsing.
    let q0 = format!("completeAfter={}", date(NOW - 30 * 3600));
    let t = Instant::now();
    let (mut q, mut pages) = (q0.clone(), 0);
    loop {
        let r = sim.respond("GET", "/backup-jobs", &q, None, b"");
        pages += 1;
        let tail = &r.body[r.body.len().saturating_sub(60)..];
        let tail = String::from_utf8_lossy(tail).into_owned();
        if !tail.contains("NextToken") {
            break;
        }
        q = format!("{q0}&nextToken={}", tail.rsplit('"').nth(1).unwrap());
    }
    assert_eq!(pages, n / 1000);
    println!("rendered {pages} pages in {:?}", t.elapsed());
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let conf = aws_sdk_backup::config::Builder::new()
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(Credentials::new("AKIDSIM", "secret", None, None, "test"))
        .behavior_version(BehaviorVersion::latest())
        .build();
    let client = aws_sdk_backup::Client::from_conf(conf);
    let t = Instant::now();
    let mut pages = client
        .list_backup_jobs()
        .by_complete_after(DateTime::from_secs(NOW - 30 * 3600))
        .max_results(1000)
        .into_paginator()
        .send();
    let mut got = 0;
    while let Some(page) = pages.next().await {
        got += page.unwrap().backup_jobs().len();
    }
    let el = t.elapsed();
    assert_eq!(got, n);
    println!(
        "listed {got} jobs in {el:?}: {:.0} jobs/s",
        got as f64 / el.as_secs_f64()
    );
    server.shutdown().await;
}

#[test]
fn a_live_simulator_follows_the_wall_clock() {
    let sim = Simulator::new(
        SimOptions {
            live: true,
            ..SimOptions::default()
        },
        NOW,
    );
    assert_eq!(sim.now(), NOW);
    let before = sim.jobs();
    std::thread::sleep(Duration::from_millis(1100));
    assert!((NOW + 1..=NOW + 3).contains(&sim.now()), "{}", sim.now());
    // Requests catch up too; nothing is lost on the way.
    let r = get(&sim, "/backup-jobs?accountId=*", &mgmt_auth("us-east-1"));
    assert_eq!(r.status, 200);
    let after = sim.jobs();
    assert!(after.len() >= before.len());
    let ids: BTreeSet<&str> = after.iter().map(|j| j.job_id.as_str()).collect();
    assert!(before.iter().all(|j| ids.contains(j.job_id.as_str())));
}

#[test]
fn small_and_degenerate_options_work() {
    let opts = SimOptions {
        seed: 7,
        accounts: 1,
        regions: vec!["ap-southeast-2".into()],
        resources_per_account: 5,
        history: Duration::from_secs(2 * 3600),
        ..SimOptions::default()
    };
    let sim = Simulator::new(opts, NOW);
    assert_eq!(sim.accounts().len(), 1);
    assert_eq!(sim.regions(), vec!["ap-southeast-2".to_owned()]);
    let jobs = sim.jobs();
    assert!(!jobs.is_empty());
    for j in &jobs {
        assert_eq!(j.region, "ap-southeast-2");
        let old_restore = j.job_type == SimJobType::Restore
            && j.completion_date.is_some_and(|c| c < NOW - 8 * 86_400);
        assert!(
            old_restore || j.completion_date.is_none_or(|c| c >= NOW - 2 * 3600),
            "{j:?}"
        );
        // With one account and region there is nowhere to copy to.
        assert_ne!(j.job_type, SimJobType::Copy);
    }
    assert_eq!(sim.resources().len(), 5);
    let got = listed(&sim, SimJobType::Backup, "ap-southeast-2", "");
    assert_eq!(
        got,
        expected(&sim, SimJobType::Backup, "ap-southeast-2", |_| true)
    );

    let empty = Simulator::new(
        SimOptions {
            accounts: 0,
            regions: vec![],
            resources_per_account: 0,
            ..SimOptions::default()
        },
        NOW,
    );
    assert_eq!(empty.accounts().len(), 1);
    assert!(empty.jobs().is_empty());
    assert!(empty.resources().is_empty());
    let r = get(&empty, "/backup-jobs", &mgmt_auth("us-east-1"));
    assert_eq!(json(&r), serde_json::json!({"BackupJobs": []}));
    let bulk = Simulator::new(
        SimOptions {
            bulk_backup_jobs: Some(0),
            ..SimOptions::default()
        },
        NOW,
    );
    assert!(bulk.jobs().is_empty());
}

#[test]
fn endpoint_urls_name_a_reachable_address() {
    let url = |s: &str| server::endpoint_url(s.parse().unwrap());
    assert_eq!(url("127.0.0.1:9943"), "http://127.0.0.1:9943");
    assert_eq!(url("0.0.0.0:9943"), "http://127.0.0.1:9943");
    assert_eq!(url("[::]:9943"), "http://[::1]:9943");
    assert_eq!(url("[::1]:80"), "http://[::1]:80");
    assert_eq!(url("10.1.2.3:1"), "http://10.1.2.3:1");
}

#[test]
fn a_malformed_fault_only_breaks_successful_answers() {
    let sim = sim();
    let a = mgmt_auth("us-east-1");
    sim.set_faults(Faults {
        malformed_every: Some(1),
        ..Faults::default()
    });
    let bad = get(&sim, "/backup-jobs?maxResults=0", &a);
    assert_eq!(bad.status, 400);
    assert_eq!(error_code(&bad), "InvalidParameterValueException");
    let broken = get(&sim, "/backup-jobs", &a);
    assert_eq!(broken.status, 200);
    assert!(serde_json::from_slice::<Value>(&broken.body).is_err());
    let c = sim.requests();
    assert_eq!(
        (c.total("ListBackupJobs"), c.faulted("ListBackupJobs")),
        (2, 1)
    );
}

#[test]
fn standing_faults_loop_tokens_hide_restore_jobs_and_resources_leave() {
    let sim = sim();
    let auth = mgmt_auth("us-east-1");
    // A looping paginator: every page is the first, always with the same token.
    sim.set_faults(Faults {
        loop_tokens: true,
        ..Faults::default()
    });
    let q = format!("completeAfter={}&maxResults=5", date(NOW - 3600));
    let first = json(&get(&sim, &format!("/backup-jobs?{q}"), &auth));
    let token = first["NextToken"].as_str().unwrap().to_owned();
    let again = json(&get(
        &sim,
        &format!("/backup-jobs?{q}&nextToken={}", enc(&token)),
        &auth,
    ));
    assert_eq!(again["NextToken"].as_str(), Some(token.as_str()));
    assert_eq!(again["BackupJobs"], first["BackupJobs"]);
    let resources = json(&get(&sim, "/resources?maxResults=1000", &auth));
    assert_eq!(resources["NextToken"].as_str(), Some(token.as_str()));
    assert_eq!(sim.requests().faulted("ListBackupJobs"), 2);

    // A restore job the listings show and DescribeRestoreJob cannot find.
    let restore = sim
        .jobs()
        .into_iter()
        .find(|j| j.job_type == SimJobType::Restore && j.region == "us-east-1")
        .unwrap();
    sim.set_faults(Faults {
        undescribable: vec![restore.job_id.clone()],
        ..Faults::default()
    });
    let r = get(&sim, &format!("/restore-jobs/{}", restore.job_id), &auth);
    assert_eq!(
        (r.status, error_code(&r)),
        (404, "ResourceNotFoundException".into())
    );
    sim.set_faults(Faults::default());
    assert_eq!(
        get(&sim, &format!("/restore-jobs/{}", restore.job_id), &auth).status,
        200
    );

    // A resource no longer protected leaves ListProtectedResources; its jobs stay.
    let listed = |sim: &Simulator| -> Vec<String> {
        json(&get(sim, "/resources?maxResults=1000", &auth))["Results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ResourceArn"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = listed(&sim);
    let gone = before[0].clone();
    let jobs = sim.jobs().len();
    assert_eq!(sim.remove_protected_resource(&gone), 1);
    let after = listed(&sim);
    assert_eq!(after.len(), before.len() - 1);
    assert!(!after.contains(&gone));
    assert!(!sim.resources().iter().any(|r| r.resource_arn == gone));
    assert_eq!(sim.jobs().len(), jobs);
    assert_eq!(sim.remove_protected_resource("arn:nothing"), 0);
}

#[test]
fn a_job_without_creation_date_is_listed_without_one() {
    let sim = sim();
    let account = sim.management_account();
    let mut job = new_job(
        "UNDATED-1",
        NOW - 600,
        Some(NOW - 60),
        "COMPLETED",
        &account,
    );
    job.creation_date = None;
    job.message_category = Some("SUCCESS".into());
    sim.insert(job.clone());
    let r = get(
        &sim,
        &format!("/backup-jobs?completeAfter={}", date(NOW - 120)),
        &mgmt_auth("us-east-1"),
    );
    let v = json(&r);
    let listed = v["BackupJobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["BackupJobId"] == "UNDATED-1")
        .expect("listed");
    assert!(listed.get("CreationDate").is_none(), "{listed}");
    assert_eq!(listed["CompletionDate"], NOW - 60);
    assert!(sim.jobs().contains(&job));
}

mod inventory;
mod restores;
mod rules;
mod scans;
mod start_restore;
mod stopped;
mod summaries;
