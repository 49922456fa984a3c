//! The SDK's shapes into the exporter's vocabulary. Strings are moved out, not copied: a
//! backfill converts millions of jobs.

use aws_sdk_backup::operation::describe_restore_job::DescribeRestoreJobOutput;
use aws_sdk_backup::types::{BackupJob, CopyJob, RestoreJobsListMember, ScanJob};
use aws_smithy_types::DateTime;

use crate::job::{
    Job, JobType, ProtectedResource, RestoreTestingPlan, Schedule, Vault, arn_account,
    restore_testing_plan_name, vault_name,
};

/// Epoch seconds; `None` for a missing date (and for the epoch itself, which is how the SDK
/// fills a required date that AWS left out).
pub(super) fn secs(d: Option<&DateTime>) -> Option<f64> {
    d.map(|d| d.as_secs_f64()).filter(|&s| s > 0.0)
}

impl From<BackupJob> for Job {
    fn from(j: BackupJob) -> Job {
        Job {
            job_type: JobType::Backup,
            id: j.backup_job_id.unwrap_or_default(),
            account_id: j.account_id.unwrap_or_default(),
            state: j.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            message_category: j.message_category.unwrap_or_default(),
            resource_type: j.resource_type.unwrap_or_default(),
            resource_arn: j.resource_arn.unwrap_or_default(),
            resource_name: j.resource_name.unwrap_or_default(),
            creation: secs(j.creation_date.as_ref()),
            completion: secs(j.completion_date.as_ref()),
            size_bytes: j.backup_size_in_bytes,
            is_parent: j.is_parent,
            backup_vault_name: j.backup_vault_name.unwrap_or_default(),
            restore_testing_plan: String::new(),
            validation_status: None,
            malware_scanner: String::new(),
            scan_result: None,
            schedule: j.created_by.and_then(|c| {
                Some(Schedule {
                    cron: c.backup_rule_cron?,
                    timezone: c.backup_rule_timezone.unwrap_or_default(),
                })
            }),
        }
    }
}

impl From<CopyJob> for Job {
    fn from(j: CopyJob) -> Job {
        Job {
            job_type: JobType::Copy,
            backup_vault_name: vault_name(j.source_backup_vault_arn.as_deref().unwrap_or(""))
                .to_owned(),
            id: j.copy_job_id.unwrap_or_default(),
            account_id: j.account_id.unwrap_or_default(),
            state: j.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            message_category: j.message_category.unwrap_or_default(),
            resource_type: j.resource_type.unwrap_or_default(),
            resource_arn: j.resource_arn.unwrap_or_default(),
            resource_name: j.resource_name.unwrap_or_default(),
            creation: secs(j.creation_date.as_ref()),
            completion: secs(j.completion_date.as_ref()),
            size_bytes: j.backup_size_in_bytes,
            is_parent: j.is_parent,
            restore_testing_plan: String::new(),
            validation_status: None,
            schedule: None,
            malware_scanner: String::new(),
            scan_result: None,
        }
    }
}

impl From<RestoreJobsListMember> for Job {
    fn from(j: RestoreJobsListMember) -> Job {
        Job {
            job_type: JobType::Restore,
            restore_testing_plan: j
                .created_by
                .as_ref()
                .and_then(|c| c.restore_testing_plan_arn())
                .map(|a| restore_testing_plan_name(a).to_owned())
                .unwrap_or_default(),
            backup_vault_name: vault_name(j.backup_vault_arn.as_deref().unwrap_or("")).to_owned(),
            id: j.restore_job_id.unwrap_or_default(),
            account_id: j.account_id.unwrap_or_default(),
            state: j.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            message_category: String::new(),
            resource_type: j.resource_type.unwrap_or_default(),
            resource_arn: j.source_resource_arn.unwrap_or_default(),
            resource_name: String::new(),
            creation: secs(j.creation_date.as_ref()),
            completion: secs(j.completion_date.as_ref()),
            size_bytes: j.backup_size_in_bytes,
            is_parent: j.is_parent,
            validation_status: j.validation_status.map(|v| v.as_str().to_owned()),
            schedule: None,
            malware_scanner: String::new(),
            scan_result: None,
        }
    }
}

