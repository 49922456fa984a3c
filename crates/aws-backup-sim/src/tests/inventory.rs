//! Vaults and restore testing plans: ListBackupVaults and ListRestoreTestingPlans show the
//! caller's own, and the ground-truth getters say what they should.

use super::*;

fn vault_from_wire(account: &str, region: &str, v: &Value) -> SimVault {
    SimVault {
        account_id: account.to_owned(),
        region: region.to_owned(),
        backup_vault_name: s(v, "BackupVaultName").unwrap(),
        backup_vault_arn: s(v, "BackupVaultArn").unwrap(),
        vault_type: s(v, "VaultType").unwrap(),
        vault_state: s(v, "VaultState").unwrap(),
        creation_date: n(v, "CreationDate").unwrap(),
        encryption_key_arn: s(v, "EncryptionKeyArn").unwrap(),
        encryption_key_type: s(v, "EncryptionKeyType").unwrap(),
        creator_request_id: s(v, "CreatorRequestId"),
        number_of_recovery_points: n(v, "NumberOfRecoveryPoints").unwrap(),
        locked: v["Locked"].as_bool().unwrap(),
        lock_date: n(v, "LockDate"),
        min_retention_days: n(v, "MinRetentionDays"),
        max_retention_days: n(v, "MaxRetentionDays"),
    }
}

fn completed_in(sim: &Simulator, v: &SimVault) -> i64 {
    sim.jobs()
        .iter()
        .filter(|j| {
            j.job_type == SimJobType::Backup
                && j.state == "COMPLETED"
                && j.account_id == v.account_id
                && j.region == v.region
                && j.backup_vault_name.as_deref() == Some(v.backup_vault_name.as_str())
        })
        .count() as i64
}

#[test]
fn vaults_are_listed_per_account_region_and_type() {
    let sim = sim();
    let vaults = sim.vaults();
    let accounts = sim.accounts();
    let last = accounts.last().unwrap().clone();
    for a in &accounts {
        for g in sim.regions() {
            let here: Vec<&SimVault> = vaults
                .iter()
                .filter(|v| &v.account_id == a && v.region == g)
                .collect();
            let names: BTreeSet<&str> = here.iter().map(|v| v.backup_vault_name.as_str()).collect();
            let mut want = BTreeSet::from([
                "Default",
                "prod-hourly",
                "prod-daily",
                "compliance-vault",
                "dr-vault",
                "airgapped-vault",
            ]);
            if *a == last {
                want.insert("central-backup-vault");
            }
            assert_eq!(names, want);
            for v in here {
                assert_eq!(v.vault_state, "AVAILABLE");
                assert!(v.creation_date < NOW);
                assert!(
                    v.backup_vault_arn
                        .ends_with(&format!(":backup-vault:{}", v.backup_vault_name))
                );
                let (locked, dated, min, max) = match v.backup_vault_name.as_str() {
                    "compliance-vault" | "airgapped-vault" => (true, true, true, true),
                    "prod-daily" => (true, false, true, false),
                    _ => (false, false, false, false),
                };
                assert_eq!(
                    (
                        v.locked,
                        v.lock_date.is_some(),
                        v.min_retention_days.is_some(),
                        v.max_retention_days.is_some()
                    ),
                    (locked, dated, min, max),
                    "{v:?}"
                );
                if let Some(d) = v.lock_date {
                    assert!(d < NOW && d >= v.creation_date);
                }
                let air_gapped = v.backup_vault_name == "airgapped-vault";
                assert_eq!(
                    v.vault_type,
                    if air_gapped {
                        "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
                    } else {
                        "BACKUP_VAULT"
                    }
                );
                assert!(v.number_of_recovery_points >= completed_in(&sim, v));
            }
        }
    }
    let key_types: BTreeSet<&str> = vaults
        .iter()
        .map(|v| v.encryption_key_type.as_str())
        .collect();
    assert_eq!(
        key_types,
        BTreeSet::from(["AWS_OWNED_KMS_KEY", "CUSTOMER_MANAGED_KMS_KEY"])
    );

    // The caller's own, standard ones unless vaultType asks for another type; in pages.
    let mgmt = sim.management_account();
    let auth = mgmt_auth("eu-west-1");
    let mine = |ty: &str| -> Vec<SimVault> {
        vaults
            .iter()
            .filter(|v| v.account_id == mgmt && v.region == "eu-west-1" && v.vault_type == ty)
            .cloned()
            .collect()
    };
    let read = |q: &str, a: &str, account: &str| -> (Vec<SimVault>, usize) {
        let (items, pages) = list_all(&sim, "/backup-vaults", q, a, "BackupVaultList");
        let got = items
            .iter()
            .map(|v| vault_from_wire(account, "eu-west-1", v))
            .collect();
        (got, pages)
    };
    let (got, pages) = read("maxResults=2", &auth, &mgmt);
    assert_eq!(got, mine("BACKUP_VAULT"));
    assert_eq!(pages, 3);
    let (got, _) = read("vaultType=LOGICALLY_AIR_GAPPED_BACKUP_VAULT", &auth, &mgmt);
    assert_eq!(got, mine("LOGICALLY_AIR_GAPPED_BACKUP_VAULT"));
    assert_eq!(got.len(), 1);
    let (got, _) = read(
        "vaultType=RESTORE_ACCESS_BACKUP_VAULT&shared=false",
        &auth,
        &mgmt,
    );
    assert!(got.is_empty());
    let (got, _) = read("vaultType=BACKUP_VAULT&shared=true", &auth, &mgmt);
    assert_eq!(got, mine("BACKUP_VAULT"));
    for bad in [
        "vaultType=NOPE",
        "shared=maybe",
        "maxResults=0",
        "nextToken=abc",
    ] {
        let r = get(&sim, &format!("/backup-vaults?{bad}"), &auth);
        assert_eq!(
            (r.status, error_code(&r)),
            (400, "InvalidParameterValueException".into()),
            "{bad}"
        );
    }
    // A member sees its own; the last account its central vault.
    let member_key = assume(&sim, &format!("arn:aws:iam::{last}:role/x"));
    let (got, _) = read("", &super::auth(&member_key, "eu-west-1"), &last);
    assert!(
        got.iter()
            .all(|v| v.backup_vault_arn.contains(&format!(":{last}:")))
    );
    assert!(
        got.iter()
            .any(|v| v.backup_vault_name == "central-backup-vault")
    );
    assert_eq!(
        sim.requests().total("ListBackupVaults"),
        3 + 1 + 1 + 1 + 4 + 1
    );

    // Recovery points grow with the completed backups.
    let hourly = |sim: &Simulator| {
        sim.vaults()
            .into_iter()
            .find(|v| {
                v.account_id == mgmt
                    && v.region == "us-east-1"
                    && v.backup_vault_name == "prod-hourly"
            })
            .unwrap()
    };
    let before = hourly(&sim);
    let done_before = completed_in(&sim, &before);
    sim.advance_to(NOW + 3 * 3600);
    let after = hourly(&sim);
    let done_after = completed_in(&sim, &after);
    assert!(done_after > done_before);
    assert_eq!(
        after.number_of_recovery_points - before.number_of_recovery_points,
        done_after - done_before
    );
}

