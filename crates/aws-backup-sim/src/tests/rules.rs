//! Backup jobs name the backup rule that started them, and its cron says when it fires.

use super::*;

/// `cron(M H1,H2 ? * * *)` → (M, [H1, H2]); `*` hours → every hour.
fn cron_fields(cron: &str) -> (i64, Vec<i64>) {
    let inner = cron
        .strip_prefix("cron(")
        .and_then(|c| c.strip_suffix(')'))
        .unwrap();
    let f: Vec<&str> = inner.split(' ').collect();
    assert_eq!(f.len(), 6, "{cron}");
    assert_eq!(&f[2..], ["?", "*", "*", "*"], "{cron}");
    let hours = match f[1] {
        "*" => (0..24).collect(),
        h => h.split(',').map(|h| h.parse().unwrap()).collect(),
    };
    (f[0].parse().unwrap(), hours)
}

#[test]
fn backup_jobs_carry_the_rule_whose_cron_started_them() {
    let sim = sim();
    let jobs = sim.jobs();
    let mut rules: BTreeMap<&str, BTreeSet<&SimCreatedBy>> = BTreeMap::new();
    let mut shapes = BTreeSet::new();
    for j in &jobs {
        match j.job_type {
            SimJobType::Backup => {}
            // A scan names the rule of the backup it scans.
            SimJobType::Scan => {
                assert!(j.created_by.is_some());
                continue;
            }
            _ => {
                assert_eq!(j.created_by, None, "{j:?}");
                continue;
            }
        }
        let c = j
            .created_by
            .as_ref()
            .expect("a generated backup names its rule");
        assert_eq!(c.timezone, "Etc/UTC");
        let (minute, hours) = cron_fields(&c.cron);
        shapes.insert(hours.len());
        // Created within the start jitter (composite children a few seconds later) of a firing.
        let created = j.creation_date.unwrap();
        let fired = (created - 100..=created).any(|t| {
            t % 60 == 0 && t % 3600 / 60 == minute && hours.contains(&(t % 86_400 / 3600))
        });
        assert!(fired, "{} created at {created}: {j:?}", c.cron);
        rules.entry(&j.resource_arn).or_default().insert(c);
    }
    // One rule per resource; hourly, 12-hourly and daily schedules all occur.
    assert!(rules.len() > 100);
    assert!(rules.values().all(|r| r.len() == 1), "{rules:?}");
    assert_eq!(shapes, BTreeSet::from([1, 2, 24]));

    // On the wire: CreatedBy with the plan and rule, ids and version included.
    let auth = mgmt_auth("us-east-1");
    let (items, _) = list_all(&sim, "/backup-jobs", "", &auth, "BackupJobs");
    for v in &items {
        let c = &v["CreatedBy"];
        for k in [
            "BackupPlanArn",
            "BackupPlanId",
            "BackupPlanName",
            "BackupPlanVersion",
            "BackupRuleId",
            "BackupRuleName",
            "BackupRuleCron",
            "BackupRuleTimezone",
        ] {
            assert!(c[k].is_string(), "{k} in {c}");
        }
        let id = s(c, "BackupPlanId").unwrap();
        assert!(
            s(c, "BackupPlanArn")
                .unwrap()
                .ends_with(&format!(":backup-plan:{id}"))
        );
    }

    // A job inserted without a rule has a CreatedBy without one.
    let account = sim.management_account();
    sim.insert(new_job("NO-RULE", NOW - 60, None, "RUNNING", &account));
    let r = get(&sim, "/backup-jobs?state=RUNNING", &auth);
    let v = json(&r);
    let job = v["BackupJobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["BackupJobId"] == "NO-RULE")
        .unwrap();
    assert!(job["CreatedBy"]["BackupPlanId"].is_string());
    assert!(job["CreatedBy"].get("BackupRuleCron").is_none(), "{job}");
    assert!(
        sim.jobs()
            .iter()
            .any(|j| j.job_id == "NO-RULE" && j.created_by.is_none())
    );
}

#[test]
fn demo_pace_and_composite_children_carry_their_resources_rule() {
    let sim = Simulator::new(
        SimOptions {
            brisk: true,
            ..SimOptions::default()
        },
        NOW,
    );
    sim.advance_to(NOW + 300);
    let jobs = sim.jobs();
    let rule_of = |arn: &str| -> BTreeSet<SimCreatedBy> {
        jobs.iter()
            .filter(|j| j.job_type == SimJobType::Backup && j.resource_arn == arn)
            .map(|j| j.created_by.clone().expect("a rule"))
            .collect()
    };
    let brisk: Vec<&SimJob> = jobs
        .iter()
        .filter(|j| j.job_type == SimJobType::Backup && j.creation_date.unwrap() > NOW)
        .collect();
    assert!(brisk.len() >= 10, "{}", brisk.len());
    for j in brisk {
        assert_eq!(rule_of(&j.resource_arn).len(), 1, "{j:?}");
    }
    let child = jobs
        .iter()
        .find(|j| j.parent_job_id.is_some())
        .expect("composite children");
    assert_eq!(rule_of(&child.resource_arn).len(), 1);
    assert!(child.created_by.is_some());
}