impl From<ScanJob> for Job {
    fn from(j: ScanJob) -> Job {
        Job {
            job_type: JobType::Scan,
            id: j.scan_job_id,
            account_id: j.account_id,
            state: j.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            message_category: String::new(),
            resource_type: j.resource_type.as_str().to_owned(),
            resource_arn: j.resource_arn,
            resource_name: j.resource_name,
            creation: secs(Some(&j.creation_date)),
            completion: secs(j.completion_date.as_ref()),
            size_bytes: None,
            is_parent: false,
            backup_vault_name: j.backup_vault_name,
            restore_testing_plan: String::new(),
            validation_status: None,
            schedule: None,
            malware_scanner: j.malware_scanner.as_str().to_owned(),
            scan_result: j
                .scan_result
                .map(|r| r.scan_result_status.as_str().to_owned()),
        }
    }
}

impl From<DescribeRestoreJobOutput> for Job {
    /// DescribeRestoreJob answers the fields of a ListRestoreJobs member, under the same names.
    fn from(o: DescribeRestoreJobOutput) -> Job {
        RestoreJobsListMember::builder()
            .set_account_id(o.account_id)
            .set_restore_job_id(o.restore_job_id)
            .set_source_resource_arn(o.source_resource_arn)
            .set_backup_vault_arn(o.backup_vault_arn)
            .set_creation_date(o.creation_date)
            .set_completion_date(o.completion_date)
            .set_status(o.status)
            .set_backup_size_in_bytes(o.backup_size_in_bytes)
            .set_resource_type(o.resource_type)
            .is_parent(o.is_parent)
            .set_created_by(o.created_by)
            .set_validation_status(o.validation_status)
            .build()
            .into()
    }
}

impl From<aws_sdk_backup::types::ProtectedResource> for ProtectedResource {
    fn from(r: aws_sdk_backup::types::ProtectedResource) -> ProtectedResource {
        let arn = r.resource_arn.unwrap_or_default();
        ProtectedResource {
            account_id: arn_account(&arn).to_owned(),
            resource_type: r.resource_type.unwrap_or_default(),
            resource_name: r.resource_name.unwrap_or_default(),
            last_backup_time: secs(r.last_backup_time.as_ref()),
            resource_arn: arn,
        }
    }
}

impl From<aws_sdk_backup::types::BackupVaultListMember> for Vault {
    fn from(v: aws_sdk_backup::types::BackupVaultListMember) -> Vault {
        let arn = v.backup_vault_arn.unwrap_or_default();
        Vault {
            account_id: arn_account(&arn).to_owned(),
            name: v.backup_vault_name.unwrap_or_default(),
            vault_type: v
                .vault_type
                .map_or_else(|| "BACKUP_VAULT".to_owned(), |t| t.as_str().to_owned()),
            vault_state: v
                .vault_state
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            encryption_key_type: v
                .encryption_key_type
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            recovery_points: v.number_of_recovery_points,
            locked: v.locked.unwrap_or(false),
            lock_date: secs(v.lock_date.as_ref()),
            min_retention_days: v.min_retention_days,
            max_retention_days: v.max_retention_days,
            arn,
        }
    }
}

