//! Malware scan jobs: after completed backups of scanned resources, on the simulator's clock,
//! listed by ListScanJobs with its PascalCase filters.

use super::*;

/// The wire's RecoveryPointArn of every completed backup job, by ARN.
fn recovery_points(sim: &Simulator, region: &str) -> BTreeMap<String, SimJob> {
    let (items, _) = list_all(
        sim,
        "/backup-jobs",
        "accountId=*&state=COMPLETED",
        &mgmt_auth(region),
        "BackupJobs",
    );
    items
        .iter()
        .map(|v| {
            (
                s(v, "RecoveryPointArn").unwrap(),
                from_wire(SimJobType::Backup, region, v),
            )
        })
        .collect()
}

#[test]
fn scans_follow_completed_backups_and_some_find_malware() {
    let sim = sim();
    let jobs = sim.jobs();
    let scans: Vec<&SimJob> = jobs
        .iter()
        .filter(|j| j.job_type == SimJobType::Scan)
        .collect();
    assert!(scans.len() > 50, "{}", scans.len());
    let states: BTreeSet<&str> = scans.iter().map(|j| j.state.as_str()).collect();
    for s in ["COMPLETED", "COMPLETED_WITH_ISSUES", "FAILED"] {
        assert!(states.contains(s), "no {s} scan: {states:?}");
    }
    for j in &scans {
        assert_eq!(j.malware_scanner.as_deref(), Some("GUARDDUTY"));
        assert!(
            matches!(j.resource_type.as_str(), "EBS" | "EC2" | "S3"),
            "{j:?}"
        );
        assert!(j.backup_vault_name.as_deref().unwrap().starts_with("prod-"));
        let with_result = matches!(j.state.as_str(), "COMPLETED" | "COMPLETED_WITH_ISSUES");
        assert_eq!(j.scan_result_status.is_some(), with_result, "{j:?}");
        assert_eq!(
            j.completion_date.is_some(),
            !ACTIVE.contains(&j.state.as_str())
        );
        if j.completion_date.is_some() {
            assert!(
                (j.state == "COMPLETED") == j.status_message.is_none(),
                "{j:?}"
            );
        }
        assert!(!j.is_parent && j.parent_job_id.is_none() && j.backup_size_bytes.is_none());
    }
    // Each scans the recovery point of a completed backup of its resource, after it ended.
    for region in sim.regions() {
        let points = recovery_points(&sim, &region);
        let (items, _) = list_all(
            &sim,
            "/scan/jobs",
            "ByAccountId=*&MaxResults=50",
            &mgmt_auth(&region),
            "ScanJobs",
        );
        assert!(!items.is_empty());
        for v in &items {
            let scan = from_wire(SimJobType::Scan, &region, v);
            if scan.creation_date.unwrap() < NOW - 26 * 3600 + 600 {
                // Its backup may have ended before the history: no longer listed.
                continue;
            }
            let rp = s(v, "RecoveryPointArn").unwrap();
            let backup = points
                .get(&rp)
                .unwrap_or_else(|| panic!("no backup made {rp}"));
            assert_eq!(backup.resource_arn, scan.resource_arn);
            assert_eq!(backup.account_id, scan.account_id);
            let truth = scans.iter().find(|j| j.job_id == scan.job_id).unwrap();
            assert_eq!(backup.created_by, truth.created_by);
            assert!(scan.creation_date.unwrap() > backup.completion_date.unwrap());
            for k in [
                "ScanId",
                "ScanMode",
                "ScannerRoleArn",
                "IamRoleArn",
                "BackupVaultArn",
            ] {
                assert!(v[k].is_string(), "{k}: {v}");
            }
            for k in [
                "BackupPlanArn",
                "BackupPlanId",
                "BackupPlanVersion",
                "BackupRuleId",
            ] {
                assert!(v["CreatedBy"][k].is_string(), "{k}: {v}");
            }
        }
    }
    // In every account of the first region, some resource's newest completed scan found
    // threats: a demo shows the malware alert.
    for a in sim.accounts() {
        let mut newest: BTreeMap<&str, (i64, &str)> = BTreeMap::new();
        for j in scans
            .iter()
            .filter(|j| j.account_id == a && j.region == "us-east-1")
        {
            if let Some(r) = &j.scan_result_status {
                let c = j.completion_date.unwrap();
                let e = newest.entry(&j.resource_arn).or_insert((c, r));
                if c > e.0 {
                    *e = (c, r);
                }
            }
        }
        assert!(
            newest.values().any(|(_, r)| *r == "THREATS_FOUND"),
            "{a}: {newest:?}"
        );
        assert!(newest.values().any(|(_, r)| *r == "NO_THREATS_FOUND"));
    }
}

