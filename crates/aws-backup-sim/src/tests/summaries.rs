//! Job summaries: counts of the store's jobs by CreationDate over the days before now, with
//! AWS's ANY and AGGREGATE_ALL.

use super::*;

const DAY: i64 = 86_400;

/// (AccountId, State, ResourceType, MessageCategory, StartTime) → Count, as listed.
type Rows = BTreeMap<(String, String, String, Option<String>, i64), i64>;

fn summaries(sim: &Simulator, path: &str, query: &str, auth: &str) -> (Rows, usize) {
    let key = match path {
        "/audit/backup-job-summaries" => "BackupJobSummaries",
        "/audit/restore-job-summaries" => "RestoreJobSummaries",
        _ => "CopyJobSummaries",
    };
    let (items, pages) = list_all(sim, path, query, auth, key);
    let mut rows = Rows::new();
    for v in &items {
        let start = n(v, "StartTime").unwrap();
        let end = n(v, "EndTime").unwrap();
        assert!(end <= NOW && end > start, "{v}");
        let k = (
            s(v, "AccountId").unwrap(),
            s(v, "State").unwrap(),
            s(v, "ResourceType").unwrap(),
            s(v, "MessageCategory"),
            start,
        );
        assert_eq!(s(v, "Region").as_deref(), Some("us-east-1"));
        assert!(
            rows.insert(k, n(v, "Count").unwrap()).is_none(),
            "a row twice: {v}"
        );
    }
    (rows, pages)
}

/// The same counts from the jobs themselves, one row per value (ANY everywhere).
fn counted(
    sim: &Simulator,
    ty: SimJobType,
    days: i64,
    buckets: i64,
    account: Option<&str>,
) -> Rows {
    let mut rows = Rows::new();
    for j in sim.jobs() {
        let c = j.creation_date.unwrap();
        let age = NOW - c;
        if j.job_type != ty || j.region != "us-east-1" || age < 0 || age >= days * DAY * buckets {
            continue;
        }
        if account.is_some_and(|a| a != j.account_id) {
            continue;
        }
        let start = NOW - (age / (days * DAY) + 1) * days * DAY;
        let k = (
            j.account_id,
            j.state,
            j.resource_type,
            j.message_category,
            start,
        );
        *rows.entry(k).or_default() += 1;
    }
    rows
}

fn total(rows: &Rows) -> i64 {
    rows.values().sum()
}

