//! The restore history: older than the job history for some resources, never successful for
//! one per account and region, read whole by ListRestoreJobsByProtectedResource.

use super::*;

const DAY: i64 = 86_400;

fn restores_of<'a>(jobs: &'a [SimJob], account: &str, region: &str, arn: &str) -> Vec<&'a SimJob> {
    jobs.iter()
        .filter(|j| {
            j.job_type == SimJobType::Restore
                && j.account_id == account
                && j.region == region
                && j.resource_arn == arn
        })
        .collect()
}

fn by_resource(sim: &Simulator, arn: &str, query: &str, auth: &str) -> Vec<SimJob> {
    let path = format!("/resources/{}/restore-jobs", enc(arn));
    let (items, _) = list_all(sim, &path, query, auth, "RestoreJobs");
    sorted(
        items
            .iter()
            .map(|v| from_wire(SimJobType::Restore, "us-east-1", v))
            .collect(),
    )
}

#[test]
fn restore_history_goes_back_before_the_job_history() {
    let sim = sim();
    let jobs = sim.jobs();
    let old: Vec<&SimJob> = jobs
        .iter()
        .filter(|j| j.completion_date.is_some_and(|c| c < NOW - 26 * 3600))
        .collect();
    assert!(
        old.iter()
            .all(|j| j.job_type == SimJobType::Restore && j.creation_date.unwrap() < NOW - 8 * DAY)
    );
    let resources = sim.resources();
    for a in sim.accounts() {
        for g in sim.regions() {
            let here: Vec<&SimResource> = resources
                .iter()
                .filter(|r| r.account_id == a && r.region == g)
                .collect();
            let with_old_success = here
                .iter()
                .filter(|r| {
                    restores_of(&jobs, &a, &g, &r.resource_arn).iter().any(|j| {
                        j.state == "COMPLETED" && j.completion_date.unwrap() < NOW - 19 * DAY
                    })
                })
                .count();
            assert!(
                (6..=22).contains(&with_old_success),
                "about a third: {with_old_success}"
            );
            // Exactly one resource has restores and never a successful one.
            let never: Vec<&&SimResource> = here
                .iter()
                .filter(|r| {
                    let rs = restores_of(&jobs, &a, &g, &r.resource_arn);
                    rs.len() >= 2 && rs.iter().all(|j| j.state != "COMPLETED")
                })
                .collect();
            assert_eq!(never.len(), 1, "{a} {g}");
            let rs = restores_of(&jobs, &a, &g, &never[0].resource_arn);
            assert!(
                rs.iter()
                    .all(|j| j.state == "FAILED" || j.state == "ABORTED")
            );
        }
    }
    // A windowed read never sees them; a whole listing does.
    let recent = listed(
        &sim,
        SimJobType::Restore,
        "us-east-1",
        &format!("accountId=*&completeAfter={}", date(NOW - 26 * 3600)),
    );
    assert!(
        recent
            .iter()
            .all(|j| j.completion_date.unwrap() > NOW - 26 * 3600)
    );
    let all = listed(&sim, SimJobType::Restore, "us-east-1", "accountId=*");
    assert!(all.len() > recent.len() + 20);
}

