// Alerting rules of the aws-backup-exporter mixin. Each alert has a summary, a description and
// runbook steps (annotation `runbook`). State-based alerts read gauges, which the exporter
// recomputes from AWS after a restart; event alerts read the counter through the recording rule
// aws_backup:jobs_finished:increase<window> (rules.libsonnet), so that a restart never replays
// the lookback window's failures.
local utils = import 'lib/utils.libsonnet';
local text = utils.text;

{
  prometheusAlerts+:: {
    local cfg = $._config,
    local s = cfg.awsBackupExporterSelector,
    local sel(parts) = utils.sel([s] + parts),
    local w = cfg.eventWindow,
    local jobs = 'aws_backup:jobs_finished:increase%s' % w,
    local res = 'region, account_id, resource_type, resource_arn',

    groups+: [
      {
        name: 'aws-backup-jobs',
        rules: [
          {
            alert: 'AwsBackupJobsFailed',
            expr: |||
              sum by (job_type, region, account_id, resource_type, message_category) (
                %s{job_type=~"backup|copy", state="FAILED"}
              ) > 0
            ||| % jobs,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'AWS Backup {{ $labels.job_type }} jobs FAILED in account {{ $labels.account_id }} ({{ $labels.region }})',
              description: text(|||
                {{ printf "%.0f" $value }} {{ $labels.job_type }} job(s) of {{ $labels.resource_type }}
                resources in account {{ $labels.account_id }}, region {{ $labels.region }}, ended
                FAILED in the last @window@ (message category "{{ $labels.message_category }}").
                These resources have no new recovery point from that run.
              |||, { window: w }),
              runbook: text(|||
                1. List the jobs: aws backup list-{{ $labels.job_type }}-jobs --region {{ $labels.region }}
                --by-state FAILED --by-resource-type {{ $labels.resource_type }} --by-account-id {{ $labels.account_id }}
                (in the management account for cross-account data), and read StatusMessage.
                2. ACCESS_DENIED: check the backup plan's IAM role and the KMS key policy of the
                resource and of the vault. INVALID_PARAMETERS / resource errors: check that the
                resource still exists and is in a supported state.
                3. Start an on-demand backup (or copy) once fixed and watch it complete on the
                AWS Backup dashboard. The alert resolves @window@ after the last failure.
              |||, { window: w }),
            },
          },
          {
            alert: 'AwsBackupJobsExpired',
            expr: |||
              sum by (job_type, region, account_id, resource_type) (
                %s{state="EXPIRED"}
              ) > 0
            ||| % jobs,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'AWS Backup {{ $labels.job_type }} jobs EXPIRED in account {{ $labels.account_id }} ({{ $labels.region }})',
              description: text(|||
                {{ printf "%.0f" $value }} {{ $labels.job_type }} job(s) of {{ $labels.resource_type }}
                resources in account {{ $labels.account_id }}, region {{ $labels.region }}, EXPIRED in
                the last @window@: they did not start or finish within the backup window, so no recovery
                point was created.
              |||, { window: w }),
              runbook: text(|||
                1. Find the jobs: aws backup list-backup-jobs --region {{ $labels.region }} --by-state EXPIRED
                --by-resource-type {{ $labels.resource_type }} --by-account-id {{ $labels.account_id }}.
                2. Compare the plan's start window and completion window with how long these jobs
                usually take (dashboard "Durations"); widen the windows or move the schedule.
                3. Look for many jobs queued at the same time (rate limits per resource type,
                a job still running from the previous schedule).
              |||),
            },
          },
          {
            alert: 'AwsBackupJobsCompletedWithIssues',
            expr: |||
              sum by (job_type, region, account_id, resource_type, message_category) (
                %s{job_type=~"backup|copy", state="COMPLETED", message_category!~"SUCCESS|"}
              ) > 0
            ||| % jobs,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'AWS Backup {{ $labels.job_type }} jobs completed with issues in account {{ $labels.account_id }} ({{ $labels.region }})',
              description: text(|||
                {{ printf "%.0f" $value }} {{ $labels.job_type }} job(s) of {{ $labels.resource_type }}
                resources in account {{ $labels.account_id }}, region {{ $labels.region }}, ended
                COMPLETED with message category "{{ $labels.message_category }}" in the last @window@:
                a recovery point exists but AWS reported a problem with it.
              |||, { window: w }),
              runbook: text(|||
                1. Read the StatusMessage of these jobs: aws backup list-{{ $labels.job_type }}-jobs
                --region {{ $labels.region }} --by-state COMPLETED --by-message-category {{ $labels.message_category }}.
                2. Typical causes: a Windows VSS snapshot that fell back to crash-consistent, files
                skipped by a file-system backup, a copy without the expected lifecycle.
                3. Fix the cause on the resource or in the plan; if the issue is accepted, silence
                this alert for that message category rather than ignoring it.
              |||),
            },
          },
          {
            // State-based: the gauge counts the failed restores that ended within the lookback,
            // whenever they happened relative to the exporter's start.
            alert: 'AwsBackupRestoreJobFailed',
            expr: |||
              sum by (job_type, region, account_id, resource_type) (
                aws_backup_jobs{%s}
              ) > 0
            ||| % sel(['job_type="restore"', 'state="FAILED"']),
            labels: { severity: 'critical' },
            annotations: {
              summary: 'AWS Backup restore jobs FAILED in account {{ $labels.account_id }} ({{ $labels.region }})',
              description: text(|||
                {{ printf "%.0f" $value }} restore job(s) of {{ $labels.resource_type }} resources in
                account {{ $labels.account_id }}, region {{ $labels.region }}, ended FAILED within the
                exporter's lookback window. Someone may be waiting for that data, or a restore test
                proved a recovery point unusable.
              |||),
              runbook: text(|||
                1. Find the jobs and their StatusMessage: aws backup list-restore-jobs --region {{ $labels.region }}
                --by-status FAILED --by-resource-type {{ $labels.resource_type }} --by-account-id {{ $labels.account_id }}.
                2. Check the restore role (iam:PassRole, KMS decrypt on the recovery point's key),
                the restore metadata (subnet, security group, instance type), and service quotas.
                3. Retry from the same or an older recovery point; if recovery points of this
                resource fail to restore repeatedly, treat its backups as unusable and escalate.
                The alert resolves when the failed jobs leave the lookback window
                (aws_backup_lookback_seconds); a later successful restore does not clear it.
              |||),
            },
          },
          {
            alert: 'AwsBackupRestoreTestValidationFailed',
            expr: |||
              sum by (region, account_id, resource_type, validation_status) (
                aws_backup_restore_validations{%s}
              ) > 0
            ||| % sel(['validation_status=~"FAILED|TIMED_OUT"']),
            labels: { severity: 'warning' },
            annotations: {
              summary: 'AWS Backup restore tests {{ $labels.validation_status }} in account {{ $labels.account_id }} ({{ $labels.region }})',
              description: text(|||
                {{ printf "%.0f" $value }} restore-testing job(s) of {{ $labels.resource_type }}
                resources in account {{ $labels.account_id }}, region {{ $labels.region }}, ended with
                validation status {{ $labels.validation_status }} within the exporter's lookback
                window. The alert resolves when they leave the window (aws_backup_lookback_seconds).
              |||),
              runbook: text(|||
                1. List them: aws backup list-restore-jobs --region {{ $labels.region }}
                --by-resource-type {{ $labels.resource_type }} --by-account-id {{ $labels.account_id }}
                and look at ValidationStatus / ValidationStatusMessage.
                2. FAILED: the validation (your Lambda or script reading the restored resource) rejected
                the data; restore the recovery point by hand and inspect it. TIMED_OUT: the validation
                never reported (aws backup put-restore-validation-result); check the validation
                function's logs and permissions.
                3. Until a restore test passes, do not count on these recovery points.
              |||),
            },
          },
          {
            local ages = cfg.stuckJobAges,
            local states = std.objectFields(ages),
            local limits = std.reverse(std.set([utils.seconds(ages[st]) for st in states])),
            local branch(limit) =
              local these = [st for st in states if utils.seconds(ages[st]) == limit];
              local m = if std.length(these) == 1 then 'state="%s"' % these[0]
              else 'state=~"%s"' % std.join('|', these);
              |||
                (
                  max by (job_type, region, account_id, state) (
                    aws_backup_active_job_oldest_age_seconds{%s}
                  ) > %s
                )
              ||| % [sel([m]), utils.num(limit)],
            alert: 'AwsBackupJobStuck',
            expr: std.join('or\n', [branch(l) for l in limits]),
            'for': cfg.stuckJobFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'AWS Backup {{ $labels.job_type }} job {{ $labels.state }} for {{ $value | humanizeDuration }} in account {{ $labels.account_id }} ({{ $labels.region }})',
              description: text(|||
                The oldest {{ $labels.job_type }} job in state {{ $labels.state }} in account
                {{ $labels.account_id }}, region {{ $labels.region }}, has been in that state for
                {{ $value | humanizeDuration }}, longer than expected.
              |||),
              runbook: text(|||
                1. Find it: aws backup list-{{ $labels.job_type }}-jobs --region {{ $labels.region }}
                --by-account-id {{ $labels.account_id }} with the state filter {{ $labels.state }};
                check PercentDone and BytesTransferred over time.
                2. CREATED/PENDING: the job is waiting (concurrency limits per resource, a previous job
                of the same resource still running, the start window); RUNNING: a large first backup
                may be normal, otherwise look at the resource (snapshot stuck, VSS, throughput).
                3. If it will not recover, stop it (aws backup stop-backup-job) and start an
                on-demand backup.
              |||),
            },
          },
        ],
      },
      {
        name: 'aws-backup-resources',
        rules: [
          {
            // State-based: the newest ended job of each resource, whenever it ended.
            alert: 'AwsBackupResourceLatestJobFailed',
            expr: |||
              min by (job_type, %s) (
                aws_backup_resource_last_job_success{%s}
              ) == 0
            ||| % [res, sel(['job_type=~"backup|copy"'])],
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Newest AWS Backup {{ $labels.job_type }} job of {{ $labels.resource_type }} {{ $labels.resource_arn }} did not complete',
              description: text(|||
                The newest {{ $labels.job_type }} job of {{ $labels.resource_type }} resource
                {{ $labels.resource_arn }} in account {{ $labels.account_id }}, region {{ $labels.region }},
                did not complete{{ with printf `@query@`
                $labels.job_type $labels.region $labels.account_id $labels.resource_arn | query }}
                (it ended {{ . | first | value | humanizeDuration }} ago){{ end }}, and no later
                {{ $labels.job_type }} job of it has completed since: its newest recovery point is
                older than its schedule promises.
              |||, {
                query: 'time() - max(aws_backup_resource_last_job_timestamp_seconds{%s})'
                       % sel(['job_type=%q', 'region=%q', 'account_id=%q', 'resource_arn=%q']),
              }),
              runbook: text(|||
                1. Find the job and read its State and StatusMessage: aws backup
                list-{{ $labels.job_type }}-jobs --region {{ $labels.region }} --by-resource-arn {{ $labels.resource_arn }}
                (with --by-account-id {{ $labels.account_id }} from the management account).
                2. FAILED: check the backup plan's IAM role, the KMS key policies and the resource's
                state (see AwsBackupJobsFailed); EXPIRED: widen the plan's start and completion
                windows; ABORTED: find out who stopped it.
                3. Start an on-demand {{ $labels.job_type }} job once fixed. The alert resolves when a
                later job of this resource completes, or when the failed job leaves the exporter's
                lookback window.
              |||),
            },
          },
          {
            // The newest successful backup: the newer of the backup jobs within the lookback and
            // ListProtectedResources' LastBackupTime (whole history). The expected interval comes
            // from the backup rule's schedule (source="schedule") or, without one, from the gaps
            // between recent backups (source="history"); the exporter gives one or the other.
            alert: 'AwsBackupResourceBackupOverdue',
            expr: |||
              (
                time()
                -
                max by (%(res)s) (
                    aws_backup_resource_last_success_timestamp_seconds{%(success)s}
                  or
                    aws_backup_resource_last_backup_timestamp_seconds{%(s)s}
                )
              )
              > on (%(res)s)
              (
                  %(factor)s * max by (%(res)s) (aws_backup_resource_backup_interval_seconds{%(s)s})
                + %(margin)s
              )
            ||| % {
              res: res,
              s: s,
              success: sel(['job_type="backup"']),
              factor: utils.num(cfg.backupOverdueFactor),
              margin: utils.num(utils.seconds(cfg.backupOverdueMargin)),
            },
            labels: { severity: 'critical' },
            annotations: {
              summary: 'No successful AWS Backup of {{ $labels.resource_type }} {{ $labels.resource_arn }} for {{ $value | humanizeDuration }}',
              description: text(|||
                The newest successful backup of {{ $labels.resource_type }} resource
                {{ $labels.resource_arn }} in account {{ $labels.account_id }}, region
                {{ $labels.region }}, is {{ $value | humanizeDuration }} old: more than @factor@ times
                its expected backup interval{{ with printf `@query@`
                $labels.region $labels.account_id $labels.resource_arn | query }}{{ with first . }}
                ({{ value . | humanizeDuration }}, from its {{ label "source" . }}){{ end }}{{ end }}
                plus @margin@.
              |||, {
                factor: utils.num(cfg.backupOverdueFactor),
                margin: cfg.backupOverdueMargin,
                query: 'max by (source) (aws_backup_resource_backup_interval_seconds{%s})'
                       % sel(['region=%q', 'account_id=%q', 'resource_arn=%q']),
              }),
              runbook: text(|||
                1. Look at the resource's recent jobs: aws backup list-backup-jobs --region {{ $labels.region }}
                --by-resource-arn {{ $labels.resource_arn }}. If they failed or expired, follow
                AwsBackupResourceLatestJobFailed / AwsBackupJobsExpired.
                2. If no job ran, check that a backup plan still selects the resource (tags,
                resource assignments) and that its rule's schedule still runs.
                3. Start an on-demand backup now. The interval follows the schedule of the rule that
                created the resource's newest job; if backups are meant to be rarer, fix the
                schedule, or tune backupOverdueFactor / backupOverdueMargin in the mixin's _config.
              |||),
            },
          },
          {
            // The fallback for resources whose backup interval is unknown (no schedule seen and
            // too few backups to learn it), with the fixed threshold aws_backup_max_backup_age_seconds.
            alert: 'AwsBackupResourceBackupTooOld',
            expr: |||
              (
                min by (%(res)s, resource_name) (
                  time() - aws_backup_resource_last_backup_timestamp_seconds{%(s)s}
                )
                > on (resource_type) group_left ()
                (
                    max by (resource_type) (aws_backup_max_backup_age_seconds{resource_type!=""})
                  or on (resource_type)
                    (
                        0 * count by (resource_type) (aws_backup_resource_last_backup_timestamp_seconds{%(s)s})
                      + on () group_left ()
                        max(aws_backup_max_backup_age_seconds{resource_type=""})
                    )
                )
              )
              unless on (%(res)s)
                aws_backup_resource_backup_interval_seconds{%(s)s}
            ||| % { res: res, s: s },
            'for': cfg.backupTooOldFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'No AWS Backup of {{ $labels.resource_type }} {{ $labels.resource_name }} for {{ $value | humanizeDuration }}',
              description: text(|||
                The last backup of {{ $labels.resource_type }} resource {{ $labels.resource_arn }}
                (name "{{ $labels.resource_name }}") in account {{ $labels.account_id }}, region
                {{ $labels.region }}, is {{ $value | humanizeDuration }} old, more than the maximum
                allowed for {{ $labels.resource_type }} resources (aws_backup_max_backup_age_seconds:
                @max@ unless overridden for the resource type).
              |||, { max: cfg.backupMaxAge }),
              runbook: text(|||
                1. Check that the resource is still selected by a backup plan (tags, resource
                assignments) and that the plan's schedule still runs: aws backup list-backup-jobs
                --region {{ $labels.region }} --by-resource-arn {{ $labels.resource_arn }}.
                2. If its recent jobs failed or expired, follow AwsBackupJobsFailed /
                AwsBackupJobsExpired; if there are none, fix the plan's selection or schedule.
                3. Start an on-demand backup now. If this resource is intentionally backed up less
                often, raise its threshold with a resource_type override (see the top of the rule file).
              |||),
            },
          },
          {
            alert: 'AwsBackupMalwareFound',
            expr: |||
              max by (%s) (
                aws_backup_resource_last_scan_threats_found{%s}
              ) == 1
            ||| % [res, s],
            labels: { severity: 'critical' },
            annotations: {
              summary: 'Malware found by the newest AWS Backup scan of {{ $labels.resource_type }} {{ $labels.resource_arn }}',
              description: text(|||
                The newest completed malware scan of {{ $labels.resource_type }} resource
                {{ $labels.resource_arn }} in account {{ $labels.account_id }}, region
                {{ $labels.region }}, reported THREATS_FOUND. Restoring the scanned recovery point may
                bring the threat back, and the resource itself may be compromised.
              |||),
              runbook: text(|||
                1. Find the scan and its findings: aws backup list-scan-jobs --region {{ $labels.region }}
                --by-resource-arn {{ $labels.resource_arn }} (ScanResult), and the scanner's findings
                (GuardDuty Malware Protection for AWS Backup).
                2. Treat the resource and its recent recovery points as compromised: involve your
                security team, isolate the resource, and do not restore those recovery points; for a
                restore, pick the newest one whose scan reported NO_THREATS_FOUND.
                3. Once the resource is clean, the next completed scan that finds no threats resolves
                the alert (so does the scan leaving the exporter's lookback window).
              |||),
            },
          },
          {
            // Watched resources (targets[].watch_resources): the newest successful restore from
            // their whole history, or none at all (label reason="never").
            alert: 'AwsBackupWatchedResourceRestoreTooOld',
            expr: |||
              label_replace(
                time() - max by (%(res)s) (aws_backup_resource_last_restore_timestamp_seconds{%(s)s})
                > %(max)s,
                "reason", "too_old", "", ""
              )
              or
              label_replace(
                max by (region, account_id, resource_arn) (aws_backup_resource_restore_watched{%(s)s})
                unless on (region, account_id, resource_arn)
                aws_backup_resource_last_restore_timestamp_seconds{%(s)s},
                "reason", "never", "", ""
              )
            ||| % { res: res, s: s, max: utils.num(utils.seconds(cfg.restoreMaxAge)) },
            labels: { severity: 'warning' },
            annotations: {
              summary: '{{ if eq $labels.reason "never" }}No successful AWS Backup restore on record for {{ $labels.resource_arn }}{{ else }}Last successful AWS Backup restore of {{ $labels.resource_arn }} is {{ $value | humanizeDuration }} old{{ end }}',
              description: text(|||
                Watched resource {{ $labels.resource_arn }} in account {{ $labels.account_id }}, region
                {{ $labels.region }}, {{ if eq $labels.reason "never" }}has no successful restore job in
                its whole restore history{{ else }}was last restored successfully
                {{ $value | humanizeDuration }} ago{{ end }}: restores of watched resources must be
                proven at least every @max@. Nobody has shown recently that its backups can be restored.
              |||, { max: cfg.restoreMaxAge }),
              runbook: text(|||
                1. Read its restore history (in account {{ $labels.account_id }}): aws backup
                list-restore-jobs-by-protected-resource --region {{ $labels.region }}
                --resource-arn {{ $labels.resource_arn }}.
                2. Restore its newest recovery point into an isolated target (console, or aws backup
                start-restore-job) and check the data; better, add the resource to a restore testing
                plan so that restores are proven on a schedule.
                3. Delete the restored copy when done. The alert resolves at the exporter's next
                watched-resource refresh after a restore completes.
              |||),
            },
          },
        ],
      },
      {
        name: 'aws-backup-inventory',
        rules: [
          {
            alert: 'AwsBackupVaultUnlocked',
            expr: |||
              max by (region, account_id, vault_name) (
                aws_backup_vault_locked{%s}
              ) == 0
            ||| % sel([cfg.vaultLockSelector]),
            labels: { severity: 'info' },
            annotations: {
              summary: 'AWS Backup vault {{ $labels.vault_name }} has no Vault Lock (account {{ $labels.account_id }}, {{ $labels.region }})',
              description: text(|||
                Backup vault {{ $labels.vault_name }} in account {{ $labels.account_id }}, region
                {{ $labels.region }}, has no Vault Lock: its recovery points can be deleted before
                their retention ends by anyone allowed backup:DeleteRecoveryPoint, stolen credentials
                included. Informational, for accounts whose policy requires Vault Lock (route it for
                those, or narrow it with vaultLockSelector in the mixin's _config).
              |||),
              runbook: text(|||
                1. Confirm that this vault must be locked (compliance, ransomware protection).
                2. Lock it: aws backup put-backup-vault-lock-configuration --region {{ $labels.region }}
                --backup-vault-name {{ $labels.vault_name }} --min-retention-days N --max-retention-days M
                (governance mode; add --changeable-for-days D for compliance mode, immutable after D days).
                3. If the vault need not be locked, exclude it with vaultLockSelector. The alert
                resolves at the exporter's next vault refresh (vaults.refresh_interval).
              |||),
            },
          },
          {
            alert: 'AwsBackupRestoreTestingPlanNotRun',
            expr: |||
              (
                time() - max by (region, account_id, plan_name) (
                  aws_backup_restore_testing_plan_last_execution_timestamp_seconds{%(s)s}
                )
              )
              > on (region, account_id, plan_name)
              (
                %(factor)s * max by (region, account_id, plan_name) (
                  aws_backup_restore_testing_plan_interval_seconds{%(s)s}
                )
              )
            ||| % { s: s, factor: utils.num(cfg.restoreTestingPlanFactor) },
            labels: { severity: 'warning' },
            annotations: {
              summary: 'AWS Backup restore testing plan {{ $labels.plan_name }} has not run for {{ $value | humanizeDuration }}',
              description: text(|||
                Restore testing plan {{ $labels.plan_name }} in account {{ $labels.account_id }}, region
                {{ $labels.region }}, last ran {{ $value | humanizeDuration }} ago, more than @factor@
                times its schedule interval{{ with printf `@query@`
                $labels.region $labels.account_id $labels.plan_name | query }}
                ({{ . | first | value | humanizeDuration }}){{ end }}. Its restore tests are not
                proving that recovery points can be restored.
              |||, {
                factor: utils.num(cfg.restoreTestingPlanFactor),
                query: 'max(aws_backup_restore_testing_plan_interval_seconds{%s})'
                       % sel(['region=%q', 'account_id=%q', 'plan_name=%q']),
              }),
              runbook: text(|||
                1. Check the plan: aws backup get-restore-testing-plan --region {{ $labels.region }}
                --restore-testing-plan-name {{ $labels.plan_name }} (ScheduleExpression, its time zone,
                StartWindowHours).
                2. List its latest restore jobs (aws backup list-restore-jobs --region {{ $labels.region }}
                --by-restore-testing-plan-arn ARN): none at all usually means that its selections
                match no recovery point any more, or that the plan's IAM role cannot start restores.
                3. Fix the selection or the role; the alert resolves when the plan runs again.
              |||),
            },
          },
        ],
      },
      {
        name: 'aws-backup-exporter',
        rules: [
          {
            alert: 'AwsBackupExporterCollectionFailing',
            expr: 'aws_backup_exporter_collection_success{%s} == 0\n' % s,
            'for': cfg.exporterCollectionFailingFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'aws-backup-exporter cannot refresh {{ $labels.collector }} of target {{ $labels.target }}',
              description: text(|||
                The last refreshes of the {{ $labels.collector }} collector for target
                {{ $labels.target }} on {{ $labels.instance }} have failed for @for@. The exporter
                keeps serving the last good data, so backup metrics and alerts for this target are
                getting stale. Failed reads in the last hour by cause: {{ with printf `@query@`
                $labels.instance $labels.target $labels.collector | query | sortByLabel "error" }}{{ range $i, $e := . }}{{ if $i }},
                {{ end }}{{ label "error" $e }} {{ value $e | printf "%.0f" }}{{ end }}{{ else }}none counted{{ end }}.
              |||, {
                'for': cfg.exporterCollectionFailingFor,
                query: 'sum by (error) (increase(aws_backup_exporter_collection_errors_total{%s}[1h]))'
                       % sel(['instance=%q', 'target=%q', 'collector=%q']),
              }),
              runbook: text(|||
                1. Read the exporter's logs (target={{ $labels.target }}) and the dashboard's "Exporter
                health" row (failed reads by cause, API requests by outcome).
                2. access_denied: credentials (IRSA role, role_arn trust policy, external_id) or
                missing backup:List* / backup:Describe* permissions; for account_id "*", the
                management or delegated administrator account. throttled: lower
                aws.requests_per_second or raise refresh_interval. timeout / network: the route to the
                AWS endpoint (VPC endpoints, proxy, endpoint_url, aws.timeout). server: an AWS-side
                error, retried at every refresh. malformed: a response the exporter refused (e.g. a
                repeated NextToken); report it with the logs.
                3. Validate the configuration with --check-config.
              |||),
            },
          },
          {
            alert: 'AwsBackupExporterAbsent',
            expr: 'absent(aws_backup_exporter_build_info{%s})\n' % s,
            'for': cfg.exporterAbsentFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'aws-backup-exporter is not scraped',
              description: text(|||
                No aws-backup-exporter has been scraped successfully for @for@
                (aws_backup_exporter_build_info is absent): failed, expired and missing backups are
                not being detected.
              |||, { 'for': cfg.exporterAbsentFor }),
              runbook: text(|||
                1. Check that the exporter runs (kubectl -n monitoring get pods -l
                app.kubernetes.io/name=aws-backup-exporter) and read its logs.
                2. Check that Prometheus discovers it: Status > Targets (ServiceMonitor labels,
                namespace selectors, Service port name "metrics").
                3. If the exporter runs but /metrics fails, check --web.config.file (TLS, basic auth)
                against the scrape configuration.
              |||),
            },
          },
          {
            alert: 'AwsBackupExporterDown',
            expr: 'up{%s} == 0\n' % s,
            'for': cfg.exporterDownFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'aws-backup-exporter {{ $labels.instance }} is down',
              description: text(|||
                Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for
                @for@.
              |||, { 'for': cfg.exporterDownFor }),
              runbook: text(|||
                1. Check the process or pod and its logs (crash loop, out of memory, bad config: run
                it with --check-config).
                2. Check the scrape error on Prometheus' Targets page (TLS, basic auth, timeout).
              |||),
            },
          },
        ],
      },
    ],
  },
}