#[test]
fn list_scan_jobs_filters_select_exactly_the_matching_jobs() {
    let sim = sim();
    let region = "eu-west-1";
    let auth = mgmt_auth(region);
    let mgmt = sim.management_account();
    let all = expected(&sim, SimJobType::Scan, region, |_| true);
    let one = all.iter().find(|j| j.scan_result_status.is_some()).unwrap();
    let rp = {
        let (items, _) = list_all(&sim, "/scan/jobs", "ByAccountId=*", &auth, "ScanJobs");
        let v = items
            .iter()
            .find(|v| v["ScanJobId"] == one.job_id.as_str())
            .unwrap()
            .clone();
        s(&v, "RecoveryPointArn").unwrap()
    };
    let after = NOW - 6 * 3600;
    type Pred<'a> = Box<dyn Fn(&SimJob) -> bool + 'a>;
    let cases: Vec<(String, Pred)> = vec![
        (String::new(), Box::new(|j: &SimJob| j.account_id == mgmt)),
        ("ByAccountId=*".into(), Box::new(|_: &SimJob| true)),
        (
            format!("ByAccountId={}", one.account_id),
            Box::new(|j: &SimJob| j.account_id == one.account_id),
        ),
        (
            "ByAccountId=*&ByState=RUNNING".into(),
            Box::new(|j: &SimJob| j.state == "RUNNING"),
        ),
        (
            "ByAccountId=*&ByState=FAILED".into(),
            Box::new(|j: &SimJob| j.state == "FAILED"),
        ),
        (
            format!("ByAccountId=*&ByCompleteAfter={}", date(after)),
            Box::new(move |j: &SimJob| j.completion_date.is_some_and(|c| c > after)),
        ),
        (
            format!(
                "ByAccountId=*&ByCompleteAfter={}&ByCompleteBefore={}",
                date(after),
                date(NOW - 3600)
            ),
            Box::new(move |j: &SimJob| {
                j.completion_date
                    .is_some_and(|c| c > after && c < NOW - 3600)
            }),
        ),
        (
            "ByAccountId=*&ByScanResultStatus=THREATS_FOUND".into(),
            Box::new(|j: &SimJob| j.scan_result_status.as_deref() == Some("THREATS_FOUND")),
        ),
        (
            format!("ByAccountId=*&ByResourceArn={}", enc(&one.resource_arn)),
            Box::new(|j: &SimJob| j.resource_arn == one.resource_arn),
        ),
        (
            format!("ByAccountId=*&ByRecoveryPointArn={}", enc(&rp)),
            Box::new(|j: &SimJob| j.job_id == one.job_id),
        ),
        (
            "ByAccountId=*&ByBackupVaultName=prod-daily&ByResourceType=EBS".into(),
            Box::new(|j: &SimJob| {
                j.backup_vault_name.as_deref() == Some("prod-daily") && j.resource_type == "EBS"
            }),
        ),
        (
            "ByAccountId=*&ByMalwareScanner=GUARDDUTY&MaxResults=3".into(),
            Box::new(|_: &SimJob| true),
        ),
        (
            "ByAccountId=*&ByState=NOPE".into(),
            Box::new(|_: &SimJob| false),
        ),
    ];
    for (q, pred) in cases {
        let got = listed(&sim, SimJobType::Scan, region, &q);
        let want = expected(&sim, SimJobType::Scan, region, &pred);
        assert_eq!(got, want, "{q}");
    }
    // The ByState snapshot of active scans lists CREATED and RUNNING ones.
    sim.advance_to(NOW + 1800);
    let active: usize = ["CREATED", "RUNNING"]
        .iter()
        .map(|s| {
            listed(
                &sim,
                SimJobType::Scan,
                region,
                &format!("ByAccountId=*&ByState={s}"),
            )
            .len()
        })
        .sum();
    let want = expected(&sim, SimJobType::Scan, region, |j| {
        matches!(j.state.as_str(), "CREATED" | "RUNNING")
    });
    assert_eq!(active, want.len());
    // A job listing's token is not a scan listing's.
    let r = get(&sim, "/backup-jobs?maxResults=1", &auth);
    let token = json(&r)["NextToken"].as_str().unwrap().to_owned();
    let bad = get(
        &sim,
        &format!("/scan/jobs?NextToken={}", enc(&token)),
        &auth,
    );
    assert_eq!(error_code(&bad), "InvalidParameterValueException");
    assert!(sim.requests().total("ListScanJobs") > 20);
}

