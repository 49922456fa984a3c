//! A few hourly schedules stopped hours before the start: overdue against their own schedule,
//! not against a fixed day.

use super::*;

#[test]
fn a_few_hourly_schedules_stopped_hours_before_the_start() {
    let sim = sim();
    let resources = sim.resources();
    let jobs = sim.jobs();
    let stopped: Vec<&SimResource> = resources.iter().filter(|r| r.stopped).collect();
    // One in 40: one per account and region with the default 40 resources.
    assert_eq!(stopped.len(), 6, "{stopped:?}");
    for a in sim.accounts() {
        for g in sim.regions() {
            assert_eq!(
                stopped
                    .iter()
                    .filter(|r| r.account_id == a && r.region == g)
                    .count(),
                1
            );
        }
    }
    for r in &stopped {
        let backups: Vec<&SimJob> = jobs
            .iter()
            .filter(|j| j.job_type == SimJobType::Backup && j.resource_arn == r.resource_arn)
            .collect();
        let cron = &backups[0].created_by.as_ref().unwrap().cron;
        assert!(cron.contains(" * ? * * *"), "hourly: {cron}");
        // The last run was 2 to 5 hours before the start; nothing since.
        let newest = backups
            .iter()
            .map(|j| j.creation_date.unwrap())
            .max()
            .unwrap();
        assert!(
            (NOW - 5 * 3600..=NOW - 2 * 3600 + 90).contains(&newest),
            "{}",
            (NOW - newest) as f64 / 3600.0
        );
        // Still protected, with its last backup: overdue for an hourly schedule (1.5 h), not
        // for a fixed 26 h.
        let last = r.last_backup_time.unwrap();
        assert!(last <= newest);
        assert!(NOW - last > 5400 && NOW - last < 26 * 3600, "{last}");
        assert!(backups.len() > 15, "it ran before it stopped");
    }
    // Time passing changes nothing for them.
    sim.advance_to(NOW + 4 * 3600);
    let later = sim.jobs();
    for r in &stopped {
        assert!(!later.iter().any(|j| {
            j.job_type == SimJobType::Backup
                && j.resource_arn == r.resource_arn
                && j.creation_date.unwrap() > NOW - 2 * 3600 + 90
        }));
    }
    // The others keep running: every other hourly resource has a backup in the last two hours.
    let listed = sim.resources();
    assert!(listed.iter().filter(|r| r.stopped).count() == 6);
    let fresh = listed
        .iter()
        .filter(|r| !r.stopped)
        .filter(|r| r.last_backup_time.unwrap() > NOW + 2 * 3600)
        .count();
    assert!(fresh > 20, "{fresh}");
}