#[test]
fn job_summaries_count_jobs_by_creation_day() {
    let sim = sim();
    let auth = mgmt_auth("us-east-1");
    let mgmt = sim.management_account();
    let path = "/audit/backup-job-summaries";
    // By default: the caller's account, day by day over 14 days.
    let (rows, _) = summaries(&sim, path, "", &auth);
    assert_eq!(rows, counted(&sim, SimJobType::Backup, 1, 14, Some(&mgmt)));
    let starts: BTreeSet<i64> = rows.keys().map(|k| k.4).collect();
    assert_eq!(
        starts,
        BTreeSet::from([NOW - DAY, NOW - 2 * DAY]),
        "26 h of history: two days"
    );
    // Seven days, ANY account: the organization, from its management account.
    let (rows, _) = summaries(
        &sim,
        path,
        "AccountId=ANY&AggregationPeriod=SEVEN_DAYS",
        &auth,
    );
    assert_eq!(rows, counted(&sim, SimJobType::Backup, 7, 1, None));
    let accounts: BTreeSet<&str> = rows.keys().map(|k| k.0.as_str()).collect();
    assert_eq!(accounts.len(), 3);
    // A member asking for ANY gets its own.
    let member = sim.accounts()[2].clone();
    let key = assume(&sim, &format!("arn:aws:iam::{member}:role/x"));
    let member_auth = super::auth(&key, "us-east-1");
    for q in [
        "AccountId=ANY&AggregationPeriod=SEVEN_DAYS",
        &format!("AccountId={mgmt}&AggregationPeriod=SEVEN_DAYS"),
    ] {
        let (rows, _) = summaries(&sim, path, q, &member_auth);
        assert_eq!(
            rows,
            counted(&sim, SimJobType::Backup, 7, 1, Some(&member)),
            "{q}"
        );
    }
    // AGGREGATE_ALL sums a dimension; a value selects it.
    let everything = counted(&sim, SimJobType::Backup, 14, 1, None);
    let q = "AccountId=AGGREGATE_ALL&State=AGGREGATE_ALL&ResourceType=AGGREGATE_ALL\
             &MessageCategory=AGGREGATE_ALL&AggregationPeriod=FOURTEEN_DAYS";
    let (rows, _) = summaries(&sim, path, q, &auth);
    let agg = "AGGREGATE_ALL".to_owned();
    assert_eq!(
        rows,
        Rows::from([(
            (
                agg.clone(),
                agg.clone(),
                agg.clone(),
                Some(agg.clone()),
                NOW - 14 * DAY
            ),
            total(&everything)
        )])
    );
    let q =
        "AccountId=ANY&State=COMPLETED&ResourceType=AGGREGATE_ALL&AggregationPeriod=FOURTEEN_DAYS";
    let (rows, _) = summaries(&sim, path, q, &auth);
    for a in sim.accounts() {
        let mut by_cat: BTreeMap<Option<String>, i64> = BTreeMap::new();
        for (k, c) in &everything {
            if k.0 == a && k.1 == "COMPLETED" {
                *by_cat.entry(k.3.clone()).or_default() += c;
            }
        }
        let got: BTreeMap<Option<String>, i64> = rows
            .iter()
            .filter(|(k, _)| k.0 == a)
            .map(|(k, c)| {
                assert_eq!((k.1.as_str(), k.2.as_str()), ("COMPLETED", "AGGREGATE_ALL"));
                (k.3.clone(), *c)
            })
            .collect();
        assert_eq!(got, by_cat, "{a}");
    }
    // "Completed with issues", as AWS's documentation computes it: COMPLETED minus
    // COMPLETED with MessageCategory SUCCESS.
    let mut issue = new_job(
        "WITH-ISSUES",
        NOW - 7200,
        Some(NOW - 3600),
        "COMPLETED",
        &mgmt,
    );
    issue.message_category = Some("InvalidParameters".into());
    sim.insert(issue);
    let q = |extra: &str| {
        format!("AccountId=ANY&AggregationPeriod=FOURTEEN_DAYS&State=COMPLETED{extra}")
    };
    let all = total(&summaries(&sim, path, &q(""), &auth).0);
    let success = total(&summaries(&sim, path, &q("&MessageCategory=SUCCESS"), &auth).0);
    let issues = sim
        .jobs()
        .iter()
        .filter(|j| j.job_type == SimJobType::Backup && j.region == "us-east-1")
        .filter(|j| j.state == "COMPLETED" && j.message_category.as_deref() != Some("SUCCESS"))
        .count() as i64;
    assert!(issues > 0);
    assert_eq!(all - success, issues);
    // Pages of three join to the same rows, computed as of the first page.
    let (one, pages) = summaries(&sim, path, "AccountId=ANY&MaxResults=3", &auth);
    assert!(pages > 10);
    assert_eq!(one, counted(&sim, SimJobType::Backup, 1, 14, None));
    for bad in [
        "AggregationPeriod=WEEK",
        "AccountId=12",
        "MaxResults=0",
        "NextToken=x",
    ] {
        let r = get(&sim, &format!("{path}?{bad}"), &auth);
        assert_eq!(
            (r.status, error_code(&r)),
            (400, "InvalidParameterValueException".into()),
            "{bad}"
        );
    }
    let r = get(&sim, "/audit/copy-job-summaries?MaxResults=1", &auth);
    let token = json(&r)["NextToken"].as_str().unwrap().to_owned();
    let r = get(&sim, &format!("{path}?NextToken={}", enc(&token)), &auth);
    assert_eq!(
        r.status, 400,
        "a copy summary's token is not a backup summary's"
    );
}