#[test]
fn restore_jobs_by_protected_resource_read_the_callers_whole_history() {
    let sim = sim();
    let jobs = sim.jobs();
    let mgmt = sim.management_account();
    let auth = mgmt_auth("us-east-1");
    // A resource with an old success and recent restores.
    let arn = jobs
        .iter()
        .filter(|j| {
            j.job_type == SimJobType::Restore && j.account_id == mgmt && j.region == "us-east-1"
        })
        .filter(|j| j.completion_date.unwrap() < NOW - 19 * DAY)
        .map(|j| j.resource_arn.clone())
        .find(|a| restores_of(&jobs, &mgmt, "us-east-1", a).len() >= 2)
        .expect("a resource restored long ago and lately");
    let want = |pred: &dyn Fn(&SimJob) -> bool| -> Vec<SimJob> {
        sorted(
            restores_of(&jobs, &mgmt, "us-east-1", &arn)
                .into_iter()
                .filter(|j| pred(j))
                .cloned()
                .collect(),
        )
    };
    assert_eq!(
        by_resource(&sim, &arn, "maxResults=1", &auth),
        want(&|_| true)
    );
    assert_eq!(
        by_resource(&sim, &arn, "status=COMPLETED", &auth),
        want(&|j| j.state == "COMPLETED")
    );
    // RecoveryPointCreationDate is six hours before each restore of the generated history.
    let after = NOW - 10 * DAY;
    assert_eq!(
        by_resource(
            &sim,
            &arn,
            &format!("recoveryPointCreationDateAfter={}", date(after)),
            &auth
        ),
        want(&|j| j.creation_date.unwrap() - 6 * 3600 > after)
    );
    assert_eq!(
        by_resource(
            &sim,
            &arn,
            &format!("recoveryPointCreationDateBefore={}", date(after)),
            &auth
        ),
        want(&|j| j.creation_date.unwrap() - 6 * 3600 < after)
    );
    // Another account's resource, another region, an unknown ARN: nothing.
    let member = sim.accounts()[1].clone();
    let key = assume(&sim, &format!("arn:aws:iam::{member}:role/x"));
    assert!(by_resource(&sim, &arn, "", &super::auth(&key, "us-east-1")).is_empty());
    assert!(by_resource(&sim, &arn, "", &mgmt_auth("eu-west-1")).is_empty());
    assert!(by_resource(&sim, "arn:aws:ec2:us-east-1:1:volume/vol-none", "", &auth).is_empty());
    // The trailing slash the AWS CLI sends, and bad parameters.
    let path = format!("/resources/{}/restore-jobs/", enc(&arn));
    assert_eq!(get(&sim, &path, &auth).status, 200);
    for bad in [
        "maxResults=0",
        "nextToken=zz",
        "recoveryPointCreationDateAfter=soon",
    ] {
        let r = get(&sim, &format!("{path}?{bad}"), &auth);
        assert_eq!(r.status, 400, "{bad}");
    }
    // A ListRestoreJobs token is not this listing's.
    let r = get(&sim, "/restore-jobs?maxResults=1", &auth);
    let token = json(&r)["NextToken"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&sim, &format!("{path}?nextToken={}", enc(&token)), &auth).status,
        400
    );
    assert_eq!(get(&sim, "/resources//restore-jobs", &auth).status, 404);
    assert!(sim.requests().total("ListRestoreJobsByProtectedResource") >= 10);
}

#[tokio::test]
async fn the_real_sdk_reads_restore_jobs_by_protected_resource() {
    use aws_sdk_backup::types::RestoreJobStatus;
    let sim = sim();
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = sdk_client(&server.endpoint_url(), "AKIDSIM", "us-east-1");
    let jobs = sim.jobs();
    let mgmt = sim.management_account();
    let mut arns: Vec<String> = jobs
        .iter()
        .filter(|j| {
            j.job_type == SimJobType::Restore && j.account_id == mgmt && j.region == "us-east-1"
        })
        .map(|j| j.resource_arn.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // The resource whose name and ARN carry quotes, a backslash, non-ASCII and a newline.
    let hostile = sim
        .resources()
        .into_iter()
        .find(|r| r.resource_name.as_deref() == Some(HOSTILE_NAME))
        .unwrap();
    arns.push(hostile.resource_arn);
    let mut never = 0;
    for arn in &arns {
        let mut pages = client
            .list_restore_jobs_by_protected_resource()
            .resource_arn(arn)
            .max_results(1)
            .into_paginator()
            .items()
            .send();
        let mut got = Vec::new();
        while let Some(j) = pages.next().await {
            let j = j.unwrap();
            assert_eq!(j.source_resource_arn(), Some(arn.as_str()));
            got.push((
                j.restore_job_id().unwrap().to_owned(),
                j.status().unwrap().as_str().to_owned(),
                j.completion_date().map(|d| d.secs()),
            ));
        }
        got.sort();
        let mut want: Vec<_> = restores_of(&jobs, &mgmt, "us-east-1", arn)
            .into_iter()
            .map(|j| (j.job_id.clone(), j.state.clone(), j.completion_date))
            .collect();
        want.sort();
        assert_eq!(got, want, "{arn}");
        let completed = client
            .list_restore_jobs_by_protected_resource()
            .resource_arn(arn)
            .by_status(RestoreJobStatus::Completed)
            .send()
            .await
            .unwrap();
        let n = completed.restore_jobs().len();
        assert_eq!(n, want.iter().filter(|w| w.1 == "COMPLETED").count());
        never += usize::from(n == 0 && want.len() >= 2);
    }
    assert!(arns.len() > 10);
    assert!(never >= 1, "the resource that never restores");
    server.shutdown().await;
}