#[test]
fn restore_testing_plans_run_on_their_schedule_and_one_stopped() {
    let sim = sim();
    let plans = sim.restore_testing_plans();
    let accounts = sim.accounts();
    assert_eq!(plans.len(), accounts.len() * 2 + accounts.len());
    let jobs = sim.jobs();
    for p in &plans {
        assert_eq!(p.schedule_expression_timezone, "Etc/UTC");
        assert!(p.restore_testing_plan_arn.starts_with(&format!(
            "arn:aws:backup:{}:{}:restore-testing-plan:{}-",
            p.region, p.account_id, p.restore_testing_plan_name
        )));
        let last = p.last_execution_time.unwrap();
        assert!(p.creation_time < last && p.last_update_time.unwrap() < NOW);
        let (minute, hours) = {
            let f: Vec<&str> = p.schedule_expression[5..p.schedule_expression.len() - 1]
                .split(' ')
                .collect();
            let hours: Vec<i64> = f[1].split(',').map(|h| h.parse().unwrap()).collect();
            (f[0].parse::<i64>().unwrap(), hours)
        };
        assert_eq!(last % 3600 / 60, minute);
        assert!(hours.contains(&(last % 86_400 / 3600)), "{p:?}");
        if p.restore_testing_plan_name == "critical_data_restore_test" {
            assert_eq!(hours.len(), 4, "every 6 hours: {p:?}");
            assert!(NOW - last < 6 * 3600 && last <= NOW);
            // Its restore tests start right after each run.
            let newest = jobs
                .iter()
                .filter(|j| {
                    j.restore_testing_plan_arn.as_deref() == Some(&p.restore_testing_plan_arn)
                })
                .map(|j| j.creation_date.unwrap())
                .max()
                .unwrap();
            assert!((last..last + 120).contains(&newest), "{p:?}");
        } else {
            assert_eq!(p.restore_testing_plan_name, "daily_archive_restore_test");
            assert_eq!(hours.len(), 1, "daily: {p:?}");
            assert_eq!(p.region, "us-east-1");
            assert!((3 * 86_400..4 * 86_400).contains(&(NOW - last)), "{p:?}");
            assert!(!jobs.iter().any(
                |j| j.restore_testing_plan_arn.as_deref() == Some(&p.restore_testing_plan_arn)
            ));
        }
    }
    for a in &accounts {
        assert_eq!(
            plans
                .iter()
                .filter(|p| &p.account_id == a && p.restore_testing_plan_name.starts_with("daily"))
                .count(),
            1
        );
    }
    // Time moves the running plans' LastExecutionTime only.
    sim.advance_to(NOW + 7 * 3600);
    let later = sim.restore_testing_plans();
    for (p, q) in plans.iter().zip(&later) {
        assert_eq!(p.restore_testing_plan_arn, q.restore_testing_plan_arn);
        let moved = q.last_execution_time > p.last_execution_time;
        assert_eq!(
            moved,
            p.restore_testing_plan_name == "critical_data_restore_test"
        );
    }
}