#[test]
fn scans_move_through_their_states_and_inserted_ones_are_listed() {
    let sim = Simulator::new(
        SimOptions {
            brisk: true,
            ..SimOptions::default()
        },
        NOW,
    );
    sim.advance_to(NOW + 240);
    // Demo pace scans the short backups within about a minute.
    let brisk: Vec<SimJob> = sim
        .jobs()
        .into_iter()
        .filter(|j| j.job_type == SimJobType::Scan && j.creation_date.unwrap() > NOW)
        .collect();
    assert!(brisk.len() >= 5, "{}", brisk.len());
    assert!(
        brisk
            .iter()
            .any(|j| j.completion_date.is_some_and(|c| c <= NOW + 240))
    );
    for j in &brisk {
        if let Some(c) = j.completion_date {
            assert!(c - j.creation_date.unwrap() < 60, "{j:?}");
        }
    }
    // By hand: fields a scan's wire shape lacks are dropped.
    let account = sim.management_account();
    let mut job = new_job("SCAN-1", NOW + 100, Some(NOW + 200), "COMPLETED", &account);
    job.job_type = SimJobType::Scan;
    job.malware_scanner = Some("GUARDDUTY".into());
    job.scan_result_status = Some("THREATS_FOUND".into());
    job.parent_job_id = Some("P".into());
    sim.insert(job.clone());
    let stored = sim
        .jobs()
        .into_iter()
        .find(|j| j.job_id == "SCAN-1")
        .unwrap();
    assert_eq!(stored.message_category, None);
    assert_eq!(stored.backup_size_bytes, None);
    assert_eq!(stored.parent_job_id, None);
    let got = listed(
        &sim,
        SimJobType::Scan,
        "us-east-1",
        &format!(
            "ByCompleteAfter={}&ByScanResultStatus=THREATS_FOUND",
            date(NOW + 150)
        ),
    );
    assert!(got.contains(&stored), "{got:?}");
}

#[tokio::test]
async fn the_real_sdk_reads_scan_jobs() {
    use aws_sdk_backup::primitives::DateTime;
    use aws_sdk_backup::types::ScanState;
    let sim = sim();
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = sdk_client(&server.endpoint_url(), "AKIDSIM", "us-east-1");
    let to_sim = |j: &aws_sdk_backup::types::ScanJob| {
        (
            j.scan_job_id().to_owned(),
            j.account_id().to_owned(),
            j.state().map(|s| s.as_str().to_owned()),
            j.resource_arn().to_owned(),
            j.resource_type().as_str().to_owned(),
            j.creation_date().secs(),
            j.completion_date().map(|d| d.secs()),
            j.scan_result()
                .map(|r| r.scan_result_status())
                .map(|s| s.as_str().to_owned()),
            j.malware_scanner().as_str().to_owned(),
        )
    };
    let want = |pred: &dyn Fn(&SimJob) -> bool| -> Vec<_> {
        let mut v: Vec<_> = expected(&sim, SimJobType::Scan, "us-east-1", pred)
            .into_iter()
            .map(|j| {
                (
                    j.job_id,
                    j.account_id,
                    Some(j.state),
                    j.resource_arn,
                    j.resource_type,
                    j.creation_date.unwrap(),
                    j.completion_date,
                    j.scan_result_status,
                    j.malware_scanner.unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    // The organization's scans, in pages of 7.
    let mut pages = client
        .list_scan_jobs()
        .by_account_id("*")
        .max_results(7)
        .into_paginator()
        .send();
    let mut got = Vec::new();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        got.extend(page.unwrap().scan_jobs().iter().map(to_sim));
        n += 1;
    }
    got.sort();
    assert!(n > 5);
    assert_eq!(got, want(&|_| true));
    // The incremental read and the active snapshot.
    let after = NOW - 4 * 3600;
    let page = client
        .list_scan_jobs()
        .by_account_id("*")
        .by_complete_after(DateTime::from_secs(after))
        .send()
        .await
        .unwrap();
    let mut got: Vec<_> = page.scan_jobs().iter().map(to_sim).collect();
    got.sort();
    assert_eq!(got, want(&|j| j.completion_date.is_some_and(|c| c > after)));
    let running = client
        .list_scan_jobs()
        .by_state(ScanState::Running)
        .send()
        .await
        .unwrap();
    let mgmt = sim.management_account();
    let mut got: Vec<_> = running.scan_jobs().iter().map(to_sim).collect();
    got.sort();
    assert_eq!(got, want(&|j| j.state == "RUNNING" && j.account_id == mgmt));
    assert!(sim.requests().total("ListScanJobs") >= n as u64 + 2);
    server.shutdown().await;
}