#[test]
fn restore_and_copy_summaries_have_their_own_shapes() {
    let sim = sim();
    let auth = mgmt_auth("us-east-1");
    let (rows, _) = summaries(
        &sim,
        "/audit/restore-job-summaries",
        "AccountId=ANY&AggregationPeriod=SEVEN_DAYS",
        &auth,
    );
    assert_eq!(rows, counted(&sim, SimJobType::Restore, 7, 1, None));
    assert!(
        rows.keys().all(|k| k.3.is_none()),
        "restores have no message category"
    );
    // A MessageCategory filter does not apply to restores.
    let (same, _) = summaries(
        &sim,
        "/audit/restore-job-summaries",
        "AccountId=ANY&AggregationPeriod=SEVEN_DAYS&MessageCategory=SUCCESS",
        &auth,
    );
    assert_eq!(same, rows);
    let (rows, _) = summaries(
        &sim,
        "/audit/copy-job-summaries",
        "AccountId=ANY&State=FAILED",
        &auth,
    );
    let want: Rows = counted(&sim, SimJobType::Copy, 1, 14, None)
        .into_iter()
        .filter(|(k, _)| k.1 == "FAILED")
        .collect();
    assert!(!want.is_empty());
    assert_eq!(rows, want);
    assert_eq!(sim.requests().total("ListRestoreJobSummaries"), 2);
    assert_eq!(sim.requests().total("ListCopyJobSummaries"), 1);
}

#[tokio::test]
async fn the_real_sdk_reads_job_summaries() {
    use aws_sdk_backup::types::{AggregationPeriod, BackupJobStatus, RestoreJobState};
    let sim = sim();
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = sdk_client(&server.endpoint_url(), "AKIDSIM", "us-east-1");
    let mut pages = client
        .list_backup_job_summaries()
        .account_id("ANY")
        .aggregation_period(AggregationPeriod::SevenDays)
        .max_results(4)
        .into_paginator()
        .send();
    let mut rows = Rows::new();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert_eq!(page.aggregation_period(), Some("SEVEN_DAYS"));
        for r in page.backup_job_summaries() {
            let k = (
                r.account_id().unwrap().to_owned(),
                r.state().unwrap().as_str().to_owned(),
                r.resource_type().unwrap().to_owned(),
                r.message_category().map(str::to_owned),
                r.start_time().unwrap().secs(),
            );
            assert_eq!(r.end_time().unwrap().secs() - k.4, 7 * DAY);
            assert_eq!(r.region(), Some("us-east-1"));
            rows.insert(k, i64::from(r.count()));
        }
        n += 1;
    }
    assert!(n > 5);
    assert_eq!(rows, counted(&sim, SimJobType::Backup, 7, 1, None));
    let failed = client
        .list_backup_job_summaries()
        .state(BackupJobStatus::Failed)
        .aggregation_period(AggregationPeriod::FourteenDays)
        .send()
        .await
        .unwrap();
    let mgmt = sim.management_account();
    let want = sim
        .jobs()
        .iter()
        .filter(|j| j.job_type == SimJobType::Backup && j.region == "us-east-1")
        .filter(|j| j.account_id == mgmt && j.state == "FAILED")
        .count() as i32;
    let got: i32 = failed
        .backup_job_summaries()
        .iter()
        .map(|r| r.count())
        .sum();
    assert_eq!(got, want);
    let restores = client
        .list_restore_job_summaries()
        .account_id("AGGREGATE_ALL")
        .state(RestoreJobState::Completed)
        .aggregation_period(AggregationPeriod::FourteenDays)
        .send()
        .await
        .unwrap();
    let rows = restores.restore_job_summaries();
    assert!(rows.len() > 1, "one per resource type: {rows:?}");
    assert!(rows.iter().all(|r| r.account_id() == Some("AGGREGATE_ALL")));
    let want = sim
        .jobs()
        .iter()
        .filter(|j| j.job_type == SimJobType::Restore && j.region == "us-east-1")
        .filter(|j| j.state == "COMPLETED" && j.creation_date.unwrap() > NOW - 14 * DAY)
        .count() as i32;
    assert_eq!(rows.iter().map(|r| r.count()).sum::<i32>(), want);
    let copies = client
        .list_copy_job_summaries()
        .account_id("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(copies.aggregation_period(), Some("ONE_DAY"));
    let got: i64 = copies
        .copy_job_summaries()
        .iter()
        .map(|r| i64::from(r.count()))
        .sum();
    assert_eq!(got, total(&counted(&sim, SimJobType::Copy, 1, 14, None)));
    assert_eq!(sim.requests().total("ListBackupJobSummaries"), n as u64 + 1);
    server.shutdown().await;
}