#[tokio::test]
async fn the_real_sdk_reads_vaults_and_plans_and_a_denied_operation() {
    use aws_sdk_backup::error::ProvideErrorMetadata;
    use aws_sdk_backup::types::{EncryptionKeyType, VaultType};
    let sim = sim();
    let server = sim.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = server.endpoint_url();
    let mgmt = sim.management_account();
    let member = sim.accounts()[1].clone();
    let member_key = assume(&sim, &format!("arn:aws:iam::{member}:role/x"));
    for (akid, account) in [("AKIDSIM", &mgmt), (member_key.as_str(), &member)] {
        let client = sdk_client(&url, akid, "us-east-1");
        let mut pages = client
            .list_backup_vaults()
            .max_results(2)
            .into_paginator()
            .items()
            .send();
        let mut got = Vec::new();
        while let Some(v) = pages.next().await {
            let v = v.unwrap();
            got.push(SimVault {
                account_id: account.clone(),
                region: "us-east-1".into(),
                backup_vault_name: v.backup_vault_name().unwrap().to_owned(),
                backup_vault_arn: v.backup_vault_arn().unwrap().to_owned(),
                vault_type: v.vault_type().unwrap().as_str().to_owned(),
                vault_state: v.vault_state().unwrap().as_str().to_owned(),
                creation_date: v.creation_date().unwrap().secs(),
                encryption_key_arn: v.encryption_key_arn().unwrap().to_owned(),
                encryption_key_type: v.encryption_key_type().unwrap().as_str().to_owned(),
                creator_request_id: v.creator_request_id().map(str::to_owned),
                number_of_recovery_points: v.number_of_recovery_points(),
                locked: v.locked().unwrap(),
                lock_date: v.lock_date().map(|d| d.secs()),
                min_retention_days: v.min_retention_days(),
                max_retention_days: v.max_retention_days(),
            });
        }
        let want: Vec<SimVault> = sim
            .vaults()
            .into_iter()
            .filter(|v| {
                &v.account_id == account
                    && v.region == "us-east-1"
                    && v.vault_type == "BACKUP_VAULT"
            })
            .collect();
        assert_eq!(got, want);
        let lag = client
            .list_backup_vaults()
            .by_vault_type(VaultType::LogicallyAirGappedBackupVault)
            .send()
            .await
            .unwrap();
        let lag = &lag.backup_vault_list()[0];
        assert_eq!(
            lag.vault_type(),
            Some(&VaultType::LogicallyAirGappedBackupVault)
        );
        assert_eq!(
            lag.encryption_key_type(),
            Some(&EncryptionKeyType::AwsOwnedKmsKey)
        );
        assert!(lag.locked().unwrap() && lag.lock_date().is_some());

        let mut pages = client
            .list_restore_testing_plans()
            .max_results(1)
            .into_paginator()
            .items()
            .send();
        let mut got = Vec::new();
        while let Some(p) = pages.next().await {
            let p = p.unwrap();
            got.push(SimRestoreTestingPlan {
                account_id: account.clone(),
                region: "us-east-1".into(),
                restore_testing_plan_arn: p.restore_testing_plan_arn().to_owned(),
                restore_testing_plan_name: p.restore_testing_plan_name().to_owned(),
                creation_time: p.creation_time().secs(),
                last_execution_time: p.last_execution_time().map(|d| d.secs()),
                last_update_time: p.last_update_time().map(|d| d.secs()),
                schedule_expression: p.schedule_expression().to_owned(),
                schedule_expression_timezone: p.schedule_expression_timezone().unwrap().to_owned(),
                start_window_hours: p.start_window_hours(),
            });
        }
        let want: Vec<SimRestoreTestingPlan> = sim
            .restore_testing_plans()
            .into_iter()
            .filter(|p| &p.account_id == account && p.region == "us-east-1")
            .collect();
        assert_eq!(want.len(), 2);
        assert_eq!(got, want);
    }
    assert_eq!(sim.requests().total("ListRestoreTestingPlans"), 4);

    // A role without backup:ListBackupVaults: 403 AccessDeniedException, counted as faulted.
    sim.set_faults(Faults {
        denied_operations: vec!["ListBackupVaults".into()],
        ..Faults::default()
    });
    let before = sim.requests().total("ListBackupVaults");
    let client = sdk_client(&url, "AKIDSIM", "us-east-1");
    let err = client.list_backup_vaults().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    let raw = err.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 403);
    assert!(client.list_restore_testing_plans().send().await.is_ok());
    let c = sim.requests();
    assert_eq!(
        (
            c.total("ListBackupVaults") - before,
            c.faulted("ListBackupVaults")
        ),
        (1, 1)
    );
    assert_eq!(c.faulted("ListRestoreTestingPlans"), 0);
    server.shutdown().await;
}
