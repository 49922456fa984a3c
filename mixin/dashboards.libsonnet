// Grafana dashboards of the aws-backup-exporter mixin. The dashboard is kept as plain Grafana
// JSON in mixin/dashboards/ (edit it in Grafana, export, and save it there), written without
// the exporter selector: every query of the exporter's series uses braces, `m{}` when it has no
// matcher of its own, and the selector of _config goes into each of them here, as it does into
// the query variables. `@backupMaxAge@` and `@backupMaxAgeSeconds@` stand for _config.backupMaxAge.
local utils = import 'lib/utils.libsonnet';

{
  grafanaDashboards+:: {
    'aws-backup.json': utils.dashboard(
      import 'dashboards/aws-backup.json',
      $._config.awsBackupExporterSelector,
      {
        backupMaxAge: $._config.backupMaxAge,
        backupMaxAgeSeconds: utils.num(utils.seconds($._config.backupMaxAge)),
      },
    ),
  },
}
