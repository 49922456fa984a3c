// Recording rules of the aws-backup-exporter mixin: the default backup-age threshold and the
// restart-safe count of jobs that finished within the event window.
local utils = import 'lib/utils.libsonnet';

{
  prometheusRules+:: {
    local cfg = $._config,
    local s = cfg.awsBackupExporterSelector,
    local w = cfg.eventWindow,

    groups+: [
      {
        name: 'aws-backup-thresholds',
        rules: [
          // The default, for every resource type without an override (no resource_type label).
          // Recorded without a job label, so no selector reads it.
          {
            record: 'aws_backup_max_backup_age_seconds',
            expr: 'vector(%s)' % utils.num(utils.seconds(cfg.backupMaxAge)),
          },
        ],
      },
      {
        name: 'aws-backup-jobs-recording',
        rules: [
          // Jobs that ended within the event window, per label set, restart-safe.
          // Clause 1: a series that did not exist one window ago and is younger than its
          // exporter's scrapes (the exporter was already scraped when it appeared): every count
          // it holds is new. Clause 2: increase() for everything else (counter resets included).
          {
            record: 'aws_backup:jobs_finished:increase%s' % w,
            expr: |||
              (
                (
                    aws_backup_jobs_finished_total{%(s)s}
                  unless
                    aws_backup_jobs_finished_total{%(s)s} offset %(w)s
                )
                and
                (
                    count_over_time(aws_backup_jobs_finished_total{%(s)s}[%(w)s])
                  < on (job, instance) group_left ()
                    sum by (job, instance) (count_over_time(aws_backup_exporter_build_info{%(s)s}[%(w)s]))
                )
              )
              or
                increase(aws_backup_jobs_finished_total{%(s)s}[%(w)s])
            ||| % { s: s, w: w },
          },
        ],
      },
    ],
  },
}
