// Configuration of the aws-backup-exporter mixin. Override any field from your own jsonnet:
//
//   (import 'aws-backup-exporter-mixin/mixin.libsonnet') + {
//     _config+:: {
//       awsBackupExporterSelector: 'job="aws-backup"',
//       backupMaxAge: '50h',
//     },
//   }
//
// Durations are Prometheus-style strings: 90s, 15m, 26h, 35d, 1h30m (units s m h d w y).
{
  _config+:: {
    // Selects the exporter's series, and the `up` series of its scrape, in every alert, recording
    // rule and dashboard query. The default matches scrape jobs named like *aws-backup*: the
    // ServiceMonitor of deploy/kubernetes yields job="aws-backup-exporter".
    awsBackupExporterSelector: 'job=~".*aws-backup.*"',

    // Event window of the counter-based job alerts (AwsBackupJobsFailed, AwsBackupJobsExpired,
    // AwsBackupJobsCompletedWithIssues): a finished job keeps them firing this long. It also
    // names their recording rule, aws_backup:jobs_finished:increase<window>.
    eventWindow: '1h',

    // AwsBackupResourceBackupOverdue: a resource whose expected backup interval is known
    // (aws_backup_resource_backup_interval_seconds) is overdue when its newest successful backup
    // is older than factor x interval + margin.
    backupOverdueFactor: 1.5,
    backupOverdueMargin: '15m',

    // AwsBackupResourceBackupTooOld, the fallback for resources whose interval is unknown: the
    // default maximum age of the last backup, recorded as aws_backup_max_backup_age_seconds in the
    // group aws-backup-thresholds (26h: a daily plan plus 2h). Per resource type overrides are
    // recording rules of your own (see the header of alerts/aws-backup.rules.yml).
    backupMaxAge: '26h',
    backupTooOldFor: '15m',

    // AwsBackupJobStuck: how long a job may stay in each active state.
    stuckJobAges: { RUNNING: '6h', CREATED: '2h', PENDING: '2h', ABORTING: '1h' },
    stuckJobFor: '15m',

    // AwsBackupRestoreTestingPlanNotRun: a restore testing plan is late when its last execution
    // is older than factor x its schedule interval.
    restoreTestingPlanFactor: 2,

    // AwsBackupWatchedResourceRestoreTooOld: the longest time a watched resource (targets[].
    // watch_resources) may go without a successful restore.
    restoreMaxAge: '35d',

    // AwsBackupVaultUnlocked (severity info) is meant for accounts whose policy requires Vault
    // Lock: route it only for them, or narrow it here with matchers on the series
    // aws_backup_vault_locked, e.g. 'account_id=~"111111111111|222222222222"'. Empty: every vault.
    vaultLockSelector: '',

    // Exporter health.
    exporterCollectionFailingFor: '15m',
    exporterAbsentFor: '10m',
    exporterDownFor: '5m',
  },
}
