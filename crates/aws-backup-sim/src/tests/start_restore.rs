//! StartRestoreJob: a restore of a completed backup's recovery point, on the simulator's
//! clock, idempotent by token, with AWS's errors.

use super::*;

fn put(sim: &Simulator, auth: &str, body: &Value) -> Reply {
    sim.respond(
        "PUT",
        "/restore-jobs",
        "",
        Some(auth),
        body.to_string().as_bytes(),
    )
}

fn request(rp: &str, token: &str) -> Value {
    serde_json::json!({
        "RecoveryPointArn": rp,
        "Metadata": {"volumeType": "gp3", "availabilityZone": "us-east-1a"},
        "IamRoleArn": "arn:aws:iam::123456789012:role/restore",
        "IdempotencyToken": token,
    })
}

/// (RecoveryPointArn, backup job) of the caller's COMPLETED backups in the region.
fn recovery_points(sim: &Simulator, auth: &str, region: &str) -> Vec<(String, SimJob)> {
    let (items, _) = list_all(sim, "/backup-jobs", "state=COMPLETED", auth, "BackupJobs");
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

fn restore_count(sim: &Simulator) -> usize {
    sim.jobs()
        .iter()
        .filter(|j| j.job_type == SimJobType::Restore)
        .count()
}

#[test]
fn a_started_restore_runs_to_its_end_and_is_listed_everywhere() {
    let sim = sim();
    let auth = mgmt_auth("us-east-1");
    let points = recovery_points(&sim, &auth, "us-east-1");
    let (rp, backup) = points
        .iter()
        .find(|(_, b)| b.resource_type == "EBS")
        .unwrap()
        .clone();
    let before = restore_count(&sim);
    let r = put(&sim, &auth, &request(&rp, "tok-1"));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = s(&json(&r), "RestoreJobId").unwrap();
    // The same token: the same job, nothing new.
    let again = put(&sim, &auth, &request(&rp, "tok-1"));
    assert_eq!(
        s(&json(&again), "RestoreJobId").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(restore_count(&sim), before + 1);
    let job = sim.jobs().into_iter().find(|j| j.job_id == id).unwrap();
    assert_eq!(
        (
            job.job_type,
            job.state.as_str(),
            job.account_id.as_str(),
            job.region.as_str()
        ),
        (
            SimJobType::Restore,
            "PENDING",
            backup.account_id.as_str(),
            "us-east-1"
        )
    );
    assert_eq!(job.resource_arn, backup.resource_arn);
    assert_eq!(job.resource_type, "EBS");
    assert_eq!(job.creation_date, Some(NOW));
    // Listed, described and in the resource's history, with the recovery point it restores.
    let d = json(&get(&sim, &format!("/restore-jobs/{id}"), &auth));
    assert_eq!(s(&d, "RecoveryPointArn").as_deref(), Some(rp.as_str()));
    assert_eq!(n(&d, "RecoveryPointCreationDate"), backup.creation_date);
    assert_eq!(
        s(&d, "SourceResourceArn").as_deref(),
        Some(backup.resource_arn.as_str())
    );
    let pending = listed(&sim, SimJobType::Restore, "us-east-1", "status=PENDING");
    assert!(pending.iter().any(|j| j.job_id == id));
    let path = format!("/resources/{}/restore-jobs", enc(&backup.resource_arn));
    let history = json(&get(&sim, &path, &auth));
    assert!(
        history["RestoreJobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["RestoreJobId"] == id.as_str())
    );
    // On the simulator's clock: running within seconds, ended within a couple of minutes.
    let state_at = |t: i64| {
        sim.advance_to(t);
        sim.jobs().into_iter().find(|j| j.job_id == id).unwrap()
    };
    assert_eq!(state_at(NOW + 25).state, "RUNNING");
    let done = state_at(NOW + 150);
    assert!(
        matches!(done.state.as_str(), "COMPLETED" | "FAILED"),
        "{done:?}"
    );
    let c = done.completion_date.unwrap();
    assert!(c > NOW + 25 && c <= NOW + 150);
    assert_eq!(done.backup_size_bytes, backup.backup_size_bytes);
    let ended = listed(
        &sim,
        SimJobType::Restore,
        "us-east-1",
        &format!("completeAfter={}", date(NOW)),
    );
    assert!(
        ended
            .iter()
            .any(|j| j.job_id == id && j.state == done.state)
    );
    // Outcomes follow from the ids: among many, both.
    let ids: Vec<String> = points
        .iter()
        .take(30)
        .enumerate()
        .map(|(i, (rp, _))| {
            s(
                &json(&put(&sim, &auth, &request(rp, &format!("t{i}")))),
                "RestoreJobId",
            )
            .unwrap()
        })
        .collect();
    sim.advance_to(NOW + 400);
    let states: BTreeSet<String> = sim
        .jobs()
        .into_iter()
        .filter(|j| ids.contains(&j.job_id))
        .map(|j| j.state)
        .collect();
    assert_eq!(
        states,
        BTreeSet::from(["COMPLETED".to_owned(), "FAILED".to_owned()])
    );
    assert_eq!(sim.requests().total("StartRestoreJob"), 32);
}

#[test]
fn start_restore_job_refuses_what_aws_refuses() {
    let sim = sim();
    let auth = mgmt_auth("us-east-1");
    let points = recovery_points(&sim, &auth, "us-east-1");
    let (rp, backup) = points[0].clone();
    let code = |r: &Reply| (r.status, error_code(r));
    let missing = (400, "MissingParameterValueException".to_owned());
    for key in ["RecoveryPointArn", "Metadata", "IamRoleArn"] {
        let mut body = request(&rp, "x");
        body.as_object_mut().unwrap().remove(key);
        assert_eq!(code(&put(&sim, &auth, &body)), missing, "without {key}");
    }
    let mut body = request(&rp, "x");
    body["Metadata"] = serde_json::json!({"n": 1});
    assert_eq!(
        code(&put(&sim, &auth, &body)).1,
        "InvalidParameterValueException"
    );
    let r = sim.respond("PUT", "/restore-jobs", "", Some(&auth), b"{not json");
    assert_eq!(code(&r), (400, "InvalidRequestException".into()));
    let not_found = (400, "ResourceNotFoundException".to_owned());
    // No such recovery point; near misses of a real one (its hash digits, or the leading
    // digit that does not carry the hash); another account's; another region's.
    let (ebs, _) = points
        .iter()
        .find(|(_, b)| b.resource_type == "EBS")
        .unwrap();
    let flip = |s: &str, i: usize| {
        let mut b = s.as_bytes().to_vec();
        b[i] = if b[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    let lead = ebs.find("snap-").unwrap() + 5;
    for bad in [
        "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0".to_owned(),
        flip(ebs, ebs.len() - 1),
        flip(ebs, lead),
        format!("{ebs}0"),
    ] {
        assert_eq!(
            code(&put(&sim, &auth, &request(&bad, "y"))),
            not_found,
            "{bad}"
        );
    }
    assert_eq!(put(&sim, &auth, &request(ebs, "y")).status, 200);
    let member = sim.accounts()[1].clone();
    let key = assume(&sim, &format!("arn:aws:iam::{member}:role/x"));
    assert_eq!(
        code(&put(
            &sim,
            &super::auth(&key, "us-east-1"),
            &request(&rp, "z")
        )),
        not_found
    );
    assert_eq!(
        code(&put(&sim, &mgmt_auth("eu-west-1"), &request(&rp, "z"))),
        not_found
    );
    // A backup that no longer completed has no recovery point to restore.
    let mut failed = backup.clone();
    failed.state = "FAILED".into();
    failed.message_category = Some("AccessDenied".into());
    sim.insert(failed);
    assert_eq!(code(&put(&sim, &auth, &request(&rp, "w"))), not_found);
    // GET lists, PUT starts; other methods are refused.
    let r = sim.respond("DELETE", "/restore-jobs", "", Some(&auth), b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, PUT"));
    assert_eq!(sim.requests().faulted("StartRestoreJob"), 0);
}

#[test]
fn a_backup_inserted_by_hand_can_be_restored() {
    let sim = sim();
    let account = sim.management_account();
    let job = new_job("HAND-1", NOW - 900, Some(NOW - 300), "COMPLETED", &account);
    sim.insert(job.clone());
    let auth = mgmt_auth("us-east-1");
    let points = recovery_points(&sim, &auth, "us-east-1");
    let (rp, _) = points.iter().find(|(_, b)| b.job_id == "HAND-1").unwrap();
    let mut body = request(rp, "hand");
    body["ResourceType"] = "EC2".into();
    let r = put(&sim, &auth, &body);
    let id = s(&json(&r), "RestoreJobId").unwrap();
    sim.advance_to(NOW + 200);
    let done = sim.jobs().into_iter().find(|j| j.job_id == id).unwrap();
    assert_eq!(done.resource_arn, job.resource_arn);
    assert_eq!(done.resource_type, "EC2", "the request's ResourceType");
    assert!(done.completion_date.is_some());
    let d = json(&get(&sim, &format!("/restore-jobs/{id}"), &auth));
    assert_eq!(s(&d, "RecoveryPointArn").as_deref(), Some(rp.as_str()));
    // Backups that complete after the first restore was started can be restored too, and
    // generated ones made since.
    let later = new_job("HAND-2", NOW + 100, Some(NOW + 150), "COMPLETED", &account);
    sim.insert(later);
    sim.advance_to(NOW + 3 * 3600);
    let points = recovery_points(&sim, &auth, "us-east-1");
    let fresh: Vec<&(String, SimJob)> = points
        .iter()
        .filter(|(_, b)| b.job_id == "HAND-2" || b.creation_date.unwrap() > NOW + 3600)
        .collect();
    assert!(fresh.len() > 5);
    for (i, (rp, _)) in fresh.iter().enumerate() {
        let r = put(&sim, &auth, &request(rp, &format!("later-{i}")));
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
}

#[tokio::test]
async fn the_real_sdk_starts_a_restore_and_reads_it_back() {
    use aws_sdk_backup::types::RestoreJobStatus;
    let sim = sim();
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = sdk_client(&server.endpoint_url(), "AKIDSIM", "us-east-1");
    let backup = client
        .list_backup_jobs()
        .by_state(aws_sdk_backup::types::BackupJobState::Completed)
        .max_results(5)
        .send()
        .await
        .unwrap();
    let b = &backup.backup_jobs()[0];
    let rp = b.recovery_point_arn().unwrap();
    let start = || {
        client
            .start_restore_job()
            .recovery_point_arn(rp)
            .iam_role_arn("arn:aws:iam::123456789012:role/restore")
            .metadata("volumeType", "gp3")
    };
    let first = start().idempotency_token("sdk-1").send().await.unwrap();
    let id = first.restore_job_id().unwrap().to_owned();
    let again = start().idempotency_token("sdk-1").send().await.unwrap();
    assert_eq!(again.restore_job_id(), Some(id.as_str()));
    // The SDK makes up a token when none is given: a new job each time.
    let other = start().send().await.unwrap();
    assert_ne!(other.restore_job_id(), Some(id.as_str()));
    // Errors map to the SDK's modeled ones.
    let e = client
        .start_restore_job()
        .recovery_point_arn(rp)
        .iam_role_arn("arn:aws:iam::123456789012:role/restore")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_missing_parameter_value_exception(),
        "{e:?}"
    );
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
    let e = client
        .start_restore_job()
        .recovery_point_arn(rp)
        .metadata("volumeType", "gp3")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_missing_parameter_value_exception()
    );
    let e = start()
        .recovery_point_arn("arn:aws:ec2:us-east-1::snapshot/snap-00000000000000000")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_resource_not_found_exception(),
        "{e:?}"
    );
    // Pending now; ended after the clock moves; in the resource's history.
    let d = client
        .describe_restore_job()
        .restore_job_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), Some(&RestoreJobStatus::Pending));
    assert_eq!(d.recovery_point_arn(), Some(rp));
    sim.advance_to(NOW + 180);
    let d = client
        .describe_restore_job()
        .restore_job_id(&id)
        .send()
        .await
        .unwrap();
    assert!(matches!(
        d.status(),
        Some(RestoreJobStatus::Completed | RestoreJobStatus::Failed)
    ));
    assert!(d.completion_date().is_some());
    let history = client
        .list_restore_jobs_by_protected_resource()
        .resource_arn(b.resource_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        history
            .restore_jobs()
            .iter()
            .any(|j| j.restore_job_id() == Some(id.as_str()))
    );
    assert_eq!(sim.requests().total("StartRestoreJob"), 6);
    server.shutdown().await;
}