impl From<aws_sdk_backup::types::RestoreTestingPlanForList> for RestoreTestingPlan {
    fn from(p: aws_sdk_backup::types::RestoreTestingPlanForList) -> RestoreTestingPlan {
        RestoreTestingPlan {
            account_id: arn_account(&p.restore_testing_plan_arn).to_owned(),
            name: p.restore_testing_plan_name,
            last_execution: secs(p.last_execution_time.as_ref()),
            schedule_expression: p.schedule_expression,
            timezone: p.schedule_expression_timezone.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_backup::types::{RestoreJobCreator, RestoreJobStatus, RestoreValidationStatus};

    #[test]
    fn both_restore_shapes_give_the_same_job() {
        let plan = "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:weekly-abc";
        let created_by = RestoreJobCreator::builder()
            .restore_testing_plan_arn(plan)
            .build();
        let listed = RestoreJobsListMember::builder()
            .account_id("111122223333")
            .restore_job_id("r-1")
            .source_resource_arn("arn:aws:ec2:us-east-1:111122223333:volume/vol-1")
            .backup_vault_arn("arn:aws:backup:us-east-1:111122223333:backup-vault:Default")
            .creation_date(DateTime::from_secs(1_000))
            .completion_date(DateTime::from_secs(2_000))
            .status(RestoreJobStatus::Completed)
            .resource_type("EBS")
            .created_by(created_by.clone())
            .validation_status(RestoreValidationStatus::Validating)
            .build();
        let described = DescribeRestoreJobOutput::builder()
            .account_id("111122223333")
            .restore_job_id("r-1")
            .source_resource_arn("arn:aws:ec2:us-east-1:111122223333:volume/vol-1")
            .backup_vault_arn("arn:aws:backup:us-east-1:111122223333:backup-vault:Default")
            .creation_date(DateTime::from_secs(1_000))
            .completion_date(DateTime::from_secs(2_000))
            .status(RestoreJobStatus::Completed)
            .resource_type("EBS")
            .created_by(created_by)
            .validation_status(RestoreValidationStatus::Validating)
            .build();
        let a = Job::from(listed);
        assert_eq!(a, Job::from(described));
        assert_eq!(a.restore_testing_plan, "weekly-abc");
        assert_eq!(a.backup_vault_name, "Default");
        assert_eq!(a.validation_status.as_deref(), Some("VALIDATING"));
        assert_eq!(a.creation, Some(1_000.0));
        assert!(a.is_restore_test());
    }

    #[test]
    fn missing_dates_stay_missing() {
        let j = Job::from(BackupJob::builder().backup_job_id("b").build());
        assert_eq!(j.creation, None);
        assert_eq!(j.completion, None);
        assert_eq!(secs(Some(&DateTime::from_secs(0))), None);
    }

    mod properties {
        use super::*;
        use aws_sdk_backup::types::{BackupJobState, RestoreJobStatus};
        use proptest::prelude::*;

        fn date() -> impl Strategy<Value = Option<DateTime>> {
            prop::option::of(
                (any::<i64>(), 0..1_000_000_000u32)
                    .prop_map(|(s, n)| DateTime::from_secs_and_nanos(s, n)),
            )
        }

        /// What `secs` must make of a date: finite epoch seconds after the epoch, or nothing.
        fn expected(d: &Option<DateTime>) -> Option<f64> {
            d.as_ref().map(|d| d.as_secs_f64()).filter(|&s| s > 0.0)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn any_backup_job_converts_keeping_its_fields(
                id in prop::option::of(".*"),
                state in prop::option::of(".*"),
                arn in prop::option::of(".*"),
                vault in prop::option::of(".*"),
                created in date(),
                completed in date(),
                size in prop::option::of(any::<i64>()),
                parent in any::<bool>(),
            ) {
                let job = Job::from(
                    BackupJob::builder()
                        .set_backup_job_id(id.clone())
                        .set_state(state.as_deref().map(BackupJobState::from))
                        .set_resource_arn(arn.clone())
                        .set_backup_vault_name(vault.clone())
                        .set_creation_date(created)
                        .set_completion_date(completed)
                        .set_backup_size_in_bytes(size)
                        .is_parent(parent)
                        .build(),
                );
                prop_assert_eq!(job.id, id.unwrap_or_default());
                prop_assert_eq!(job.state, state.unwrap_or_default());
                prop_assert_eq!(job.resource_arn, arn.unwrap_or_default());
                prop_assert_eq!(job.backup_vault_name, vault.unwrap_or_default());
                prop_assert_eq!(job.creation, expected(&created));
                prop_assert_eq!(job.completion, expected(&completed));
                prop_assert!(job.completion.is_none_or(f64::is_finite));
                prop_assert_eq!(job.size_bytes, size);
                prop_assert_eq!(job.is_parent, parent);
            }

            #[test]
            fn any_arn_gives_a_plan_and_vault_name_never_a_panic(
                plan_arn in prop::option::of(".*(:restore-testing-plan:.*)?"),
                vault_arn in prop::option::of(".*(:backup-vault:.*)?"),
                status in prop::option::of(".*"),
                validation in prop::option::of(".*"),
            ) {
                let created_by = plan_arn.as_ref().map(|a| {
                    RestoreJobCreator::builder().restore_testing_plan_arn(a).build()
                });
                let job = Job::from(
                    RestoreJobsListMember::builder()
                        .set_created_by(created_by)
                        .set_backup_vault_arn(vault_arn.clone())
                        .set_status(status.as_deref().map(RestoreJobStatus::from))
                        .set_validation_status(
                            validation.as_deref().map(RestoreValidationStatus::from),
                        )
                        .build(),
                );
                let plan = plan_arn.unwrap_or_default();
                prop_assert!(plan.ends_with(&job.restore_testing_plan));
                prop_assert!(!job.restore_testing_plan.contains(":restore-testing-plan:"));
                let vault = vault_arn.unwrap_or_default();
                prop_assert!(vault.ends_with(&job.backup_vault_name));
                prop_assert!(!job.backup_vault_name.contains(":backup-vault:"));
                prop_assert_eq!(job.state, status.unwrap_or_default());
                prop_assert_eq!(job.validation_status, validation);
            }
        }
    }
}
